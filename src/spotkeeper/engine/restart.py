"""Recovering an evicted Spot VM by starting it again, instead of replacing it.

Azure evicts a Spot VM whose eviction policy is Deallocate by deallocating it: the VM object
stays, with its disks and NICs attached. Replacing it (delete, then create) costs the delete,
Azure's 180 s reservation of the NICs for the deleted VM (`NicReservedForAnotherVm`) when the
network is persisted, and a full create. Starting the same VM costs a start (F18: 40 s), plus a
resize first when the chosen size differs, which Azure allows for a deallocated VM to any size
its zone offers. So when `choose` picks spot in the VM's own zone, the recovery keeps the VM:

* `in_place_possible` is asked by `choose` for the top candidate and the answer is stored in the
  target (`Target.in_place`) with the rest of the choice;
* `remove_vm` leaves the VM alone, `disks` has nothing to restore (same zone, reattach), and
  `network` keeps the NICs the VM carries;
* `restart_in_place` (the `launch` step for such a target) resizes the deallocated VM if need
  be, puts the node's data disks on it, and starts it; `await_vm` and `settle` follow as for a
  new VM.

Only what a replacement would also keep qualifies: a recovery (not a planned recycle, revert or
heal, which promise a new VM), spot in the same zone (Azure never changes priority or zone in
place), the OS disk persisted by reattach (a fresh OS disk from the image needs a new VM), data
disks persisted by reattach if the node has any (onLaunch promises a restore from snapshot), and
a VM with eviction policy Deallocate that still boots from the node's OS disk. Everything else,
and any surprise on the way (the VM deleted meanwhile, Azure refusing the update), goes back to
delete-and-create (`Goto("remove_vm")`), which is always correct, only slower.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from spotkeeper.cloud.errors import Conflict, InvalidRequest, NotFound
from spotkeeper.cloud.port import DataDiskAttach, Vm
from spotkeeper.engine import blueprint
from spotkeeper.engine.accounting import stop_costs
from spotkeeper.engine.context import PassContext
from spotkeeper.engine.outcomes import Done, Goto, StepOutcome, Wait
from spotkeeper.engine.policy import persistence_plan
from spotkeeper.engine.state import Operation


def in_place_possible(
    ctx: PassContext, op: Operation, *, size: str, zone: str | None, lifecycle: str, restores: bool
) -> bool:
    """Can this recovery start the node's own VM again on (size, zone, spot)? See the module
    docstring for the conditions; `restores` says whether the choice restores a disk from a
    snapshot (onLaunch, or a zone change)."""
    state = ctx.state
    vm = state.vm
    if op.kind != "recover" or vm is None or lifecycle != "spot" or restores or zone != vm.zone:
        return False
    plan = persistence_plan(ctx.spec)
    if not (plan.os_disk and plan.os_disk_mode == "reattach" and state.os_disk is not None):
        return False
    if state.data_disks and not (plan.data_disks and plan.data_disks_mode == "reattach"):
        return False
    try:
        observed = ctx.cloud.get_vm(ctx.resource_group, vm.name)
    except NotFound:
        return False
    return (
        observed.priority == "Spot" and observed.eviction_policy == "Deallocate"
        and observed.zone == zone and observed.provisioning_state != "Deleting"
        and observed.os_disk_id.lower() == state.os_disk.id.lower()
    )


def restart_in_place(ctx: PassContext, op: Operation) -> StepOutcome:
    """The `launch` step for an in-place target: resize, attach, start (see the module docstring).
    A market that refuses (`CapacityUnavailable`, `QuotaExceeded`) reaches the operation runner,
    which marks it failed and goes back to `choose`, as for a new VM."""
    target, record = op.target, ctx.state.vm
    assert target is not None and record is not None
    try:
        observed = ctx.cloud.get_vm(ctx.resource_group, record.name)
    except NotFound:
        return fall_back(ctx, op, f"{record.name} no longer exists")
    if observed.provisioning_state == "Deleting":
        return fall_back(ctx, op, f"{record.name} is being deleted")
    if observed.power_state in ("running", "starting"):
        return _already_up(ctx, op, observed)
    if observed.power_state in ("stopping", "deallocating"):
        return Wait(ctx.settings.operation_poll, f"waiting for {record.name} to stop")
    # the record still holds the evicted size (a resize asked for by an earlier pass shows on `observed`)
    resized_from = record.size if record.size.lower() != target.size.lower() else None
    spec = blueprint.vm_spec(ctx.spec, ctx.node_id, ctx.state, target, name=record.name,
                             generation=op.generation, catalog=ctx.catalog, cloud=ctx.cloud)
    try:
        ctx.cloud.ensure_vm(spec)
        _match_data_disks(ctx, record.name, observed, spec.data_disks)
        ctx.cloud.start_vm(ctx.resource_group, record.name)
    except (Conflict, InvalidRequest) as error:
        if isinstance(error, Conflict) and error.retry_after:
            # busy with the resize (or a disk attach) just asked for: start once it is done
            return Wait(timedelta(seconds=error.retry_after), f"resizing {record.name}")
        return fall_back(ctx, op, f"Azure refused to change {record.name} in place ({error.message})")
    _restarted(ctx, op, observed.id, stopped_at=_eviction_time(ctx, op))
    how = f"resized from {resized_from}, " if resized_from else ""
    where = f"zone {target.zone}" if target.zone else "regional"
    ctx.log(f"starting {record.name} again in place ({how}spot {target.size} {where}): no new VM, its "
            "disks and NICs stay attached", resource_id=observed.id)
    return Done()


def fall_back(ctx: PassContext, op: Operation, why: str) -> StepOutcome:
    """Give up the in-place path for this choice: delete the VM and create a new one."""
    assert op.target is not None
    op.target.in_place = False
    ctx.log(f"cannot start the evicted VM again in place: {why}; replacing it instead", severity="WARN")
    return Goto("remove_vm")


def _already_up(ctx: PassContext, op: Operation, observed: Vm) -> StepOutcome:
    """Running or starting: either Azure has not evicted it yet (a Preempt is still pending),
    or it was started again (by this step, in a pass whose worker died before writing it)."""
    target = op.target
    assert target is not None
    preempt = [e for e in ctx.cloud.get_scheduled_events(ctx.resource_group, observed.name)
               if e.event_type == "Preempt"]
    if preempt:
        deadline = (op.notice_not_before or op.started_at) + ctx.settings.notice_grace
        if ctx.now < deadline:
            return Wait(ctx.settings.operation_poll, f"waiting for Azure to evict {observed.name}")
        return fall_back(ctx, op, f"Azure announced the eviction of {observed.name} but has not evicted it")
    if observed.size.lower() != target.size.lower():
        return fall_back(ctx, op, f"{observed.name} runs again as {observed.size}, not {target.size}")
    _restarted(ctx, op, observed.id, stopped_at=_eviction_time(ctx, op))
    ctx.log(f"{observed.name} is already starting again in place", resource_id=observed.id)
    return Done()


def _match_data_disks(
    ctx: PassContext, vm_name: str, observed: Vm, wanted: tuple[DataDiskAttach, ...]
) -> None:
    """Put the node's data disks on the VM as `ensure_vm` leaves an unresized VM untouched: a
    LUN added to the spec since the VM was made gets its new disk, a removed one goes."""
    have = {d.disk_id.lower(): d for d in observed.data_disks}
    keep = {d.disk_id.lower() for d in wanted}
    for disk_id, attached in have.items():
        if disk_id not in keep:
            ctx.cloud.detach_data_disk(ctx.resource_group, vm_name, attached.disk_id)
    for disk in wanted:
        if disk.disk_id.lower() not in have:
            ctx.cloud.attach_data_disk(ctx.resource_group, vm_name, disk)


def _restarted(ctx: PassContext, op: Operation, vm_id: str, *, stopped_at: datetime) -> None:
    """The node's VM record now describes the restarted VM (its old run costed up to the
    eviction); `settle` starts costing it again once it runs."""
    target, record = op.target, ctx.state.vm
    assert target is not None and record is not None
    stop_costs(ctx, stopped_at)
    record.id = vm_id or record.id
    record.size, record.zone, record.lifecycle = target.size, target.zone, target.lifecycle
    record.price_hour = target.price_hour
    record.launched_at = ctx.now


def _eviction_time(ctx: PassContext, op: Operation) -> datetime:
    notice = op.notice_not_before
    return min(ctx.now, notice) if notice is not None else ctx.now

