"""Images of the simulated Azure: marketplace images (from the catalog), custom images and
Azure Compute Gallery images, each generalized or specialized, with or without data disks.

A node's OS comes from one of three places, and the rules differ in ways a replacement VM
trips over: a generalized image needs an `osProfile` (first-boot provisioning), a specialized
one refuses it; an image's Hyper-V generation and architecture must suit the VM size; an image
with data-disk definitions gives the VM data disks at those LUNs. Gallery "latest" is the
highest version not excluded from latest.

Every image carries content bytes, so a disk created from it starts with a known fingerprint
(and an image captured from a disk carries that disk's content). Marketplace images are
offered in the regions the catalog lists; custom images in their own region; gallery versions
in the regions they are replicated to (their own by default).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from spotkeeper.sim.context import SimContext, check_tags, missing, not_found, settled
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import COMPUTE, key_of, parse_id, resource_id

OsType = Literal["Linux", "Windows"]
OsState = Literal["Generalized", "Specialized"]
Generation = Literal["V1", "V2"]
Architecture = Literal["x64", "Arm64"]

_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_GALLERY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.]{0,79}$")
_MARKETPLACE_VERSION = re.compile(r"^(latest|\d+(\.\d+){1,3})$", re.IGNORECASE)
DEFAULT_OS_DISK_GB: Mapping[str, int] = {"Linux": 30, "Windows": 127}


@dataclass(frozen=True)
class ImageReference:
    """ARM's `imageReference`: publisher/offer/sku/version for a marketplace image, or `id` of a
    custom image, a gallery image (= its latest version) or a gallery image version."""

    publisher: str = ""
    offer: str = ""
    sku: str = ""
    version: str = "latest"
    id: str | None = None

    def describe(self) -> str:
        return self.id or f"{self.publisher}:{self.offer}:{self.sku}:{self.version}"


@dataclass(frozen=True)
class ImageDataDisk:
    lun: int
    size_gb: int


@dataclass
class CustomImage:
    id: str
    resource_group: str
    name: str
    location: str
    os_type: OsType
    os_state: OsState
    hyperv_generation: Generation
    architecture: Architecture
    os_disk_size_gb: int
    data_disks: tuple[ImageDataDisk, ...]
    content: bytes
    data_contents: dict[int, bytes] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"


@dataclass
class Gallery:
    id: str
    resource_group: str
    name: str
    location: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class GalleryImage:
    """An image definition: what every version of it is (OS, state, generation)."""

    id: str
    resource_group: str
    gallery: str
    name: str
    location: str
    os_type: OsType
    os_state: OsState
    hyperv_generation: Generation
    architecture: Architecture
    publisher: str
    offer: str
    sku: str


@dataclass
class GalleryImageVersion:
    id: str
    image_id: str
    name: str  # "1.0.0"
    location: str
    regions: tuple[str, ...]
    os_disk_size_gb: int
    data_disks: tuple[ImageDataDisk, ...]
    content: bytes
    data_contents: dict[int, bytes] = field(default_factory=dict)
    exclude_from_latest: bool = False
    provisioning_state: str = "Succeeded"

    @property
    def sort_key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.name.split("."))


@dataclass(frozen=True)
class ResolvedImage:
    """What an image reference points at, whatever its kind."""

    kind: Literal["marketplace", "custom", "gallery"]
    id: str  # resource id, or the URN for a marketplace image
    os_type: OsType
    os_state: OsState
    hyperv_generation: Generation
    architecture: Architecture
    os_disk_size_gb: int
    data_disks: tuple[ImageDataDisk, ...]
    content: bytes
    data_contents: Mapping[int, bytes]
    publisher: str = ""
    offer: str = ""
    sku: str = ""
    version: str = "latest"
    resource_group: str = ""
    name: str = ""
    gallery: str = ""


class ImageService:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx

    @settled
    def create_or_update_image(
        self,
        resource_group: str,
        name: str,
        *,
        location: str,
        os_type: OsType,
        os_state: OsState = "Generalized",
        hyperv_generation: Generation = "V2",
        architecture: Architecture = "x64",
        os_disk_size_gb: int | None = None,
        data_disks: Sequence[tuple[int, int]] = (),
        source_disk_id: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> CustomImage:
        """A custom image; `data_disks` are (lun, size_gb). With `source_disk_id` the image
        captures that disk's content (and size)."""
        ctx = self.ctx
        group = ctx.require_group(resource_group)
        region = ctx.require_region(location)
        image_id = resource_id(ctx.subscription_id, group.name, COMPUTE, "images", name)
        content, size = self._source(source_disk_id, default=f"custom-image:{key_of(image_id)}".encode())
        image = CustomImage(
            image_id,
            group.name,
            name,
            region.name,
            os_type,
            os_state,
            hyperv_generation,
            architecture,
            os_disk_size_gb or size or DEFAULT_OS_DISK_GB[os_type],
            _data_disks(data_disks),
            content,
            {lun: f"{key_of(image_id)}:lun{lun}".encode() for lun, _ in data_disks},
            check_tags(dict(tags or {})),
        )
        ctx.state.images[key_of(image_id)] = image
        ctx.record("image.put", image_id, f"{os_type} {os_state} {hyperv_generation}")
        return image

    @settled
    def create_or_update_gallery(
        self, resource_group: str, name: str, *, location: str, tags: Mapping[str, str] | None = None
    ) -> Gallery:
        ctx = self.ctx
        group = ctx.require_group(resource_group)
        region = ctx.require_region(location)
        if not _GALLERY_NAME.match(name):
            raise ArmError(
                400,
                "InvalidGalleryName",
                f"Gallery name '{name}' is invalid: use letters, digits, underscores and periods "
                f"(no hyphens), at most 80 characters.",
                target="name",
            )
        gallery_id = resource_id(ctx.subscription_id, group.name, COMPUTE, "galleries", name)
        gallery = ctx.state.galleries.get(key_of(gallery_id)) or Gallery(
            gallery_id, group.name, name, region.name
        )
        gallery.tags = check_tags(dict(tags or {}))
        ctx.state.galleries[key_of(gallery_id)] = gallery
        return gallery

    @settled
    def create_or_update_gallery_image(
        self,
        resource_group: str,
        gallery: str,
        name: str,
        *,
        location: str,
        os_type: OsType,
        os_state: OsState,
        hyperv_generation: Generation = "V2",
        architecture: Architecture = "x64",
        publisher: str,
        offer: str,
        sku: str,
    ) -> GalleryImage:
        ctx = self.ctx
        owner = self._gallery(resource_group, gallery)
        region = ctx.require_region(location)
        image_id = f"{owner.id}/images/{name}"
        existing = ctx.state.gallery_images.get(key_of(image_id))
        if existing is not None and (existing.os_state, existing.os_type) != (os_state, os_type):
            raise ArmError(
                409,
                "PropertyChangeNotAllowed",
                f"Changing property 'osState' or 'osType' of gallery image {name} is not allowed.",
            )
        image = GalleryImage(
            image_id,
            owner.resource_group,
            owner.name,
            name,
            region.name,
            os_type,
            os_state,
            hyperv_generation,
            architecture,
            publisher,
            offer,
            sku,
        )
        ctx.state.gallery_images[key_of(image_id)] = image
        ctx.record("gallery.image.put", image_id, f"{os_type} {os_state} {hyperv_generation}")
        return image

    @settled
    def create_or_update_gallery_image_version(
        self,
        resource_group: str,
        gallery: str,
        image: str,
        version: str,
        *,
        location: str,
        regions: Sequence[str] = (),
        os_disk_size_gb: int | None = None,
        data_disks: Sequence[tuple[int, int]] = (),
        source_disk_id: str | None = None,
        exclude_from_latest: bool = False,
    ) -> GalleryImageVersion:
        ctx = self.ctx
        owner = self._gallery(resource_group, gallery)
        definition = ctx.state.gallery_images.get(key_of(f"{owner.id}/images/{image}"))
        if definition is None:
            raise not_found("Microsoft.Compute/galleries/images", resource_group, f"{gallery}/{image}")
        if not _SEMVER.match(version):
            raise ArmError(
                400,
                "InvalidParameter",
                f"Gallery image version name '{version}' must be Major.Minor.Patch (e.g. 1.0.0).",
                target="name",
            )
        region = ctx.require_region(location)
        replicas = tuple(sorted({region.name, *(ctx.require_region(r).name for r in regions)}))
        version_id = f"{definition.id}/versions/{version}"
        content, size = self._source(source_disk_id, default=f"gallery-image:{key_of(version_id)}".encode())
        entry = GalleryImageVersion(
            version_id,
            definition.id,
            version,
            region.name,
            replicas,
            os_disk_size_gb or size or DEFAULT_OS_DISK_GB[definition.os_type],
            _data_disks(data_disks),
            content,
            {lun: f"{key_of(version_id)}:lun{lun}".encode() for lun, _ in data_disks},
            exclude_from_latest=exclude_from_latest,
        )
        ctx.state.gallery_versions[key_of(version_id)] = entry
        ctx.record("gallery.version.put", version_id, ",".join(replicas))
        return entry

    @settled
    def resolve(self, ref: ImageReference, location: str) -> ResolvedImage:
        """What `ref` is in `location`. 404 for an unknown image or one not offered there."""
        region = self.ctx.require_region(location).name
        if ref.id is None:
            return self._marketplace(ref, region)
        parsed = parse_id(ref.id)
        types = [] if parsed is None else [t.lower() for t in parsed.types]
        if parsed is not None and types == ["images"]:
            return self._custom(ref.id, region)
        if parsed is not None and types in (["galleries", "images"], ["galleries", "images", "versions"]):
            return self._gallery_version(ref.id, region)
        raise ArmError(
            400,
            "InvalidParameter",
            f"Image reference id '{ref.id}' is not a custom or gallery image id.",
            target="storageProfile.imageReference.id",
        )

    @settled
    def list_images(self, *, location: str) -> list[ResolvedImage]:
        """Custom images and gallery image versions usable in `location`."""
        region = location.lower()
        found = [self._custom(i.id, region) for i in self._sorted_images() if i.location == region]
        for key in sorted(self.ctx.state.gallery_versions):
            version = self.ctx.state.gallery_versions[key]
            if region in version.regions:
                found.append(self._gallery_version(version.id, region))
        return found

    # resolution --------------------------------------------------------------

    def _marketplace(self, ref: ImageReference, region: str) -> ResolvedImage:
        image = self.ctx.catalog.find_image(ref.publisher, ref.offer, ref.sku)
        urn = f"{ref.publisher}:{ref.offer}:{ref.sku}:{ref.version}"
        if (
            image is None
            or (image.regions and region not in image.regions)
            or not _MARKETPLACE_VERSION.match(ref.version)
        ):
            raise ArmError(
                404,
                "PlatformImageNotFound",
                f"The platform image '{urn}' is not available. Verify that all fields in the storage profile "
                f"are correct.",
                target="imageReference",
            )
        return ResolvedImage(
            "marketplace",
            urn,
            image.os,
            "Generalized",
            image.generation,
            image.architecture,
            DEFAULT_OS_DISK_GB[image.os],
            (),
            f"marketplace-image:{image.urn.lower()}".encode(),
            {},
            publisher=image.publisher,
            offer=image.offer,
            sku=image.sku,
            version=ref.version,
        )

    def _custom(self, image_id: str, region: str) -> ResolvedImage:
        image = self.ctx.state.images.get(key_of(image_id))
        if image is None:
            raise missing("Microsoft.Compute/images", image_id)
        if image.location != region:
            raise ArmError(
                400,
                "InvalidParameter",
                f"Image {image.id} is in {image.location}; a VM or disk in {region} cannot use it.",
                target="imageReference.id",
            )
        return ResolvedImage(
            "custom",
            image.id,
            image.os_type,
            image.os_state,
            image.hyperv_generation,
            image.architecture,
            image.os_disk_size_gb,
            image.data_disks,
            image.content,
            dict(image.data_contents),
            resource_group=image.resource_group,
            name=image.name,
        )

    def _gallery_version(self, ref_id: str, region: str) -> ResolvedImage:
        ctx = self.ctx
        image_key = key_of(ref_id).split("/versions/")[0]
        definition = ctx.state.gallery_images.get(image_key)
        parsed = parse_id(ref_id)
        if definition is None or parsed is None:
            raise not_found(
                "Microsoft.Compute/galleries/images",
                parsed.resource_group if parsed else "?",
                "/".join(parsed.names[:2]) if parsed else ref_id,
            )
        versions = [v for v in ctx.state.gallery_versions.values() if key_of(v.image_id) == image_key]
        if len(parsed.names) == 3:
            chosen = next((v for v in versions if v.name == parsed.names[2]), None)
        else:
            candidates = [v for v in versions if not v.exclude_from_latest]
            chosen = max(candidates, key=lambda v: v.sort_key, default=None)
        if chosen is None or region not in chosen.regions:
            what = parsed.names[2] if len(parsed.names) == 3 else "latest"
            raise not_found(
                "Microsoft.Compute/galleries/images/versions",
                definition.resource_group,
                f"{definition.gallery}/{definition.name}/{what} (in {region})",
            )
        return ResolvedImage(
            "gallery",
            chosen.id,
            definition.os_type,
            definition.os_state,
            definition.hyperv_generation,
            definition.architecture,
            chosen.os_disk_size_gb,
            chosen.data_disks,
            chosen.content,
            dict(chosen.data_contents),
            publisher=definition.publisher,
            offer=definition.offer,
            sku=definition.sku,
            version=chosen.name,
            resource_group=definition.resource_group,
            name=definition.name,
            gallery=definition.gallery,
        )

    def _gallery(self, resource_group: str, name: str) -> Gallery:
        gallery_id = resource_id(self.ctx.subscription_id, resource_group, COMPUTE, "galleries", name)
        gallery = self.ctx.state.galleries.get(key_of(gallery_id))
        if gallery is None:
            raise not_found("Microsoft.Compute/galleries", resource_group, name)
        return gallery

    def _sorted_images(self) -> list[CustomImage]:
        return [self.ctx.state.images[key] for key in sorted(self.ctx.state.images)]

    def _source(self, source_disk_id: str | None, *, default: bytes) -> tuple[bytes, int | None]:
        if source_disk_id is None:
            return default, None
        disk = self.ctx.state.disks.get(key_of(source_disk_id))
        if disk is None:
            raise missing("Microsoft.Compute/disks", source_disk_id)
        return disk.content, disk.size_gb


def _data_disks(pairs: Sequence[tuple[int, int]]) -> tuple[ImageDataDisk, ...]:
    luns = [lun for lun, _ in pairs]
    if len(set(luns)) != len(luns) or any(not 0 <= lun <= 63 for lun in luns):
        raise ArmError(
            400,
            "InvalidParameter",
            f"Image data disk LUNs must be unique and 0..63, got {luns}.",
            target="storageProfile.dataDiskImages",
        )
    return tuple(ImageDataDisk(lun, size) for lun, size in sorted(pairs))
