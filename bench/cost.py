"""What a month of stateful nodes costs, against on-demand and against a hindsight oracle, and
how much of the month their VMs actually ran.

The promise of spotkeeper is Spot prices with on-demand continuity. This bench runs one node
and a fleet (default 100 nodes of four shapes) for 30 simulated days in each market scenario
(`calm`, `volatile`, `drought`) and reports:

* cost: what Azure would bill, from the simulated Azure's trace (each VM's running windows,
  priced at the market's quote of the moment, split at every price re-quote), beside the
  engine's own ledger figure;
* savings against running each node all month on its cheapest on-demand size (list price);
* the ratio to a hindsight oracle that sits, every 5 minutes, in the cheapest market that has
  capacity among the node's allowed Spot and on-demand sizes and zones, moving for free and
  instantly (goal <= 1.15 in `volatile`). The oracle ignores persistence: a reattach node is
  tied to its disks' zone, the oracle is not;
* uptime: time a VM of the node was running (trace) over wall time, and the same excluding
  each eviction's critical path (delete + create, + the 180 s NIC reservation when Azure's rule
  makes it unavoidable; see `_common.critical_path`) and the node's first launch (goal >= 99.9 %);
* evictions, recoveries and reverts from the engine's log, and the longest downtime holes with
  the node's log lines during them, as evidence.

The nodes state no preferred size or zone by default: the oracle has no preferences, so a node
that has them is held to constraints the oracle is not (`--preferences` measures that case), and
`availabilityVsCost` is left to the engine's default (50) unless `--availability-vs-cost` says.
The latency profile defaults to `instant` (operations complete at once): cost depends on where
the node sits, not on how long Azure takes, and `instant` keeps a fleet-month to about a minute.
Under `instant` the critical path is zero except the NIC reservation, so uptime measures the
waits the engine and Azure's rules add. `--latency azure-typical` is slower but gives realistic
downtime. Not a test: it prints tables and, as its last line, a JSON object of the figures.

    .venv/bin/python bench/cost.py [--days 30] [--nodes 100] [--scenarios calm,volatile,drought]
                                   [--seed 0] [--latency instant] [--jobs 2] [--preferences]
                                   [--availability-vs-cost N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import multiprocessing
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from _common import CONSOLE, Recovery, critical_path, node_spec, print_table, read_recoveries, rounded

from spotkeeper.sim.events import TraceEntry
from spotkeeper.sim.latency import LatencyProfile
from spotkeeper.sim.market import Market
from spotkeeper.sim.scenarios import SCENARIOS
from spotkeeper.whatif import WhatIf

REGION = "eastus"
ORACLE_STEP = timedelta(minutes=5)
GOAL_ORACLE_RATIO = 1.15
GOAL_UPTIME_PCT = 99.9
HOLES_SHOWN = 5
HOLE_MIN_EXCESS_S = 30.0
HOLE_LOG_BEFORE = timedelta(minutes=3)  # a planned replacement drains 120 s first
_OWNER = re.compile(r"^[nv](\d+)(?:-|$)")
_OPERATION = re.compile(r"^[a-z]+: ")
_RUNNING_ENDS = ("vm.evicted", "vm.delete.accepted", "vm.deleted", "vm.deallocate.accepted", "vm.stopped")


@dataclass(frozen=True)
class Shape:
    """One kind of node in the fleet."""

    label: str
    spot_sizes: tuple[str, ...]
    od_sizes: tuple[str, ...]
    zones: tuple[str, ...]
    persistence: str
    persist_name: bool


SHAPES = (
    Shape("D2 any zone, snapshot", ("standard_d2s_v5", "standard_d2as_v5", "standard_d2ds_v5"),
          ("standard_d2s_v5", "standard_d2as_v5"), ("1", "2", "3"), "onLaunch", False),
    Shape("D4 zone 1, reattach, vmName", ("standard_d4s_v5", "standard_d4as_v5"), ("standard_d4s_v5",),
          ("1",), "reattach", True),
    Shape("E2 zones 2-3, snapshot, vmName", ("standard_e2s_v5", "standard_e2as_v5", "standard_e2ds_v5"),
          ("standard_e2s_v5",), ("2", "3"), "onLaunch", True),
    Shape("F2/D2 zone 3, reattach", ("standard_f2s_v2", "standard_d2s_v5"), ("standard_d2s_v5",),
          ("3",), "reattach", False),
)  # fmt: skip


DOWNTIME_KINDS = ("first launch", "recovery: critical path", "recovery: same-name NIC reservation (sim)",
                  "recovery: beyond the bound", "not a recovery (revert, heal, ...)")  # fmt: skip


@dataclass
class Outcome:
    scenario: str
    kind: str  # "fleet" | "single"
    nodes: int
    wall_h: float = 0.0  # node-hours of wall time
    running_h: float = 0.0  # node-hours a VM ran (trace)
    ledger_running_h: float = 0.0
    billed: float = 0.0  # from the trace and the market
    ledger_cost: float = 0.0
    ledger_od_cost: float = 0.0
    all_od: float = 0.0
    oracle: float = 0.0
    oracle_gap_h: float = 0.0  # node-hours no allowed market had capacity
    evictions: int = 0
    recoveries: int = 0
    reverts: int = 0
    spot_share: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    downtime: dict[str, float] = field(default_factory=lambda: dict.fromkeys(DOWNTIME_KINDS, 0.0))  # node-h
    holes: list[Hole] = field(default_factory=list)
    by_shape: dict[str, list[float]] = field(default_factory=dict)  # label -> [billed, oracle, all_od]
    runtime_s: float = 0.0

    def pct(self, part: float, whole: float) -> float:
        return 100.0 * part / whole if whole > 0 else math.nan

    @property
    def savings_pct(self) -> float:
        return 100.0 - self.pct(self.billed, self.all_od)

    @property
    def oracle_ratio(self) -> float:
        return self.billed / self.oracle if self.oracle > 0 else math.nan

    @property
    def uptime_pct(self) -> float:
        return self.pct(self.running_h, self.wall_h)

    @property
    def uptime_excl_pct(self) -> float:
        """Uptime with the unavoidable part of each recovery (and the first launch) excluded."""
        unavoidable = self.downtime["first launch"] + self.downtime["recovery: critical path"]
        return self.pct(self.running_h, self.wall_h - unavoidable)

    @property
    def uptime_excl_sim_rule_pct(self) -> float:
        """As `uptime_excl_pct`, also excusing the NIC reservation the simulated Azure imposes on
        a replacement of the same name (Azure's rule does not; see `_common.critical_path`)."""
        unavoidable = self.downtime["first launch"] + self.downtime["recovery: critical path"]
        unavoidable += self.downtime["recovery: same-name NIC reservation (sim)"]
        return self.pct(self.running_h, self.wall_h - unavoidable)


@dataclass(frozen=True, order=True)
class Hole:
    """A stretch a node had no running VM, beyond what its recovery's bound explains."""

    excess_s: float
    seconds: float
    node_id: str
    start: datetime
    cause: str
    log: tuple[str, ...]


def shape_of(index: int) -> Shape:
    return SHAPES[index % len(SHAPES)]


def run_job(
    scenario: str, kind: str, nodes: int, days: float, seed: int, latency: LatencyProfile,
    preferences: bool, availability_vs_cost: int | None,
) -> Outcome:
    started = time.perf_counter()
    whatif = WhatIf(scenario=scenario, seed=seed, latency=latency)
    width = max(3, len(str(nodes - 1)))
    for index in range(nodes):
        shape = shape_of(index)
        whatif.add_node(node_spec(
            f"n{index:0{width}d}", vm_name=f"v{index:0{width}d}" if shape.persist_name else None,
            persistence=shape.persistence, zones=shape.zones, spot_sizes=shape.spot_sizes,
            od_sizes=shape.od_sizes, preferences=preferences, availability_vs_cost=availability_vs_cost,
        ), node_id=f"node-{index:0{width}d}")  # fmt: skip
    whatif.run_for(timedelta(days=days))
    for node_id in whatif.engine.nodes:  # cost the last stretch since each node's previous pass
        whatif.engine.wake(node_id)
    whatif.engine.run_due()
    outcome = measure(whatif, scenario, kind, nodes)
    outcome.runtime_s = time.perf_counter() - started
    return outcome


def measure(whatif: WhatIf, scenario: str, kind: str, nodes: int) -> Outcome:
    start, end = whatif.started, whatif.clock.now()
    hours = (end - start) / timedelta(hours=1)
    out = Outcome(scenario, kind, nodes, wall_h=hours * nodes)
    trace = whatif.sim.trace
    windows = running_windows(trace, end)
    recoveries = {(int(r.owner), r.down_at): r for r in read_recoveries(trace, owner_of=_owner) if r.complete}
    report = whatif.report()
    oracle_cache: dict[Shape, tuple[float, float]] = {}
    spot_h = 0.0
    for index, (node_id, node) in enumerate(zip(whatif.engine.nodes, report.nodes, strict=True)):
        shape = shape_of(index)
        if shape not in oracle_cache:
            oracle_cache[shape] = oracle_cost(whatif.sim.market, shape, start, end)
        oracle, gap_h = oracle_cache[shape]
        all_od = hours * min(_od_price(whatif.sim.market, size) for size in shape.od_sizes)
        mine = windows.get(index, [])
        billed = sum(bill(whatif.sim.market, w) for w in mine)
        out.oracle += oracle
        out.oracle_gap_h += gap_h
        out.all_od += all_od
        out.billed += billed
        sums = out.by_shape.setdefault(shape.label, [0.0, 0.0, 0.0])
        sums[0], sums[1], sums[2] = sums[0] + billed, sums[1] + oracle, sums[2] + all_od
        out.running_h += sum((w[1] - w[0]) / timedelta(hours=1) for w in mine)
        spot_h += sum((w[1] - w[0]) / timedelta(hours=1) for w in mine if w[3] == "Spot")
        out.ledger_running_h += node.running_hours
        out.ledger_cost += node.actual_cost
        out.ledger_od_cost += node.od_cost
        out.evictions += node.evictions
        out.recoveries += node.recoveries
        out.reverts += node.reverts
        out.statuses[node.status] += 1
        out.holes += account_downtime(out.downtime, whatif, index, node_id, mine, recoveries, start, end)
    out.spot_share = 100.0 * spot_h / out.running_h if out.running_h else math.nan
    worst_per_node: dict[str, Hole] = {}
    for hole in sorted(out.holes, reverse=True):
        worst_per_node.setdefault(hole.node_id, hole)
    out.holes = list(worst_per_node.values())[:HOLES_SHOWN]  # one per node: more kinds of evidence
    return out


def account_downtime(
    downtime: dict[str, float], whatif: WhatIf, index: int, node_id: str, windows: list[Window],
    recoveries: dict[tuple[int, datetime | None], Recovery], start: datetime, end: datetime,
) -> list[Hole]:
    """Split the node's downtime into DOWNTIME_KINDS (node-hours) and return its holes that the
    recovery bound does not explain, with the node's log around each as evidence."""
    holes: list[Hole] = []
    edges = [(start, start), *((w[0], w[1]) for w in windows), (end, end)]
    for number, ((_, gap_start), (gap_end, _)) in enumerate(itertools.pairwise(edges)):
        seconds = (gap_end - gap_start).total_seconds()
        if seconds <= 0:
            continue
        recovery = recoveries.get((index, gap_start))
        if number == 0 and windows:
            downtime["first launch"] += seconds / 3600
            continue
        if recovery is None:
            downtime["not a recovery (revert, heal, ...)"] += seconds / 3600
            excess, cause = seconds, _operation_before(whatif, node_id, gap_end)
        else:
            bound = critical_path(recovery, network_persisted=True).sequential_s
            sim_bound = critical_path(recovery, network_persisted=True, reserve_same_name=True).sequential_s
            downtime["recovery: critical path"] += min(bound, seconds) / 3600
            sim_only = max(0.0, min(sim_bound, seconds) - bound)
            downtime["recovery: same-name NIC reservation (sim)"] += sim_only / 3600
            excess = max(0.0, seconds - sim_bound)
            downtime["recovery: beyond the bound"] += excess / 3600
            cause = f"recovery ({recovery.cause} eviction), bound {sim_bound:.0f} s"
        if excess > HOLE_MIN_EXCESS_S:
            since = gap_start - HOLE_LOG_BEFORE
            log = tuple(f"{e.at:%d %H:%M:%S} {e.message[:140]}" for e in whatif.engine.nodes[node_id].events
                        if e.at is not None and since <= e.at <= gap_end)  # fmt: skip
            holes.append(Hole(excess, seconds, node_id, gap_start, cause, log[:8]))
    return holes


def _operation_before(whatif: WhatIf, node_id: str, at: datetime) -> str:
    """What the engine was doing: its last 'kind: reason' log line (revert:, recover:, ...) before `at`."""
    for event in reversed(whatif.engine.nodes[node_id].events):
        if event.at is not None and event.at <= at and _OPERATION.match(event.message):
            return f"not a recovery: {event.message[:90]}"
    return "not a recovery: no operation logged"


def _owner(name: str) -> str | None:
    match = _OWNER.match(name)
    return match.group(1) if match else None


Window = tuple[datetime, datetime, str, str, str]  # start, end, size, priority, zone


def running_windows(trace: Sequence[TraceEntry], end: datetime) -> dict[int, list[Window]]:
    """Per node index, every stretch one of its VMs was running, from the simulated Azure."""
    running: dict[str, tuple[datetime, str, str, str]] = {}
    found: dict[int, list[Window]] = defaultdict(list)
    for entry in trace:
        if "/virtualmachines/" not in entry.resource:
            continue
        owner = _owner(entry.resource.rsplit("/", 1)[-1])
        if owner is None:
            continue
        if entry.kind == "vm.running":
            size, priority, zone = entry.detail.split(" ")
            running[entry.resource] = (entry.time, size, priority, zone.removeprefix("zone="))
        elif entry.kind in _RUNNING_ENDS and entry.resource in running:
            began, size, priority, zone = running.pop(entry.resource)
            found[int(owner)].append((began, entry.time, size, priority, zone))
    for resource, (began, size, priority, zone) in running.items():
        owner = _owner(resource.rsplit("/", 1)[-1])
        assert owner is not None
        found[int(owner)].append((began, end, size, priority, zone))
    for windows in found.values():
        windows.sort()
    return found


def bill(market: Market, window: Window) -> float:
    """What Azure charges for one running window: the quote in force, re-read at every
    re-quote of the Spot price (prices are piecewise constant between re-quotes)."""
    began, ended, size, priority, zone = window
    zone = "" if zone in ("", "None") else zone
    if priority != "Spot":
        return (ended - began) / timedelta(hours=1) * _od_price(market, size)
    period = timedelta(hours=market.scenario.price_period_h)
    total, at = 0.0, began
    while at < ended:
        boundary = datetime.fromtimestamp((math.floor(at.timestamp() / period.total_seconds()) + 1)
                                          * period.total_seconds(), tz=at.tzinfo)  # fmt: skip
        upto = min(boundary, ended)
        price = market.spot_price(REGION, zone, size, at)
        total += (upto - at) / timedelta(hours=1) * (price or 0.0)
        at = upto
    return total


def oracle_cost(market: Market, shape: Shape, start: datetime, end: datetime) -> tuple[float, float]:
    """(cost, hours without any capacity): every 5 minutes, the cheapest allowed market with
    capacity, moves free and instant."""
    step_h = ORACLE_STEP / timedelta(hours=1)
    od = [(_od_price(market, size), size, zone) for size in shape.od_sizes for zone in shape.zones]
    cost = gap_h = 0.0
    at = start
    while at < end:
        prices = [p for size in shape.spot_sizes for zone in shape.zones
                  if market.spot_available(REGION, zone, size, at)
                  and (p := market.spot_price(REGION, zone, size, at)) is not None]  # fmt: skip
        prices += [price for price, size, zone in od if market.od_available(REGION, zone, size, at)]
        if prices:
            cost += min(prices) * step_h
        else:
            gap_h += step_h
        at += ORACLE_STEP
    return cost, gap_h


def _od_price(market: Market, size: str) -> float:
    price = market.od_price(REGION, size)
    if price is None:
        raise ValueError(f"{size} has no on-demand price in {REGION}")
    return float(price)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--nodes", type=int, default=100, help="fleet size")
    parser.add_argument("--scenarios", default="calm,volatile,drought")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency", choices=("instant", "azure-typical"), default="instant")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--preferences", action="store_true",
                        help="prefer each shape's first spot size and zone (the oracle has no preferences)")
    parser.add_argument("--availability-vs-cost", type=int, default=None, metavar="0..100",
                        help="strategy.availabilityVsCost of every node (default: unset, the engine's 50)")
    args = parser.parse_args(argv)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"--scenarios: unknown {unknown}; expected some of {sorted(SCENARIOS)}")
    if args.nodes < 1 or args.days <= 0:
        parser.error("--nodes must be >= 1 and --days > 0")
    if args.availability_vs_cost is not None and not 0 <= args.availability_vs_cost <= 100:
        parser.error("--availability-vs-cost must be within 0..100")

    jobs = [(s, kind, n, args.days, args.seed, args.latency, args.preferences, args.availability_vs_cost)
            for s in scenarios for kind, n in (("fleet", args.nodes), ("single", 1))]  # fmt: skip
    jobs.sort(key=lambda job: job[1] != "fleet")  # the long runs first, so the two processes finish together
    started = time.perf_counter()
    with multiprocessing.Pool(max(1, args.jobs)) as pool:
        outcomes = pool.starmap(run_job, jobs)
    outcomes.sort(key=lambda o: (scenarios.index(o.scenario), o.kind != "fleet"))
    wall = time.perf_counter() - started

    avc = "unset (50)" if args.availability_vs_cost is None else args.availability_vs_cost
    title = (f"over {args.days:g} days, seed {args.seed}, latency {args.latency}, "
             f"{'first size and zone preferred' if args.preferences else 'no preferred size or zone'}, "
             f"availabilityVsCost {avc}; fleet of {args.nodes} "
             f"({'; '.join(s.label for s in SHAPES)}, in turn); single = one '{SHAPES[0].label}' node")
    print_table(
        f"Cost {title}",
        ["scenario / run", "billed $", "all-OD $", "savings %", "oracle $", "vs oracle", "ledger $",
         "ledger savings %", "spot share %", "statuses", "runtime s"],
        [[f"{o.scenario} {o.kind}", o.billed, o.all_od, o.savings_pct, o.oracle, o.oracle_ratio,
          o.ledger_cost, 100.0 - o.pct(o.ledger_cost, o.ledger_od_cost), o.spot_share,
          ", ".join(f"{k} {v}" for k, v in sorted(o.statuses.items())), o.runtime_s] for o in outcomes],
    )  # fmt: skip
    print_table(
        "Uptime and events (uptime from the simulated Azure's trace; 'excl.' excuses each recovery's "
        "critical path and the first launch)",
        ["scenario / run", "uptime %", "excl. recovery %", "excl. + sim NIC rule %", "evictions",
         "recoveries", "reverts", "running h (trace)", "running h (ledger)", "oracle no-capacity h"],
        [[f"{o.scenario} {o.kind}", f"{o.uptime_pct:.3f}", f"{o.uptime_excl_pct:.3f}",
          f"{o.uptime_excl_sim_rule_pct:.3f}", o.evictions, o.recoveries, o.reverts, o.running_h,
          o.ledger_running_h, o.oracle_gap_h] for o in outcomes],
    )  # fmt: skip
    fleets = [o for o in outcomes if o.kind == "fleet"]
    print_table(
        "Fleet cost by node shape: billed / oracle (savings % vs all on-demand)",
        ["shape", *(o.scenario for o in fleets)],
        [[label, *(f"{o.by_shape[label][0] / o.by_shape[label][1]:.3f} "
                   f"({100 - 100 * o.by_shape[label][0] / o.by_shape[label][2]:.1f} %)"
                   if label in o.by_shape else "-" for o in fleets)] for label in (s.label for s in SHAPES)],
    )  # fmt: skip
    print_table(
        "Where the downtime goes (node-hours)",
        ["scenario / run", *DOWNTIME_KINDS],
        [[f"{o.scenario} {o.kind}", *(o.downtime[k] for k in DOWNTIME_KINDS)] for o in outcomes],
    )
    for o in outcomes:
        if o.kind != "fleet" or not o.holes:
            continue
        CONSOLE.print(f"[bold]{o.scenario} fleet: the longest downtime beyond the (sim-rule) bound[/]")
        for hole in o.holes:
            CONSOLE.print(f"  {hole.node_id} down {hole.seconds:,.0f} s from {hole.start:%Y-%m-%d %H:%M:%S}, "
                          f"{hole.excess_s:,.0f} s beyond; {hole.cause}", markup=False, highlight=False)
            for line in hole.log:
                CONSOLE.print(f"      {line}", markup=False, highlight=False)
    CONSOLE.print(f"goals: oracle ratio <= {GOAL_ORACLE_RATIO} in volatile, uptime >= {GOAL_UPTIME_PCT} % "
                  f"excluding unavoidable recovery; total wall {wall:.1f} s on {args.jobs} processes")

    figures: dict[str, Any] = {}
    for o in outcomes:
        prefix = f"{o.scenario}_" if o.kind == "fleet" else f"single_{o.scenario}_"
        figures[prefix + "savings_pct"] = rounded(o.savings_pct, 2)
        figures[prefix + "oracle_ratio"] = rounded(o.oracle_ratio, 3)
        figures[prefix + "uptime_pct"] = rounded(o.uptime_pct, 3)
        figures[prefix + "uptime_excl_recovery_pct"] = rounded(o.uptime_excl_pct, 3)
        figures[prefix + "uptime_excl_recovery_sim_rule_pct"] = rounded(o.uptime_excl_sim_rule_pct, 3)
        figures[prefix + "evictions"] = o.evictions
        figures[prefix + "recoveries"] = o.recoveries
        figures[prefix + "reverts"] = o.reverts
    figures.update({"days": args.days, "nodes": args.nodes, "seed": args.seed, "latency": args.latency,
                    "preferences": args.preferences, "availability_vs_cost": args.availability_vs_cost})
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
