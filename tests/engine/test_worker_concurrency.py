"""Two workers sharing one database and one cloud never act on the same node at once.

Both run their real loop (`run_forever`) on threads against the same store and the same
simulated Azure while the test moves the shared clock. Every pass goes through a recorder (the
worker's `reconcile` seam) that notes which worker ran it, when (wall clock), who held the
node's lease at its start and end, and whether the state it was given is the one stored.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from spotkeeper.engine.context import PassResult
from spotkeeper.engine.reconcile import reconcile_node
from spotkeeper.engine.state import NodeState
from tests.engine.worker_support import DATABASES, World, open_world

NODES = 12
WALL_LIMIT = 30.0  # seconds of real time for the whole fleet to come up
STEADY = timedelta(minutes=20)  # then a few steady-state polls of each node, all due at once
PASS_LATENCY = 0.001  # seconds a pass takes at least, like a cloud call would


@pytest.fixture(params=DATABASES)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with open_world(request.param, tmp_path) as opened:
        yield opened


@dataclass(frozen=True)
class Pass:
    node_id: str
    worker_id: str
    started: float
    ended: float
    holder_at_start: str | None
    holder_at_end: str | None
    saw_stored_state: bool


class PassRecorder:
    """Wraps `reconcile_node` for one worker and writes every pass into a shared journal."""

    def __init__(self, world: World, worker_id: str, journal: list[Pass], lock: threading.Lock) -> None:
        self.world = world
        self.worker_id = worker_id
        self.journal = journal
        self.lock = lock

    def __call__(self, node_id: str, spec: Any, state: NodeState, **kwargs: Any) -> PassResult:
        before = self.world.node(node_id)
        started = time.monotonic()
        try:
            time.sleep(PASS_LATENCY)
            return reconcile_node(node_id, spec, state, **kwargs)
        finally:
            ended = time.monotonic()
            after = self.world.node(node_id)
            with self.lock:
                self.journal.append(
                    Pass(
                        node_id,
                        self.worker_id,
                        started,
                        ended,
                        before.lease_owner,
                        after.lease_owner,
                        saw_stored_state=state.to_json() == NodeState.from_json(before.status_json).to_json(),
                    )
                )


def test_two_workers_on_one_database_never_work_the_same_node_at_once(world: World) -> None:
    journal: list[Pass] = []
    lock = threading.Lock()
    nodes = [world.add_node(f"fleet-{n:02d}").id for n in range(NODES)]
    workers = [
        world.worker(
            worker_id=worker_id,
            batch=2,
            lease_seconds=60,
            renew_poll=0.01,
            reconcile=PassRecorder(world, worker_id, journal, lock),
        )
        for worker_id in ("worker-a", "worker-b")
    ]
    stop = threading.Event()
    threads = [
        threading.Thread(target=w.run_forever, args=(stop,), kwargs={"idle_sleep": 0.005}, daemon=True)
        for w in workers
    ]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + WALL_LIMIT
        while not all(world.status(node_id) == "active" for node_id in nodes):
            assert time.monotonic() < deadline, "\n".join(f"{n}: {world.status(n)}" for n in nodes)
            world.sim.run_until(world.clock.now() + timedelta(seconds=1))
            time.sleep(0.01)
        steady_until = world.clock.now() + STEADY
        while world.clock.now() < steady_until:
            assert time.monotonic() < deadline, "the fleet's steady-state passes took too long"
            world.sim.run_until(world.clock.now() + timedelta(seconds=15))
            time.sleep(0.01)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    assert not any(thread.is_alive() for thread in threads)

    assert {p.worker_id for p in journal} == {"worker-a", "worker-b"}, "the work was not shared"
    assert len(journal) >= NODES * 4
    for node_id in nodes:
        passes = sorted((p for p in journal if p.node_id == node_id), key=lambda p: p.started)
        assert passes, f"{node_id} was never reconciled"
        for earlier, later in itertools.pairwise(passes):
            assert later.started >= earlier.ended, f"passes over {node_id} overlapped: {earlier} {later}"
        for p in passes:
            # The worker running a pass held the node's lease from start to end, and was given
            # the state as stored: no pass ever ran on a stale copy.
            assert p.holder_at_start == p.holder_at_end == p.worker_id, p
            assert p.saw_stored_state, p
    for node_id in nodes:
        assert world.store.events.query(node_id, severity="ERROR") == [], world.log(node_id)
