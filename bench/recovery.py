"""How long a stateful node is down after a Spot eviction, against the least Azure allows.

Recovery time is what spotkeeper is judged on, and most of it is Azure's own latency, so a raw
number says little. This bench puts each recovery beside its critical-path lower bound: the
cloud operations that recovery could not avoid, in sequence, with the durations the simulated
Azure drew for them in the same run (read from its trace; `draws_agreeing` re-asks the
deterministic `LatencyModel` for the same keys and the table shows how many agree):

* reattach: delete the evicted VM, then create the replacement (the same disks and NIC move to
  it). When the VM name changes (no `vmName`) and the network is persisted, Azure keeps the
  NIC reserved for the deleted VM for 180 s, so the bound adds 180 s; with `vmName` set the
  replacement *is* the reserved VM and Azure's rule does not apply.
* onLaunch (snapshot): delete the VM, snapshot each disk then copy it to a new disk (disks in
  parallel), then create the VM; a NIC reservation runs beside the snapshot-and-copy.
  "overlapped" is a tighter bound letting the snapshots start when the VM stops.

One node per configuration runs in the `calm` scenario with `latency="azure-typical"`; at
random times while its VM runs on Spot the bench asks Azure to evict it (`simulateEviction`:
a 30 s Preempt notice, then the eviction). Market evictions during the run count too. Time is
measured from the eviction (the VM stops) to the replacement running ("down"), and also from
the Preempt notice. The goal is measured/bound <= 1.10.

Not a test: it prints tables and, as its last line, a JSON object of the figures.

    .venv/bin/python bench/recovery.py [--evictions 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from _common import (
    CONSOLE,
    Recovery,
    critical_path,
    draws_agreeing,
    node_spec,
    percentile,
    print_table,
    read_recoveries,
    rounded,
)

from spotkeeper.sim.errors import ArmError
from spotkeeper.whatif import WhatIf

GOAL_RATIO = 1.10
RESOURCE_GROUP = "sk-sandbox"
GAP = (timedelta(minutes=20), timedelta(hours=4))  # between a recovery and the next simulated eviction
SETTLE = timedelta(hours=2)  # after the last eviction, time for its recovery to finish


@dataclass(frozen=True)
class Config:
    key: str  # JSON prefix
    label: str
    persistence: str  # "reattach" | "onLaunch"
    vm_name: str | None


CONFIGS = (
    Config("reattach", "reattach", "reattach", None),
    Config("reattach_vmname", "reattach + vmName", "reattach", "bench-db-01"),
    Config("snapshot", "snapshot (onLaunch)", "onLaunch", None),
    Config("snapshot_vmname", "snapshot + vmName", "onLaunch", "bench-db-01"),
)


@dataclass
class ConfigRun:
    config: Config
    recoveries: list[Recovery]
    incomplete: int
    refused: int  # launches Azure refused at once (capacity), from the engine's log
    draws: tuple[int, int]
    simulated_days: float
    wall_s: float
    stuck: str | None


def run_config(config: Config, *, evictions: int, seed: int) -> ConfigRun:
    """One node, evicted at random times until `evictions` recoveries have been seen."""
    started = time.perf_counter()
    whatif = WhatIf(scenario="calm", seed=seed, latency="azure-typical")
    node_id = whatif.add_node(node_spec("bench-node", vm_name=config.vm_name, persistence=config.persistence))
    run = whatif.engine.nodes[node_id]
    rng = random.Random(f"{seed}:{config.key}")
    deadline = whatif.clock.now() + timedelta(hours=12) * evictions  # far more than enough
    stuck: str | None = None
    while _evictions_seen(whatif) < evictions:
        gap = rng.uniform(GAP[0].total_seconds(), GAP[1].total_seconds())
        whatif.run_for(timedelta(seconds=gap))
        if whatif.clock.now() > deadline:
            stuck = (f"only {_evictions_seen(whatif)} evictions by {whatif.clock.now():%Y-%m-%d %H:%M}; "
                     f"node status {run.status}")
            break
        vm = run.state.vm
        if run.status != "active" or vm is None or vm.lifecycle != "spot":
            continue  # recovering, or on on-demand until a revert: try again later
        try:
            whatif.sim.compute.simulate_eviction(RESOURCE_GROUP, vm.name)
        except ArmError:
            continue  # not running on Spot right now (the engine's view lags Azure's)
    whatif.run_for(SETTLE)
    trace = whatif.sim.trace
    found = read_recoveries(trace, owner_of=lambda name: "node")
    complete = [r for r in found if r.complete]
    return ConfigRun(
        config=config,
        recoveries=complete[:evictions],
        incomplete=len(found) - len(complete),
        refused=sum("refused the VM" in event.message for event in run.events),
        draws=draws_agreeing(trace, whatif.sim.latency),
        simulated_days=(whatif.clock.now() - whatif.started) / timedelta(days=1),
        wall_s=time.perf_counter() - started,
        stuck=stuck,
    )


def _evictions_seen(whatif: WhatIf) -> int:
    return sum(1 for entry in whatif.sim.trace if entry.kind == "vm.evicted")


def figures(result: ConfigRun) -> dict[str, float]:
    """p50/p95 of the measured times, the bounds, and the per-recovery ratios."""
    recoveries = result.recoveries
    down = [r.downtime_s for r in recoveries]
    notice = [r.from_notice_s for r in recoveries]
    paths = [critical_path(r, network_persisted=True) for r in recoveries]
    sim_paths = [critical_path(r, network_persisted=True, reserve_same_name=True) for r in recoveries]
    bound = [p.sequential_s for p in paths]
    ratio = [d / b for d, b in zip(down, bound, strict=True)]
    tight = [d / p.overlapped_s for d, p in zip(down, paths, strict=True)]
    sim_rule = [d / p.sequential_s for d, p in zip(down, sim_paths, strict=True)]
    no_nic_wait = [d / critical_path(r, network_persisted=False).sequential_s
                   for d, r in zip(down, recoveries, strict=True)]  # fmt: skip
    return {
        "n": len(recoveries),
        "p50_s": percentile(down, 50), "p95_s": percentile(down, 95),
        "from_notice_p50_s": percentile(notice, 50), "from_notice_p95_s": percentile(notice, 95),
        "bound_p50_s": percentile(bound, 50), "bound_p95_s": percentile(bound, 95),
        "ratio_p50": percentile(ratio, 50), "ratio_p95": percentile(ratio, 95),
        "overlapped_ratio_p50": percentile(tight, 50),
        "sim_rule_ratio_p50": percentile(sim_rule, 50),
        "no_nic_wait_ratio_p50": percentile(no_nic_wait, 50),
        "goal_met_share": sum(x <= GOAL_RATIO for x in ratio) / len(ratio) if ratio else float("nan"),
    }  # fmt: skip


def breakdown(result: ConfigRun) -> dict[str, float]:
    """Mean seconds of each stretch of a recovery, to show where time beyond the bound goes."""
    recoveries = result.recoveries
    if not recoveries:
        return {}

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    return {
        "notice wait": mean([r.from_notice_s - r.downtime_s for r in recoveries]),
        "reaction": mean([r.reaction_s for r in recoveries]),
        "VM delete": mean([r.delete_s for r in recoveries]),
        "snapshot+copy": mean([r.state_transfer_s for r in recoveries]),
        "idle before launch": mean([r.idle_before_launch_s for r in recoveries]),
        "VM create": mean([r.launch_s for r in recoveries]),
        "down total": mean([r.downtime_s for r in recoveries]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--evictions", type=int, default=200, help="recoveries measured per configuration")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.evictions < 1:
        parser.error("--evictions must be at least 1")

    results = [run_config(config, evictions=args.evictions, seed=args.seed) for config in CONFIGS]
    stats = {result.config.key: figures(result) for result in results}

    print_table(
        f"Recovery after a Spot eviction — calm, azure-typical latency, seed {args.seed} "
        f"(seconds; ratio = down / sequential bound, per recovery; goal <= {GOAL_RATIO})",
        ["configuration", "n", "down p50", "down p95", "notice p50", "bound p50", "bound p95",
         "ratio p50", "ratio p95", "<= goal", "overlapped p50", "sim-rule p50", "no-NIC-wait p50"],
        [[r.config.label, s["n"], s["p50_s"], s["p95_s"], s["from_notice_p50_s"], s["bound_p50_s"],
          s["bound_p95_s"], s["ratio_p50"], s["ratio_p95"], f"{100 * (s['goal_met_share'] or 0):.0f} %",
          s["overlapped_ratio_p50"], s["sim_rule_ratio_p50"], s["no_nic_wait_ratio_p50"]]
         for r, s in ((r, stats[r.config.key]) for r in results)],
    )  # fmt: skip
    parts = [breakdown(result) for result in results]
    stretches = list(parts[0]) if parts and parts[0] else []
    print_table(
        "Where the time goes (mean seconds per recovery; 'notice wait' is before the VM stops)",
        ["configuration", *stretches],
        [[r.config.label, *(part.get(s, float("nan")) for s in stretches)]
         for r, part in zip(results, parts, strict=True)],
    )  # fmt: skip
    print_table(
        "Run details",
        ["configuration", "causes", "launches refused / failed", "incomplete", "draws agree", "sim days",
         "wall s"],
        [[r.config.label, _causes(r.recoveries),
          f"{r.refused} / {sum(x.failed_launches for x in r.recoveries)}", r.incomplete,
          f"{r.draws[0]}/{r.draws[1]}", r.simulated_days, r.wall_s] for r in results],
    )  # fmt: skip
    for result in results:
        if result.stuck:
            CONSOLE.print(f"[bold red]{result.config.label}: stopped early, {result.stuck}[/]")
        if len(result.recoveries) < args.evictions:
            CONSOLE.print(f"{result.config.label}: {len(result.recoveries)} complete recoveries of "
                          f"{args.evictions} asked")  # fmt: skip

    out: dict[str, Any] = {}
    for key, values in stats.items():
        for name, value in values.items():
            out[f"{key}_{name}"] = value if name == "n" else rounded(float(value or 0.0))
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


def _causes(recoveries: list[Recovery]) -> str:
    counts = Counter(r.cause for r in recoveries)
    return ", ".join(f"{cause} {n}" for cause, n in sorted(counts.items()))


if __name__ == "__main__":
    raise SystemExit(main())
