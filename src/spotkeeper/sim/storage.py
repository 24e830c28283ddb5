"""Managed disks and snapshots of the simulated Azure, with content.

A stateful node's promise is its data, so every simulated disk holds bytes: `write_disk` puts
content on a disk, `read_disk` reads it back and `disk_fingerprint` is its SHA-256. A snapshot
captures the content its disk had when the snapshot was taken; a disk created by `Copy` from a
snapshot (or a disk) starts with that content, and one created `FromImage` with the image's.
A test proves "no data lost" by comparing fingerprints before an eviction and after recovery.

Azure's rules that bite a replacement VM are enforced where they are decided: attaching (in
`compute`) checks one VM at a time and the zone rule below; here, a disk keeps its zone for
life (`PropertyChangeNotAllowed`), cannot shrink, and cannot be deleted while attached.

Zones: a zonal disk (LRS sku with a zone) attaches only to a VM in that zone; a regional LRS
disk attaches only to a VM with no zone; a zone-redundant disk (`*_ZRS`, which takes no zone)
attaches to any VM of its region. Snapshots are regional (zone-redundant where the region has
zones), which is how a node moves between zones: snapshot, then copy into the new zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from spotkeeper.sim.context import SimContext, check_tags, missing, not_found, settled, sorted_values
from spotkeeper.sim.disk_models import (
    DISK_SKUS,
    SNAPSHOT_SKUS,
    CreateOption,
    DiskSnapshot,
    ManagedDisk,
    busy_error,
    check_size,
    disk_state,
)
from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.ids import COMPUTE, key_of, parse_id, resource_id
from spotkeeper.sim.images import ImageReference, ImageService

__all__ = ["DiskSnapshot", "ManagedDisk", "StorageService", "canonical_disk_sku", "disk_state"]


class StorageService:
    def __init__(self, ctx: SimContext, images: ImageService) -> None:
        self.ctx = ctx
        self.images = images

    # disks -------------------------------------------------------------------

    @settled
    def create_or_update_disk(
        self,
        resource_group: str,
        name: str,
        *,
        location: str,
        sku: str,
        create_option: CreateOption = "Empty",
        size_gb: int | None = None,
        zone: str | None = None,
        source_id: str | None = None,
        image: ImageReference | None = None,
        os_type: Literal["Linux", "Windows"] | None = None,
        hyperv_generation: Literal["V1", "V2"] | None = None,
        security_type: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ManagedDisk:
        """Create a disk ("Empty" needs `size_gb`; "Copy" copies the snapshot or disk
        `source_id`; "FromImage" needs `image`), or update the size, sku and tags of an existing
        one. The create finishes after the latency model's "disk.create"/"disk.copy"."""
        ctx = self.ctx
        group = ctx.require_group(resource_group)
        region = ctx.require_region(location)
        sku_name = _canonical(sku, DISK_SKUS, "sku.name")
        disk_id = resource_id(ctx.subscription_id, group.name, COMPUTE, "disks", name)
        existing = ctx.state.disks.get(key_of(disk_id))
        if existing is not None:
            existing.apply_update(
                zone=zone,
                create_option=create_option,
                source_id=source_id,
                sku=sku_name,
                size_gb=size_gb,
                tags=tags,
            )
            ctx.record("disk.updated", existing.id, f"{existing.sku} {existing.size_gb}GB")
            return existing
        if sku_name.endswith("_ZRS") and zone is not None:
            raise ArmError(
                400,
                "InvalidParameter",
                f"A zone-redundant disk ({sku_name}) cannot be pinned to zone {zone}.",
                target="zones",
            )
        if sku_name in ("UltraSSD_LRS", "PremiumV2_LRS") and zone is None and region.zones:
            raise ArmError(
                400,
                "InvalidParameter",
                f"{sku_name} disks must be created in an availability zone.",
                target="zones",
            )
        ctx.require_zone(region, zone)
        content, size, source_os, source_gen = b"", size_gb, os_type, hyperv_generation
        op = "disk.create"
        if create_option == "Empty":
            if size_gb is None:
                raise ArmError(
                    400,
                    "InvalidParameter",
                    "diskSizeGB is required when createOption is Empty.",
                    target="properties.diskSizeGB",
                )
        elif create_option == "Copy":
            content, source_size, source_os, source_gen = self._copy_source(source_id, region.name)
            size = size_gb or source_size
            if size < source_size:
                raise ArmError(
                    400,
                    "BadRequest",
                    f"The disk size {size} GB is smaller than the source's {source_size} GB.",
                    target="properties.diskSizeGB",
                )
            source_os, source_gen = os_type or source_os, hyperv_generation or source_gen
            op = "disk.copy"
        elif create_option == "FromImage":
            if image is None:
                raise ArmError(
                    400,
                    "InvalidParameter",
                    "imageReference is required when createOption is FromImage.",
                    target="properties.creationData.imageReference",
                )
            resolved = self.images.resolve(image, region.name)
            content, source_os, source_gen = resolved.content, resolved.os_type, resolved.hyperv_generation
            size = max(size_gb or 0, resolved.os_disk_size_gb)
        else:
            raise ArmError(
                400,
                "InvalidParameter",
                f"createOption '{create_option}' is not supported.",
                target="properties.creationData.createOption",
            )
        assert size is not None
        check_size(size)
        ctx.check_fault(op, region=region.name, zone=zone)
        disk = ManagedDisk(
            disk_id,
            group.name,
            name,
            region.name,
            zone,
            sku_name,
            size,
            create_option,
            ctx.now(),
            ctx.new_guid(),
            content=content,
            source_id=source_id,
            image=image,
            os_type=source_os,
            hyperv_generation=source_gen,
            security_type=security_type,
            tags=check_tags(dict(tags or {})),
            provisioning_state="Updating",
        )
        ctx.state.disks[key_of(disk_id)] = disk
        self._finish_later(disk, op)
        return disk

    @settled
    def get_disk(self, resource_group: str, name: str) -> ManagedDisk:
        return self.require_disk(
            resource_id(self.ctx.subscription_id, resource_group, COMPUTE, "disks", name)
        )

    def require_disk(self, disk_id: str) -> ManagedDisk:
        disk = self.ctx.state.disks.get(key_of(disk_id))
        if disk is None:
            raise missing("Microsoft.Compute/disks", disk_id)
        return disk

    @settled
    def list_disks(self, *, resource_group: str | None = None) -> list[ManagedDisk]:
        disks = sorted_values(self.ctx.state.disks)
        return [
            d for d in disks if resource_group is None or d.resource_group.lower() == resource_group.lower()
        ]

    @settled
    def delete_disk(self, resource_group: str, name: str) -> None:
        """Gone already is success; refused while the disk is attached to a VM."""
        ctx = self.ctx
        disk = ctx.state.disks.get(
            key_of(resource_id(ctx.subscription_id, resource_group, COMPUTE, "disks", name))
        )
        if disk is None or disk.provisioning_state == "Deleting":
            return
        if disk.managed_by is not None:
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Disk {disk.name} is attached to VM {disk.managed_by}. Detach the disk before deleting it.",
            )
        ctx.check_fault("disk.delete", region=disk.location, zone=disk.zone)
        disk.provisioning_state = "Deleting"
        ctx.record("disk.delete.accepted", disk.id)

        def gone() -> None:
            if ctx.state.disks.get(key_of(disk.id)) is not disk or disk.managed_by is not None:
                return
            code = ctx.faults.async_failure("disk.delete", region=disk.location, zone=disk.zone)
            if code is not None:
                disk.provisioning_state, disk.failure_code = "Failed", code
                ctx.record("disk.delete.failed", disk.id, code)
                return
            self.remove_disk(disk, reason="deleted")

        ctx.schedule(ctx.now() + ctx.duration("disk.delete", disk.id), "disk.delete", disk.id, gone)

    def materialize_disk(
        self,
        resource_group: str,
        name: str,
        *,
        location: str,
        zone: str | None,
        sku: str,
        size_gb: int,
        content: bytes,
        image: ImageReference,
        os_type: Literal["Linux", "Windows"] | None,
        hyperv_generation: Literal["V1", "V2"] | None,
        security_type: str | None,
        managed_by: str,
    ) -> ManagedDisk:
        """A disk a VM create makes from its image (OS disk, image data disks): it exists at
        once, attached, and finishes with the VM."""
        ctx = self.ctx
        disk_id = resource_id(ctx.subscription_id, resource_group, COMPUTE, "disks", name)
        disk = ManagedDisk(
            disk_id,
            resource_group,
            name,
            location,
            None if sku.endswith("_ZRS") else zone,
            sku,
            size_gb,
            "FromImage",
            ctx.now(),
            ctx.new_guid(),
            content=content,
            image=image,
            os_type=os_type,
            hyperv_generation=hyperv_generation,
            security_type=security_type,
            managed_by=managed_by,
        )
        ctx.state.disks[key_of(disk_id)] = disk
        ctx.record(
            "disk.created", disk_id, f"for {key_of(managed_by)} {sku} {size_gb}GB {disk.fingerprint[:12]}"
        )
        return disk

    def remove_disk(self, disk: ManagedDisk, *, reason: str) -> None:
        """Drop the disk from the simulator at once (deletes, and Delete-policy evictions)."""
        self.ctx.state.disks.pop(key_of(disk.id), None)
        self.ctx.record("disk.deleted", disk.id, reason)

    # content -----------------------------------------------------------------

    @settled
    def write_disk(self, disk_id: str, data: bytes, *, append: bool = False) -> str:
        """Replace (or extend) the disk's content; returns the new fingerprint."""
        disk = self.require_disk(disk_id)
        disk.content = disk.content + bytes(data) if append else bytes(data)
        self.ctx.record("disk.written", disk.id, f"{len(data)} bytes")
        return disk.fingerprint

    @settled
    def read_disk(self, disk_id: str) -> bytes:
        return self.require_disk(disk_id).content

    @settled
    def disk_fingerprint(self, disk_id: str) -> str:
        return self.require_disk(disk_id).fingerprint

    # snapshots ---------------------------------------------------------------

    @settled
    def create_or_update_snapshot(
        self,
        resource_group: str,
        name: str,
        *,
        location: str,
        source_id: str,
        incremental: bool = True,
        sku: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> DiskSnapshot:
        """Snapshot the disk `source_id`, capturing its content now. An existing snapshot of the
        same source keeps its content (only tags change)."""
        ctx = self.ctx
        group = ctx.require_group(resource_group)
        region = ctx.require_region(location)
        sku_name = _canonical(
            sku or ("Standard_ZRS" if region.zones else "Standard_LRS"), SNAPSHOT_SKUS, "sku.name"
        )
        snap_id = resource_id(ctx.subscription_id, group.name, COMPUTE, "snapshots", name)
        existing = ctx.state.snapshots.get(key_of(snap_id))
        if existing is not None:
            if key_of(existing.source_id) != key_of(source_id):
                raise ArmError(
                    409,
                    "PropertyChangeNotAllowed",
                    f"Changing property 'creationData.sourceResourceId' of snapshot {name} is not allowed.",
                )
            existing.tags = check_tags(dict(tags or {}))
            return existing
        disk = self.require_disk(source_id)
        if disk.location != region.name:
            raise ArmError(
                400,
                "BadRequest",
                f"Disk {disk.id} is in {disk.location}; a snapshot in {region.name} cannot copy it.",
                target="properties.creationData.sourceResourceId",
            )
        if disk.provisioning_state not in ("Succeeded",):
            raise busy_error(disk)
        ctx.check_fault("snapshot.create", region=region.name)
        now = ctx.now()
        snap = DiskSnapshot(
            snap_id,
            group.name,
            name,
            region.name,
            disk.id,
            disk.unique_id,
            incremental,
            sku_name,
            disk.size_gb,
            disk.content,
            now,
            now + ctx.duration("snapshot.create", snap_id),
            disk.os_type,
            disk.hyperv_generation,
            check_tags(dict(tags or {})),
            provisioning_state="Creating",
        )
        ctx.state.snapshots[key_of(snap_id)] = snap
        ctx.record("snapshot.create.accepted", snap_id, f"of {key_of(disk.id)} {disk.fingerprint[:12]}")

        def done() -> None:
            if ctx.state.snapshots.get(key_of(snap_id)) is not snap or snap.provisioning_state != "Creating":
                return
            code = ctx.faults.async_failure("snapshot.create", region=region.name)
            snap.provisioning_state, snap.failure_code = ("Failed", code) if code else ("Succeeded", None)
            ctx.record(f"snapshot.create.{'failed' if code else 'succeeded'}", snap_id, code or "")

        ctx.schedule(snap.completes_at, "snapshot.create", snap_id, done)
        return snap

    @settled
    def get_snapshot(self, resource_group: str, name: str) -> DiskSnapshot:
        snap = self.ctx.state.snapshots.get(
            key_of(resource_id(self.ctx.subscription_id, resource_group, COMPUTE, "snapshots", name))
        )
        if snap is None:
            raise not_found("Microsoft.Compute/snapshots", resource_group, name)
        return snap

    @settled
    def list_snapshots(self) -> list[DiskSnapshot]:
        return sorted_values(self.ctx.state.snapshots)

    @settled
    def delete_snapshot(self, resource_group: str, name: str) -> None:
        ctx = self.ctx
        snap = ctx.state.snapshots.get(
            key_of(resource_id(ctx.subscription_id, resource_group, COMPUTE, "snapshots", name))
        )
        if snap is None or snap.provisioning_state == "Deleting":
            return
        ctx.check_fault("snapshot.delete", region=snap.location)
        snap.provisioning_state = "Deleting"
        ctx.record("snapshot.delete.accepted", snap.id)

        def gone() -> None:
            if ctx.state.snapshots.get(key_of(snap.id)) is not snap:
                return
            code = ctx.faults.async_failure("snapshot.delete", region=snap.location)
            if code is not None:
                snap.provisioning_state, snap.failure_code = "Failed", code
                ctx.record("snapshot.delete.failed", snap.id, code)
                return
            ctx.state.snapshots.pop(key_of(snap.id), None)
            ctx.record("snapshot.deleted", snap.id)

        ctx.schedule(ctx.now() + ctx.duration("snapshot.delete", snap.id), "snapshot.delete", snap.id, gone)

    # internals ---------------------------------------------------------------

    def _copy_source(
        self, source_id: str | None, region: str
    ) -> tuple[bytes, int, Literal["Linux", "Windows"] | None, Literal["V1", "V2"] | None]:
        if source_id is None:
            raise ArmError(
                400,
                "InvalidParameter",
                "sourceResourceId is required when createOption is Copy.",
                target="properties.creationData.sourceResourceId",
            )
        parsed = parse_id(source_id)
        kind = "" if parsed is None else parsed.types[-1].lower()
        if kind == "snapshots":
            snap = self.ctx.state.snapshots.get(key_of(source_id))
            if snap is None or snap.provisioning_state in ("Failed", "Deleting"):
                raise missing("Microsoft.Compute/snapshots", source_id)
            if snap.location != region:
                raise ArmError(400, "BadRequest", f"Snapshot {snap.id} is in {snap.location}, not {region}.")
            return snap.content, snap.size_gb, snap.os_type, snap.hyperv_generation
        if kind == "disks":
            disk = self.require_disk(source_id)
            if disk.location != region:
                raise ArmError(400, "BadRequest", f"Disk {disk.id} is in {disk.location}, not {region}.")
            return disk.content, disk.size_gb, disk.os_type, disk.hyperv_generation
        raise ArmError(
            400,
            "InvalidParameter",
            f"'{source_id}' is neither a snapshot nor a disk id.",
            target="properties.creationData.sourceResourceId",
        )

    def _finish_later(self, disk: ManagedDisk, op: str) -> None:
        ctx = self.ctx
        ctx.record(
            f"{op}.accepted", disk.id, f"{disk.sku} {disk.size_gb}GB zone={disk.zone} {disk.fingerprint[:12]}"
        )

        def done() -> None:
            if ctx.state.disks.get(key_of(disk.id)) is not disk or disk.provisioning_state != "Updating":
                return
            code = ctx.faults.async_failure(op, region=disk.location, zone=disk.zone)
            disk.provisioning_state, disk.failure_code = ("Failed", code) if code else ("Succeeded", None)
            ctx.record(f"{op}.{'failed' if code else 'succeeded'}", disk.id, code or "")

        ctx.schedule(ctx.now() + ctx.duration(op, disk.id), op, disk.id, done)


def canonical_disk_sku(value: str) -> str:
    return _canonical(value, DISK_SKUS, "storageProfile.osDisk.managedDisk.storageAccountType")


def _canonical(value: str, allowed: tuple[str, ...], target: str) -> str:
    found = next((a for a in allowed if a.lower() == value.lower()), None)
    if found is None:
        raise ArmError(
            400, "InvalidParameter", f"SKU '{value}' is not one of {', '.join(allowed)}.", target=target
        )
    return found
