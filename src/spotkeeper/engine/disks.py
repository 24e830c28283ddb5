"""The `disks` step: make the node's OS and data disks ready in the target zone.

What persistence promises decides each disk's path:
* reattach, same zone: the disk is left as it is and attached to the new VM;
* onLaunch, or reattach with a zone change (the seed's fallback): an incremental snapshot of
  the disk is taken *now* (the old VM is already gone, so the snapshot holds everything it
  wrote) and a new disk is restored from it in the target zone; the old disk is superseded;
* not persisted: the OS disk comes fresh from the image with the VM, data disks are new and
  empty; the old ones are superseded.
Superseded disks are deleted by the garbage collector after `superseded_resource_ttl`, never
before the replacement runs; disks no VM ever ran with (made for a market that then refused the
VM) are deleted at once (`engine.leftovers`). Each cloud call is an idempotent ensure on a
deterministic name, so repeating this step after a crash finds the same snapshot and the same
restored disk.
"""

from __future__ import annotations

from spotkeeper.cloud.port import Disk, DiskSpec, SnapshotSpec
from spotkeeper.engine import blueprint, naming
from spotkeeper.engine.context import PassContext
from spotkeeper.engine.converge import get_or_create
from spotkeeper.engine.leftovers import discard_unused, retire_later
from spotkeeper.engine.outcomes import Done, StepOutcome, Wait
from spotkeeper.engine.policy import persistence_plan
from spotkeeper.engine.state import DiskRecord, Operation, SnapshotRecord, Target


def prepare_disks(ctx: PassContext, op: Operation) -> StepOutcome:
    assert op.target is not None
    plan = persistence_plan(ctx.spec)
    state = ctx.state
    target = op.target
    pending = 0

    os_disk = state.os_disk
    if os_disk is not None:
        previous = os_disk.generation <= state.generation  # it served the VM being replaced
        if not state.ever_ran or (not plan.os_disk and previous):
            # a fresh OS disk comes from the image with the VM; the old one (or an unused one
            # left by a failed attempt) goes
            _let_go(ctx, op, os_disk)
            state.os_disk = None
        elif plan.os_disk and _needs_restore(plan.os_disk_mode, os_disk, previous, target):
            restored = _restore(ctx, op, os_disk, target)
            if restored is None:
                pending += 1
            else:
                _let_go(ctx, op, os_disk)
                state.os_disk = restored

    launch = blueprint.launch_spec(ctx.spec)
    wanted = {d.lun: d for d in (launch.data_disks or ())}
    kept: list[DiskRecord] = []
    for record in state.data_disks:
        lun = record.lun if record.lun is not None else -1
        previous = record.generation <= state.generation
        if lun not in wanted:
            _let_go(ctx, op, record)
            continue
        if not state.ever_ran:
            # still empty: keep it if it sits in the target zone, else make a new one there
            if record.zone == target.zone:
                kept.append(record)
            else:
                _let_go(ctx, op, record)
            continue
        if not plan.data_disks and previous:
            _let_go(ctx, op, record)
            continue
        if plan.data_disks and _needs_restore(plan.data_disks_mode, record, previous, target):
            restored = _restore(ctx, op, record, target)
            if restored is None:
                pending += 1
                kept.append(record)
                continue
            _let_go(ctx, op, record)
            record = restored
        kept.append(record)
    have = {d.lun for d in kept}
    for lun, disk in sorted(wanted.items()):
        if lun in have:
            continue
        created = ensure_empty_data_disk(ctx, op, lun=lun, sku=disk.type, size_gb=disk.size_gb)
        if created is None:
            pending += 1
        else:
            kept.append(created)
    state.data_disks = sorted(kept, key=lambda d: d.lun or 0)
    op.superseded = list(dict.fromkeys(op.superseded))
    if pending:
        return Wait(ctx.settings.operation_poll, f"{pending} disk(s) still provisioning")
    return Done()


def ensure_empty_data_disk(
    ctx: PassContext, op: Operation, *, lun: int, sku: str, size_gb: int
) -> DiskRecord | None:
    """A new, empty data disk for `lun` in the target zone (None while Azure provisions it)."""
    assert op.target is not None
    base = blueprint.base_name(ctx.spec, ctx.node_id)
    spec = DiskSpec(
        resource_group=ctx.resource_group, name=naming.data_disk_name(base, lun, op.generation),
        region=ctx.region, sku=sku, create_option="Empty", size_gb=size_gb,
        zone=op.target.zone, tags=blueprint.node_tags(ctx.spec, ctx.node_id, "data-disk"),
    )
    created = _get_or_create_disk(ctx, spec)
    if created.provisioning_state != "Succeeded":
        return None
    ctx.log(f"created data disk {created.name} ({size_gb} GiB {sku}) at LUN {lun}", resource_id=created.id)
    return DiskRecord(role="data", lun=lun, id=created.id, name=created.name, zone=created.zone,
                      sku=created.sku, size_gb=created.size_gb, generation=op.generation)


def _let_go(ctx: PassContext, op: Operation, disk: DiskRecord) -> None:
    """A disk the node no longer needs: one a VM of the node ran with is superseded (deleted
    after the replacement runs, plus a TTL); one no VM ever used is deleted now."""
    if ctx.state.ever_ran and disk.generation <= ctx.state.generation:
        op.superseded.append(disk.id)
    else:
        discard_unused(ctx, disk.id, f"{disk.name} was made for a market that refused the VM")


def _get_or_create_disk(ctx: PassContext, spec: DiskSpec) -> Disk:
    return get_or_create(lambda: ctx.cloud.get_disk(spec.resource_group, spec.name),
                         lambda: ctx.cloud.ensure_disk(spec))


def _needs_restore(mode: str, disk: DiskRecord, previous: bool, target: Target) -> bool:
    """onLaunch restores every replacement from a snapshot; reattach only when the zone changes."""
    return disk.zone != target.zone or (mode == "onLaunch" and previous)


def _restore(ctx: PassContext, op: Operation, disk: DiskRecord, target: Target) -> DiskRecord | None:
    """Snapshot `disk` and restore it in the target zone; None while either is in progress."""
    snap_name = naming.snapshot_name(disk.name, op.generation)
    snap_spec = SnapshotSpec(
        resource_group=ctx.resource_group, name=snap_name, region=ctx.region, source_disk_id=disk.id,
        tags=blueprint.node_tags(ctx.spec, ctx.node_id, "snapshot"),
    )
    snapshot = get_or_create(lambda: ctx.cloud.get_snapshot(ctx.resource_group, snap_name),
                             lambda: ctx.cloud.ensure_snapshot(snap_spec))
    if snapshot.provisioning_state != "Succeeded":
        return None
    if not any(s.id == snapshot.id for s in ctx.state.snapshots):
        ctx.state.snapshots.append(SnapshotRecord(
            id=snapshot.id, name=snapshot.name, source_disk_id=disk.id, role=disk.role, lun=disk.lun,
            taken_at=ctx.now, final=True,
        ))
        ctx.log(f"snapshot {snapshot.name} of {disk.name} is complete", resource_id=snapshot.id)
    base = blueprint.base_name(ctx.spec, ctx.node_id)
    name = (naming.os_disk_name(base, op.generation) if disk.role == "os"
            else naming.data_disk_name(base, disk.lun or 0, op.generation))
    restore_spec = DiskSpec(
        resource_group=ctx.resource_group, name=name, region=ctx.region, sku=disk.sku,
        create_option="Copy", source_id=snapshot.id, size_gb=disk.size_gb, zone=target.zone,
        os_type=blueprint.os_type(ctx.spec) if disk.role == "os" else None,
        tags=blueprint.node_tags(ctx.spec, ctx.node_id, f"{disk.role}-disk"),
    )
    restored = _get_or_create_disk(ctx, restore_spec)
    if restored.provisioning_state != "Succeeded":
        return None
    where = f"zone {target.zone}" if target.zone else "the region"
    ctx.log(f"restored {restored.name} in {where} from snapshot {snapshot.name}", resource_id=restored.id)
    _retire_older_snapshots(ctx, disk, keep=snapshot.id)
    return DiskRecord(role=disk.role, lun=disk.lun, id=restored.id, name=restored.name, zone=restored.zone,
                      sku=restored.sku, size_gb=restored.size_gb, generation=op.generation)


def _retire_older_snapshots(ctx: PassContext, disk: DiskRecord, *, keep: str) -> None:
    """Keep the latest snapshot of a disk lineage; older ones go to the garbage collector."""
    role_lun = (disk.role, disk.lun)
    older = [s for s in ctx.state.snapshots if (s.role, s.lun) == role_lun and s.id != keep]
    retire_later(ctx, [s.id for s in older], "a newer snapshot of the same disk exists")
    ctx.state.snapshots = [s for s in ctx.state.snapshots if s not in older]
