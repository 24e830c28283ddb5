"""Leases: every due node goes to exactly one worker, and a dead worker's node comes back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.store import NodeRecord, Store
from tests.store.concurrency import run_together

LEASE = 60.0


def test_claim_takes_due_nodes_earliest_first_up_to_the_limit(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    start = clock.now()
    late = make_node(name="late", next_due_at=start + timedelta(seconds=30))
    early = make_node(name="early", next_due_at=start + timedelta(seconds=10))
    make_node(name="future", next_due_at=start + timedelta(hours=1))
    clock.advance(60)
    claimed = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    assert [n.id for n in claimed] == [early.id]
    claimed = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=10, lease_seconds=LEASE)
    assert [n.id for n in claimed] == [late.id]
    assert store.nodes.claim_due_nodes("w1", now=clock.now(), limit=10, lease_seconds=LEASE) == []


def test_a_claimed_node_carries_the_lease_and_a_new_version(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    (claimed,) = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=5, lease_seconds=LEASE)
    assert claimed.id == node.id
    assert claimed.version == node.version + 1
    assert claimed.lease_owner == "w1"
    assert claimed.lease_expires_at == clock.now() + timedelta(seconds=LEASE)
    assert store.nodes.get(node.id) == claimed
    # The holder's compare-and-set writes use the version it was handed.
    assert store.nodes.update_node(
        node.id, expected_version=claimed.version, now=clock.now(), phase="launching"
    )


def test_deleted_and_idle_nodes_are_never_claimed(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    deleted = make_node(name="gone")
    idle = make_node(name="idle")
    store.nodes.update_node(deleted.id, expected_version=1, now=clock.now(), deleted_at=clock.now())
    store.nodes.update_node(idle.id, expected_version=1, now=clock.now(), next_due_at=None)
    clock.advance(timedelta(days=1))
    assert store.nodes.claim_due_nodes("w1", now=clock.now(), limit=10, lease_seconds=LEASE) == []
    assert store.nodes.due_count(now=clock.now()) == 0
    assert store.nodes.next_claimable_at() is None


def test_a_live_lease_keeps_other_workers_away_and_an_expired_one_is_reclaimed(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    (held,) = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    assert store.nodes.next_claimable_at() == held.lease_expires_at
    clock.advance(LEASE - 1)
    assert store.nodes.claim_due_nodes("w2", now=clock.now(), limit=1, lease_seconds=LEASE) == []
    clock.advance(1)  # the lease ends exactly now: w1 is presumed dead
    (taken,) = store.nodes.claim_due_nodes("w2", now=clock.now(), limit=1, lease_seconds=LEASE)
    assert (taken.id, taken.lease_owner) == (node.id, "w2")
    # The presumed-dead worker wakes up: its writes, renewal and release all fail.
    assert not store.nodes.update_node(node.id, expected_version=held.version, now=clock.now(), phase="x")
    assert not store.nodes.renew_lease(node.id, "w1", now=clock.now(), lease_seconds=LEASE)
    assert not store.nodes.release_lease(node.id, "w1", next_due_at=clock.now())
    stored = store.nodes.get(node.id)
    assert stored is not None and stored.lease_owner == "w2" and stored.phase == "pending"


def test_renewing_extends_the_lease_without_invalidating_the_holders_version(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    make_node()
    (held,) = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    clock.advance(LEASE - 5)
    assert store.nodes.renew_lease(held.id, "w1", now=clock.now(), lease_seconds=LEASE)
    clock.advance(30)  # past the original expiry, inside the renewed one
    assert store.nodes.claim_due_nodes("w2", now=clock.now(), limit=1, lease_seconds=LEASE) == []
    assert store.nodes.update_node(held.id, expected_version=held.version, now=clock.now(), phase="running")


def test_release_frees_the_node_and_sets_when_it_is_next_due(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    assert store.nodes.release_lease(node.id, "w1", next_due_at=clock.now() + timedelta(minutes=5))
    released = store.nodes.get(node.id)
    assert released is not None
    assert (released.lease_owner, released.lease_expires_at) == (None, None)
    assert released.next_due_at == clock.now() + timedelta(minutes=5)
    assert store.nodes.next_claimable_at() == released.next_due_at
    clock.advance(timedelta(minutes=4))
    assert store.nodes.claim_due_nodes("w2", now=clock.now(), limit=1, lease_seconds=LEASE) == []
    clock.advance(timedelta(minutes=1))
    assert [
        n.id for n in store.nodes.claim_due_nodes("w2", now=clock.now(), limit=1, lease_seconds=LEASE)
    ] == [node.id]


def test_a_request_for_attention_during_a_pass_survives_the_release(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    clock.advance(3)
    # An API edit lands mid-pass and asks for the node to be looked at right away.
    current = store.nodes.get(node.id)
    assert current is not None
    poke = clock.now()
    assert store.nodes.update_node(node.id, expected_version=current.version, now=poke, next_due_at=poke)
    assert store.nodes.release_lease(node.id, "w1", next_due_at=clock.now() + timedelta(minutes=5))
    released = store.nodes.get(node.id)
    assert released is not None and released.next_due_at == poke


def test_claim_arguments_are_checked(store: Store, clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="limit"):
        store.nodes.claim_due_nodes("w1", now=clock.now(), limit=0, lease_seconds=LEASE)
    with pytest.raises(ValueError, match="lease_seconds"):
        store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=0)
    with pytest.raises(ValueError, match="worker_id"):
        store.nodes.claim_due_nodes("", now=clock.now(), limit=1, lease_seconds=LEASE)


def test_concurrent_workers_never_claim_the_same_node(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    nodes = {make_node(name=f"n{i}").id for i in range(40)}
    workers = ["w1", "w2", "w3"]
    claimed: dict[str, list[str]] = {worker: [] for worker in workers}
    now = clock.now()

    def worker_loop(worker: str) -> Callable[[], None]:
        def work() -> None:
            while batch := store.nodes.claim_due_nodes(worker, now=now, limit=3, lease_seconds=LEASE):
                claimed[worker].extend(n.id for n in batch)

        return work

    assert run_together([worker_loop(w) for w in workers]) == []
    everything = [node for batch in claimed.values() for node in batch]
    assert len(everything) == len(set(everything)), "a node was claimed twice"
    assert set(everything) == nodes
    for worker in workers:
        owners = {store.nodes.get(n).lease_owner for n in claimed[worker]}  # type: ignore[union-attr]
        assert owners <= {worker}
