"""A store-backed world for the worker and collector tests: simulated Azure + store + clock.

Each test gets a fresh `SimAzure` with the default world (`latency="instant"`), a
`SimCloudProvider` over it, a migrated store (SQLite, or PostgreSQL in a private schema via
the store tests' fixtures) and one `ManualClock` shared by all three. `drive` moves the clock
the way production time would pass: it runs workers until nothing is due, then jumps (through
the simulator's events) to the next moment a node becomes claimable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.cloud.sim import SimCloudProvider
from spotkeeper.engine.context import EngineSettings
from spotkeeper.engine.worker import Worker
from spotkeeper.sim import SimAzure, seed_default_world
from spotkeeper.store import Account, NodeRecord, Store
from tests.factories import valid_node
from tests.store.conftest import postgres_schema_url

RG = "sk-sandbox"
# Polls long enough that an hour of running is a handful of passes, short enough to react.
TEST_SETTINGS = EngineSettings(steady_poll=timedelta(minutes=5), revert_check_interval=timedelta(minutes=15))


# Parametrise a test module's `world` fixture with these to run it on both databases.
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def open_world(database: str, tmp_path: Path) -> Iterator[World]:
    """A fresh world on `database` ("sqlite" in `tmp_path`, or "postgresql" in a private schema)."""
    with ExitStack() as stack:
        if database == "sqlite":
            url = f"sqlite:///{tmp_path / 'spotkeeper.db'}"
        else:
            url = stack.enter_context(postgres_schema_url())
        store = stack.enter_context(Store(url))
        yield World(store)


@dataclass
class World:
    store: Store
    clock: ManualClock = field(default_factory=ManualClock)
    sim: SimAzure = field(init=False)
    cloud: SimCloudProvider = field(init=False)
    account: Account = field(init=False)

    def __post_init__(self) -> None:
        self.sim = SimAzure(clock=self.clock, seed=0, scenario="calm", latency="instant")
        seed_default_world(self.sim)
        self.cloud = SimCloudProvider(self.sim)
        self.account = self.store.accounts.create("acme", now=self.clock.now())

    def worker(self, **options: Any) -> Worker:
        options.setdefault("settings", TEST_SETTINGS)
        options.setdefault("worker_id", "w1")
        options.setdefault("collect_every", None)
        options.setdefault("cloud", self.cloud)
        return Worker(self.store, clock=self.clock, **options)

    def add_node(self, name: str = "sk-test-node", **overrides: Any) -> NodeRecord:
        spec = node_spec(name=name, **overrides)
        return self.store.nodes.create(
            account_id=self.account.id,
            name=name,
            region=spec["region"],
            resource_group_name=spec["resourceGroupName"],
            spec=spec,
            phase="pending",
            status="launching",
            now=self.clock.now(),
        )

    def node(self, node_id: str) -> NodeRecord:
        record = self.store.nodes.get(node_id)
        assert record is not None
        return record

    def status(self, node_id: str) -> str:
        return self.node(node_id).status

    def log(self, node_id: str) -> str:
        events = self.store.events.query(node_id, oldest_first=True, limit=1000)
        return "\n".join(f"{e.time:%H:%M:%S} {e.severity} {e.message}" for e in events)

    def drain(self, workers: Sequence[Worker]) -> int:
        """Run the workers until none finds anything due now; returns the passes run."""
        passes = 0
        for _ in range(100):
            claimed = sum(worker.run_once() for worker in workers)
            if claimed == 0:
                return passes
            passes += claimed
        raise AssertionError("workers still busy after 100 rounds at one instant")

    def drive(
        self,
        workers: Sequence[Worker],
        until: Callable[[], bool],
        *,
        within: timedelta,
        what: str = "the condition",
        node_id: str | None = None,
    ) -> None:
        """Let time pass (at most `within`) until `until()` holds after the workers are idle."""
        deadline = self.clock.now() + within
        while True:
            self.drain(workers)
            if until():
                return
            now = self.clock.now()
            if now >= deadline:
                log = self.log(node_id) if node_id else ""
                raise AssertionError(f"{what} did not happen within {within}\n{log}")
            upcoming = self.store.nodes.next_claimable_at()
            target = deadline if upcoming is None else min(deadline, upcoming)
            self.sim.run_until(max(target, now + timedelta(seconds=1)))

    def run_for(self, workers: Sequence[Worker], span: timedelta) -> None:
        end = self.clock.now() + span
        self.drive(workers, lambda: self.clock.now() >= end, within=span + timedelta(seconds=1))


def node_spec(name: str = "sk-test-node", **overrides: Any) -> dict[str, Any]:
    """The factory's full node without its cron schedule (tests pick their own moments)."""
    spec = valid_node(name=name, **overrides)
    spec.pop("scheduling", None)
    return spec
