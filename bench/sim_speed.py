"""How fast the simulated Azure runs a month of Spot churn: simulated VM-hours per wall second.

What-if runs ("30 days of this fleet in the volatile market") are only useful if they take
seconds, so this bench drives the real simulated Azure the way an engine would: a fleet of Spot
VMs (default 1,000, spread over the eastus zones and four sizes) created through
`SimCloudProvider`, then a `ManualClock` walked forward event by event for 30 simulated days.
Every eviction (eviction policy Deallocate) is answered at once by starting the VM again; when
the market has no Spot capacity (an outage, a drought) the restart is retried every 5 minutes.
The latency profile is `instant` by default (VM operations complete in the same simulated
instant), so the figure measures the simulator, not Azure's latencies.

A second, baseline figure runs the market model alone: the eviction waves of every market the
fleet uses over the same 30 days, with each wave's notice decision for each VM of its market.

Not a test: it prints a table and, as its last line, a JSON object
{"vm_hours_per_s": ..., "evictions": ..., "wall_s": ...} for the fleet run.

    .venv/bin/python bench/sim_speed.py [--vms 1000] [--days 30] [--scenario volatile]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from spotkeeper.catalog import load_catalog
from spotkeeper.clock import ManualClock
from spotkeeper.cloud.errors import CapacityUnavailable
from spotkeeper.cloud.port import ImageRef, NicSpec, OsDiskFromImage, OsProfile, VmSpec
from spotkeeper.cloud.sim import SimCloudProvider
from spotkeeper.sim import SimAzure, seed_default_world
from spotkeeper.sim.latency import LatencyProfile
from spotkeeper.sim.market import Market
from spotkeeper.sim.world import RESOURCE_GROUP, SUBNETS, VNET

REGION = "eastus"
ZONES = ("1", "2", "3")
SIZES = ("Standard_D2s_v5", "Standard_D4s_v5", "Standard_E2s_v5", "Standard_F2s_v2")
FLEET_SUBNET = ("fleet", "10.0.16.0/20")  # 4,091 usable addresses: room for the whole fleet
UBUNTU = ImageRef("marketplace", "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2")
RETRY = timedelta(minutes=5)

Market_ = tuple[str, str]  # (zone, size) in REGION


@dataclass
class FleetRun:
    vms: int
    days: int
    scenario: str
    latency: str
    wall_s: float = 0.0
    setup_s: float = 0.0
    vm_hours: float = 0.0
    evictions: int = 0
    restarts: int = 0
    capacity_refusals: int = 0
    events: int = 0
    causes: Counter[str] = field(default_factory=Counter)
    workers: int = 1
    loop_start: float = 0.0  # epoch seconds, comparable across worker processes
    loop_end: float = 0.0

    @property
    def vm_hours_per_s(self) -> float:
        return self.vm_hours / self.wall_s if self.wall_s else 0.0


def _placement(index: int) -> Market_:
    return ZONES[index % len(ZONES)], SIZES[(index // len(ZONES)) % len(SIZES)]


def _prepare(sim: SimAzure, vms: int) -> None:
    """The default world, a subnet big enough for the fleet, and Spot quota for it."""
    seed_default_world(sim, REGION)
    sim.network.create_or_update_vnet(
        RESOURCE_GROUP,
        VNET,
        location=REGION,
        address_space=["10.0.0.0/16"],
        subnets={**SUBNETS, FLEET_SUBNET[0]: FLEET_SUBNET[1]},
    )
    catalog = sim.catalog
    for size in SIZES:
        found = catalog.size(size)
        assert found is not None, size
        sim.quotas.set_limit(REGION, found.family, vms * found.vcpus, lifecycle="spot")


def _create_fleet(cloud: SimCloudProvider, members: Sequence[int]) -> None:
    for i in members:
        zone, size = _placement(i)
        name = f"fleet-{i:04d}"
        nic = cloud.ensure_nic(
            NicSpec(RESOURCE_GROUP, f"{name}-nic", REGION, RESOURCE_GROUP, VNET, FLEET_SUBNET[0])
        )
        cloud.ensure_vm(
            VmSpec(
                RESOURCE_GROUP,
                name,
                REGION,
                size,
                "Spot",
                OsDiskFromImage(f"{name}-os", UBUNTU, "Premium_LRS"),
                (nic.id,),
                zone=zone,
                eviction_policy="Deallocate",
                os_profile=OsProfile(name, "azureuser", ssh_public_key="ssh-ed25519 AAAA bench"),
            )
        )


def run_fleet(
    *,
    vms: int,
    days: int,
    scenario: str,
    seed: int,
    latency: LatencyProfile,
    shard: frozenset[Market_] | None = None,
    ready: Callable[[], None] = lambda: None,
) -> FleetRun:
    """Run the fleet (or only its VMs in the `shard` markets) for `days`. `ready` is called
    between setup and the timed run (the sharded run lines its workers up there)."""
    result = FleetRun(vms=vms, days=days, scenario=scenario, latency=latency)
    clock = ManualClock()
    sim = SimAzure(clock, seed=seed, scenario=scenario, latency=latency)
    cloud = SimCloudProvider(sim)
    members = [i for i in range(vms) if shard is None or _placement(i) in shard]
    started = time.perf_counter()
    _prepare(sim, vms)
    _create_fleet(cloud, members)
    result.setup_s = time.perf_counter() - started
    ready()

    start = clock.now()
    end = start + timedelta(days=days)
    running_since: dict[str, datetime] = {}
    retry_at: dict[str, datetime] = {}  # VM name -> when to try starting it again
    seen = 0
    result.loop_start = time.time()
    loop_started = time.perf_counter()
    while True:
        # Read what happened since the last step: VMs that came up, VMs that were evicted.
        trace = sim.trace
        for entry in trace[seen:]:
            name = entry.resource.rsplit("/", 1)[-1]
            if entry.kind == "vm.running":
                running_since[name] = entry.time
            elif entry.kind == "vm.evicted":
                result.evictions += 1
                result.causes[entry.detail.split(" ", 1)[0]] += 1
                since = running_since.pop(name, None)
                if since is not None:
                    result.vm_hours += (entry.time - since).total_seconds() / 3600
                retry_at[name] = entry.time
        seen = len(trace)
        now = clock.now()
        for name in [n for n, at in retry_at.items() if at <= now]:
            try:
                cloud.start_vm(RESOURCE_GROUP, name)
                result.restarts += 1
                del retry_at[name]
            except CapacityUnavailable:
                result.capacity_refusals += 1
                retry_at[name] = now + RETRY
        if seen != len(sim.trace):
            continue  # the restarts themselves may have brought VMs up already (instant latency)
        if now >= end:
            break
        candidates = [end, *retry_at.values()]
        next_event = sim.next_event_at()
        if next_event is not None:
            candidates.append(next_event)
        result.events += sim.run_until(max(min(candidates), now))
    for since in running_since.values():
        result.vm_hours += (end - since).total_seconds() / 3600
    result.wall_s = time.perf_counter() - loop_started
    result.loop_end = time.time()
    return result


def _shards(vms: int, workers: int) -> list[frozenset[Market_]]:
    """Markets dealt to workers, largest first, each to the least-loaded worker."""
    sizes = Counter(_placement(i) for i in range(vms))
    loads: list[tuple[int, list[Market_]]] = [(0, []) for _ in range(workers)]
    for market, count in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        index = min(range(workers), key=lambda w: loads[w][0])
        loads[index] = (loads[index][0] + count, [*loads[index][1], market])
    return [frozenset(markets) for _, markets in loads if markets]


def _shard_worker(options: dict[str, Any], shard: frozenset[Market_], barrier: Any, results: Any) -> None:
    results.put(run_fleet(**options, shard=shard, ready=barrier.wait))


def run_fleet_sharded(*, workers: int, **options: Any) -> FleetRun:
    """The same fleet, its markets split over `workers` processes. Markets are pure functions of
    (seed, market, time) and the fleet's VMs never compete (quota and addresses are ample), so
    a shard sees exactly the waves and capacity it would see in one process."""
    shards = _shards(options["vms"], workers)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(shards))
    results = context.Queue()
    processes = [
        context.Process(target=_shard_worker, args=(options, shard, barrier, results)) for shard in shards
    ]
    for process in processes:
        process.start()
    parts: list[FleetRun] = [results.get() for _ in processes]
    for process in processes:
        process.join()
    total = FleetRun(
        vms=options["vms"], days=options["days"], scenario=options["scenario"], latency=options["latency"]
    )
    for part in parts:
        total.setup_s = max(total.setup_s, part.setup_s)
        total.vm_hours += part.vm_hours
        total.evictions += part.evictions
        total.restarts += part.restarts
        total.capacity_refusals += part.capacity_refusals
        total.events += part.events
        total.causes.update(part.causes)
    # Wall time of the timed phase: from the first worker starting its run to the last finishing.
    total.wall_s = max(p.loop_end for p in parts) - min(p.loop_start for p in parts)
    total.workers = len(parts)
    return total


@dataclass
class MarketRun:
    markets: int
    waves: int
    notices: int
    wall_s: float


def run_market_alone(*, vms: int, days: int, scenario: str, seed: int) -> tuple[MarketRun, float]:
    """Every wave of every market the fleet uses, and each wave's verdict for each of its VMs."""
    market = Market(load_catalog(), scenario, seed=seed)
    start = ManualClock().now()
    end = start + timedelta(days=days)
    members: dict[tuple[str, str], list[str]] = {}
    for i in range(vms):
        members.setdefault(_placement(i), []).append(f"fleet-{i:04d}")
    started = time.perf_counter()
    waves = notices = 0
    for (zone, size), names in members.items():
        for wave in market.eviction_waves(REGION, zone, size, start, end):
            waves += 1
            notices += sum(wave.notice_offset(name) is not None for name in names)
    wall = time.perf_counter() - started
    return MarketRun(markets=len(members), waves=waves, notices=notices, wall_s=wall), vms * days * 24 / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scenario", default="volatile")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency", choices=["instant", "azure-typical"], default="instant")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()
    options: dict[str, Any] = {
        "vms": args.vms,
        "days": args.days,
        "scenario": args.scenario,
        "seed": args.seed,
        "latency": args.latency,
    }

    single = run_fleet(**options)
    sharded = run_fleet_sharded(workers=args.workers, **options) if args.workers > 1 else single
    market, market_rate = run_market_alone(
        vms=args.vms, days=args.days, scenario=args.scenario, seed=args.seed
    )

    table = Table(
        title=f"Simulated Azure speed: {args.vms} Spot VMs x {args.days} days, {args.scenario}, "
        f"latency {args.latency}"
    )
    table.add_column("figure")
    table.add_column("1 process", justify="right")
    table.add_column(f"{sharded.workers} processes (markets sharded)", justify="right")
    rows = [
        ("setup (world + VM creates), wall s", lambda r: f"{r.setup_s:.2f}"),
        (f"{args.days}-day run, wall s", lambda r: f"{r.wall_s:.2f}"),
        ("simulated VM-hours run", lambda r: f"{r.vm_hours:,.0f}"),
        ("VM-hours per wall second", lambda r: f"{r.vm_hours_per_s:,.0f}"),
        ("evictions", lambda r: f"{r.evictions:,}"),
        ("evictions by cause", lambda r: ", ".join(f"{k} {v:,}" for k, v in sorted(r.causes.items()))),
        ("restarts / capacity refusals", lambda r: f"{r.restarts:,} / {r.capacity_refusals:,}"),
        ("simulator events applied", lambda r: f"{r.events:,}"),
    ]
    for label, show in rows:
        table.add_row(label, show(single), show(sharded))
    same = all(show(single) == show(sharded) for label, show in rows[2:] if "wall" not in label)
    table.add_row("same evictions, restarts, VM-hours as 1 process", "-", "yes" if same else "NO")
    Console().print(table)

    baseline = Table(title="Market model alone (the same markets, days and VM names)")
    baseline.add_column("figure")
    baseline.add_column("value", justify="right")
    baseline.add_row(
        "markets / waves / per-VM notices", f"{market.markets} / {market.waves:,} / {market.notices:,}"
    )
    baseline.add_row("wall s", f"{market.wall_s:.3f}")
    baseline.add_row("waves per market", f"{market.waves / max(market.markets, 1):,.0f}")
    baseline.add_row("fleet VM-hours covered per wall second", f"{market_rate:,.0f}")
    Console().print(baseline)
    print(
        json.dumps(
            {
                "vm_hours_per_s": round(sharded.vm_hours_per_s, 1),
                "evictions": sharded.evictions,
                "wall_s": round(sharded.wall_s, 3),
                "workers": sharded.workers,
                "single_process_vm_hours_per_s": round(single.vm_hours_per_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
