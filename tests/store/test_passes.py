"""A worker's pass is stored whole or not at all (`Store.commit_pass`, `Store.abandon_pass`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from spotkeeper.clock import ManualClock
from spotkeeper.store import Account, NewEvent, NodeRecord, Store
from spotkeeper.store.tables import CostLedgerRow, NodeEventRow, PendingDeletionRow

LEASE = 60.0
RG = "/subscriptions/0000/resourceGroups/sk-sandbox/providers"
OLD_DISK = f"{RG}/Microsoft.Compute/disks/db-1-osdisk"
OLD_NIC = f"{RG}/Microsoft.Network/networkInterfaces/db-1-nic0"


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime
    region: str = "eastus"
    zone: str | None = "1"
    size: str = "Standard_D2s_v5"
    lifecycle: str = "spot"
    price_hour: float = 0.02
    od_price_hour: float = 0.096
    vcpus: int = 2
    spot_price_hour: float | None = 0.02


@dataclass(frozen=True)
class Deletion:
    resource_id: str
    kind: str
    due_at: datetime
    reason: str = "superseded by the replacement VM"


class ExplodingInterval:
    """An interval that cannot be read: the commit fails half-way through its transaction."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("the worker died while writing the ledger")


@pytest.fixture
def claimed(make_node: Callable[..., NodeRecord], store: Store, clock: ManualClock) -> NodeRecord:
    make_node()
    (node,) = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    return node


def commit(store: Store, node: NodeRecord, clock: ManualClock, **overrides: Any) -> bool:
    values: dict[str, Any] = {
        "expected_version": node.version,
        "state_json": {"phase": "running", "vm": {"name": "db-1"}},
        "phase": "running",
        "status": "active",
        "events": [],
        "ledger": [],
        "deletions": [],
        "consumed_request_ids": [],
        "next_due_at": clock.now() + timedelta(seconds=10),
        "now": clock.now(),
    }
    values.update(overrides)
    worker = values.pop("worker", "w1")
    return store.commit_pass(node.id, worker, **values)


def row_count(store: Store, table: type[Any]) -> int:
    with store.database.session_scope() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_a_committed_pass_writes_everything_and_releases_the_lease(
    store: Store, account: Account, claimed: NodeRecord, clock: ManualClock
) -> None:
    start = clock.now()
    clock.advance(timedelta(minutes=5))
    request = store.requests.append(claimed.id, "pause", now=clock.now())
    launched = NewEvent(time=start, message="launched Standard_D2s_v5 spot in zone 1")
    assert commit(
        store,
        claimed,
        clock,
        events=[launched],
        ledger=[Interval(start, clock.now())],
        deletions=[Deletion(OLD_DISK, "disk", clock.now() + timedelta(hours=1))],
        consumed_request_ids=[request.id],
        next_due_at=clock.now() + timedelta(seconds=30),
    )
    node = store.nodes.get(claimed.id)
    assert node is not None
    assert (node.phase, node.status, node.status_json["vm"], node.version) == (
        "running",
        "active",
        {"name": "db-1"},
        claimed.version + 1,
    )
    # The request was made at `now`, which nudged the node; the earlier time wins.
    assert (node.lease_owner, node.lease_expires_at, node.next_due_at) == (None, None, request.created_at)
    assert [e.message for e in store.events.query(claimed.id)] == [launched.message]
    (interval,) = store.ledger.intervals(account_id=account.id, start=start, end=clock.now(), now=clock.now())
    assert (interval.start, interval.end, interval.spot_price_hour) == (start, clock.now(), 0.02)
    (pending,) = store.deletions.pending(node_id=claimed.id)
    assert (pending.resource_id, pending.reason) == (OLD_DISK, "superseded by the replacement VM")
    assert store.requests.pending(claimed.id) == []


def test_a_stale_commit_writes_nothing_at_all(
    store: Store, account: Account, claimed: NodeRecord, clock: ManualClock
) -> None:
    request = store.requests.append(claimed.id, "pause", now=clock.now())
    clock.advance(60)
    assert not commit(
        store,
        claimed,
        clock,
        expected_version=claimed.version - 1,
        status="paused",
        events=[NewEvent(time=clock.now(), message="must not appear")],
        ledger=[Interval(clock.now() - timedelta(seconds=60), clock.now())],
        deletions=[Deletion(OLD_DISK, "disk", clock.now())],
        consumed_request_ids=[request.id],
    )
    node = store.nodes.get(claimed.id)
    assert node == replace(claimed, next_due_at=request.created_at)
    assert store.events.query(claimed.id) == []
    assert row_count(store, CostLedgerRow) == 0 and row_count(store, PendingDeletionRow) == 0
    assert [r.id for r in store.requests.pending(claimed.id)] == [request.id]


def test_a_worker_that_lost_its_lease_cannot_commit(
    store: Store, claimed: NodeRecord, clock: ManualClock
) -> None:
    clock.advance(LEASE + 1)
    (taken,) = store.nodes.claim_due_nodes("w2", now=clock.now(), limit=1, lease_seconds=LEASE)
    assert not commit(store, claimed, clock, status="paused")
    assert commit(store, taken, clock, worker="w2")
    # Nor can it commit with the new holder's version: the lease is checked too.
    assert not commit(store, replace(taken, version=taken.version + 1), clock)


def test_a_commit_that_fails_half_way_writes_nothing(
    store: Store, claimed: NodeRecord, clock: ManualClock
) -> None:
    start = clock.now()
    clock.advance(60)
    with pytest.raises(RuntimeError, match="died while writing the ledger"):
        commit(
            store,
            claimed,
            clock,
            events=[NewEvent(time=clock.now(), message="must not appear")],
            # The first interval is flushed (with the node row and the event) before the second
            # one fails, so only the rollback keeps them out.
            ledger=[Interval(start, clock.now()), ExplodingInterval()],
        )
    assert store.nodes.get(claimed.id) == claimed
    assert row_count(store, NodeEventRow) == 0 and row_count(store, CostLedgerRow) == 0


def test_a_pass_redone_after_a_lost_commit_records_its_costs_once(
    store: Store, account: Account, claimed: NodeRecord, clock: ManualClock
) -> None:
    start = clock.now()
    ran = Interval(start, clock.advance(timedelta(minutes=10)))
    assert commit(store, claimed, clock, ledger=[ran], next_due_at=clock.now())
    (again,) = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    assert commit(store, again, clock, ledger=[ran])
    (interval,) = store.ledger.intervals(account_id=account.id, start=start, end=clock.now(), now=clock.now())
    assert (interval.start, interval.end) == (start, ran.end)


def test_consecutive_intervals_on_the_same_terms_extend_one_row(
    store: Store, account: Account, claimed: NodeRecord, clock: ManualClock
) -> None:
    start = clock.now()
    t1, t2, t3 = (start + timedelta(minutes=m) for m in (5, 10, 15))
    assert commit(store, claimed, clock, ledger=[Interval(start, t1), Interval(t1, t2)], next_due_at=start)
    (again,) = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    # The spot price moved: a new row from t2.
    assert commit(store, again, clock, ledger=[Interval(t2, t3, price_hour=0.025, spot_price_hour=0.025)])
    rows = store.ledger.intervals(account_id=account.id, start=start, end=t3, now=t3)
    assert [(r.start, r.end, r.price_hour) for r in rows] == [(start, t2, 0.02), (t2, t3, 0.025)]
    figures = store.ledger.costs(account_id=account.id, start=start, end=t3, now=t3)
    assert figures.spot_hours == pytest.approx(0.25)


def test_an_overlapping_interval_is_logged_as_an_error_and_the_rest_is_stored(
    store: Store, account: Account, claimed: NodeRecord, clock: ManualClock
) -> None:
    start = clock.now()
    store.ledger.record(
        node_id=claimed.id,
        start=start,
        end=start + timedelta(hours=1),
        region="eastus",
        zone="1",
        size="Standard_D4s_v5",
        lifecycle="od",
        price_hour=0.192,
        od_price_hour=0.192,
        vcpus=4,
    )
    clock.advance(timedelta(hours=2))
    assert commit(store, claimed, clock, ledger=[Interval(start + timedelta(minutes=30), clock.now())])
    rows = store.ledger.intervals(account_id=account.id, start=start, end=clock.now(), now=clock.now())
    assert [r.size for r in rows] == ["Standard_D4s_v5"]
    (error,) = store.events.query(claimed.id, severity="ERROR")
    assert "was not recorded" in error.message and "overlaps" in error.message
    node = store.nodes.get(claimed.id)
    assert node is not None and node.status == "active"


def test_a_resource_already_pending_deletion_keeps_its_first_entry(
    store: Store, claimed: NodeRecord, clock: ManualClock
) -> None:
    first = store.deletions.schedule(
        OLD_NIC.upper().replace("/SUBSCRIPTIONS/", "/subscriptions/"),
        kind="nic",
        reason="orphan",
        due_at=clock.now() + timedelta(hours=1),
        now=clock.now(),
    )
    assert commit(store, claimed, clock, deletions=[Deletion(OLD_NIC, "nic", clock.now())])
    assert [(d.id, d.reason) for d in store.deletions.pending()] == [(first.id, "orphan")]


def test_a_deleted_status_marks_the_node_deleted_for_good(
    store: Store, claimed: NodeRecord, clock: ManualClock
) -> None:
    assert commit(store, claimed, clock, phase="deleted", status="deleted", next_due_at=None)
    node = store.nodes.get(claimed.id)
    assert node is not None and node.deleted_at == clock.now() and node.next_due_at is None
    clock.advance(timedelta(days=1))
    assert store.nodes.claim_due_nodes("w1", now=clock.now(), limit=5, lease_seconds=LEASE) == []


def test_an_abandoned_pass_keeps_the_state_counts_the_failure_and_waits_out_the_backoff(
    store: Store, claimed: NodeRecord, clock: ManualClock
) -> None:
    retry_at = clock.now() + timedelta(seconds=40)
    store.nodes.nudge(claimed.id, at=clock.now())  # an API request during the failing pass
    failure = NewEvent(time=clock.now(), message="internal error during reconcile", severity="ERROR")
    assert store.abandon_pass(
        claimed.id,
        "w1",
        expected_version=claimed.version,
        events=[failure],
        retry_at=retry_at,
        now=clock.now(),
    )
    node = store.nodes.get(claimed.id)
    assert node is not None
    assert (node.status_json, node.phase, node.failed_passes) == (claimed.status_json, claimed.phase, 1)
    assert (node.lease_owner, node.next_due_at) == (None, retry_at)
    assert [e.message for e in store.events.query(claimed.id, severity="ERROR")] == [failure.message]
    # A stale abandon changes nothing; a stored pass resets the count.
    assert not store.abandon_pass(
        claimed.id, "w1", expected_version=claimed.version, events=[], retry_at=retry_at, now=clock.now()
    )
    clock.set(retry_at)
    (again,) = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    assert again.failed_passes == 1
    assert commit(store, again, clock)
    node = store.nodes.get(claimed.id)
    assert node is not None and node.failed_passes == 0


def test_a_throttled_pass_is_not_counted_as_a_failure(
    store: Store, claimed: NodeRecord, clock: ManualClock
) -> None:
    assert store.abandon_pass(
        claimed.id,
        "w1",
        expected_version=claimed.version,
        events=[],
        retry_at=clock.now() + timedelta(seconds=17),
        now=clock.now(),
        failed=False,
    )
    node = store.nodes.get(claimed.id)
    assert node is not None and node.failed_passes == 0


def test_bad_pass_results_are_refused_naming_the_field(
    store: Store, claimed: NodeRecord, clock: ManualClock
) -> None:
    with pytest.raises(ValueError, match="status must be one of"):
        commit(store, claimed, clock, status="running")
    with pytest.raises(ValueError, match="resource_id must be an ARM id"):
        commit(store, claimed, clock, deletions=[Deletion("db-1-osdisk", "disk", clock.now())])
    with pytest.raises(ValueError, match="kind must be one of"):
        commit(store, claimed, clock, deletions=[Deletion(OLD_DISK, "volume", clock.now())])
    with pytest.raises(ValueError, match="next_due_at must be a timezone-aware"):
        commit(store, claimed, clock, next_due_at=clock.now().replace(tzinfo=None))
    assert store.nodes.get(claimed.id) == claimed
