"""Microsoft.Compute/disks and snapshots over HTTPS (DiskRP, `../shared/reference/azure.md` §2.6).

PUT answers 202 with `Azure-AsyncOperation` and `Location` and the body in
`provisioningState: Updating` while the simulator is still making the disk (a copy from a
snapshot takes the latency model's "disk.copy"), or 200 when nothing was left to do (an update
of size, sku or tags); the Azure SDK accepts both. DELETE answers 202 (204 when already gone).
`creationData.imageReference.id` takes a platform image id
(`/Subscriptions/{s}/Providers/Microsoft.Compute/Locations/{l}/Publishers/{p}/ArtifactTypes/
VMImage/Offers/{o}/Skus/{k}/Versions/{v}`) or a custom image id;
`galleryImageReference.id` a gallery image (version) id.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any, Literal, cast

from spotkeeper.sim.arm.calls import Call, Reply
from spotkeeper.sim.arm.operations import accepted
from spotkeeper.sim.arm.wire import (
    Json,
    choice,
    deep_merge,
    envelope,
    flag,
    integer,
    iso,
    listing,
    pick,
    required_text,
    single_zone,
    tags,
    text,
)
from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.disk_models import DiskSnapshot, ManagedDisk, disk_state
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import COMPUTE, key_of
from spotkeeper.sim.images import ImageReference

DISK_TYPE = "Microsoft.Compute/disks"
SNAPSHOT_TYPE = "Microsoft.Compute/snapshots"
_GIB = 1024**3
_PLATFORM_IMAGE = re.compile(
    r"^/subscriptions/[^/]+/providers/microsoft\.compute/locations/[^/]+/publishers/(?P<publisher>[^/]+)"
    r"/artifacttypes/vmimage/offers/(?P<offer>[^/]+)/skus/(?P<sku>[^/]+)/versions/(?P<version>[^/]+)$",
    re.IGNORECASE,
)
_TIERS = {"premium": "Premium", "standardssd": "Standard", "standard": "Standard", "ultrassd": "Ultra"}


def platform_image_id(subscription: str, location: str, image: ImageReference) -> str:
    return (
        f"/Subscriptions/{subscription}/Providers/Microsoft.Compute/Locations/{location}/Publishers/"
        f"{image.publisher}/ArtifactTypes/VMImage/Offers/{image.offer}/Skus/{image.sku}/Versions/{image.version}"
    )


def _image_from_id(image_id: str) -> ImageReference:
    match = _PLATFORM_IMAGE.match(image_id.strip())
    if match is None:
        return ImageReference(id=image_id)
    return ImageReference(
        publisher=match["publisher"], offer=match["offer"], sku=match["sku"], version=match["version"]
    )


def _tier(sku: str) -> str:
    prefix = sku.split("_", 1)[0].lower().removesuffix("v2")
    return _TIERS.get(prefix, "Standard")


# ----------------------------------------------------------------------------- disks


def disk_document(sim: SimAzure, disk: ManagedDisk) -> Json:
    image = disk.image
    creation: Json = {"createOption": disk.create_option, "sourceResourceId": disk.source_id}
    if disk.create_option == "FromImage" and image is not None:
        if image.id and "/galleries/" in image.id.lower():
            creation["galleryImageReference"] = {"id": image.id}
        else:
            creation["imageReference"] = {
                "id": image.id or platform_image_id(sim.subscription_id, disk.location, image)
            }
    return envelope(
        disk.id,
        disk.name,
        DISK_TYPE,
        location=disk.location,
        tags=disk.tags,
        zones=[disk.zone] if disk.zone else None,
        sku={"name": disk.sku, "tier": _tier(disk.sku)},
        managedBy=disk.managed_by,
        properties={
            "osType": disk.os_type,
            "hyperVGeneration": disk.hyperv_generation,
            "creationData": creation,
            "diskSizeGB": disk.size_gb,
            "diskSizeBytes": disk.size_gb * _GIB,
            "uniqueId": disk.unique_id,
            "provisioningState": disk.provisioning_state,
            "diskState": disk_state(sim.ctx, disk),
            "timeCreated": iso(disk.time_created),
            "securityProfile": None if disk.security_type is None else {"securityType": disk.security_type},
            "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
            "networkAccessPolicy": "AllowAll",
            "publicNetworkAccess": "Enabled",
        },
    )


def _put_disk_from(call: Call, body: Mapping[str, Any]) -> Reply:
    sim, group, name = call.sim, call.param("group"), call.param("name")
    props = pick(body, "properties")
    where = "properties.creationData"
    option = choice(
        required_text(props, "creationData.createOption"),
        ("Empty", "Copy", "FromImage"),
        f"{where}.createOption",
    )
    image_id = text(props, "creationData.imageReference.id") or text(
        props, "creationData.galleryImageReference.id"
    )
    mark = call.operations.mark()
    disk = sim.storage.create_or_update_disk(
        group,
        name,
        location=required_text(body, "location"),
        sku=text(body, "sku.name") or "Standard_LRS",
        create_option=cast(Literal["Empty", "Copy", "FromImage"], option),
        size_gb=integer(props, "diskSizeGB"),
        zone=single_zone(body),
        source_id=text(props, "creationData.sourceResourceId"),
        image=None if image_id is None else _image_from_id(image_id),
        os_type=cast(
            Literal["Linux", "Windows"] | None,
            choice(text(props, "osType"), ("Linux", "Windows"), "properties.osType"),
        ),
        hyperv_generation=cast(
            Literal["V1", "V2"] | None,
            choice(text(props, "hyperVGeneration"), ("V1", "V2"), "properties.hyperVGeneration"),
        ),
        security_type=text(props, "securityProfile.securityType"),
        tags=tags(body),
    )
    operation = call.operations.started(disk.id, mark, namespace=COMPUTE, location=disk.location)
    if operation.op is None:
        return Reply(200, disk_document(sim, disk))  # DiskRP answers 200 or 202, never 201
    return accepted(call, operation, status=202, body=disk_document(sim, disk), location_header=True)


def _disk_exists(sim: SimAzure, group: str, name: str) -> bool:
    try:
        sim.storage.get_disk(group, name)
    except ArmError as error:
        if error.status == 404:
            return False
        raise
    return True


def put_disk(call: Call) -> Reply:
    return _put_disk_from(call, call.json_body())


def patch_disk(call: Call) -> Reply:
    disk = call.sim.storage.get_disk(call.param("group"), call.param("name"))
    return _put_disk_from(call, deep_merge(disk_document(call.sim, disk), call.json_body()))


def get_disk(call: Call) -> Reply:
    return Reply(
        200, disk_document(call.sim, call.sim.storage.get_disk(call.param("group"), call.param("name")))
    )


def delete_disk(call: Call) -> Reply:
    sim, group, name = call.sim, call.param("group"), call.param("name")
    if not _disk_exists(sim, group, name):
        sim.groups.get(group)
        return Reply(204)
    disk = sim.storage.get_disk(group, name)
    mark = call.operations.mark()
    sim.storage.delete_disk(group, name)
    operation = call.operations.started(disk.id, mark, namespace=COMPUTE, location=disk.location)
    return accepted(call, operation, status=202, location_header=True)


def list_disks_in_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group"))
    return Reply(
        200,
        listing(disk_document(call.sim, d) for d in call.sim.storage.list_disks(resource_group=group.name)),
    )


def list_disks(call: Call) -> Reply:
    return Reply(200, listing(disk_document(call.sim, d) for d in call.sim.storage.list_disks()))


# ----------------------------------------------------------------------------- snapshots


def snapshot_document(sim: SimAzure, snap: DiskSnapshot) -> Json:
    now = sim.now()
    return envelope(
        snap.id,
        snap.name,
        SNAPSHOT_TYPE,
        location=snap.location,
        tags=snap.tags,
        sku={"name": snap.sku, "tier": "Premium" if snap.sku.startswith("Premium") else "Standard"},
        properties={
            "osType": snap.os_type,
            "hyperVGeneration": snap.hyperv_generation,
            "creationData": {
                "createOption": "Copy",
                "sourceResourceId": snap.source_id,
                "sourceUniqueId": snap.source_unique_id,
            },
            "diskSizeGB": snap.size_gb,
            "diskSizeBytes": snap.size_gb * _GIB,
            "uniqueId": str(uuid.uuid5(uuid.NAMESPACE_URL, key_of(snap.id))),
            "incremental": snap.incremental,
            "incrementalSnapshotFamilyId": str(uuid.uuid5(uuid.NAMESPACE_URL, snap.source_unique_id))
            if snap.incremental
            else None,
            "provisioningState": snap.provisioning_state,
            "completionPercent": snap.completion_percent(now),
            "timeCreated": iso(snap.time_created),
            "diskState": "Unattached",
            "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
            "networkAccessPolicy": "AllowAll",
            "publicNetworkAccess": "Enabled",
        },
    )


def _snapshot_exists(sim: SimAzure, group: str, name: str) -> bool:
    try:
        sim.storage.get_snapshot(group, name)
    except ArmError as error:
        if error.status == 404:
            return False
        raise
    return True


def _put_snapshot_from(call: Call, body: Mapping[str, Any]) -> Reply:
    sim, group, name = call.sim, call.param("group"), call.param("name")
    props = pick(body, "properties")
    choice(
        text(props, "creationData.createOption") or "Copy",
        ("Copy", "CopyStart"),
        "properties.creationData.createOption",
    )
    mark = call.operations.mark()
    snap = sim.storage.create_or_update_snapshot(
        group,
        name,
        location=required_text(body, "location"),
        source_id=required_text(props, "creationData.sourceResourceId"),
        incremental=flag(props, "incremental"),
        sku=text(body, "sku.name"),
        tags=tags(body),
    )
    operation = call.operations.started(snap.id, mark, namespace=COMPUTE, location=snap.location)
    if operation.op is None:
        return Reply(200, snapshot_document(sim, snap))
    return accepted(call, operation, status=202, body=snapshot_document(sim, snap), location_header=True)


def put_snapshot(call: Call) -> Reply:
    return _put_snapshot_from(call, call.json_body())


def patch_snapshot(call: Call) -> Reply:
    snap = call.sim.storage.get_snapshot(call.param("group"), call.param("name"))
    return _put_snapshot_from(call, deep_merge(snapshot_document(call.sim, snap), call.json_body()))


def get_snapshot(call: Call) -> Reply:
    snap = call.sim.storage.get_snapshot(call.param("group"), call.param("name"))
    return Reply(200, snapshot_document(call.sim, snap))


def delete_snapshot(call: Call) -> Reply:
    sim, group, name = call.sim, call.param("group"), call.param("name")
    if not _snapshot_exists(sim, group, name):
        sim.groups.get(group)
        return Reply(204)
    snap = sim.storage.get_snapshot(group, name)
    mark = call.operations.mark()
    sim.storage.delete_snapshot(group, name)
    operation = call.operations.started(snap.id, mark, namespace=COMPUTE, location=snap.location)
    return accepted(call, operation, status=202, location_header=True)


def list_snapshots_in_group(call: Call) -> Reply:
    group = call.sim.groups.get(call.param("group")).name.lower()
    snaps = [s for s in call.sim.storage.list_snapshots() if s.resource_group.lower() == group]
    return Reply(200, listing(snapshot_document(call.sim, s) for s in snaps))


def list_snapshots(call: Call) -> Reply:
    return Reply(200, listing(snapshot_document(call.sim, s) for s in call.sim.storage.list_snapshots()))
