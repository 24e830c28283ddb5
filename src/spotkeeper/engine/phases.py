"""The node's life as an explicit state machine: phases, the legal moves, the public status.

The reconcile loop stores a `Phase` per node and may only move it along the table below, so a
bug that would, say, resume a node that is being deleted fails loudly instead of leaking a VM.
Each move names its trigger so the node log can say why it happened. `public_status` maps the
internal phases onto the status words the API, console and edit rules share.

Two phases need a word:

* `DRAINING` — Azure has announced an eviction (Preempt notice, >= 30 s) and the VM still runs;
  we use the notice to prepare the recovery. Planned replacements (recycle, revert to spot,
  odWindows, auto-healing) do their draining inside `RECYCLING` instead, so every public status
  is determined by the phase alone (`DRAINING` reads "recovering", never "active", which keeps
  edits out while the VM is going away).
* `FAILED` — the engine could not make progress without help (no market would take the node,
  a permanent cloud error). It is not terminal: the user may recycle, pause or delete, and the
  engine may retry a recovery.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

StateChange = Literal["pause", "resume", "recycle"]


class Phase(Enum):
    PENDING = "pending"  # stored, nothing launched yet
    LAUNCHING = "launching"  # first VM being created
    RUNNING = "running"  # VM up; strategy, health and schedule apply
    DRAINING = "draining"  # eviction notice seen, VM about to go
    RECOVERING = "recovering"  # VM evicted or lost; replacement under way
    PAUSING = "pausing"  # VM being removed, persisted resources kept
    PAUSED = "paused"  # no VM; disks/IPs kept per persistence
    RESUMING = "resuming"  # new VM from the persisted resources
    RECYCLING = "recycling"  # planned replacement (= pause + resume)
    STOPPED = "stopped"  # VM stopped from Azure by a vmAdmin
    IMPORTING = "importing"  # taking over an existing VM
    DELETING = "deleting"  # removing the VM and unretained resources
    DELETED = "deleted"  # terminal
    FAILED = "failed"  # needs attention; see module docstring


@dataclass(frozen=True)
class Transition:
    source: Phase
    target: Phase
    trigger: str


P = Phase
TRANSITIONS: tuple[Transition, ...] = (
    Transition(P.PENDING, P.LAUNCHING, "node created; launching its first VM"),
    Transition(P.PENDING, P.IMPORTING, "node created from an existing VM (import)"),
    Transition(P.PENDING, P.DELETING, "deleted before its first launch"),
    Transition(P.PENDING, P.FAILED, "could not start the first launch"),
    Transition(P.LAUNCHING, P.RUNNING, "first VM is running"),
    Transition(P.LAUNCHING, P.FAILED, "no market could launch the VM, or a permanent cloud error"),
    Transition(P.LAUNCHING, P.DELETING, "deleted while launching"),
    Transition(P.RUNNING, P.DRAINING, "Azure announced an eviction (Preempt scheduled event)"),
    Transition(P.RUNNING, P.RECOVERING, "VM found evicted, deleted or stopped by a non-admin"),
    Transition(P.RUNNING, P.PAUSING, "pause requested or scheduled"),
    Transition(P.RUNNING, P.RECYCLING,
               "recycle requested/scheduled, revert to spot, odWindows boundary, "
               "interruption toleration or auto-healing"),
    Transition(P.RUNNING, P.STOPPED, "VM stopped from Azure by one of the vmAdmins"),
    Transition(P.RUNNING, P.DELETING, "delete requested"),
    Transition(P.DRAINING, P.RECOVERING, "the announced eviction happened"),
    Transition(P.DRAINING, P.RUNNING, "the eviction notice expired without an eviction"),
    Transition(P.DRAINING, P.DELETING, "delete requested during an eviction notice"),
    Transition(P.RECOVERING, P.RUNNING, "replacement VM is running"),
    Transition(P.RECOVERING, P.FAILED, "no market could take the replacement, or a permanent error"),
    Transition(P.RECOVERING, P.DELETING, "delete requested during recovery"),
    Transition(P.PAUSING, P.PAUSED, "VM removed; persisted resources kept"),
    Transition(P.PAUSING, P.FAILED, "pause could not complete"),
    Transition(P.PAUSING, P.DELETING, "delete requested while pausing"),
    Transition(P.PAUSED, P.RESUMING, "resume requested or scheduled"),
    Transition(P.PAUSED, P.DELETING, "delete requested"),
    Transition(P.RESUMING, P.RUNNING, "resumed VM is running"),
    Transition(P.RESUMING, P.FAILED, "no market could take the resumed VM, or a permanent error"),
    Transition(P.RESUMING, P.DELETING, "delete requested while resuming"),
    Transition(P.RECYCLING, P.RUNNING, "replacement VM is running"),
    Transition(P.RECYCLING, P.FAILED, "no market could take the replacement, or a permanent error"),
    Transition(P.RECYCLING, P.DELETING, "delete requested while recycling"),
    Transition(P.STOPPED, P.RUNNING, "VM started again from Azure"),
    Transition(P.STOPPED, P.RECYCLING, "recycle requested (the way out of stopped)"),
    Transition(P.IMPORTING, P.RUNNING, "imported VM is running under management"),
    Transition(P.IMPORTING, P.STOPPED, "imported VM was stopped, and is kept deallocated under management"),
    Transition(P.IMPORTING, P.FAILED, "import could not complete"),
    Transition(P.IMPORTING, P.DELETING, "delete requested during import"),
    Transition(P.DELETING, P.DELETED, "all resources removed or handed to retention"),
    Transition(P.DELETING, P.FAILED, "deletion hit a permanent cloud error"),
    Transition(P.FAILED, P.LAUNCHING, "retrying the first launch"),
    Transition(P.FAILED, P.IMPORTING, "retrying a failed import (recycle or resume requested)"),
    Transition(P.FAILED, P.RECOVERING, "retrying the replacement"),
    Transition(P.FAILED, P.RUNNING, "VM observed running again"),
    Transition(P.FAILED, P.RECYCLING, "recycle requested"),
    Transition(P.FAILED, P.PAUSING, "pause requested"),
    Transition(P.FAILED, P.DELETING, "delete requested"),
)
del P

_TRIGGERS: dict[tuple[Phase, Phase], str] = {(t.source, t.target): t.trigger for t in TRANSITIONS}


class IllegalTransition(ValueError):
    def __init__(self, source: Phase, target: Phase) -> None:
        allowed = ", ".join(t.target.name for t in TRANSITIONS if t.source is source) or "nothing"
        super().__init__(
            f"a node cannot go from {source.name} to {target.name} (from {source.name}: {allowed})"
        )
        self.source = source
        self.target = target


def can_transition(source: Phase, target: Phase) -> bool:
    """True when the table allows `source` -> `target`. Staying in a phase is not a transition
    and is always allowed (a pass that makes no progress keeps its phase)."""
    return source is target or (source, target) in _TRIGGERS


def transition(source: Phase, target: Phase) -> Phase:
    """Return `target` if the move is legal, else raise `IllegalTransition`."""
    if not can_transition(source, target):
        raise IllegalTransition(source, target)
    return target


def trigger_of(source: Phase, target: Phase) -> str | None:
    """The documented reason for a legal move (None for staying put or illegal moves)."""
    return _TRIGGERS.get((source, target))


_PUBLIC_STATUS: dict[Phase, str] = {
    Phase.PENDING: "launching",
    Phase.LAUNCHING: "launching",
    Phase.RUNNING: "active",
    Phase.DRAINING: "recovering",
    Phase.RECOVERING: "recovering",
    Phase.PAUSING: "pausing",
    Phase.PAUSED: "paused",
    Phase.RESUMING: "resuming",
    Phase.RECYCLING: "recycling",
    Phase.STOPPED: "stopped",
    Phase.IMPORTING: "importing",
    Phase.DELETING: "deleting",
    Phase.DELETED: "deleted",
    Phase.FAILED: "error",
}


def public_status(phase: Phase) -> str:
    """The node's `status` on the wire (shared vocabulary of API, console and edit rules)."""
    return _PUBLIC_STATUS[phase]


_CHANGE_TARGET: dict[str, Phase] = {
    "pause": Phase.PAUSING,
    "resume": Phase.RESUMING,
    "recycle": Phase.RECYCLING,
}

_BUSY = {Phase.PENDING, Phase.LAUNCHING, Phase.DRAINING, Phase.RECOVERING, Phase.PAUSING,
         Phase.RESUMING, Phase.RECYCLING, Phase.IMPORTING}


def state_change_target(change: str) -> Phase:
    """The phase a node enters when `change` ("pause", "resume", "recycle") is accepted."""
    try:
        return _CHANGE_TARGET[change]
    except KeyError:
        raise ValueError(f"state must be one of pause, resume, recycle; got {change!r}") from None


def accepts_state_change(phase: Phase, change: str) -> str | None:
    """Whether a `PUT .../state` request may proceed now: None when it may, else the reason
    in words (the API returns it to the caller)."""
    target = state_change_target(change)
    status = public_status(phase)
    if phase in (Phase.DELETING, Phase.DELETED):
        return f"the node is {status}; it cannot be {_PAST[change]}"
    if phase is target or (change == "pause" and phase is Phase.PAUSED):
        return f"the node is already {status}"
    if phase in _BUSY:
        return f"the node is {status}; wait until it is active or paused before asking to {change}"
    if can_transition(phase, target):
        return None
    if phase is Phase.STOPPED:
        return (f"a stopped node cannot be {_PAST[change]}; recycle it, or start its VM from Azure")
    if phase is Phase.PAUSED:
        return "the node is paused and has no VM; resume it instead"
    if change == "resume":
        return f"only a paused node can be resumed; the node is {status}"
    return f"the node is {status}; it cannot be {_PAST[change]}"


_PAST = {"pause": "paused", "resume": "resumed", "recycle": "recycled"}
