"""The `choose` step: pick the market for the node's next VM and decide how its disks follow.

It asks the cloud for current offers on every size the node may use, applies what forces
on-demand (interruption toleration, odWindows) or spot (a revert), ranks with
`choose_market`, and then prefers — inside the top candidate's lifecycle — markets in the zone
where reattachable disks already are, because reattaching is faster than restoring a snapshot.
The chosen `Target` records whether the OS and data disks come back by reattach or from a
snapshot (onLaunch mode, or reattach with a zone change: the seed's fallback), and whether a
recovery can start the evicted VM again instead of replacing it (`engine.restart`). The step ends its
pass (`Checkpoint`) so the choice, and the generation every new resource is named after, are
stored before anything is created for them. A revert looks only at spot while the on-demand VM
still runs; once that VM is gone it takes whatever market will have the node, and a revert that
ends back on on-demand is remembered so the next one waits (`revert_refused_at`).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from spotkeeper.cloud.port import CapacityReservationGroupInfo
from spotkeeper.engine.context import PassContext
from spotkeeper.engine.outcomes import Abandon, Checkpoint, StepOutcome, Wait
from spotkeeper.engine.placement import Candidate, EvictionHistory, PlacementPolicy, choose_market
from spotkeeper.engine.policy import persistence_plan, placement_policy, revert_policy, toleration_policy
from spotkeeper.engine.restart import in_place_possible
from spotkeeper.engine.revert import od_window_action
from spotkeeper.engine.state import FailedMarket, Operation, Target
from spotkeeper.engine.toleration import toleration_forces_od


def choose(ctx: PassContext, op: Operation) -> StepOutcome:
    state = ctx.state
    state.failed_markets = [f for f in state.failed_markets if f.until > ctx.now]
    policy = _effective_policy(ctx, op)
    sizes = sorted({*policy.spot_sizes, *policy.preferred_spot_sizes, *policy.od_sizes}, key=str.casefold)
    offers = ctx.cloud.get_market(ctx.region, sizes, list(policy.zones))
    reservations: tuple[CapacityReservationGroupInfo, ...] = ()
    if policy.capacity_reservation is not None:
        reservations = ctx.cloud.get_inventory(ctx.region).capacity_reservation_groups
    history = EvictionHistory()
    for record in state.evictions:
        history = history.with_eviction(record.size, record.zone, record.at)
    candidates = choose_market(
        policy, offers, history, ctx.now,
        failed=[(f.size, f.zone, f.lifecycle) for f in state.failed_markets],
        backoff=ctx.settings.eviction_backoff, reservations=reservations,
    )
    disk_zone = _reattach_zone(ctx)
    if disk_zone is not _NO_DISKS:
        candidates = _prefer_zone(candidates, disk_zone)
    if not candidates:
        if _spot_only(op):
            return Abandon("no spot market can take the node now; staying on on-demand")
        retry_at = min([f.until for f in state.failed_markets] + [ctx.now + ctx.settings.no_market_retry])
        wait = max(retry_at - ctx.now, timedelta(seconds=1))
        message = f"no market can take the VM now: {_why_none(policy, state.failed_markets)}; " \
                  f"retrying in {int(wait.total_seconds())} s"
        if state.rollback_reason != message:
            ctx.log(message, severity="WARN")
        state.rollback_reason = message
        return Wait(wait, "no market")
    best = candidates[0]
    if op.kind == "revert" and best.lifecycle == "od":
        state.revert_refused_at = ctx.now
        ctx.log("spot refused the revert after the on-demand VM was gone; going back to on-demand",
                severity="WARN")
    op.target = _target(ctx, op, best)
    # every choice gets fresh resource names, so leftovers of a refused attempt never collide
    op.generation = (state.generation + 1 if state.ever_ran else 0) + op.choices
    op.choices += 1
    state.rollback_reason = None
    how = []
    if op.target.in_place:
        how.append("the evicted VM is started again in place")
    if op.target.restore_os:
        how.append("OS disk from snapshot")
    if op.target.restore_data:
        how.append("data disks from snapshots")
    ctx.log(f"chose {best.reason}" + (f" ({', '.join(how)})" if how else ""))
    return Checkpoint()


def mark_market_failed(ctx: PassContext, target: Target, code: str, message: str) -> None:
    ctx.state.failed_markets.append(
        FailedMarket(size=target.size, zone=target.zone, lifecycle=target.lifecycle,
                     until=ctx.now + ctx.settings.failed_market_ttl, code=code)
    )
    where = f"zone {target.zone}" if target.zone else "regional"
    ctx.log(f"{target.lifecycle} {target.size} {where} refused the VM: {message}", severity="WARN")


def _effective_policy(ctx: PassContext, op: Operation) -> PlacementPolicy:
    policy = placement_policy(ctx.spec, ctx.catalog)
    force_od = False
    verdict = toleration_forces_od(toleration_policy(ctx.spec), [e.at for e in ctx.state.evictions], ctx.now)
    if verdict.forced:
        force_od = True
        ctx.log(verdict.reason)
    revert = revert_policy(ctx.spec, ctx.settings.strategy)
    if od_window_action(revert, ctx.now, "spot") == "force_od":
        force_od = True
        ctx.state.od_held_by_window = True
    if force_od and policy.od_sizes:
        return dataclasses.replace(policy, spot_sizes=(), preferred_spot_sizes=(), preferred_lifecycle="od",
                                   fallback_to_od=True)
    if _spot_only(op):
        return dataclasses.replace(policy, od_sizes=(), preferred_lifecycle="spot")
    return policy


def _spot_only(op: Operation) -> bool:
    """A revert looks only at spot while the on-demand VM still runs: then finding no spot just
    ends the revert. Once that VM is gone the node needs a VM on whatever market takes it."""
    return op.kind == "revert" and op.old_vm_name is None


def _why_none(policy: PlacementPolicy, failed: list[FailedMarket]) -> str:
    spot = sum(1 for f in failed if f.lifecycle == "spot")
    od = len(failed) - spot
    parts = []
    if spot:
        parts.append(f"{spot} spot market(s) refused the VM recently")
    if od:
        parts.append(f"{od} on-demand market(s) refused it")
    if not parts:
        parts.append("no market of the node's sizes and zones has capacity")
    if not policy.fallback_to_od and policy.od_sizes:
        parts.append("fallbackToOd is off, so on-demand is not used")
    return ", ".join(parts)


_NO_DISKS = object()


def _reattach_zone(ctx: PassContext) -> object:
    """The zone of disks that could be reattached as they are (None = regional), or _NO_DISKS."""
    plan = persistence_plan(ctx.spec)
    state = ctx.state
    if not state.ever_ran:
        return _NO_DISKS
    if plan.os_disk and plan.os_disk_mode == "reattach" and state.os_disk is not None:
        return state.os_disk.zone
    if plan.data_disks and plan.data_disks_mode == "reattach" and state.data_disks:
        return state.data_disks[0].zone
    return _NO_DISKS


def _prefer_zone(candidates: list[Candidate], zone: object) -> list[Candidate]:
    """Within each lifecycle, candidates in the disks' zone first; the lifecycle order stays."""
    first_seen: dict[str, int] = {}
    for i, c in enumerate(candidates):
        first_seen.setdefault(c.lifecycle, i)
    order = sorted(range(len(candidates)),
                   key=lambda i: (first_seen[candidates[i].lifecycle], candidates[i].zone != zone, i))
    return [candidates[i] for i in order]


def _target(ctx: PassContext, op: Operation, best: Candidate) -> Target:
    plan = persistence_plan(ctx.spec)
    state = ctx.state
    restore_os = bool(
        state.ever_ran and plan.os_disk and state.os_disk is not None
        and (plan.os_disk_mode == "onLaunch" or state.os_disk.zone != best.zone)
    )
    restore_data = bool(
        state.ever_ran and plan.data_disks and state.data_disks
        and (plan.data_disks_mode == "onLaunch" or any(d.zone != best.zone for d in state.data_disks))
    )
    reservation = (best.reservation.resource_group, best.reservation.name) if best.reservation else None
    in_place = in_place_possible(ctx, op, size=best.size, zone=best.zone, lifecycle=best.lifecycle,
                                 restores=restore_os or restore_data)
    return Target(size=best.size, zone=best.zone, lifecycle=best.lifecycle, price_hour=best.price_hour,
                  reason=best.reason, restore_os=restore_os, restore_data=restore_data,
                  reservation_group=reservation, in_place=in_place)
