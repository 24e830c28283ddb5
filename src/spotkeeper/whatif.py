"""What-if runs: a node (or a fleet) on the simulated Azure for days of simulated time.

"What would this node cost, and how often would it be evicted, over 30 days in a volatile
market?" The simulated Azure and the engine share a `ManualClock`; the run jumps from one
moment something happens to the next (an engine pass falling due, an eviction wave, a
long-running operation completing), so a month takes seconds. When the simulated Azure does
something to a node's VM (a Preempt notice, an eviction) the node is woken at once, as the
in-VM agent or an Azure event subscription would wake it in production; between events the
engine polls at `steady_poll`, which what-if runs set long (the default 10 s would make a
month of polling dominate the run).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from spotkeeper.catalog import Catalog, load_catalog
from spotkeeper.clock import ManualClock
from spotkeeper.cloud.sim import SimCloudProvider
from spotkeeper.engine.context import EngineSettings
from spotkeeper.engine.costs import summarize
from spotkeeper.engine.stepper import EngineStepper
from spotkeeper.sim import SimAzure, seed_default_world
from spotkeeper.sim.trace import Trace

WHATIF_SETTINGS = EngineSettings(steady_poll=timedelta(hours=1), revert_check_interval=timedelta(minutes=15))
WAKING_EVENTS = ("vm.event", "vm.evicted", "vm.deleted", "vm.stopped", "vm.running")


@dataclass(frozen=True)
class NodeOutcome:
    node_id: str
    name: str
    status: str
    hours: float
    running_hours: float
    spot_hours: float
    od_hours: float
    actual_cost: float
    od_cost: float
    savings_pct: float
    evictions: int
    recoveries: int
    reverts: int


@dataclass
class WhatIfReport:
    start: datetime
    end: datetime
    scenario: str
    seed: int
    nodes: list[NodeOutcome] = field(default_factory=list)

    @property
    def total_cost(self) -> float:
        return sum(n.actual_cost for n in self.nodes)

    @property
    def total_od_cost(self) -> float:
        return sum(n.od_cost for n in self.nodes)

    @property
    def savings_pct(self) -> float:
        od = self.total_od_cost
        return 0.0 if od <= 0 else 100.0 * (od - self.total_cost) / od

    @property
    def uptime_pct(self) -> float:
        hours = sum(n.hours for n in self.nodes)
        return 0.0 if hours <= 0 else 100.0 * sum(n.running_hours for n in self.nodes) / hours


class WhatIf:
    """A simulated Azure with the default world, an engine, and a clock to run them on."""

    def __init__(
        self, *, scenario: str = "calm", seed: int = 0,
        latency: Literal["instant", "azure-typical"] = "azure-typical",
        catalog: Catalog | None = None, settings: EngineSettings | None = None,
        start: datetime | None = None, trace: Trace | None = None,
    ) -> None:
        """`trace` replays recorded market conditions over the scenario (`sim.trace`)."""
        self.catalog = catalog or load_catalog()
        self.clock = ManualClock(start)
        self.scenario = scenario
        self.seed = seed
        self.sim = SimAzure(clock=self.clock, seed=seed, scenario=scenario, latency=latency,
                            catalog=self.catalog, trace=trace)
        self.world = seed_default_world(self.sim)
        self.cloud = SimCloudProvider(self.sim)
        self.engine = EngineStepper(self.cloud, self.clock, catalog=self.catalog,
                                    settings=settings or WHATIF_SETTINGS)
        self.started = self.clock.now()
        self._trace_seen = 0

    def add_node(self, spec: Mapping[str, object], *, node_id: str | None = None) -> str:
        return self.engine.add(spec, node_id=node_id)

    def run_for(self, duration: timedelta) -> None:
        self.run_until(self.clock.now() + duration)

    def run_until(self, until: datetime) -> None:
        """Advance to `until`, running every engine pass and simulated event on the way."""
        while True:
            self._wake_from_trace()
            self.engine.run_due()
            now = self.clock.now()
            if now >= until:
                return
            moments = [until]
            for moment in (self.engine.next_due(), self.sim.next_event_at()):
                if moment is not None:
                    moments.append(max(moment, now))
            step_to = min(moments)
            if step_to > now:
                self.sim.run_until(step_to)
            else:
                self.sim.catch_up()

    def _wake_from_trace(self) -> None:
        trace = self.sim.trace
        self._wake_touched(trace[self._trace_seen:])
        self._trace_seen = len(trace)

    def _wake_touched(self, entries: Sequence[object]) -> None:
        if not entries:
            return
        by_vm = {run.state.vm.id.lower(): node_id for node_id, run in self.engine.nodes.items()
                 if run.state.vm is not None and run.state.vm.id}
        for entry in entries:
            kind, resource = entry.kind, entry.resource  # type: ignore[attr-defined]
            if kind.startswith(WAKING_EVENTS) and resource in by_vm:
                self.engine.wake(by_vm[resource])

    def report(self) -> WhatIfReport:
        end = self.clock.now()
        report = WhatIfReport(self.started, end, self.scenario, self.seed)
        hours = (end - self.started).total_seconds() / 3600
        for node_id, run in self.engine.nodes.items():
            summary = summarize(run.ledger, self.started, end) if end > self.started else None
            messages = [e.message for e in run.events]
            report.nodes.append(NodeOutcome(
                node_id=node_id, name=run.spec.name or node_id, status=run.status, hours=hours,
                running_hours=(summary.spot_hours + summary.od_hours) if summary else 0.0,
                spot_hours=summary.spot_hours if summary else 0.0,
                od_hours=summary.od_hours if summary else 0.0,
                actual_cost=summary.actual_cost if summary else 0.0,
                od_cost=summary.od_cost if summary else 0.0,
                savings_pct=summary.savings_pct if summary else 0.0,
                evictions=len([m for m in messages if "evict" in m and m.startswith("recover:")]),
                recoveries=len([m for m in messages if m.startswith("recover:")]),
                reverts=len([m for m in messages if m.startswith("revert:")]),
            ))
        return report
