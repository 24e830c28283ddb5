"""The node state machine: every move allowed or refused, public status, state-change requests."""

from __future__ import annotations

import itertools

import pytest

from spotkeeper.engine.phases import (
    TRANSITIONS,
    IllegalTransition,
    Phase,
    accepts_state_change,
    can_transition,
    public_status,
    state_change_target,
    transition,
    trigger_of,
)

P = Phase

# Written out independently of the module's table, so a change to either is caught here.
EXPECTED_MOVES: dict[Phase, set[Phase]] = {
    P.PENDING: {P.LAUNCHING, P.IMPORTING, P.DELETING, P.FAILED},
    P.LAUNCHING: {P.RUNNING, P.FAILED, P.DELETING},
    P.RUNNING: {P.DRAINING, P.RECOVERING, P.PAUSING, P.RECYCLING, P.STOPPED, P.DELETING},
    P.DRAINING: {P.RECOVERING, P.RUNNING, P.DELETING},
    P.RECOVERING: {P.RUNNING, P.FAILED, P.DELETING},
    P.PAUSING: {P.PAUSED, P.FAILED, P.DELETING},
    P.PAUSED: {P.RESUMING, P.DELETING},
    P.RESUMING: {P.RUNNING, P.FAILED, P.DELETING},
    P.RECYCLING: {P.RUNNING, P.FAILED, P.DELETING},
    P.STOPPED: {P.RUNNING, P.RECYCLING},
    P.IMPORTING: {P.RUNNING, P.STOPPED, P.FAILED, P.DELETING},
    P.DELETING: {P.DELETED, P.FAILED},
    P.DELETED: set(),
    P.FAILED: {P.LAUNCHING, P.IMPORTING, P.RECOVERING, P.RUNNING, P.RECYCLING, P.PAUSING, P.DELETING},
}

ALL_PAIRS = [(a, b) for a, b in itertools.product(Phase, Phase) if a is not b]


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS, ids=lambda p: p.name)
def test_each_move_is_allowed_exactly_when_the_table_says_so(source: Phase, target: Phase) -> None:
    allowed = target in EXPECTED_MOVES[source]
    assert can_transition(source, target) is allowed
    if allowed:
        assert transition(source, target) is target
        assert trigger_of(source, target)
    else:
        with pytest.raises(IllegalTransition) as caught:
            transition(source, target)
        assert source.name in str(caught.value) and target.name in str(caught.value)
        assert trigger_of(source, target) is None


@pytest.mark.parametrize("phase", list(Phase), ids=lambda p: p.name)
def test_staying_in_a_phase_is_not_a_move_and_always_allowed(phase: Phase) -> None:
    assert can_transition(phase, phase)
    assert transition(phase, phase) is phase
    assert trigger_of(phase, phase) is None


def test_every_transition_names_its_trigger_and_appears_once() -> None:
    pairs = [(t.source, t.target) for t in TRANSITIONS]
    assert len(pairs) == len(set(pairs))
    assert all(t.trigger.strip() for t in TRANSITIONS)


def test_deleted_is_terminal_and_every_other_phase_can_be_left() -> None:
    assert not any(t.source is P.DELETED for t in TRANSITIONS)
    assert {t.source for t in TRANSITIONS} == set(Phase) - {P.DELETED}


def test_stopped_node_cannot_be_deleted_or_resumed_directly() -> None:
    assert not can_transition(P.STOPPED, P.DELETING)
    assert not can_transition(P.STOPPED, P.RESUMING)


def test_illegal_move_message_lists_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition, match="from PAUSED: RESUMING, DELETING"):
        transition(P.PAUSED, P.RUNNING)


@pytest.mark.parametrize(
    ("phase", "status"),
    [
        (P.PENDING, "launching"),
        (P.LAUNCHING, "launching"),
        (P.RUNNING, "active"),
        (P.DRAINING, "recovering"),
        (P.RECOVERING, "recovering"),
        (P.PAUSING, "pausing"),
        (P.PAUSED, "paused"),
        (P.RESUMING, "resuming"),
        (P.RECYCLING, "recycling"),
        (P.STOPPED, "stopped"),
        (P.IMPORTING, "importing"),
        (P.DELETING, "deleting"),
        (P.DELETED, "deleted"),
        (P.FAILED, "error"),
    ],
)
def test_public_status_uses_the_shared_vocabulary(phase: Phase, status: str) -> None:
    assert public_status(phase) == status


# None = accepted; otherwise a fragment of the reason.
STATE_CHANGES: list[tuple[Phase, str, str | None]] = [
    (P.RUNNING, "pause", None),
    (P.RUNNING, "recycle", None),
    (P.RUNNING, "resume", "only a paused node can be resumed"),
    (P.PAUSED, "resume", None),
    (P.PAUSED, "pause", "already paused"),
    (P.PAUSED, "recycle", "resume it instead"),
    (P.STOPPED, "recycle", None),
    (P.STOPPED, "resume", "a stopped node cannot be resumed"),
    (P.STOPPED, "pause", "a stopped node cannot be paused"),
    (P.FAILED, "pause", None),
    (P.FAILED, "recycle", None),
    (P.FAILED, "resume", "only a paused node can be resumed"),
    (P.PAUSING, "pause", "already pausing"),
    (P.RESUMING, "resume", "already resuming"),
    (P.RECYCLING, "recycle", "already recycling"),
    (P.PAUSING, "resume", "wait until it is active or paused"),
    (P.LAUNCHING, "pause", "wait until it is active or paused"),
    (P.DRAINING, "recycle", "wait until it is active or paused"),
    (P.RECOVERING, "pause", "wait until it is active or paused"),
    (P.IMPORTING, "recycle", "wait until it is active or paused"),
    (P.PENDING, "resume", "wait until it is active or paused"),
    (P.DELETING, "pause", "the node is deleting; it cannot be paused"),
    (P.DELETED, "recycle", "the node is deleted; it cannot be recycled"),
]


def test_state_change_table_covers_every_phase_and_change() -> None:
    covered = {(phase, change) for phase, change, _ in STATE_CHANGES}
    missing = {(p, c) for p in Phase for c in ("pause", "resume", "recycle")} - covered
    # The rest are busy phases, which all answer alike; spot-check they are refused.
    for phase, change in missing:
        assert accepts_state_change(phase, change) is not None, (phase, change)


@pytest.mark.parametrize(("phase", "change", "refusal"), STATE_CHANGES)
def test_state_change_requests_are_accepted_or_refused_with_a_reason(
    phase: Phase, change: str, refusal: str | None
) -> None:
    answer = accepts_state_change(phase, change)
    if refusal is None:
        assert answer is None
        assert can_transition(phase, state_change_target(change))
    else:
        assert answer is not None and refusal in answer


def test_unknown_state_change_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'stop'"):
        accepts_state_change(P.RUNNING, "stop")


def test_state_changes_lead_to_their_transitional_phases() -> None:
    assert state_change_target("pause") is P.PAUSING
    assert state_change_target("resume") is P.RESUMING
    assert state_change_target("recycle") is P.RECYCLING
