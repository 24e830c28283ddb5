"""The disks of an imported VM: snapshotted once it is deallocated, restored as the node's own.

`snapshot_source` takes an incremental snapshot of the original OS disk and of each data disk
whose LUN the node's spec keeps (a LUN the spec drops stays with the originals, deleted after
the retention time like them). The snapshots carry the node's tags and are its latest snapshots
from then on (a later onLaunch or zone change replaces them as usual). `restore_disks` makes a
new disk from each snapshot in the chosen zone, named like any of the node's disks for the
operation's generation; a spec LUN the VM had no disk for gets a new empty disk. If a market
refuses the VM and `choose` moves to another zone, the disks restored for the old zone were
never used and are deleted at once, and the same snapshots are restored again in the new zone.

The original disks are never written: the import only reads them through the snapshots, so
until the retention time runs out the VM could still be rebuilt from them by hand.
"""

from __future__ import annotations

from spotkeeper.cloud.errors import NotFound
from spotkeeper.cloud.port import DiskSpec, Snapshot, SnapshotSpec
from spotkeeper.engine import blueprint, naming
from spotkeeper.engine.context import PassContext
from spotkeeper.engine.converge import get_or_create
from spotkeeper.engine.disks import ensure_empty_data_disk
from spotkeeper.engine.importing import source_of
from spotkeeper.engine.leftovers import discard_unused
from spotkeeper.engine.naming import NODE_TAG
from spotkeeper.engine.outcomes import Done, Fail, StepOutcome, Wait
from spotkeeper.engine.state import DiskRecord, Operation, SnapshotRecord, SourceDisk


def snapshot_source(ctx: PassContext, op: Operation) -> StepOutcome:
    source = source_of(ctx)
    pending = 0
    for disk in _disks_to_restore(ctx, source.disks):
        snapshot = _snapshot(ctx, disk)
        if snapshot.provisioning_state != "Succeeded":
            pending += 1
            continue
        if not any(s.id.lower() == snapshot.id.lower() for s in ctx.state.snapshots):
            ctx.state.snapshots.append(SnapshotRecord(
                id=snapshot.id, name=snapshot.name, source_disk_id=disk.id, role=disk.role, lun=disk.lun,
                taken_at=ctx.now, final=True,
            ))
            ctx.log(f"snapshot {snapshot.name} of the original disk {disk.name} is complete",
                    resource_id=snapshot.id)
    if pending:
        return Wait(ctx.settings.operation_poll, f"{pending} snapshot(s) of the original disks in progress")
    return Done()


def restore_disks(ctx: PassContext, op: Operation) -> StepOutcome:
    try:
        return _restore_disks(ctx, op)
    except NameTaken as taken:
        return Fail(str(taken))


class NameTaken(ValueError):
    """Every name the node could give a restored disk belongs to someone else's disk."""


def _restore_disks(ctx: PassContext, op: Operation) -> StepOutcome:
    source, target, state = source_of(ctx), op.target, ctx.state
    assert target is not None
    launch = blueprint.launch_spec(ctx.spec)
    pending = 0
    by_lun = {d.lun: d for d in source.disks if d.role == "data"}
    os_source = next(d for d in source.disks if d.role == "os")
    if state.os_disk is not None and state.os_disk.zone != target.zone:
        discard_unused(ctx, state.os_disk.id,
                       f"{state.os_disk.name} was restored for a market that refused the VM")
        state.os_disk = None
    if state.os_disk is None:
        os_sku = launch.os_disk.type if launch.os_disk and launch.os_disk.type else os_source.sku
        os_size = launch.os_disk.size_gb if launch.os_disk else None
        state.os_disk = _restore(ctx, op, os_source, sku=os_sku, size_gb=os_size)
        pending += state.os_disk is None
    restored: list[DiskRecord] = []
    for record in state.data_disks:
        if record.zone == target.zone:
            restored.append(record)
        else:
            discard_unused(ctx, record.id, f"{record.name} was made for a market that refused the VM")
    have = {d.lun for d in restored}
    for wanted in sorted(launch.data_disks or (), key=lambda d: d.lun):
        if wanted.lun in have:
            continue
        original = by_lun.get(wanted.lun)
        made = (ensure_empty_data_disk(ctx, op, lun=wanted.lun, sku=wanted.type, size_gb=wanted.size_gb)
                if original is None
                else _restore(ctx, op, original, sku=wanted.type, size_gb=wanted.size_gb))
        if made is None:
            pending += 1
        else:
            restored.append(made)
    state.data_disks = sorted(restored, key=lambda d: d.lun or 0)
    if pending:
        return Wait(ctx.settings.operation_poll, f"{pending} disk(s) still being restored")
    return Done()


def _free_name(ctx: PassContext, name: str) -> str:
    """`name`, or the first of `name-sk1`, `name-sk2`… that no disk of someone else has taken.
    The node's disks are named after `vmName` when it is set, which for an import is usually the
    original VM's name: the original disks may well be called what the node would call its own."""
    candidates = [name, *(f"{name}-sk{i}" for i in range(1, 10))]
    for candidate in candidates:
        try:
            found = ctx.cloud.get_disk(ctx.resource_group, candidate)
        except NotFound:
            return candidate
        if found.tags.get(NODE_TAG) == ctx.node_id:
            return candidate
    raise NameTaken(f"disks {name} and {name}-sk1..9 exist and are not the node's; the original disks "
                    "cannot be restored under the node's names")


def _snapshot(ctx: PassContext, disk: SourceDisk) -> Snapshot:
    """The import's snapshot of `disk`, started if it does not exist yet."""
    name = _snapshot_name(ctx, disk)
    spec = SnapshotSpec(resource_group=ctx.resource_group, name=name, region=ctx.region,
                        source_disk_id=disk.id, tags=blueprint.node_tags(ctx.spec, ctx.node_id, "snapshot"))
    return get_or_create(lambda: ctx.cloud.get_snapshot(ctx.resource_group, name),
                         lambda: ctx.cloud.ensure_snapshot(spec))


def _disks_to_restore(ctx: PassContext, disks: list[SourceDisk]) -> list[SourceDisk]:
    luns = {d.lun for d in blueprint.launch_spec(ctx.spec).data_disks or ()}
    return [d for d in disks if d.role == "os" or d.lun in luns]


def _snapshot_name(ctx: PassContext, disk: SourceDisk) -> str:
    base = blueprint.base_name(ctx.spec, ctx.node_id)
    stem = f"{base}-import-osdisk" if disk.role == "os" else f"{base}-import-data{disk.lun}"
    return naming.snapshot_name(stem, 0)


def _restore(
    ctx: PassContext, op: Operation, disk: SourceDisk, *, sku: str, size_gb: int | None
) -> DiskRecord | None:
    """The node's disk restored from the import snapshot of `disk` (None while provisioning)."""
    assert op.target is not None
    snapshot = next(s for s in ctx.state.snapshots
                    if s.source_disk_id.lower() == disk.id.lower())
    base = blueprint.base_name(ctx.spec, ctx.node_id)
    name = _free_name(ctx, naming.os_disk_name(base, op.generation) if disk.role == "os"
                      else naming.data_disk_name(base, disk.lun or 0, op.generation))
    spec = DiskSpec(
        resource_group=ctx.resource_group, name=name, region=ctx.region, sku=sku, create_option="Copy",
        source_id=snapshot.id, size_gb=max(size_gb or 0, disk.size_gb or 0) or None, zone=op.target.zone,
        os_type=blueprint.os_type(ctx.spec) if disk.role == "os" else None,
        tags=blueprint.node_tags(ctx.spec, ctx.node_id, f"{disk.role}-disk"),
    )
    made = get_or_create(lambda: ctx.cloud.get_disk(ctx.resource_group, name),
                         lambda: ctx.cloud.ensure_disk(spec))
    if made.source_id is None or made.source_id.lower() != snapshot.id.lower():
        raise NameTaken(f"disk {name} carries the node's tag but was not restored from {snapshot.name}")
    if made.provisioning_state != "Succeeded":
        return None
    where = f"zone {op.target.zone}" if op.target.zone else "the region"
    ctx.log(f"restored {made.name} in {where} from snapshot {snapshot.name} of {disk.name}",
            resource_id=made.id)
    return DiskRecord(role=disk.role, lun=disk.lun, id=made.id, name=made.name, zone=made.zone, sku=made.sku,
                      size_gb=made.size_gb, generation=op.generation)
