"""Ending steps: `park` (finish a pause) and `release` (finish a delete).

A paused node keeps exactly what persistence promises — persisted disks and NICs stay, with
their IPs — and nothing else: non-persisted disks and NICs are handed to the garbage collector.
A deleted node follows its deallocation config (spot-api.md §4.1): per resource kind, delete or
keep, after `ttlInHours` (default 96 h). "Delete public IP" forces NIC deletion, and without
"terminate VM" only snapshots may be deleted (the VM keeps running outside our care). `release`
also sweeps every resource tagged with the node's id, so leftovers of an operation interrupted
by the delete follow the same rules instead of being orphaned.
"""

from __future__ import annotations

from datetime import timedelta

from spotkeeper.cloud.port import ResourceKind
from spotkeeper.engine.arm_ids import parse_resource_id
from spotkeeper.engine.context import PassContext
from spotkeeper.engine.leftovers import retire_now
from spotkeeper.engine.naming import NODE_TAG
from spotkeeper.engine.outcomes import Done, StepOutcome
from spotkeeper.engine.policy import persistence_plan
from spotkeeper.engine.state import Operation


def park(ctx: PassContext, op: Operation) -> StepOutcome:
    plan = persistence_plan(ctx.spec)
    state = ctx.state
    dropped: list[str] = []
    if state.os_disk is not None and not plan.os_disk:
        dropped.append(state.os_disk.id)
        state.os_disk = None
    if not plan.data_disks:
        dropped.extend(d.id for d in state.data_disks)
        state.data_disks = []
    if not plan.network:
        for nic in state.nics:
            dropped.append(nic.id)
            if nic.public_ip_id:
                dropped.append(nic.public_ip_id)
        state.nics = []
    retire_now(ctx, dropped, "not persisted, and the node is paused")
    kept = []
    if state.os_disk:
        kept.append("OS disk")
    if state.data_disks:
        kept.append(f"{len(state.data_disks)} data disk(s)")
    if state.nics:
        kept.append("network")
    ctx.log("paused; kept " + (", ".join(kept) if kept else "nothing (no persistence configured)"))
    return Done()


_CONFIG_OF_KIND: dict[ResourceKind, str] = {
    "disk": "diskDeallocationConfig",
    "snapshot": "snapshotDeallocationConfig",
    "nic": "networkDeallocationConfig",
    "public_ip": "publicIpDeallocationConfig",
}


def release(ctx: PassContext, op: Operation) -> StepOutcome:
    config = ctx.state.deletion or {}
    terminate = bool(config.get("shouldTerminateVm", True))
    decisions: dict[ResourceKind, tuple[bool, timedelta]] = {}
    for kind, key in _CONFIG_OF_KIND.items():
        sub = config.get(key)
        sub = sub if isinstance(sub, dict) else {}
        should = bool(sub.get("shouldDeallocate", False))
        ttl_hours = sub.get("ttlInHours")
        ttl = (timedelta(hours=ttl_hours) if isinstance(ttl_hours, int | float)
               else ctx.settings.default_retention)
        decisions[kind] = (should, ttl)
    if decisions["public_ip"][0]:
        decisions["nic"] = (True, min(decisions["nic"][1], decisions["public_ip"][1])
                            if decisions["nic"][0] else decisions["public_ip"][1])
    if not terminate:
        for kind in ("disk", "nic", "public_ip"):
            decisions[kind] = (False, timedelta(0))

    owned = _owned_resources(ctx)
    deleted = kept = 0
    for resource_id, kind in owned.items():
        if kind == "vm":
            continue
        should, ttl = decisions.get(kind, (False, timedelta(0)))
        if should:
            _, rg, name = parse_resource_id(resource_id)
            ctx.delete_later(resource_id=resource_id, kind=kind, resource_group=rg, name=name, after=ttl,
                             reason="the node was deleted")
            deleted += 1
        else:
            kept += 1
    vm_words = "VM terminated" if terminate else "VM left running (shouldTerminateVm false)"
    ctx.log(f"deleted: {vm_words}; {deleted} resource(s) scheduled for deletion, {kept} kept in Azure")
    return Done()


def _owned_resources(ctx: PassContext) -> dict[str, ResourceKind]:
    state = ctx.state
    owned: dict[str, ResourceKind] = {}
    if state.os_disk:
        owned[state.os_disk.id] = "disk"
    for disk in state.data_disks:
        owned[disk.id] = "disk"
    for snap in state.snapshots:
        owned[snap.id] = "snapshot"
    for nic in state.nics:
        owned[nic.id] = "nic"
        if nic.public_ip_id:
            owned[nic.public_ip_id] = "public_ip"
    retiring = set(state.retiring)  # already handed to the collector as garbage
    for resource in ctx.cloud.list_tagged(NODE_TAG, ctx.node_id):
        if resource.id.lower() not in retiring:
            owned.setdefault(resource.id, resource.kind)
    return owned
