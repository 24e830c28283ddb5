"""Steps that act on the VM itself: drain it, remove it, launch the new one, wait, settle.

`remove_vm` deletes the old VM with every disk and NIC detached (the port never deletes
dependents), so nothing the node persists can be lost by it; a recovery that starts the
evicted VM again in place keeps it, and `launch` hands such a target to `engine.restart`.
`launch` names the VM after the generation `choose` stored, so a worker that dies right after
the request (its pass, and what it recorded, lost) is followed by one that asks for the same VM
and finds it instead of launching a second one. A market that refuses (synchronously with
`CapacityUnavailable`/`QuotaExceeded`, or asynchronously with a failed provisioning) is marked
failed for a while and the operation goes back to `choose`. `settle` tags the OS disk Azure
made from the image (Azure does not copy the VM's tags to it) and hands what the operation
superseded, and anything tagged with the node that its state does not name, to the collector.
"""

from __future__ import annotations

from datetime import timedelta

from spotkeeper.cloud.errors import CapacityUnavailable, NotFound, QuotaExceeded
from spotkeeper.cloud.port import Disk, DiskSpec
from spotkeeper.engine import blueprint
from spotkeeper.engine.accounting import stop_costs
from spotkeeper.engine.choosing import mark_market_failed
from spotkeeper.engine.context import PassContext
from spotkeeper.engine.leftovers import discard_unused, retire_superseded, sweep_unreferenced
from spotkeeper.engine.naming import NODE_TAG
from spotkeeper.engine.outcomes import Done, Goto, StepOutcome, Wait
from spotkeeper.engine.policy import draining_timeout
from spotkeeper.engine.restart import restart_in_place
from spotkeeper.engine.state import DiskRecord, Operation, VmRecord


def drain(ctx: PassContext, op: Operation) -> StepOutcome:
    """Give the workload its draining time before the VM goes (planned replacements), or wait
    for the announced eviction (recoveries with a Preempt notice)."""
    vm = ctx.state.vm
    if vm is None or op.kind in ("launch", "resume"):
        return Done()
    try:
        observed = ctx.cloud.get_vm(ctx.resource_group, vm.name)
    except NotFound:
        stop_costs(ctx, ctx.now)
        return Done()
    if observed.evicted or observed.power_state in ("deallocated", "stopped"):
        # Azure stopped billing compute when it took the VM, not when we delete it later
        stop_costs(ctx, ctx.now)
        return Done()
    if op.drain_until is None:
        if op.kind == "recover":
            op.drain_until = op.notice_not_before or ctx.now
        else:
            timeout = draining_timeout(ctx.spec)
            op.drain_until = ctx.now + timeout
            ctx.log(f"draining {vm.name} for {int(timeout.total_seconds())} s before it goes ({op.reason})")
    if ctx.now >= op.drain_until:
        return Done()
    return Wait(op.drain_until - ctx.now, "draining")


def remove_vm(ctx: PassContext, op: Operation) -> StepOutcome:
    vm = ctx.state.vm
    if vm is None or (op.target is not None and op.target.in_place):
        return Done()  # nothing to remove, or the VM is started again in place (`engine.restart`)
    ctx.cloud.delete_vm(ctx.resource_group, vm.name)
    try:
        observed = ctx.cloud.get_vm(ctx.resource_group, vm.name)
    except NotFound:
        observed = None
    if observed is not None:
        return Wait(ctx.settings.operation_poll, f"deleting {vm.name}")
    stop_costs(ctx, ctx.now)
    ctx.log(f"VM {vm.name} removed; its disks and NICs are kept", resource_id=vm.id or None)
    op.old_vm_name = vm.name
    ctx.state.vm = None
    return Done()


def launch(ctx: PassContext, op: Operation) -> StepOutcome:
    target = op.target
    assert target is not None
    if target.in_place:
        return restart_in_place(ctx, op)
    name = blueprint.vm_name(ctx.spec, ctx.node_id, op.generation)
    if ctx.state.vm is None or ctx.state.vm.name != name:
        ctx.state.vm = VmRecord(name=name, id="", size=target.size, zone=target.zone,
                                lifecycle=target.lifecycle, launched_at=ctx.now, price_hour=target.price_hour)
    spec = blueprint.vm_spec(ctx.spec, ctx.node_id, ctx.state, target, name=name,
                             generation=op.generation, catalog=ctx.catalog, cloud=ctx.cloud)
    if spec.os_profile is None and ctx.state.os_disk is None:
        ctx.log("no login is configured: the VM is created without an OS profile", severity="WARN")
    try:
        vm = ctx.cloud.ensure_vm(spec)
    except (CapacityUnavailable, QuotaExceeded) as error:
        mark_market_failed(ctx, target, error.code, error.message)
        ctx.state.vm = None
        return Goto("choose")
    ctx.state.vm.id = vm.id
    where = f"zone {target.zone}" if target.zone else "regional"
    ctx.log(f"launching {name}: {target.lifecycle} {target.size} {where}", resource_id=vm.id)
    return Done()


def await_vm(ctx: PassContext, op: Operation) -> StepOutcome:
    vm = ctx.state.vm
    assert vm is not None and op.target is not None
    try:
        observed = ctx.cloud.get_vm(ctx.resource_group, vm.name)
    except NotFound:
        ctx.log(f"VM {vm.name} disappeared while launching; launching again", severity="WARN")
        ctx.state.vm = None
        return Goto("launch")
    if observed.provisioning_state == "Failed":
        code = observed.failure_code or "ProvisioningFailed"
        mark_market_failed(ctx, op.target, code, f"provisioning failed ({code})")
        if ctx.state.os_disk is None and observed.os_disk_id:
            discard_unused(ctx, observed.os_disk_id, f"OS disk of {vm.name}, whose provisioning failed")
        return Goto("choose")
    if observed.provisioning_state == "Succeeded" and observed.power_state == "running":
        return Done()
    source = ctx.state.import_source
    if (op.kind == "import" and source is not None and source.was_running is False
            and observed.power_state in ("deallocating", "deallocated")):
        return Done()  # it ran, and `keep_power_state` stopped it in a pass whose worker then died
    return Wait(ctx.settings.operation_poll, f"waiting for {vm.name} to run")


def settle(ctx: PassContext, op: Operation) -> StepOutcome:
    """The new VM runs: remember (and tag) its OS disk, start costing it, hand superseded
    resources and leftovers of interrupted attempts to the garbage collector."""
    vm = ctx.state.vm
    assert vm is not None
    observed = ctx.cloud.get_vm(ctx.resource_group, vm.name)
    if ctx.state.os_disk is None:
        disk = _tagged_os_disk(ctx, observed.os_disk_id.rsplit("/", 1)[-1])
        ctx.state.os_disk = DiskRecord(role="os", id=disk.id, name=disk.name, zone=disk.zone, sku=disk.sku,
                                       size_gb=disk.size_gb, generation=op.generation)
    retire_superseded(ctx, op)
    sweep_unreferenced(ctx)
    vm.running_since = ctx.now
    vm.accrued_until = ctx.now
    ctx.state.generation = max(ctx.state.generation, op.generation)
    ctx.state.ever_ran = True
    ctx.state.error_reason = None
    elapsed = int((ctx.now - op.started_at) / timedelta(seconds=1))
    ips = ", ".join(filter(None, [n.private_ip for n in ctx.state.nics] +
                           [n.public_ip_address for n in ctx.state.nics]))
    where = f"zone {vm.zone}" if vm.zone else "regional"
    ctx.log(f"{vm.name} is running on {vm.lifecycle} {vm.size} {where}"
            + (f" ({ips})" if ips else "") + f", {elapsed} s after the {op.kind} began", resource_id=vm.id)
    return Done()


def _tagged_os_disk(ctx: PassContext, name: str) -> Disk:
    """The OS disk Azure made from the image with the VM. Azure does not copy the VM's tags to
    it, and untagged it would be invisible to the garbage collector and to a delete's sweep, so
    it gets the node's tags here (an update of an existing disk: same creation data)."""
    disk = ctx.cloud.get_disk(ctx.resource_group, name)
    if disk.tags.get(NODE_TAG) == ctx.node_id:
        return disk
    return ctx.cloud.ensure_disk(DiskSpec(
        resource_group=disk.resource_group, name=disk.name, region=disk.region, sku=disk.sku,
        create_option="FromImage", image=blueprint.image_ref(ctx.spec), source_id=disk.source_id,
        zone=disk.zone, os_type=disk.os_type, tags=blueprint.node_tags(ctx.spec, ctx.node_id, "os-disk"),
    ))
