"""The `network` step: the NICs (and their public IPs) the next VM will carry.

With network persistence the node keeps the same NIC objects for life, and with them the same
private IP and the same Standard static public IP: that is what makes the replacement "the same
machine" to its users. A persisted NIC that has vanished (deleted by hand) is recreated asking
for the same private address. Without persistence every replacement gets new NICs (new
addresses) and the old ones are superseded.
"""

from __future__ import annotations

import dataclasses

from spotkeeper.cloud.errors import NotFound
from spotkeeper.engine import blueprint
from spotkeeper.engine.arm_ids import parse_resource_id
from spotkeeper.engine.context import PassContext
from spotkeeper.engine.converge import get_or_create
from spotkeeper.engine.outcomes import Done, StepOutcome, Wait
from spotkeeper.engine.policy import persistence_plan
from spotkeeper.engine.state import NicRecord, Operation


def prepare_network(ctx: PassContext, op: Operation) -> StepOutcome:
    plan = persistence_plan(ctx.spec)
    launch = blueprint.launch_spec(ctx.spec)
    interfaces = launch.network.network_interfaces or [] if launch.network else []
    current = {n.index: n for n in ctx.state.nics}
    ready: list[NicRecord] = []
    pending = 0
    for index in blueprint.ordered_nics(ctx.spec):
        record = current.pop(index, None)
        # a NIC stays if the network is persisted, if it was made for the VM being launched, or
        # if the evicted VM that carries it is started again in place (`engine.restart`)
        in_place = op.target is not None and op.target.in_place
        keep = record is not None and (
            plan.network or not ctx.state.ever_ran or record.generation > ctx.state.generation or in_place
        )
        if record is not None and keep and _exists(ctx, record):
            ready.append(record)
            continue
        if record is not None:
            _supersede_nic(op, record)
        generation = record.generation if (record is not None and plan.network) else op.generation
        wanted_ip = record.private_ip if (record is not None and plan.network) else None
        public = interfaces[index].assign_public_ip is True
        nic_record = _ensure_nic(ctx, index, generation, public, wanted_ip)
        if nic_record is None:
            pending += 1
        else:
            ready.append(nic_record)
    for leftover in current.values():
        _supersede_nic(op, leftover)
    ctx.state.nics = sorted(ready, key=lambda n: n.index)
    op.superseded = list(dict.fromkeys(op.superseded))
    if pending:
        return Wait(ctx.settings.operation_poll, f"{pending} NIC(s) still provisioning")
    return Done()


def _exists(ctx: PassContext, record: NicRecord) -> bool:
    # the NIC of an imported VM may live in the VM's resource group, not the node's
    _, resource_group, name = parse_resource_id(record.id)
    try:
        ctx.cloud.get_nic(resource_group, name)
    except NotFound:
        ctx.log(f"NIC {record.name} no longer exists in Azure; recreating it", severity="WARN",
                resource_id=record.id)
        return False
    return True


def _supersede_nic(op: Operation, record: NicRecord) -> None:
    op.superseded.append(record.id)
    if record.public_ip_id:
        op.superseded.append(record.public_ip_id)


def _ensure_nic(
    ctx: PassContext, index: int, generation: int, assign_public_ip: bool, private_ip: str | None
) -> NicRecord | None:
    public_ip = None
    if assign_public_ip:
        pip_spec = blueprint.public_ip_spec(ctx.spec, ctx.node_id, index, generation)
        public_ip = get_or_create(lambda: ctx.cloud.get_public_ip(pip_spec.resource_group, pip_spec.name),
                                  lambda: ctx.cloud.ensure_public_ip(pip_spec))
        if public_ip.provisioning_state != "Succeeded":
            return None
    spec = blueprint.nic_spec(ctx.spec, ctx.node_id, ctx.cloud, index=index, generation=generation,
                              public_ip_id=public_ip.id if public_ip else None)
    if private_ip and spec.private_ip is None:
        spec = dataclasses.replace(spec, private_ip=private_ip)
    nic = get_or_create(lambda: ctx.cloud.get_nic(spec.resource_group, spec.name),
                        lambda: ctx.cloud.ensure_nic(spec))
    if nic.provisioning_state != "Succeeded":
        return None
    address = f"{nic.private_ip}" + (f", public {public_ip.address}" if public_ip else "")
    ctx.log(f"NIC {nic.name} ready ({address})", resource_id=nic.id)
    return NicRecord(
        index=index, id=nic.id, name=nic.name, is_primary=index == blueprint.ordered_nics(ctx.spec)[0],
        private_ip=nic.private_ip, public_ip_id=public_ip.id if public_ip else None,
        public_ip_name=public_ip.name if public_ip else None,
        public_ip_address=public_ip.address if public_ip else None, generation=generation,
    )
