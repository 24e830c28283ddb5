"""Resources pending deletion: due by TTL, done or retried, scheduled once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.store import NodeRecord, Store
from tests.store.concurrency import run_together

RG = "/subscriptions/0000/resourceGroups/sk-sandbox/providers"
DISK = f"{RG}/Microsoft.Compute/disks/db-1-data-0"
SNAPSHOT = f"{RG}/Microsoft.Compute/snapshots/db-1-os-snap"
TTL = timedelta(hours=96)


def test_a_resource_becomes_due_when_its_retention_ttl_ends(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    entry = store.deletions.schedule(
        DISK,
        kind="disk",
        reason="node deleted; retained 96 h",
        due_at=clock.now() + TTL,
        now=clock.now(),
        node_id=node.id,
    )
    assert (entry.attempts, entry.done_at, entry.node_id) == (0, None, node.id)
    assert store.deletions.due(clock.now() + TTL - timedelta(seconds=1)) == []
    assert [d.id for d in store.deletions.due(clock.now() + TTL)] == [entry.id]
    assert [d.id for d in store.deletions.pending(node_id=node.id)] == [entry.id]


def test_due_entries_come_earliest_first_up_to_the_limit(store: Store, clock: ManualClock) -> None:
    later = store.deletions.schedule(
        DISK, kind="disk", reason="ttl", due_at=clock.now() + timedelta(hours=2), now=clock.now()
    )
    sooner = store.deletions.schedule(
        SNAPSHOT, kind="snapshot", reason="ttl", due_at=clock.now() + timedelta(hours=1), now=clock.now()
    )
    when = clock.now() + timedelta(hours=3)
    assert [d.id for d in store.deletions.due(when)] == [sooner.id, later.id]
    assert [d.id for d in store.deletions.due(when, limit=1)] == [sooner.id]


def test_a_done_deletion_is_no_longer_due(store: Store, clock: ManualClock) -> None:
    entry = store.deletions.schedule(DISK, kind="disk", reason="orphan", due_at=clock.now(), now=clock.now())
    assert store.deletions.mark_done(entry.id, now=clock.now())
    assert not store.deletions.mark_done(entry.id, now=clock.now())
    assert store.deletions.due(clock.now() + TTL) == []
    done = store.deletions.get(entry.id)
    assert done is not None and done.done_at == clock.now() and done.attempts == 1


def test_a_failed_deletion_is_retried_later_with_its_error_kept(store: Store, clock: ManualClock) -> None:
    entry = store.deletions.schedule(DISK, kind="disk", reason="orphan", due_at=clock.now(), now=clock.now())
    retry_at = clock.now() + timedelta(minutes=5)
    assert store.deletions.mark_failed(entry.id, error="Conflict: disk is attached", retry_at=retry_at)
    assert store.deletions.due(clock.now()) == []
    (again,) = store.deletions.due(retry_at)
    assert (again.attempts, again.last_error) == (1, "Conflict: disk is attached")


def test_scheduling_a_pending_resource_again_keeps_the_first_entry(store: Store, clock: ManualClock) -> None:
    first = store.deletions.schedule(
        DISK, kind="disk", reason="ttl", due_at=clock.now() + TTL, now=clock.now()
    )
    # ARM ids are case-insensitive: the same disk spelt differently is the same resource.
    again = store.deletions.schedule(
        DISK.upper(), kind="disk", reason="orphan", due_at=clock.now(), now=clock.now()
    )
    assert again == first
    store.deletions.mark_done(first.id, now=clock.now())
    fresh = store.deletions.schedule(
        DISK, kind="disk", reason="recreated and orphaned", due_at=clock.now(), now=clock.now()
    )
    assert fresh.id != first.id


def test_a_deleted_node_leaves_its_pending_deletions_in_place(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    store.nodes.update_node(
        node.id, expected_version=1, now=clock.now(), deleted_at=clock.now(), status="deleted"
    )
    store.deletions.schedule(
        DISK, kind="disk", reason="ttl", due_at=clock.now() + TTL, now=clock.now(), node_id=node.id
    )
    assert len(store.deletions.due(clock.now() + TTL)) == 1


@pytest.mark.parametrize(
    ("resource_id", "kind", "field"),
    [("db-1-data-0", "disk", "resource_id"), (DISK, "volume", "kind")],
)
def test_bad_deletions_are_refused_naming_the_field(
    store: Store, clock: ManualClock, resource_id: str, kind: str, field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        store.deletions.schedule(resource_id, kind=kind, reason="x", due_at=clock.now(), now=clock.now())  # type: ignore[arg-type]


def test_concurrent_schedulers_of_one_resource_share_one_entry(store: Store, clock: ManualClock) -> None:
    ids: list[int] = []

    def schedule() -> None:
        ids.append(
            store.deletions.schedule(DISK, kind="disk", reason="gc", due_at=clock.now(), now=clock.now()).id
        )

    assert run_together([schedule] * 4) == []
    assert len(ids) == 4 and len(set(ids)) == 1
    assert len(store.deletions.pending()) == 1
