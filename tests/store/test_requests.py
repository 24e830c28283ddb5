"""Requests the API queues for a node: pending until the pass acting on them is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.store import NodeRecord, Store, UnknownRecordError

LEASE = 60.0
DEALLOCATION = {
    "shouldTerminateVm": True,
    "diskDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 2},
}


def commit(store: Store, node: NodeRecord, clock: ManualClock, *, consumed: list[int]) -> bool:
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
        consumed_request_ids=consumed,
        next_due_at=clock.now() + timedelta(minutes=5),
        now=clock.now(),
    )


def test_requests_stay_pending_in_order_until_a_stored_pass_consumes_them(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    pause = store.requests.append(node.id, "pause", now=clock.now())
    delete = store.requests.append(node.id, "delete", DEALLOCATION, now=clock.advance(1))
    assert [(r.kind, r.payload) for r in store.requests.pending(node.id)] == [
        ("pause", {}),
        ("delete", DEALLOCATION),
    ]
    (claimed,) = store.nodes.claim_due_nodes("w1", now=clock.advance(1), limit=1, lease_seconds=LEASE)
    assert commit(store, claimed, clock, consumed=[pause.id, delete.id])
    assert store.requests.pending(node.id) == []
    consumed = store.requests.get(delete.id)
    assert consumed is not None and consumed.consumed_at == clock.now() and not consumed.is_pending
    assert [r.id for r in store.requests.history(node.id)] == [delete.id, pause.id]


def test_a_request_makes_an_idle_node_due_without_a_new_version(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    assert store.nodes.update_node(node.id, expected_version=1, now=clock.now(), next_due_at=None)
    clock.advance(timedelta(hours=3))
    store.requests.append(node.id, "resume", now=clock.now())
    stored = store.nodes.get(node.id)
    assert stored is not None and stored.next_due_at == clock.now() and stored.version == 2
    assert [
        n.id for n in store.nodes.claim_due_nodes("w1", now=clock.now(), limit=5, lease_seconds=LEASE)
    ] == [node.id]


def test_a_request_made_during_a_pass_is_kept_and_brings_the_node_straight_back(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    (claimed,) = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    late = store.requests.append(node.id, "recycle", now=clock.advance(2))
    # The pass read no requests, so it consumes none; its own next due time is 5 min away.
    assert commit(store, claimed, clock, consumed=[])
    assert [r.id for r in store.requests.pending(node.id)] == [late.id]
    stored = store.nodes.get(node.id)
    assert stored is not None and stored.next_due_at == late.created_at


def test_a_failed_pass_leaves_its_requests_pending(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    request = store.requests.append(node.id, "pause", now=clock.now())
    (claimed,) = store.nodes.claim_due_nodes("w1", now=clock.now(), limit=1, lease_seconds=LEASE)
    assert store.abandon_pass(
        node.id, "w1", expected_version=claimed.version, events=[], retry_at=clock.now(), now=clock.now()
    )
    assert [r.id for r in store.requests.pending(node.id)] == [request.id]


def test_requests_for_unknown_or_deleted_nodes_are_refused(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    with pytest.raises(UnknownRecordError, match="ssn-00000000"):
        store.requests.append("ssn-00000000", "pause", now=clock.now())
    node = make_node()
    assert store.nodes.update_node(node.id, expected_version=1, now=clock.now(), deleted_at=clock.now())
    with pytest.raises(ValueError, match="was deleted"):
        store.requests.append(node.id, "resume", now=clock.now())


def test_bad_requests_are_refused_naming_the_field(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    with pytest.raises(ValueError, match="kind must be one of"):
        store.requests.append(node.id, "reboot", now=clock.now())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="payload must be a JSON object"):
        store.requests.append(node.id, "delete", ["not", "a", "dict"], now=clock.now())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="now must be a timezone-aware"):
        store.requests.append(node.id, "pause", now=clock.now().replace(tzinfo=None))
    assert store.requests.pending(node.id) == []


def test_disk_requests_carry_their_body(
    store: Store, make_node: Callable[..., NodeRecord], clock: ManualClock
) -> None:
    node = make_node()
    body = {"dataDiskName": "db-1-data1", "dataDiskResourceGroupName": "sk-sandbox", "lun": 1}
    store.requests.append(node.id, "attach_data_disk", body, now=clock.now())
    (pending,) = store.requests.pending(node.id)
    assert (pending.kind, pending.payload) == ("attach_data_disk", body)
