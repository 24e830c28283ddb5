"""A node at rest: what a pass looks at when no operation is in flight.

For a running node, in order: is the VM still there and running (an eviction without notice, a
VM deleted by hand, a VM stopped from Azure)? Has Azure announced an eviction (`Preempt`)? Then
cost the interval, judge health, and apply what people and schedules asked for (pause, resume,
recycle), and what the strategy wants (odWindows, interruption toleration, revert to spot).
Each check that fires starts an operation; the first one wins and the others wait for a later
pass. A paused, stopped or failed node only reacts to requests, schedules and its VM reappearing.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta

from spotkeeper.cloud.errors import CloudError, NotFound
from spotkeeper.cloud.port import Vm
from spotkeeper.engine import blueprint
from spotkeeper.engine.accounting import accrue_costs, stop_costs
from spotkeeper.engine.context import PassContext
from spotkeeper.engine.health import BackendHealth, HealthObservation, evaluate_health
from spotkeeper.engine.operations import run_operation, start_operation
from spotkeeper.engine.phases import Phase
from spotkeeper.engine.placement import EvictionHistory, choose_market
from spotkeeper.engine.policy import (
    health_policy,
    placement_policy,
    revert_policy,
    scheduled_tasks,
    toleration_policy,
)
from spotkeeper.engine.revert import decide_revert, od_window_action
from spotkeeper.engine.schedule import due_tasks, next_fire
from spotkeeper.engine.state import EvictionRecord, OperationKind
from spotkeeper.engine.toleration import toleration_forces_od
from spotkeeper.spec.windows import next_boundary

PREEMPT_NOTICE = timedelta(seconds=30)  # F11: Azure's minimum Preempt notice
IDLE_POLL = timedelta(hours=1)


def observe_running(ctx: PassContext) -> datetime | None:
    state = ctx.state
    vm = state.vm
    if vm is None:
        return start_and_run(ctx, "recover", "the node is running but has no VM on record")
    try:
        observed = ctx.cloud.get_vm(ctx.resource_group, vm.name)
    except NotFound:
        stop_costs(ctx, ctx.now)
        _record_eviction(ctx, notice=False)
        return start_and_run(ctx, "recover", f"VM {vm.name} no longer exists in Azure")
    if observed.evicted:
        stop_costs(ctx, ctx.now)
        _record_eviction(ctx, notice=False)
        return start_and_run(ctx, "recover", f"Azure evicted {vm.name} ({vm.lifecycle} {vm.size})")
    if observed.power_state in ("stopping", "stopped", "deallocating", "deallocated"):
        return _stopped_from_outside(ctx, observed)
    state.stopped_since = None

    preempt = [e for e in ctx.cloud.get_scheduled_events(ctx.resource_group, vm.name)
               if e.event_type == "Preempt"]
    if preempt:
        not_before = min((e.not_before for e in preempt if e.not_before), default=ctx.now + PREEMPT_NOTICE)
        _record_eviction(ctx, notice=True)
        seconds = max(int((not_before - ctx.now).total_seconds()), 0)
        return start_and_run(
            ctx, "recover",
            f"Azure announced the eviction of {vm.name} (Preempt notice, VM stops in {seconds} s)",
            notice_not_before=not_before,
        )

    if vm.running_since is None:
        vm.running_since = vm.accrued_until = ctx.now
    accrue_costs(ctx, ctx.now)
    if _judge_health(ctx, observed):
        return start_and_run(ctx, "heal", f"auto-healing: {state.health.reason}")
    request_due = _take_request(ctx, allowed=("pause", "recycle"))
    if request_due == "pause":
        return start_and_run(ctx, "pause", "pause requested")
    if request_due == "recycle":
        return start_and_run(ctx, "recycle", "recycle requested")
    strategy = _strategy_move(ctx)
    if strategy is not None:
        kind, reason = strategy
        return start_and_run(ctx, kind, reason)
    return _next_due(ctx, ctx.now + ctx.settings.steady_poll)


def observe_parked(ctx: PassContext) -> datetime | None:
    """Paused, stopped or failed: react to requests and schedules (and a stopped VM restarting)."""
    phase = Phase(ctx.state.phase)
    if phase is Phase.STOPPED and ctx.state.vm is not None:
        try:
            observed = ctx.cloud.get_vm(ctx.resource_group, ctx.state.vm.name)
        except NotFound:
            return start_and_run(ctx, "recover", f"stopped VM {ctx.state.vm.name} was deleted in Azure")
        if observed.power_state == "running":
            ctx.state.phase = Phase.RUNNING.value
            ctx.state.vm.running_since = ctx.state.vm.accrued_until = ctx.now
            ctx.log(f"{ctx.state.vm.name} was started again from Azure")
            return ctx.now
    allowed = {Phase.PAUSED: ("resume", "recycle"), Phase.STOPPED: ("recycle",),
               Phase.FAILED: ("recycle", "resume", "pause")}.get(phase, ())
    request = _take_request(ctx, allowed=allowed)
    if request is not None:
        if request == "pause":
            return start_and_run(ctx, "pause", "pause requested")
        kind: OperationKind = "resume" if ctx.state.vm is None else "recycle"
        source = ctx.state.import_source
        if phase is Phase.FAILED and source is not None and source.progress != "ImportCompleted":
            kind = "import"  # the import failed: try it again (its finished steps are skipped)
        return start_and_run(ctx, kind, f"{request} requested")
    return _next_due(ctx, ctx.now + IDLE_POLL)


def start_and_run(
    ctx: PassContext, kind: OperationKind, reason: str, *, notice_not_before: datetime | None = None
) -> datetime | None:
    start_operation(ctx, kind, reason, notice_not_before=notice_not_before)
    due = run_operation(ctx)
    return due if due is not None else ctx.now


def _stopped_from_outside(ctx: PassContext, observed: Vm) -> datetime | None:
    """A VM stopped from Azure: with `vmAdmins` unset every identity is an admin, so the node
    just shows stopped; otherwise an unattributed stop counts as an interruption after 3 min."""
    state = ctx.state
    admins = ctx.spec.strategy.vm_admins if ctx.spec.strategy else None
    if state.stopped_since is None:
        state.stopped_since = ctx.now
        stop_costs(ctx, ctx.now)
    if admins is None:
        state.phase = Phase.STOPPED.value
        ctx.log(f"{observed.name} was stopped from Azure ({observed.power_state}); the node is stopped")
        return _next_due(ctx, ctx.now + IDLE_POLL)
    if ctx.now - state.stopped_since >= ctx.settings.unattributed_stop_grace:
        _record_eviction(ctx, notice=False)
        return start_and_run(ctx, "recover", f"{observed.name} was stopped by an identity that is not a "
                             "vmAdmin; treating it as an interruption")
    return state.stopped_since + ctx.settings.unattributed_stop_grace


def _record_eviction(ctx: PassContext, *, notice: bool) -> None:
    vm = ctx.state.vm
    if vm is None or vm.lifecycle != "spot":
        return
    ctx.state.evictions.append(EvictionRecord(at=ctx.now, size=vm.size, zone=vm.zone, notice=notice))
    cutoff = ctx.now - timedelta(days=7)
    ctx.state.evictions = [e for e in ctx.state.evictions if e.at > cutoff]


def _judge_health(ctx: PassContext, observed: Vm) -> bool:
    policy = health_policy(ctx.spec)
    vm = ctx.state.vm
    if not policy.check_types or vm is None:
        return False
    backend: BackendHealth | None = None
    if "applicationGateway" in policy.check_types:
        backend = _gateway_health(ctx)
    verdict = evaluate_health(
        policy, HealthObservation(observed.power_state, observed.agent_status, backend),
        launched_at=vm.running_since or vm.launched_at, unhealthy_since=ctx.state.health.unhealthy_since,
        ever_healthy=ctx.state.health.ever_healthy, now=ctx.now,
    )
    memory = ctx.state.health
    if memory.status != verdict.status:
        ctx.log(f"health {verdict.status}: {verdict.reason}",
                severity="WARN" if verdict.status == "UNHEALTHY" else "INFO")
    ctx.state.health = memory.model_copy(update={
        "status": verdict.status, "reason": verdict.reason, "unhealthy_since": verdict.unhealthy_since,
        "ever_healthy": verdict.ever_healthy})
    return verdict.heal


def _gateway_health(ctx: PassContext) -> BackendHealth | None:
    launch = blueprint.launch_spec(ctx.spec)
    balancers = launch.load_balancers_config.load_balancers if launch.load_balancers_config else None
    primary = next((n for n in ctx.state.nics if n.is_primary), None)
    if not balancers or primary is None or primary.private_ip is None:
        return None
    for balancer in balancers:
        if balancer.type != "applicationGateway" or not balancer.name:
            continue
        try:
            health = ctx.cloud.get_backend_health(balancer.resource_group_name or ctx.resource_group,
                                                  balancer.name)
        except CloudError:
            return None
        status = health.get(primary.private_ip)
        if status in ("Healthy", "Unhealthy", "Unknown"):
            return status  # type: ignore[return-value]
    return None


def _take_request(ctx: PassContext, *, allowed: tuple[str, ...]) -> str | None:
    """Fold in due scheduled tasks, then take the oldest request this phase can act on."""
    tasks = scheduled_tasks(ctx.spec)
    checked = ctx.state.schedule_checked_at
    if tasks and checked is not None:
        for fire, task in due_tasks(tasks, after=checked, until=ctx.now):
            ctx.state.requests.append(task.type)
            ctx.log(f"scheduled {task.type} ({task.cron}, due {fire:%Y-%m-%d %H:%M} UTC)")
    ctx.state.schedule_checked_at = ctx.now
    while ctx.state.requests:
        request = ctx.state.requests.pop(0)
        if request in allowed:
            return request
        ctx.log(f"{request} ignored: the node is {ctx.state.phase}", severity="WARN")
    return None


def _strategy_move(ctx: PassContext) -> tuple[OperationKind, str] | None:
    vm = ctx.state.vm
    assert vm is not None
    state = ctx.state
    policy = revert_policy(ctx.spec, ctx.settings.strategy)
    window = od_window_action(policy, ctx.now, vm.lifecycle, held_by_window=state.od_held_by_window)
    if window == "force_od":
        return "recycle", "entering an odWindow: moving to on-demand"
    if window == "leave_od":
        state.od_held_by_window = False
        return "revert", "leaving the odWindow: moving back to spot"
    if vm.lifecycle != "od":
        state.revert_note = state.revert_retry_at = None
        return None
    last = state.revert_checked_at
    retry_due = state.revert_retry_at is not None and ctx.now >= state.revert_retry_at
    if last is not None and ctx.now - last < ctx.settings.revert_check_interval and not retry_due:
        return None
    state.revert_checked_at = ctx.now
    placement = placement_policy(ctx.spec, ctx.catalog)
    spot_only = dataclasses.replace(placement, od_sizes=(), fallback_to_od=False, preferred_lifecycle="spot")
    sizes = sorted({*spot_only.spot_sizes, *spot_only.preferred_spot_sizes}, key=str.casefold)
    if not sizes:
        return None
    history = EvictionHistory()
    for record in state.evictions:
        history = history.with_eviction(record.size, record.zone, record.at)
    offers = ctx.cloud.get_market(ctx.region, sizes, list(spot_only.zones))
    # a market that refused the VM a moment ago is not a reason to replace the VM
    refused = [(f.size, f.zone, f.lifecycle) for f in state.failed_markets if f.until > ctx.now]
    candidates = choose_market(spot_only, offers, history, ctx.now, failed=refused,
                               backoff=ctx.settings.eviction_backoff)
    toleration = toleration_forces_od(toleration_policy(ctx.spec), [e.at for e in state.evictions], ctx.now)
    decision = decide_revert(
        policy, now=ctx.now, current_lifecycle="od", current_price_hour=vm.price_hour or 0.0,
        best_spot=candidates[0] if candidates else None,
        last_eviction_at=max((e.at for e in state.evictions), default=None),
        od_forced_until=toleration.until if toleration.forced else None,
        last_refused_revert_at=state.revert_refused_at,
    )
    state.revert_retry_at = decision.retry_at
    if decision.revert:
        state.revert_note = None
        return "revert", decision.reason
    # say why once, not on every check (the numbers in the sentence move; the reason does not)
    note = re.sub(r"[\d.$%]+", "#", decision.reason)
    if note != state.revert_note:
        ctx.log(f"staying on on-demand: {decision.reason}")
        state.revert_note = note
    return None


def _next_due(ctx: PassContext, default: datetime) -> datetime:
    candidates = [default]
    fire = next_fire(scheduled_tasks(ctx.spec), ctx.now)
    if fire is not None:
        candidates.append(fire)
    policy = revert_policy(ctx.spec, ctx.settings.strategy)
    for windows in (policy.od_windows, policy.optimization_windows):
        boundary = next_boundary(windows, ctx.now) if windows else None
        if boundary is not None:
            candidates.append(boundary.at)
    state = ctx.state
    if state.vm is not None and state.vm.lifecycle == "od" and policy.perform_at != "never":
        # an on-demand node looks for spot again on its own schedule, not only when polled
        if state.revert_retry_at is not None:
            candidates.append(state.revert_retry_at)
        if state.revert_checked_at is not None:
            candidates.append(state.revert_checked_at + ctx.settings.revert_check_interval)
    return max(min(candidates), ctx.now + timedelta(seconds=1))
