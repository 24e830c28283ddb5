"""Disk actions on a node: attach a new data disk, detach one, swap the OS disk (spot-api.md §4.3-4.5).

Each action changes two things that must agree: the node's spec (`dataDisks`, which the engine
reads to know which disks every replacement VM gets) and the engine's memory of the disks it
owns (`NodeState.data_disks` / `os_disk`, which tells it *which* disk serves each LUN). The
service performs the action while holding the node's lease (see `service.lease` for why) and
writes both in the same compare-and-set, so after an attach the next eviction brings the new
disk back with the replacement VM, and after a detach it stays away.

* Attach creates a new managed disk (tagged as the node's, so garbage collection can find it if
  the request dies half-way), waits for it, attaches it to the running VM and records it. The
  disk goes in the VM's zone unless the body names one, which must then be the VM's. Repeating a
  request whose disk was created but not attached finishes the job.
* Detach takes the disk off the VM (or, for a paused node, only out of the node) and, with
  `shouldDeallocate`, schedules its deletion after `ttlInHours`.
* Swap replaces a paused node's persisted OS disk by an existing unattached disk of the same
  OS and zone; the old one is deleted after `retentionTime` hours when `shouldTerminate`.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from spotkeeper.cloud.port import DataDiskAttach, Disk, DiskSpec
from spotkeeper.engine import naming
from spotkeeper.engine.phases import Phase
from spotkeeper.engine.state import DiskRecord, NodeState
from spotkeeper.service.arm import resource_group_of
from spotkeeper.service.context import ServiceContext, cloud_errors, node_phase, node_state
from spotkeeper.service.errors import CloudResourceNotFound, CloudUnavailable, StateConflict
from spotkeeper.service.lease import finish, holding
from spotkeeper.service.views import public_word
from spotkeeper.spec.models import (
    DEFAULT_RETENTION_HOURS,
    AttachDataDisk,
    DetachDataDisk,
    SwapOsDisk,
    parse_body,
    parse_node,
)
from spotkeeper.spec.problems import Problem, SpecError
from spotkeeper.spec.rules import validate_parsed
from spotkeeper.store import NewEvent, NodeRecord

DISK_POLL_SECONDS = 1.0


def disk_view(disk: Disk, *, lun: int | None) -> dict[str, Any]:
    """The §5.4 disk item (`accountType` as OpenAPI names it, `storageAccountType` as Java does)."""
    return {
        "name": disk.name,
        "resourceGroupName": disk.resource_group,
        "region": disk.region,
        "zone": disk.zone,
        "size": disk.size_gb,
        "sizeGB": disk.size_gb,
        "lun": lun,
        "accountType": disk.sku,
        "storageAccountType": disk.sku,
        "managedBy": disk.managed_by,
        "tags": [{"tagKey": k, "tagValue": v} for k, v in sorted(disk.tags.items())],
    }


# --- attach ------------------------------------------------------------------------------------


def attach_data_disk(ctx: ServiceContext, account_id: str, node_id: str, body: object) -> dict[str, Any]:
    request = parse_body(AttachDataDisk, body)
    with holding(ctx, account_id, node_id) as held:
        record = held.record
        state = node_state(record)
        vm = state.vm
        if node_phase(record) is not Phase.RUNNING or vm is None or state.operation is not None:
            raise StateConflict(
                f"a data disk can be attached only to a running node; the node is {public_word(record)}"
            )
        lun = _choose_lun(record, state, request.lun)
        zone = _disk_zone(vm.zone, request.zone)
        spec = _with_data_disk(ctx, record, lun=lun, request=request)
        disk = _ensure_new_disk(ctx, record, request, zone=zone, vm_id=vm.id)
        if disk.managed_by is None:
            with cloud_errors(f"attaching {disk.name} to {vm.name}"):
                ctx.cloud.attach_data_disk(
                    record.resource_group_name,
                    vm.name,
                    DataDiskAttach(lun=lun, disk_id=disk.id, caching=request.caching or "None"),
                )
        state.data_disks = sorted(
            [
                *state.data_disks,
                DiskRecord(
                    role="data",
                    lun=lun,
                    id=disk.id,
                    name=disk.name,
                    zone=disk.zone,
                    sku=disk.sku,
                    size_gb=disk.size_gb,
                    generation=state.generation,
                ),
            ],
            key=lambda d: d.lun or 0,
        )
        message = (
            f"attached new data disk {disk.name} ({disk.size_gb} GiB {disk.sku}) to {vm.name} at LUN {lun}"
        )
        finish(ctx, held, spec=spec, state=state, events=[NewEvent(ctx.now(), message, resource_id=disk.id)])
    with cloud_errors(f"reading {disk.name}"):
        attached = ctx.cloud.get_disk(disk.resource_group, disk.name)
    return disk_view(attached, lun=lun)


def _choose_lun(record: NodeRecord, state: NodeState, wanted: int | None) -> int:
    used = {d.lun for d in state.data_disks if d.lun is not None}
    used |= {lun for d in _spec_data_disks(record.spec) if isinstance(lun := d.get("lun"), int)}
    if wanted is None:
        return next(lun for lun in range(len(used) + 1) if lun not in used)
    if wanted in used:
        owner = next((d.name for d in state.data_disks if d.lun == wanted), "another data disk")
        raise SpecError(
            [
                Problem(
                    "LUN_IN_USE",
                    "lun",
                    f"LUN {wanted} is already used by {owner}; "
                    "choose another LUN or leave it out to take the next free one",
                )
            ]
        )
    return wanted


def _disk_zone(vm_zone: str | None, wanted: str | None) -> str | None:
    if wanted is None or wanted == vm_zone:
        return vm_zone
    where = f"zone {vm_zone}" if vm_zone else "no zone (regional)"
    raise SpecError(
        [
            Problem(
                "ZONE_MISMATCH",
                "zone",
                f"the node's VM runs in {where}; a disk in zone {wanted} cannot be attached to it",
            )
        ]
    )


def _spec_data_disks(spec: dict[str, Any]) -> list[dict[str, Any]]:
    launch = (spec.get("compute") or {}).get("launchSpecification") or {}
    return [d for d in (launch.get("dataDisks") or []) if isinstance(d, dict)]


def _with_data_disk(
    ctx: ServiceContext, record: NodeRecord, *, lun: int, request: AttachDataDisk
) -> dict[str, Any]:
    """The stored spec with the new disk in `dataDisks`, checked by the create rules."""
    spec = dict(record.spec)
    compute = dict(spec.get("compute") or {})
    launch = dict(compute.get("launchSpecification") or {})
    entry: dict[str, Any] = {"lun": lun, "sizeGB": request.size_gb, "type": request.storage_account_type}
    if request.caching is not None:
        entry["caching"] = request.caching
    launch["dataDisks"] = sorted([*_spec_data_disks(spec), entry], key=lambda d: d.get("lun", 0))
    compute["launchSpecification"] = launch
    spec["compute"] = compute
    errors = [p for p in validate_parsed(parse_node(spec), catalog=ctx.catalog) if p.severity == "error"]
    if errors:
        raise SpecError(errors)
    return spec


def _ensure_new_disk(
    ctx: ServiceContext, record: NodeRecord, request: AttachDataDisk, *, zone: str | None, vm_id: str
) -> Disk:
    rg, name = request.data_disk_resource_group_name, request.data_disk_name
    what = f"creating data disk {name} in {rg}"
    existing = _find_disk(ctx, rg, name, what=what)
    if existing is not None:
        ours = existing.tags.get(naming.NODE_TAG) == record.id
        if not ours:
            raise SpecError(
                [
                    Problem(
                        "DISK_EXISTS",
                        "dataDiskName",
                        f"a disk named {name} already exists in "
                        f"{rg}; attach creates a new disk, so choose another name",
                    )
                ]
            )
        if existing.managed_by is not None and existing.managed_by.lower() != vm_id.lower():
            raise StateConflict(f"{name} is attached to another VM ({existing.managed_by})")
    spec = DiskSpec(
        resource_group=rg,
        name=name,
        region=record.region,
        sku=request.storage_account_type,
        create_option="Empty",
        size_gb=request.size_gb,
        zone=zone,
        tags=naming.node_tags(record.id, "data-disk"),
    )
    with cloud_errors(what):
        disk = existing if existing is not None else ctx.cloud.ensure_disk(spec)
        return _wait_until_ready(ctx, disk)


def _find_disk(ctx: ServiceContext, rg: str, name: str, *, what: str) -> Disk | None:
    try:
        with cloud_errors(what):
            return ctx.cloud.get_disk(rg, name)
    except CloudResourceNotFound:
        return None


def _wait_until_ready(ctx: ServiceContext, disk: Disk) -> Disk:
    deadline = time.monotonic() + ctx.disk_wait_seconds
    while disk.provisioning_state != "Succeeded":
        if disk.provisioning_state == "Failed":
            raise CloudUnavailable(f"Azure failed to create {disk.name}; send the same request again")
        if time.monotonic() >= deadline:
            raise CloudUnavailable(
                f"{disk.name} is still being created; send the same request again to attach it",
                retry_after=ctx.disk_wait_seconds,
            )
        ctx.sleep(DISK_POLL_SECONDS)
        disk = ctx.cloud.get_disk(disk.resource_group, disk.name)
    return disk


# --- detach ------------------------------------------------------------------------------------


def detach_data_disk(ctx: ServiceContext, account_id: str, node_id: str, body: object) -> dict[str, Any]:
    request = parse_body(DetachDataDisk, body)
    with holding(ctx, account_id, node_id) as held:
        record = held.record
        state = node_state(record)
        phase = node_phase(record)
        if phase not in (Phase.RUNNING, Phase.PAUSED) or state.operation is not None:
            raise StateConflict(
                f"a data disk can be detached only from a running or paused node; the node is "
                f"{public_word(record)}"
            )
        disk = _owned_data_disk(state, request)
        if state.vm is not None:
            with cloud_errors(f"detaching {disk.name} from {state.vm.name}"):
                ctx.cloud.detach_data_disk(record.resource_group_name, state.vm.name, disk.id)
        state.data_disks = [d for d in state.data_disks if d.id != disk.id]
        spec = _without_data_disk(record.spec, disk.lun)
        now = ctx.now()
        events = [NewEvent(now, f"detached data disk {disk.name} (LUN {disk.lun})", resource_id=disk.id)]
        if request.should_deallocate:
            due = now + timedelta(hours=request.ttl_in_hours)
            ctx.store.deletions.schedule(
                disk.id,
                kind="disk",
                due_at=due,
                now=now,
                node_id=record.id,
                reason=f"detached from node {record.id} with shouldDeallocate",
            )
            events.append(
                NewEvent(now, f"{disk.name} will be deleted at {due:%Y-%m-%d %H:%M} UTC", resource_id=disk.id)
            )
        finish(ctx, held, spec=spec, state=state, events=events)
    return {
        "name": disk.name,
        "resourceGroupName": request.data_disk_resource_group_name,
        "lun": disk.lun,
        "managedBy": None,
        "shouldDeallocate": request.should_deallocate,
    }


def _owned_data_disk(state: NodeState, request: DetachDataDisk) -> DiskRecord:
    for disk in state.data_disks:
        if disk.name.lower() != request.data_disk_name.lower():
            continue
        if resource_group_of(disk.id).lower() == request.data_disk_resource_group_name.lower():
            return disk
    names = ", ".join(f"{d.name} (LUN {d.lun})" for d in state.data_disks) or "none"
    raise SpecError(
        [
            Problem(
                "DISK_NOT_ON_NODE",
                "dataDiskName",
                f"the node has no data disk {request.data_disk_name} in resource group "
                f"{request.data_disk_resource_group_name}; its data disks: {names}",
            )
        ]
    )


def _without_data_disk(spec: dict[str, Any], lun: int | None) -> dict[str, Any]:
    spec = dict(spec)
    compute = dict(spec.get("compute") or {})
    launch = dict(compute.get("launchSpecification") or {})
    launch["dataDisks"] = [d for d in _spec_data_disks(spec) if d.get("lun") != lun]
    compute["launchSpecification"] = launch
    spec["compute"] = compute
    return spec


# --- swap the OS disk --------------------------------------------------------------------------


def swap_os_disk(ctx: ServiceContext, account_id: str, node_id: str, body: object) -> dict[str, Any]:
    request = parse_body(SwapOsDisk, body)
    with holding(ctx, account_id, node_id) as held:
        record = held.record
        state = node_state(record)
        if node_phase(record) is not Phase.PAUSED or state.operation is not None:
            raise StateConflict(
                f"the OS disk can be swapped only while the node is paused; it is {public_word(record)}"
            )
        persistence = record.spec.get("persistence") or {}
        if persistence.get("shouldPersistOsDisk") is not True or state.os_disk is None:
            raise StateConflict(
                "the OS disk can be swapped only when it is persisted (persistence.shouldPersistOsDisk)"
            )
        old = state.os_disk
        rg, name = request.os_disk_resource_group_name, request.os_disk_name
        with cloud_errors(f"reading disk {name} in {rg}"):
            new = ctx.cloud.get_disk(rg, name)
        _check_swappable(record, old, new)
        state.os_disk = DiskRecord(
            role="os",
            id=new.id,
            name=new.name,
            zone=new.zone,
            sku=new.sku,
            size_gb=new.size_gb,
            generation=state.generation,
        )
        now = ctx.now()
        events = [NewEvent(now, f"OS disk swapped: {old.name} replaced by {new.name}", resource_id=new.id)]
        if request.should_terminate:
            hours = DEFAULT_RETENTION_HOURS if request.retention_time is None else request.retention_time
            due = now + timedelta(hours=hours)
            ctx.store.deletions.schedule(
                old.id,
                kind="disk",
                due_at=due,
                now=now,
                node_id=record.id,
                reason=f"OS disk swapped out of node {record.id}",
            )
            events.append(
                NewEvent(now, f"{old.name} will be deleted at {due:%Y-%m-%d %H:%M} UTC", resource_id=old.id)
            )
        finish(ctx, held, state=state, events=events)
    return disk_view(new, lun=None)


def _check_swappable(record: NodeRecord, old: DiskRecord, new: Disk) -> None:
    os_name = (record.spec.get("compute") or {}).get("os") or "Linux"
    problems: list[Problem] = []
    if new.id.lower() == old.id.lower():
        problems.append(Problem("SAME_DISK", "osDiskName", f"{new.name} already is the node's OS disk"))
    if new.managed_by is not None or new.disk_state != "Unattached":
        problems.append(
            Problem(
                "DISK_ATTACHED",
                "osDiskName",
                f"{new.name} is attached to {new.managed_by or 'a VM'}; it must be unattached",
            )
        )
    if new.os_type is None:
        problems.append(
            Problem("NOT_AN_OS_DISK", "osDiskName", f"{new.name} has no OS type: it is not an OS disk")
        )
    elif new.os_type != os_name:
        problems.append(
            Problem(
                "OS_MISMATCH", "osDiskName", f"{new.name} is a {new.os_type} disk; the node runs {os_name}"
            )
        )
    if new.region.lower() != record.region.lower():
        problems.append(
            Problem(
                "REGION_MISMATCH",
                "osDiskName",
                f"{new.name} is in {new.region}; the node is in {record.region}",
            )
        )
    if new.zone != old.zone:
        problems.append(
            Problem(
                "ZONE_MISMATCH",
                "osDiskName",
                f"{new.name} is in {_where(new.zone)}; the node's OS disk is in {_where(old.zone)}",
            )
        )
    if problems:
        raise SpecError(problems)


def _where(zone: str | None) -> str:
    return f"zone {zone}" if zone else "no zone (regional)"
