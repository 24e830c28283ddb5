"""Images over HTTPS: custom images (PUT and reads), Azure Compute Gallery galleries, image
definitions and versions (reads), and marketplace image versions from the catalog.

A driver reads these to learn what a node's image is (OS, generalized or specialized, Hyper-V
generation, architecture, data-disk LUNs) before it builds a VM. Marketplace images exist in
the catalog without versions; the facade offers each as one version, `1.0.0`, which `latest`
resolves to. A custom image PUT captures a managed disk
(`storageProfile.osDisk.managedDisk.id`) or a generalized VM's OS disk
(`sourceVirtualMachine.id`), and completes at once (200/201, `Succeeded`).
"""

from __future__ import annotations

from typing import Literal, cast

from spotkeeper.sim.arm.calls import Call, Reply
from spotkeeper.sim.arm.wire import (
    Json,
    choice,
    envelope,
    integer,
    listing,
    objects,
    pick,
    required_text,
    tags,
    text,
)
from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.context import not_found
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import COMPUTE, key_of, resource_id
from spotkeeper.sim.images import CustomImage, Gallery, GalleryImage, GalleryImageVersion, OsState, OsType

MARKETPLACE_VERSION = "1.0.0"


# ----------------------------------------------------------------------------- custom images


def image_document(image: CustomImage) -> Json:
    return envelope(
        image.id,
        image.name,
        "Microsoft.Compute/images",
        location=image.location,
        tags=image.tags,
        properties={
            "provisioningState": image.provisioning_state,
            "hyperVGeneration": image.hyperv_generation,
            "storageProfile": {
                "osDisk": {
                    "osType": image.os_type,
                    "osState": image.os_state,
                    "diskSizeGB": image.os_disk_size_gb,
                    "storageAccountType": "Premium_LRS",
                },
                "dataDisks": [{"lun": d.lun, "diskSizeGB": d.size_gb} for d in image.data_disks],
                "zoneResilient": False,
            },
        },
    )


def put_image(call: Call) -> Reply:
    sim, group, name = call.sim, call.param("group"), call.param("name")
    body = call.json_body()
    props = pick(body, "properties")
    source_disk = text(props, "storageProfile.osDisk.managedDisk.id")
    source_vm = text(props, "sourceVirtualMachine.id")
    os_type: OsType
    os_state: OsState
    if source_vm is not None:
        vm = next((v for v in sim.compute.list_vms() if key_of(v.id) == key_of(source_vm)), None)
        if vm is None:
            raise ArmError(404, "NotFound", f"Source virtual machine '{source_vm}' was not found.")
        if not vm.generalized:
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"The source virtual machine '{source_vm}' must be generalized to create an image.",
            )
        source_disk, os_type, os_state = vm.os_disk_id, vm.os_type, "Generalized"
    else:
        os_type = cast(
            OsType,
            choice(
                required_text(props, "storageProfile.osDisk.osType"),
                ("Linux", "Windows"),
                "storageProfile.osDisk.osType",
            ),
        )
        os_state = cast(
            OsState,
            choice(
                text(props, "storageProfile.osDisk.osState") or "Generalized",
                ("Generalized", "Specialized"),
                "storageProfile.osDisk.osState",
            ),
        )
    data_disks = []
    for index, disk in enumerate(objects(props, "storageProfile.dataDisks")):
        lun, size = integer(disk, "lun"), integer(disk, "diskSizeGB")
        if lun is None or size is None:
            raise ArmError(
                400,
                "InvalidParameter",
                f"storageProfile.dataDisks[{index}] needs lun and diskSizeGB.",
                target=f"properties.storageProfile.dataDisks[{index}]",
            )
        data_disks.append((lun, size))
    image_key = key_of(resource_id(sim.subscription_id, group, COMPUTE, "images", name))
    existed = image_key in sim.ctx.state.images
    image = sim.images.create_or_update_image(
        group,
        name,
        location=required_text(body, "location"),
        os_type=os_type,
        os_state=os_state,
        hyperv_generation=cast(
            Literal["V1", "V2"],
            choice(text(props, "hyperVGeneration") or "V2", ("V1", "V2"), "hyperVGeneration"),
        ),
        os_disk_size_gb=integer(props, "storageProfile.osDisk.diskSizeGB"),
        data_disks=data_disks,
        source_disk_id=source_disk,
        tags=tags(body),
    )
    return Reply(200 if existed else 201, image_document(image))


def _image(sim: SimAzure, group: str, name: str) -> CustomImage:
    image = sim.ctx.state.images.get(key_of(resource_id(sim.subscription_id, group, COMPUTE, "images", name)))
    if image is None:
        raise not_found("Microsoft.Compute/images", group, name)
    return image


def get_image(call: Call) -> Reply:
    return Reply(200, image_document(_image(call.sim, call.param("group"), call.param("name"))))


def _all_images(sim: SimAzure) -> list[CustomImage]:
    with sim.ctx.lock:
        return [sim.ctx.state.images[k] for k in sorted(sim.ctx.state.images)]


def list_images_in_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group")).name.lower()
    found = [i for i in _all_images(call.sim) if i.resource_group.lower() == group]
    return Reply(200, listing(image_document(i) for i in found))


def list_images(call: Call) -> Reply:
    return Reply(200, listing(image_document(i) for i in _all_images(call.sim)))


# ----------------------------------------------------------------------------- galleries


def gallery_document(gallery: Gallery) -> Json:
    return envelope(
        gallery.id,
        gallery.name,
        "Microsoft.Compute/galleries",
        location=gallery.location,
        tags=gallery.tags,
        properties={"provisioningState": "Succeeded", "identifier": {"uniqueName": f"sim-{gallery.name}"}},
    )


def gallery_image_document(image: GalleryImage) -> Json:
    return envelope(
        image.id,
        image.name,
        "Microsoft.Compute/galleries/images",
        location=image.location,
        properties={
            "provisioningState": "Succeeded",
            "osType": image.os_type,
            "osState": image.os_state,
            "hyperVGeneration": image.hyperv_generation,
            "architecture": image.architecture,
            "identifier": {"publisher": image.publisher, "offer": image.offer, "sku": image.sku},
        },
    )


def gallery_version_document(version: GalleryImageVersion) -> Json:
    return envelope(
        version.id,
        version.name,
        "Microsoft.Compute/galleries/images/versions",
        location=version.location,
        properties={
            "provisioningState": version.provisioning_state,
            "publishingProfile": {
                "targetRegions": [{"name": r, "regionalReplicaCount": 1} for r in version.regions],
                "excludeFromLatest": version.exclude_from_latest,
            },
            "storageProfile": {
                "osDiskImage": {"sizeInGB": version.os_disk_size_gb, "hostCaching": "ReadWrite"},
                "dataDiskImages": [{"lun": d.lun, "sizeInGB": d.size_gb} for d in version.data_disks],
            },
        },
    )


def _gallery(call: Call) -> Gallery:
    sim, group, name = call.sim, call.param("group"), call.param("gallery")
    gallery = sim.ctx.state.galleries.get(
        key_of(resource_id(sim.subscription_id, group, COMPUTE, "galleries", name))
    )
    if gallery is None:
        raise not_found("Microsoft.Compute/galleries", group, name)
    return gallery


def _gallery_image(call: Call) -> GalleryImage:
    gallery = _gallery(call)
    image = call.sim.ctx.state.gallery_images.get(key_of(f"{gallery.id}/images/{call.param('image')}"))
    if image is None:
        raise not_found(
            "Microsoft.Compute/galleries/images",
            gallery.resource_group,
            f"{gallery.name}/{call.param('image')}",
        )
    return image


def get_gallery(call: Call) -> Reply:
    return Reply(200, gallery_document(_gallery(call)))


def list_galleries_in_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group")).name.lower()
    state = call.sim.ctx.state
    found = [
        state.galleries[k]
        for k in sorted(state.galleries)
        if state.galleries[k].resource_group.lower() == group
    ]
    return Reply(200, listing(gallery_document(g) for g in found))


def list_galleries(call: Call) -> Reply:
    state = call.sim.ctx.state
    return Reply(200, listing(gallery_document(state.galleries[k]) for k in sorted(state.galleries)))


def get_gallery_image(call: Call) -> Reply:
    return Reply(200, gallery_image_document(_gallery_image(call)))


def list_gallery_images(call: Call) -> Reply:
    gallery = _gallery(call)
    state = call.sim.ctx.state
    prefix = key_of(gallery.id) + "/images/"
    found = [state.gallery_images[k] for k in sorted(state.gallery_images) if k.startswith(prefix)]
    return Reply(200, listing(gallery_image_document(i) for i in found))


def _versions(call: Call, image: GalleryImage) -> list[GalleryImageVersion]:
    state = call.sim.ctx.state
    return sorted(
        (v for v in state.gallery_versions.values() if key_of(v.image_id) == key_of(image.id)),
        key=lambda v: v.sort_key,
    )


def get_gallery_version(call: Call) -> Reply:
    image = _gallery_image(call)
    wanted = call.param("version")
    version = next((v for v in _versions(call, image) if v.name == wanted), None)
    if version is None:
        raise not_found(
            "Microsoft.Compute/galleries/images/versions",
            image.resource_group,
            f"{image.gallery}/{image.name}/{wanted}",
        )
    return Reply(200, gallery_version_document(version))


def list_gallery_versions(call: Call) -> Reply:
    return Reply(200, listing(gallery_version_document(v) for v in _versions(call, _gallery_image(call))))


# ----------------------------------------------------------------------------- marketplace


def _marketplace(call: Call) -> tuple[str, Json]:
    sim = call.sim
    location = call.param("location").lower()
    image = sim.catalog.find_image(call.param("publisher"), call.param("offer"), call.param("sku"))
    if image is None or (image.regions and location not in image.regions):
        urn = f"{call.param('publisher')}:{call.param('offer')}:{call.param('sku')}"
        raise ArmError(404, "NotFound", f"Artifact: VMImage was not found: {urn} in {location}.")
    base = (
        f"/Subscriptions/{sim.subscription_id}/Providers/Microsoft.Compute/Locations/{location}/Publishers/"
        f"{image.publisher}/ArtifactTypes/VMImage/Offers/{image.offer}/Skus/{image.sku}/Versions/{MARKETPLACE_VERSION}"
    )
    return base, {
        "id": base,
        "name": MARKETPLACE_VERSION,
        "location": location,
        "properties": {
            "osDiskImage": {"operatingSystem": image.os, "sizeInGb": 30 if image.os == "Linux" else 127},
            "dataDiskImages": [],
            "hyperVGeneration": image.generation,
            "architecture": image.architecture,
            "imageDeprecationStatus": {"imageState": "Active"},
        },
    }


def get_marketplace_version(call: Call) -> Reply:
    _, document = _marketplace(call)
    if call.param("version").lower() not in ("latest", MARKETPLACE_VERSION):
        raise ArmError(404, "NotFound", f"Artifact: VMImage version {call.param('version')} was not found.")
    return Reply(200, document)


def list_marketplace_versions(call: Call) -> Reply:
    """A plain JSON array of `VirtualMachineImageResource`, as ARM lists image versions."""
    base, document = _marketplace(call)
    return Reply(200, [{"id": base, "name": document["name"], "location": document["location"]}])
