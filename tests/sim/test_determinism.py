"""Same seed, same calls, same run: the simulated Azure's trace is a function of both."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from spotkeeper.clock import ManualClock
from spotkeeper.sim import ArmError, SimAzure, TraceEntry, seed_default_world
from tests.sim.conftest import RG, Builder


def _three_volatile_days(seed: int) -> list[TraceEntry]:
    """Six Spot VMs over three zones for three simulated days of a volatile market; every six
    hours the evicted ones are started again (which may fail for capacity)."""
    clock = ManualClock()
    sim = SimAzure(clock, seed=seed, scenario="volatile", latency="azure-typical")
    build = Builder(sim, seed_default_world(sim))
    sim.advance(60)
    for index in range(6):
        build.vm(
            f"n{index}", zone=str(index % 3 + 1), size="Standard_D4s_v5" if index % 2 else "Standard_D2s_v5"
        )
    for _ in range(12):
        sim.advance(timedelta(hours=6))
        for vm in sim.compute.list_vms():
            if vm.evicted and vm.pending is None:
                with contextlib.suppress(ArmError):  # no capacity now: try again in six hours
                    sim.compute.start_vm(RG, vm.name)
    return list(sim.trace)


def test_same_seed_and_same_calls_give_the_same_trace() -> None:
    first = _three_volatile_days(seed=21)
    second = _three_volatile_days(seed=21)
    assert first == second
    kinds = {entry.kind for entry in first}
    assert {"market.wave", "vm.event.scheduled", "vm.evicted", "vm.start.accepted"} <= kinds


def test_another_seed_gives_another_run() -> None:
    assert _three_volatile_days(seed=21) != _three_volatile_days(seed=22)


def test_trace_entries_are_time_ordered_tuples() -> None:
    trace = _three_volatile_days(seed=4)
    assert all(isinstance(entry, tuple) and len(entry) == 4 for entry in trace)
    assert [entry.time for entry in trace] == sorted(entry.time for entry in trace)
