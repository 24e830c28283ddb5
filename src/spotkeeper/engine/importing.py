"""The `import` operation: a node takes over an existing Azure VM (spot-api.md §4.2).

Spot's documented flow, as steps of one resumable operation (`engine.operations`):

    survey, choose, drain_source, stop_source, snapshot_source, release_source,
    restore_disks, network, launch, await_vm, settle, keep_power_state, finish_import

* `survey` reads the VM before anything touches it and stores what it found in the node's
  `import_source` (disks, NICs, whether it was running), then ends its pass (`Checkpoint`): a
  worker that dies after the VM was stopped or deleted still knows what it had. A VM that
  cannot be imported is refused in words: a generalized VM (it can never boot again), an
  ephemeral OS disk (no snapshot can be taken of it), another region, another node's VM.
* `choose` picks the market as for any launch.
* `drain_source` gives a running VM `drainingTimeout` seconds; `stop_source` deallocates it, so
  the snapshots hold everything it wrote.
* `snapshot_source` and `restore_disks` (`engine.import_disks`) snapshot the OS disk and the
  data disks the spec keeps, and restore them as the node's own disks in the chosen zone.
* `release_source` deletes the original VM when the node persists its network (its NICs, with
  their private and public IPs, then move to the node) or when the node's VM is to have the
  original's name in its resource group; otherwise the VM stays deallocated.
* `network`, `launch`, `await_vm`, `settle` are a first launch's, on the restored disks.
* `keep_power_state`: Spot preserves the original power state, so a VM that was not running
  ends deallocated and the node `stopped` (it starts again from Azure, or with a recycle).
* `finish_import` schedules the originals — their disks, the VM if it was not deleted, and
  NICs and public IPs the node did not adopt — for deletion after `resourcesRetentionTime`
  hours (default 96), and marks the import `ImportCompleted`.
"""

from __future__ import annotations

from datetime import timedelta

from spotkeeper.cloud.errors import NotFound
from spotkeeper.cloud.port import ResourceKind, Vm
from spotkeeper.engine import blueprint
from spotkeeper.engine.accounting import stop_costs
from spotkeeper.engine.arm_ids import parse_resource_id
from spotkeeper.engine.context import PassContext
from spotkeeper.engine.naming import NODE_TAG
from spotkeeper.engine.outcomes import Checkpoint, Done, Fail, StepOutcome, Wait
from spotkeeper.engine.policy import persistence_plan
from spotkeeper.engine.state import ImportSource, NicRecord, Operation, SourceDisk

IMPORT_STEPS = (
    "survey", "choose", "drain_source", "stop_source", "snapshot_source", "release_source",
    "restore_disks", "network", "launch", "await_vm", "settle", "keep_power_state", "finish_import",
)


def source_of(ctx: PassContext) -> ImportSource:
    source = ctx.state.import_source
    if source is None:
        raise ValueError("the node is importing but its state names no VM to import (import_source)")
    return source


def survey(ctx: PassContext, op: Operation) -> StepOutcome:
    source = ctx.state.import_source
    if source is None:
        return Fail("the node is importing but names no VM to import; the import request was not recorded")
    source.progress = "ImportInProgress"
    if source.vm_id is not None:
        return Done()  # surveyed by an earlier attempt: the VM may be stopped or gone by now
    rg, name = source.resource_group_name, source.original_vm_name
    try:
        vm = ctx.cloud.get_vm(rg, name)
    except NotFound:
        return Fail(f"VM {name} does not exist in resource group {rg}")
    refusal = _why_not_importable(ctx, vm)
    if refusal is not None:
        return Fail(refusal)
    disks = [_source_disk(ctx, "os", vm.os_disk_id, None, "ReadWrite")]
    disks += [_source_disk(ctx, "data", d.disk_id, d.lun, d.caching) for d in vm.data_disks]
    source.vm_id = vm.id
    source.was_running = vm.power_state in ("running", "starting")
    source.disks = disks
    source.nic_ids = list(vm.nic_ids)
    if source.convert_unmanaged_disks:
        ctx.log("convertUnmanagedDisks: nothing to convert, the VM's disks are managed disks")
    where = f"zone {vm.zone}" if vm.zone else "regional"
    ctx.log(f"importing VM {name} ({vm.lifecycle} {vm.size} {where}, {vm.power_state}): OS disk, "
            f"{len(disks) - 1} data disk(s), {len(vm.nic_ids)} NIC(s)", resource_id=vm.id)
    return Checkpoint()


def drain_source(ctx: PassContext, op: Operation) -> StepOutcome:
    source = source_of(ctx)
    if not source.was_running or source.source_deleted:
        return Done()
    try:
        vm = ctx.cloud.get_vm(source.resource_group_name, source.original_vm_name)
    except NotFound:
        return Done()
    if vm.power_state != "running":
        return Done()
    if op.drain_until is None:
        op.drain_until = ctx.now + timedelta(seconds=source.draining_timeout)
        ctx.log(f"draining {vm.name} for {source.draining_timeout} s before it stops", resource_id=vm.id)
    if ctx.now >= op.drain_until:
        return Done()
    return Wait(op.drain_until - ctx.now, "draining the VM being imported")


def stop_source(ctx: PassContext, op: Operation) -> StepOutcome:
    """Deallocate the original (a stopped VM too: it still holds its hardware)."""
    source = source_of(ctx)
    if source.source_deleted:
        return Done()
    try:
        vm = ctx.cloud.get_vm(source.resource_group_name, source.original_vm_name)
    except NotFound:
        return Done()  # deleted by `release_source` in a pass whose worker died
    if vm.power_state == "deallocated" and vm.provisioning_state != "Updating":
        return Done()
    if vm.power_state != "deallocating":
        ctx.cloud.deallocate_vm(source.resource_group_name, source.original_vm_name)
        ctx.log(f"deallocating {vm.name} so its disks can be snapshotted", resource_id=vm.id)
    return Wait(ctx.settings.operation_poll, f"waiting for {vm.name} to deallocate")


def release_source(ctx: PassContext, op: Operation) -> StepOutcome:
    """Delete the original VM when the node takes its NICs or its name, and adopt the NICs."""
    source = source_of(ctx)
    plan = persistence_plan(ctx.spec)
    if not (plan.network or _takes_the_name(ctx, op, source)):
        return Done()
    if not source.source_deleted:
        try:
            vm = ctx.cloud.get_vm(source.resource_group_name, source.original_vm_name)
        except NotFound:
            vm = None
        if vm is not None:
            if vm.provisioning_state != "Deleting":
                ctx.cloud.delete_vm(source.resource_group_name, source.original_vm_name)
            return Wait(ctx.settings.operation_poll, f"deleting {vm.name} (its disks and NICs are kept)")
        source.source_deleted = True
        nics = ", its NICs move to the node" if plan.network else ""
        ctx.log(f"deleted the original VM {source.original_vm_name}; its disks are kept "
                f"{source.resources_retention_time} h{nics}")
    if plan.network:
        _adopt_nics(ctx, source)
    return Done()


def keep_power_state(ctx: PassContext, op: Operation) -> StepOutcome:
    """A VM imported while stopped ends deallocated (Spot: the original power state is kept)."""
    source, vm = source_of(ctx), ctx.state.vm
    if source.was_running is not False or vm is None:
        return Done()
    observed = ctx.cloud.get_vm(ctx.resource_group, vm.name)
    if observed.power_state == "deallocated":
        stop_costs(ctx, ctx.now)
        if ctx.state.stopped_since is None:
            ctx.state.stopped_since = ctx.now
            ctx.log(f"{vm.name} is deallocated, as the original VM was when it was imported; the node "
                    "is stopped (start the VM from Azure, or recycle the node)", resource_id=vm.id)
        return Done()
    if observed.power_state != "deallocating":
        stop_costs(ctx, ctx.now)
        ctx.cloud.deallocate_vm(ctx.resource_group, vm.name)
    return Wait(ctx.settings.operation_poll, f"deallocating {vm.name}")


def finish_import(ctx: PassContext, op: Operation) -> StepOutcome:
    source = source_of(ctx)
    after = timedelta(hours=source.resources_retention_time)
    originals: list[tuple[str, ResourceKind]] = [(d.id, "disk") for d in source.disks]
    if not source.source_deleted and source.vm_id:
        originals.append((source.vm_id, "vm"))
    adopted = {n.id.lower() for n in ctx.state.nics}
    for nic_id in source.nic_ids:
        if nic_id.lower() in adopted:
            continue
        originals.append((nic_id, "nic"))
        public_ip = _public_ip_of(ctx, nic_id)
        if public_ip is not None:
            originals.append((public_ip, "public_ip"))
    for resource_id, kind in originals:
        _, rg, name = parse_resource_id(resource_id)
        ctx.delete_later(resource_id=resource_id, kind=kind, resource_group=rg, name=name, after=after,
                         reason=f"original of imported VM {source.original_vm_name}, kept "
                                f"{source.resources_retention_time} h (resourcesRetentionTime)")
    source.progress = "ImportCompleted"
    ctx.log(f"import of {source.original_vm_name} complete; {len(originals)} original resource(s) "
            f"will be deleted after {source.resources_retention_time} h")
    return Done()


def _why_not_importable(ctx: PassContext, vm: Vm) -> str | None:
    if vm.generalized:
        return f"VM {vm.name} is generalized; a generalized VM cannot be imported"
    if vm.ephemeral_os_disk:
        return f"VM {vm.name} has an ephemeral OS disk, which cannot be snapshotted; it cannot be imported"
    if vm.region != ctx.region.lower():
        return f"VM {vm.name} is in {vm.region}, the node in {ctx.region}; it cannot be imported"
    owner = vm.tags.get(NODE_TAG)
    if owner and owner != ctx.node_id:
        return f"VM {vm.name} belongs to stateful node {owner}"
    return None


def _source_disk(ctx: PassContext, role: str, disk_id: str, lun: int | None, caching: str) -> SourceDisk:
    _, rg, name = parse_resource_id(disk_id)
    disk = ctx.cloud.get_disk(rg, name)
    return SourceDisk(role="os" if role == "os" else "data", id=disk.id, name=disk.name, lun=lun,
                      caching=caching, sku=disk.sku, size_gb=disk.size_gb)


def _takes_the_name(ctx: PassContext, op: Operation, source: ImportSource) -> bool:
    """Will the node's VM have the original's name in the original's resource group? Then the
    original must go first (a VM PUT on that name would update the original instead)."""
    name = blueprint.vm_name(ctx.spec, ctx.node_id, op.generation)
    return (name.lower(), ctx.resource_group.lower()) == (
        source.original_vm_name.lower(), source.resource_group_name.lower())


def _adopt_nics(ctx: PassContext, source: ImportSource) -> None:
    """The original's NICs (in their order: the first is primary) become the node's, on the
    spec's NICs in the spec's order; NICs beyond the spec's count stay with the originals."""
    have = {n.id.lower() for n in ctx.state.nics}
    for index, nic_id in zip(blueprint.ordered_nics(ctx.spec), source.nic_ids, strict=False):
        if nic_id.lower() in have:
            continue
        _, rg, name = parse_resource_id(nic_id)
        nic = ctx.cloud.get_nic(rg, name)
        address = pip_name = None
        if nic.public_ip_id:
            _, pip_rg, pip_name = parse_resource_id(nic.public_ip_id)
            address = ctx.cloud.get_public_ip(pip_rg, pip_name).address
        ctx.state.nics.append(NicRecord(
            index=index, id=nic.id, name=nic.name, is_primary=index == blueprint.ordered_nics(ctx.spec)[0],
            private_ip=nic.private_ip, public_ip_id=nic.public_ip_id, public_ip_name=pip_name,
            public_ip_address=address, generation=0,
        ))
        ctx.log(f"NIC {nic.name} of the original VM now belongs to the node ({nic.private_ip}"
                + (f", public {address}" if address else "") + ")", resource_id=nic.id)
    ctx.state.nics.sort(key=lambda n: n.index)


def _public_ip_of(ctx: PassContext, nic_id: str) -> str | None:
    _, rg, name = parse_resource_id(nic_id)
    try:
        return ctx.cloud.get_nic(rg, name).public_ip_id
    except NotFound:
        return None
