"""The store-backed worker: nodes launched, requests carried out, failures contained.

Every test runs the real engine (`reconcile_node`) against the simulated Azure, through the
store on SQLite and on PostgreSQL; only the failure tests swap the pass function for one that
raises, which is the worker's own seam for observing passes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from spotkeeper.cloud.errors import Throttled
from spotkeeper.engine.context import PassResult
from spotkeeper.engine.naming import NODE_TAG
from spotkeeper.engine.reconcile import reconcile_node
from spotkeeper.engine.worker import Worker
from tests.engine.worker_support import DATABASES, RG, World, open_world

LAUNCH = timedelta(minutes=5)
KEEP_NOTHING = {
    "shouldTerminateVm": True,
    "diskDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 1},
    "networkDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 1},
    "publicIpDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 1},
    "snapshotDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 1},
}


@pytest.fixture(params=DATABASES)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with open_world(request.param, tmp_path) as opened:
        yield opened


def launched(world: World, worker: Worker, name: str = "sk-test-node") -> str:
    node = world.add_node(name)
    world.drive(
        [worker], lambda: world.status(node.id) == "active", within=LAUNCH, what="launch", node_id=node.id
    )
    return node.id


def test_a_worker_launches_a_node_and_costs_its_running_hours(world: World) -> None:
    worker = world.worker()
    node_id = launched(world, worker)
    running_since = world.clock.now()
    node = world.node(node_id)
    assert (node.phase, node.lease_owner, node.failed_passes) == ("running", None, 0)
    vm = node.status_json["vm"]
    assert world.sim.vm(RG, vm["name"]) is not None
    assert any("launch" in line for line in world.log(node_id).splitlines())

    world.run_for([worker], timedelta(hours=1))
    now = world.clock.now()
    figures = world.store.ledger.costs(
        account_id=world.account.id, start=running_since - LAUNCH, end=now, now=now, node_id=node_id
    )
    assert figures.spot_hours + figures.od_hours == pytest.approx(1.0, abs=0.1)
    assert 0 < figures.actual_cost < figures.all_on_demand_cost
    # A pass appends the time since the previous one: same price, same row.
    rows = world.store.ledger.intervals(account_id=world.account.id, start=running_since, end=now, now=now)
    assert len(rows) < 12


def test_a_pause_request_pauses_the_node(world: World) -> None:
    worker = world.worker()
    node_id = launched(world, worker)
    vm_name = world.node(node_id).status_json["vm"]["name"]
    request = world.store.requests.append(node_id, "pause", now=world.clock.now())
    world.drive(
        [worker], lambda: world.status(node_id) == "paused", within=LAUNCH, what="pause", node_id=node_id
    )
    assert world.store.requests.pending(node_id) == []
    consumed = world.store.requests.get(request.id)
    assert consumed is not None and consumed.consumed_at is not None
    assert vm_name not in {r.name for r in world.cloud.list_tagged(NODE_TAG, node_id) if r.kind == "vm"}
    # The persisted disks stay while paused.
    assert any(r.kind == "disk" for r in world.cloud.list_tagged(NODE_TAG, node_id))


def test_a_delete_request_deletes_the_node_and_gc_removes_its_resources_after_their_ttl(world: World) -> None:
    worker = world.worker()
    node_id = launched(world, worker)
    world.store.requests.append(node_id, "delete", KEEP_NOTHING, now=world.clock.now())
    world.drive(
        [worker], lambda: world.status(node_id) == "deleted", within=LAUNCH, what="deletion", node_id=node_id
    )
    node = world.node(node_id)
    assert node.is_deleted and node.next_due_at is None
    scheduled = world.store.deletions.pending(node_id=node_id)
    left = {r.id.lower() for r in world.cloud.list_tagged(NODE_TAG, node_id)}
    assert scheduled and left == {d.resource_id.lower() for d in scheduled}

    assert worker.collect().deleted == []  # the 1 h retention is not over yet
    world.sim.run_until(world.clock.now() + timedelta(hours=1, minutes=1))
    for _ in range(5):  # a NIC may hold its public IP for one more round
        worker.collect()
        world.sim.run_until(world.clock.now() + timedelta(minutes=2))
    assert world.cloud.list_tagged(NODE_TAG, node_id) == []
    assert world.store.deletions.pending(node_id=node_id) == []
    assert "garbage collector deleted disk" in world.log(node_id)


def test_a_request_the_engine_cannot_carry_out_is_logged_and_dropped(world: World) -> None:
    worker = world.worker()
    node_id = launched(world, worker)
    body = {"dataDiskName": "extra", "lun": 3}
    world.store.requests.append(node_id, "attach_data_disk", body, now=world.clock.now())
    world.drain([worker])
    assert world.store.requests.pending(node_id) == []
    (error,) = world.store.events.query(node_id, severity="ERROR")
    assert "attach_data_disk request" in error.message and "dropped" in error.message
    assert world.status(node_id) == "active"


class FailingPasses:
    """The real pass, except that the first `failures` calls raise `error` instead."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> PassResult:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return reconcile_node(*args, **kwargs)


def test_a_pass_that_raises_is_logged_and_retried_with_growing_backoff(world: World) -> None:
    passes = FailingPasses(3, RuntimeError("index out of range in choose_market"))
    worker = world.worker(reconcile=passes)
    node = world.add_node()
    waits = []
    for attempt in range(3):
        start = world.clock.now()
        assert worker.run_once() == 1
        stored = world.node(node.id)
        assert stored.failed_passes == attempt + 1 and stored.lease_owner is None
        assert stored.next_due_at is not None
        waits.append(stored.next_due_at - start)
        # Nothing to do before the backoff is over.
        world.clock.set(stored.next_due_at - timedelta(seconds=1))
        assert worker.run_once() == 0
        world.clock.set(stored.next_due_at)
    assert waits == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]
    errors = world.store.events.query(node.id, severity="ERROR", oldest_first=True)
    assert len(errors) == 3
    assert "RuntimeError: index out of range in choose_market" in errors[0].message
    assert "retrying in 5 s" in errors[0].message
    # Once the bug stops biting, the node launches and the failure count is reset.
    world.drive([worker], lambda: world.status(node.id) == "active", within=LAUNCH, node_id=node.id)
    assert world.node(node.id).failed_passes == 0


def test_the_backoff_is_capped(world: World) -> None:
    worker = world.worker(backoff_base=timedelta(seconds=5), backoff_max=timedelta(minutes=10))
    assert [worker.retry_delay(n) for n in (0, 1, 6, 7, 50)] == [
        timedelta(seconds=5),
        timedelta(seconds=10),
        timedelta(seconds=320),
        timedelta(minutes=10),
        timedelta(minutes=10),
    ]


def test_a_throttled_pass_waits_for_retry_after_without_counting_a_failure(world: World) -> None:
    worker = world.worker(reconcile=FailingPasses(1, Throttled("too many requests", retry_after=42)))
    node = world.add_node()
    assert worker.run_once() == 1
    stored = world.node(node.id)
    assert stored.failed_passes == 0
    assert stored.next_due_at == world.clock.now() + timedelta(seconds=42)
    (warning,) = world.store.events.query(node.id, severity="WARN")
    assert "throttling" in warning.message and "42 s" in warning.message


def test_a_pass_whose_node_was_taken_over_is_not_stored(world: World) -> None:
    """The worker stalls past its lease without renewing it (a frozen process, say); another
    worker claims the node; the stalled pass's results must not land."""
    other = world.worker(worker_id="w2")

    def stalled(*args: Any, **kwargs: Any) -> PassResult:
        result = reconcile_node(*args, **kwargs)
        world.clock.advance(timedelta(minutes=2))
        assert world.store.nodes.claim_due_nodes("w2", now=world.clock.now(), limit=1, lease_seconds=60)
        return result

    worker = world.worker(reconcile=stalled)
    node = world.add_node()
    (claimed,) = world.store.nodes.claim_due_nodes("w1", now=world.clock.now(), limit=1, lease_seconds=60)
    assert worker.run_pass(claimed) is False
    stored = world.node(node.id)
    assert (stored.lease_owner, stored.phase, stored.status_json) == ("w2", "pending", {})
    assert world.store.events.query(node.id) == []
    # The new holder's pass sees the launch the stalled pass started and carries on.
    assert other.run_pass(stored) is True
    world.drive([other], lambda: world.status(node.id) == "active", within=LAUNCH, node_id=node.id)


def test_leases_are_renewed_while_a_long_pass_runs(world: World) -> None:
    """A pass taking 50 s of a 30 s lease keeps its node, and so does the node queued behind it:
    another worker claiming all the while never gets a node this worker holds."""
    stolen: list[set[str]] = []

    def slow(*args: Any, **kwargs: Any) -> PassResult:
        for _ in range(5):
            world.clock.advance(timedelta(seconds=10))
            wait_for_renewal(world)
            held = {n.id for n in world.store.nodes.find() if n.lease_owner == "w1"}
            taken = world.store.nodes.claim_due_nodes("w2", now=world.clock.now(), limit=5, lease_seconds=30)
            stolen.append(held & {n.id for n in taken})
        return reconcile_node(*args, **kwargs)

    worker = world.worker(reconcile=slow, lease_seconds=30, renew_poll=0.01)
    first, second = world.add_node("node-a"), world.add_node("node-b")
    assert worker.run_once() == 2
    assert stolen == [set()] * 10
    for node_id in (first.id, second.id):  # both passes were stored (w2 never ran one)
        assert world.node(node_id).phase != "pending", world.log(node_id)


def wait_for_renewal(world: World) -> None:
    """Block (wall time, bounded) until every lease w1 holds was renewed at the clock's now."""
    deadline = time.monotonic() + 10
    wanted = world.clock.now() + timedelta(seconds=30)
    while time.monotonic() < deadline:
        leased = [n for n in world.store.nodes.find() if n.lease_owner == "w1"]
        if leased and all(n.lease_expires_at is not None and n.lease_expires_at >= wanted for n in leased):
            return
        time.sleep(0.01)
    raise AssertionError("the lease keeper did not renew the leases")
