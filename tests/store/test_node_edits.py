"""Nudges and spec edits: the API's writes that must never break a worker's compare-and-set."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from spotkeeper.clock import ManualClock
from spotkeeper.store import NewEvent, NodeRecord, Store
from tests.store.concurrency import run_together

LEASE = 60.0


def commit(store: Store, node: NodeRecord, clock: ManualClock, *, next_due_in: timedelta) -> bool:
    return store.commit_pass(
        node.id,
        "w1",
        expected_version=node.version,
        state_json={"phase": "running"},
        phase="running",
        status="active",
        events=[],
        ledger=[],
        deletions=[],
        consumed_request_ids=[],
        next_due_at=clock.now() + next_due_in,
        now=clock.now(),
    )


def test_a_nudge_makes_an_idle_node_due_and_keeps_its_version(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    assert store.nodes.update_node(node.id, expected_version=1, now=clock.now(), next_due_at=None)
    assert store.nodes.nudge(node.id, at=clock.advance(30))
    stored = store.nodes.get(node.id)
    assert stored is not None and (stored.next_due_at, stored.version) == (clock.now(), 2)


def test_a_nudge_never_postpones_a_node(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node(next_due_at=clock.now() + timedelta(seconds=10))
    assert store.nodes.nudge(node.id, at=clock.now() + timedelta(hours=1))
    stored = store.nodes.get(node.id)
    assert stored is not None and stored.next_due_at == clock.now() + timedelta(seconds=10)


def test_a_nudge_during_a_pass_survives_the_commit_and_the_commit_still_applies(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    (claimed,) = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    nudged_at = clock.advance(3)
    assert store.nodes.nudge(node.id, at=nudged_at)
    assert commit(store, claimed, clock, next_due_in=timedelta(minutes=10))
    stored = store.nodes.get(node.id)
    assert stored is not None and stored.next_due_at == nudged_at and stored.lease_owner is None


def test_a_nudge_during_a_pass_survives_releasing_the_lease(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    nudged_at = clock.advance(3)
    store.nodes.nudge(node.id, at=nudged_at)
    assert store.nodes.release_lease(node.id, "w1", next_due_at=clock.now() + timedelta(minutes=10))
    stored = store.nodes.get(node.id)
    assert stored is not None and stored.next_due_at == nudged_at


def test_nudging_a_deleted_or_unknown_node_reports_false(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    assert store.nodes.update_node(node.id, expected_version=1, now=clock.now(), deleted_at=clock.now())
    assert not store.nodes.nudge(node.id, at=clock.now())
    assert not store.nodes.nudge("ssn-00000000", at=clock.now())


def test_a_spec_edit_bumps_the_spec_version_logs_and_nudges_but_not_the_version(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node(next_due_at=clock.now() + timedelta(hours=1))
    edited = {"name": "db-renamed", "region": "eastus", "compute": {"os": "Linux", "zones": ["1"]}}
    note = NewEvent(time=clock.now(), message="spec updated: compute.zones")
    assert store.nodes.update_spec(
        node.id, expected_spec_version=1, spec=edited, name="db-renamed", now=clock.now(), events=[note]
    )
    stored = store.nodes.get(node.id)
    assert stored is not None
    assert (stored.spec, stored.name, stored.spec_version, stored.version) == (edited, "db-renamed", 2, 1)
    assert stored.next_due_at == clock.now()
    assert [e.message for e in store.events.query(node.id)] == [note.message]


def test_a_stale_spec_edit_changes_nothing(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    assert store.nodes.update_spec(
        node.id, expected_spec_version=1, spec={"v": 2}, name="db-1", now=clock.now()
    )
    late = NewEvent(time=clock.now(), message="should not be logged")
    assert not store.nodes.update_spec(
        node.id, expected_spec_version=1, spec={"v": 3}, name="db-x", now=clock.now(), events=[late]
    )
    stored = store.nodes.get(node.id)
    assert stored is not None and (stored.spec, stored.name, stored.spec_version) == ({"v": 2}, "db-1", 2)
    assert store.events.query(node.id) == []


def test_a_spec_edit_during_a_pass_leaves_the_workers_commit_valid(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    (claimed,) = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    edited_at = clock.advance(1)
    assert store.nodes.update_spec(
        node.id, expected_spec_version=1, spec={"edited": True}, name="db-1", now=edited_at
    )
    assert commit(store, claimed, clock, next_due_in=timedelta(minutes=10))
    stored = store.nodes.get(node.id)
    assert stored is not None
    assert (stored.spec, stored.status, stored.spec_version) == ({"edited": True}, "active", 2)
    assert stored.next_due_at == edited_at  # the next pass reads the new spec at once


def test_a_spec_written_through_update_node_also_moves_the_spec_version(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    assert store.nodes.update_node(node.id, expected_version=1, now=clock.now(), spec={"v": 2})
    assert not store.nodes.update_spec(
        node.id, expected_spec_version=1, spec={"v": 3}, name="x", now=clock.now()
    )


def test_racing_spec_edits_have_exactly_one_winner(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    outcomes: dict[int, bool] = {}

    def editor(n: int) -> Callable[[], None]:
        def edit() -> None:
            outcomes[n] = store.nodes.update_spec(
                node.id, expected_spec_version=1, spec={"editor": n}, name="db-1", now=clock.now()
            )

        return edit

    assert run_together([editor(n) for n in range(5)]) == []
    (winner,) = [n for n, won in outcomes.items() if won]
    stored = store.nodes.get(node.id)
    assert stored is not None and (stored.spec, stored.spec_version) == ({"editor": winner}, 2)


def test_known_ids_include_deleted_nodes(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    live, gone = make_node(name="live"), make_node(name="gone")
    assert store.nodes.update_node(gone.id, expected_version=1, now=clock.now(), deleted_at=clock.now())
    assert store.nodes.known_ids() == {live.id, gone.id}
