"""Running an operation step by step, resumable after any crash.

An operation is a named list of steps (below). The runner executes the current step, and on
`Done` records the next step in the node's state before executing it, so the persisted state
always names the step to (re)do. A step that makes a decision later steps act on (`choose`)
answers `Checkpoint`: the pass ends there, so the decision is written with the state before any
resource is made under it, and a worker that dies afterwards is followed by one that carries the
same decision on (instead of deciding anew, in a market that has moved, under the same names).
Cloud errors are classified here, once: throttling waits for `Retry-After`, transient errors
back off exponentially, a NIC still reserved by Azure waits out its reservation, and anything
permanent fails the node with the reason in words; a failed operation is over (the node waits
for a person to recycle, resume, pause or delete it).

* launch, recover, resume, recycle, revert, heal:
  choose, drain, remove_vm, disks, network, launch, await_vm, settle
  (a recovery may start the evicted VM again in place: `engine.restart`)
* pause: drain, remove_vm, park
* delete: drain, remove_vm, release (drain and remove_vm only when the VM is terminated)
* import: survey, choose, drain_source, stop_source, snapshot_source, release_source,
  restore_disks, network, launch, await_vm, settle, keep_power_state, finish_import
  (`engine.importing`; it ends `stopped` when the imported VM was not running)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from spotkeeper.cloud.errors import (
    CapacityUnavailable,
    CloudError,
    Conflict,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    Throttled,
    TransientCloudError,
)
from spotkeeper.engine.choosing import choose, mark_market_failed
from spotkeeper.engine.context import PassContext
from spotkeeper.engine.disks import prepare_disks
from spotkeeper.engine.import_disks import restore_disks, snapshot_source
from spotkeeper.engine.importing import (
    IMPORT_STEPS,
    drain_source,
    finish_import,
    keep_power_state,
    release_source,
    stop_source,
    survey,
)
from spotkeeper.engine.leftovers import retire_superseded
from spotkeeper.engine.networking import prepare_network
from spotkeeper.engine.outcomes import Abandon, Checkpoint, Done, Fail, Goto, StepOutcome, Wait
from spotkeeper.engine.phases import Phase
from spotkeeper.engine.state import Operation, OperationKind
from spotkeeper.engine.teardown import park, release
from spotkeeper.engine.vm_steps import await_vm, drain, launch, remove_vm, settle

Step = Callable[[PassContext, Operation], StepOutcome]

# `choose` comes first so the replacement is planned while the old VM drains (or while Azure's
# 30 s Preempt notice runs), and so a revert finding no spot gives up before touching the VM.
REPLACE_STEPS = ("choose", "drain", "remove_vm", "disks", "network", "launch", "await_vm", "settle")
STEPS: dict[OperationKind, tuple[str, ...]] = {
    "launch": REPLACE_STEPS,
    "recover": REPLACE_STEPS,
    "resume": REPLACE_STEPS,
    "recycle": REPLACE_STEPS,
    "revert": REPLACE_STEPS,
    "heal": REPLACE_STEPS,
    "pause": ("drain", "remove_vm", "park"),
    "delete": ("drain", "remove_vm", "release"),
    "import": IMPORT_STEPS,
}
STEP_FUNCTIONS: dict[str, Step] = {
    "drain": drain, "choose": choose, "remove_vm": remove_vm, "disks": prepare_disks,
    "network": prepare_network, "launch": launch, "await_vm": await_vm, "settle": settle,
    "park": park, "release": release,
    "survey": survey, "drain_source": drain_source, "stop_source": stop_source,
    "snapshot_source": snapshot_source, "release_source": release_source, "restore_disks": restore_disks,
    "keep_power_state": keep_power_state, "finish_import": finish_import,
}
PHASE_OF: dict[OperationKind, Phase] = {
    "launch": Phase.LAUNCHING, "recover": Phase.RECOVERING, "resume": Phase.RESUMING,
    "recycle": Phase.RECYCLING, "revert": Phase.RECYCLING, "heal": Phase.RECYCLING,
    "pause": Phase.PAUSING, "delete": Phase.DELETING, "import": Phase.IMPORTING,
}
SETTLED_PHASE: dict[OperationKind, Phase] = {
    "pause": Phase.PAUSED, "delete": Phase.DELETED,
}
MAX_STEPS_PER_PASS = 40
PERMANENT_ATTEMPTS = 5


def start_operation(
    ctx: PassContext, kind: OperationKind, reason: str, *, notice_not_before: datetime | None = None
) -> Operation:
    op = Operation(kind=kind, step=STEPS[kind][0], reason=reason, started_at=ctx.now,
                   notice_not_before=notice_not_before)
    if kind == "delete":
        terminate = bool((ctx.state.deletion or {}).get("shouldTerminateVm", True))
        if not terminate:
            op.step = "release"
    ctx.state.operation = op
    ctx.state.phase = (Phase.DRAINING if notice_not_before is not None else PHASE_OF[kind]).value
    ctx.log(f"{kind}: {reason}")
    return op


def run_operation(ctx: PassContext) -> datetime | None:
    """Advance the current operation as far as it goes now. Returns when to come back, or None
    when the operation finished (or was abandoned) this pass."""
    op = ctx.state.operation
    assert op is not None
    for _ in range(MAX_STEPS_PER_PASS):
        steps = STEPS[op.kind]
        try:
            outcome = STEP_FUNCTIONS[op.step](ctx, op)
        except CloudError as error:
            outcome = _classify(ctx, op, error)
        if isinstance(outcome, Done | Checkpoint):
            if op.step == "drain" and ctx.state.phase == Phase.DRAINING.value:
                ctx.state.phase = PHASE_OF[op.kind].value
            at = steps.index(op.step)
            if at + 1 == len(steps):
                _finish(ctx, op)
                return None
            op.step = steps[at + 1]
            op.attempts = 0
            if isinstance(outcome, Checkpoint):
                return ctx.now
        elif isinstance(outcome, Goto):
            op.step = outcome.step
        elif isinstance(outcome, Wait):
            return ctx.now + max(outcome.delay, timedelta(seconds=1))
        elif isinstance(outcome, Abandon):
            ctx.log(f"{op.kind} abandoned: {outcome.reason}", severity="WARN")
            retire_superseded(ctx, op)
            ctx.state.operation = None
            ctx.state.phase = Phase.RUNNING.value if ctx.state.vm is not None else Phase.PAUSED.value
            return None
        else:
            _fail(ctx, op, outcome.reason)
            return None
    return ctx.now + ctx.settings.operation_poll


def _finish(ctx: PassContext, op: Operation) -> None:
    ctx.state.operation = None
    ctx.state.phase = SETTLED_PHASE.get(op.kind, Phase.RUNNING).value
    if op.kind == "import" and ctx.state.stopped_since is not None:
        ctx.state.phase = Phase.STOPPED.value  # the imported VM was not running, nor is the node's
    if op.kind == "delete":
        ctx.state.vm = None


def _fail(ctx: PassContext, op: Operation, reason: str) -> None:
    ctx.log(f"{op.kind} failed at step {op.step}: {reason}", severity="ERROR")
    # what the operation already replaced is recorded in the state: its predecessors may go
    retire_superseded(ctx, op)
    # the failed operation is over: a failed node waits for a person (recycle, resume, pause,
    # delete) instead of repeating the step that cannot succeed on every pass
    ctx.state.operation = None
    ctx.state.error_reason = reason
    ctx.state.phase = Phase.FAILED.value
    if op.kind == "import" and ctx.state.import_source is not None:
        ctx.state.import_source.progress = "ImportFailed"


def _classify(ctx: PassContext, op: Operation, error: CloudError) -> StepOutcome:
    if isinstance(error, Throttled):
        ctx.log(f"Azure is throttling requests; waiting {error.retry_after:g} s", severity="WARN")
        return Wait(timedelta(seconds=error.retry_after or 1), "throttled")
    if isinstance(error, Conflict) and error.retry_after:
        ctx.log(f"{error.message}; retrying in {error.retry_after:g} s", severity="WARN")
        return Wait(timedelta(seconds=error.retry_after), "conflict")
    if isinstance(error, CapacityUnavailable | QuotaExceeded) and op.target is not None:
        mark_market_failed(ctx, op.target, error.code, error.message)
        return Goto("choose")
    op.attempts += 1
    if isinstance(error, TransientCloudError | Conflict | NotFound) and op.attempts <= PERMANENT_ATTEMPTS * 2:
        delay = min(timedelta(seconds=2 ** op.attempts), ctx.settings.transient_backoff_max)
        ctx.log(f"step {op.step} hit a cloud error ({_described(error)}); "
                f"retrying in {int(delay.total_seconds())} s", severity="WARN")
        return Wait(delay, "transient")
    if isinstance(error, InvalidRequest) or op.attempts > PERMANENT_ATTEMPTS:
        return Fail(f"Azure rejected the request: {_described(error)}")
    delay = min(timedelta(seconds=2 ** op.attempts), ctx.settings.transient_backoff_max)
    return Wait(delay, "error")


def _described(error: CloudError) -> str:
    """"Code: message", without repeating a code the provider already put in the message."""
    code = error.code or type(error).__name__
    return error.message if error.message.startswith(f"{code}:") else f"{code}: {error.message}"
