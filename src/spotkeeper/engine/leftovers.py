"""What operations leave behind, and how each kind of leftover reaches the garbage collector.

Three kinds, three rules:
* superseded: a resource the node used (an OS disk replaced by its restored copy, the NIC of a
  non-persisted network) goes only once its replacement is in the state, and only after
  `superseded_resource_ttl`, so a recovery that goes wrong still has the original to fall back on;
* never used: a resource made for a market that then refused the VM (an empty data disk in the
  wrong zone, the OS disk of a VM whose allocation failed) holds nothing, and is deleted now;
* unreferenced: a resource tagged with the node's id that the state does not name — made by a
  pass whose worker died before it could write the state — is found by its tag when the next
  operation settles and handed to the collector like a superseded one. This is what makes
  "no orphaned resource survives garbage collection" hold for crashes at any point.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from spotkeeper.engine.arm_ids import parse_resource_id
from spotkeeper.engine.context import PassContext
from spotkeeper.engine.naming import NODE_TAG
from spotkeeper.engine.state import NodeState, Operation


def referenced_ids(state: NodeState) -> set[str]:
    """Lower-cased ids of every resource the node's state names (ARM ids are case-insensitive)."""
    ids: list[str | None] = [state.vm.id if state.vm else None, state.os_disk.id if state.os_disk else None]
    ids += [d.id for d in state.data_disks]
    ids += [s.id for s in state.snapshots]
    for nic in state.nics:
        ids += [nic.id, nic.public_ip_id]
    return {i.lower() for i in ids if i}


def discard_unused(ctx: PassContext, resource_id: str, why: str) -> None:
    """Delete at once a resource no VM of the node ever ran with."""
    _hand_over(ctx, [resource_id], after=timedelta(0), reason=f"never used: {why}")


def retire_superseded(ctx: PassContext, op: Operation) -> None:
    """Hand the operation's superseded resources to the collector, except any the state uses."""
    in_use = referenced_ids(ctx.state)
    retired = [r for r in dict.fromkeys(op.superseded) if r.lower() not in in_use]
    _hand_over(ctx, retired, after=ctx.settings.superseded_resource_ttl,
               reason=f"superseded by the {op.kind} of {op.old_vm_name or 'the node'}")
    op.superseded = []


def retire_later(ctx: PassContext, resource_ids: Iterable[str], reason: str) -> None:
    """Hand resources to the collector after the superseded-resource TTL."""
    _hand_over(ctx, resource_ids, after=ctx.settings.superseded_resource_ttl, reason=reason)


def retire_now(ctx: PassContext, resource_ids: Iterable[str], reason: str) -> None:
    """Delete at once resources the node stops keeping (not persisted, and the node pauses)."""
    _hand_over(ctx, resource_ids, after=timedelta(0), reason=reason)


def sweep_unreferenced(ctx: PassContext) -> int:
    """Schedule every resource tagged with the node's id that its state does not name and that
    was not handed to the collector already. Returns how many were found."""
    tagged = ctx.cloud.list_tagged(NODE_TAG, ctx.node_id)
    present = {r.id.lower() for r in tagged}
    # what the collector deleted since is no longer worth remembering
    ctx.state.retiring = [r for r in ctx.state.retiring if r in present]
    known = referenced_ids(ctx.state) | set(ctx.state.retiring)
    strays = [r.id for r in tagged if r.id.lower() not in known]
    if strays:
        ctx.log(f"{len(strays)} resource(s) tagged with this node are not part of it (left by an "
                "interrupted attempt); scheduled for deletion", severity="WARN")
    _hand_over(ctx, strays, after=ctx.settings.superseded_resource_ttl,
               reason="tagged with the node but not part of it (left by an interrupted attempt)")
    return len(strays)


def _hand_over(ctx: PassContext, resource_ids: Iterable[str], *, after: timedelta, reason: str) -> None:
    for resource_id in resource_ids:
        if resource_id.lower() not in ctx.state.retiring:
            ctx.state.retiring.append(resource_id.lower())
        kind, rg, name = parse_resource_id(resource_id)
        ctx.delete_later(resource_id=resource_id, kind=kind, resource_group=rg, name=name, after=after,
                         reason=reason)
