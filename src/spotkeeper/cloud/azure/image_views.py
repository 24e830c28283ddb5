"""Azure SDK image models → the port's `ImageInfo`, and the rules Azure resolves images by.

Three kinds of image reach a node: marketplace images (`VirtualMachineImage`, per version),
managed ("custom") images, and gallery image versions, whose definition carries the OS type,
state, generation and architecture while the version carries its data disks and the regions
it is replicated to. "latest" is the highest Major.Minor.Patch version not excluded from
latest, compared as numbers.
"""

from __future__ import annotations

from typing import Literal

from azure.mgmt.compute import models as compute

from spotkeeper.cloud.azure.ids import group_of
from spotkeeper.cloud.azure.mapping import os_type_of, sdk_word
from spotkeeper.cloud.port import ImageInfo, ImageRef


def _architecture(value: object) -> Literal["x64", "Arm64"]:
    return "Arm64" if (sdk_word(value) or "").lower() == "arm64" else "x64"


def _generation(value: object) -> Literal["V1", "V2"]:
    return "V2" if (sdk_word(value) or "").upper() == "V2" else "V1"


def _os_state(value: object) -> Literal["Generalized", "Specialized"]:
    return "Specialized" if (sdk_word(value) or "").lower() == "specialized" else "Generalized"


def marketplace_image_info(ref: ImageRef, image: compute.VirtualMachineImage) -> ImageInfo:
    props = image.properties
    os_image = props.os_disk_image if props else None
    return ImageInfo(
        ref=ref,
        os_type=os_type_of(os_image.operating_system if os_image else None) or "Linux",
        architecture=_architecture(props.architecture if props else None),
        hyperv_generation=_generation(props.hyper_v_generation if props else None),
        os_state="Generalized",
        data_disk_luns=tuple(
            sorted(d.lun for d in ((props.data_disk_images if props else None) or []) if d.lun is not None)
        ),
    )


def custom_image_info(image: compute.Image) -> ImageInfo:
    props = image.properties
    storage = props.storage_profile if props else None
    os_disk = storage.os_disk if storage else None
    return ImageInfo(
        ref=ImageRef("custom", resource_group=group_of(image.id or ""), name=image.name or ""),
        os_type=os_type_of(os_disk.os_type if os_disk else None) or "Linux",
        architecture="x64",  # managed images carry no architecture; Arm64 images live in galleries
        hyperv_generation=_generation(props.hyper_v_generation if props else None),
        os_state=_os_state(os_disk.os_state if os_disk else None),
        data_disk_luns=tuple(sorted(d.lun for d in ((storage.data_disks if storage else None) or []))),
    )


def gallery_image_info(
    definition: compute.GalleryImage, version: compute.GalleryImageVersion, *, gallery: str
) -> ImageInfo:
    props = definition.properties
    version_props = version.properties
    storage = version_props.storage_profile if version_props else None
    return ImageInfo(
        ref=ImageRef(
            "gallery",
            resource_group=group_of(definition.id or version.id or ""),
            gallery=gallery,
            name=definition.name or "",
            version=version.name or "",
        ),
        os_type=os_type_of(props.os_type if props else None) or "Linux",
        architecture=_architecture(props.architecture if props else None),
        hyperv_generation=_generation(props.hyper_v_generation if props else None),
        os_state=_os_state(props.os_state if props else None),
        data_disk_luns=tuple(sorted(d.lun for d in ((storage.data_disk_images if storage else None) or []))),
    )


def version_regions(version: compute.GalleryImageVersion) -> set[str]:
    """Where a gallery image version is replicated, as ARM region names ("East US" → "eastus")."""
    profile = version.properties.publishing_profile if version.properties else None
    return {r.name.replace(" ", "").lower() for r in ((profile.target_regions if profile else None) or [])}


def excluded_from_latest(version: compute.GalleryImageVersion) -> bool:
    profile = version.properties.publishing_profile if version.properties else None
    return bool(profile and profile.exclude_from_latest)


def version_key(name: str) -> tuple[int, ...]:
    """Gallery versions are Major.Minor.Patch; compare them as numbers."""
    try:
        return tuple(int(part) for part in name.split("."))
    except ValueError:
        return (-1,)


__all__ = [
    "custom_image_info",
    "excluded_from_latest",
    "gallery_image_info",
    "marketplace_image_info",
    "version_key",
    "version_regions",
]
