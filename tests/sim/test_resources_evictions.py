"""Market-driven Spot evictions in the simulated Azure: waves, 30-second notices, evictions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from spotkeeper.clock import ManualClock
from spotkeeper.sim import SimAzure, seed_default_world
from spotkeeper.sim.scenarios import SCENARIOS
from tests.sim.conftest import RG, Builder

# Every D2s_v5 market evicts at 20-30 %/h, and every wave takes every VM it finds.
STORMY = replace(
    SCENARIOS["calm"], band_overrides={"standard_d2s_v5": "20+"}, co_eviction_fraction=(1.0, 1.0)
)


@pytest.fixture
def stormy(clock: ManualClock) -> tuple[SimAzure, Builder]:
    sim = SimAzure(clock, seed=9, scenario=STORMY)
    return sim, Builder(sim, seed_default_world(sim))


def test_an_eviction_wave_evicts_its_spot_vms_30_seconds_after_their_notices(
    stormy: tuple[SimAzure, Builder], clock: ManualClock
) -> None:
    sim, build = stormy
    vms = [build.vm(f"n{i}", zone="1") for i in range(3)]
    os_disks = [vm.os_disk_id for vm in vms]
    horizon = clock.now() + timedelta(days=3)
    while not all(vm.evicted for vm in vms) and clock.now() < horizon:
        sim.advance(timedelta(minutes=10))

    assert all(vm.evicted and vm.power_state == "deallocated" for vm in vms)
    [wave] = [t for t in sim.trace if t.kind == "market.wave"][:1]
    for vm in vms:
        notice = next(t for t in sim.trace if t.kind == "vm.event.scheduled" and t.resource == vm.id.lower())
        evicted = next(t for t in sim.trace if t.kind == "vm.evicted" and t.resource == vm.id.lower())
        assert evicted.time - notice.time == timedelta(seconds=30)
        assert timedelta(0) <= notice.time - wave.time <= timedelta(seconds=180)
    assert all(sim.storage.require_disk(disk_id).managed_by is not None for disk_id in os_disks)  # kept


def test_only_size_and_zone_pairs_with_running_spot_vms_keep_a_pending_wave(
    stormy: tuple[SimAzure, Builder],
) -> None:
    sim, build = stormy
    build.vm("spot1", zone="1")
    build.vm("spot2", zone="1")
    build.vm("od", zone="2", priority="Regular")
    build.vm("spot3", zone="3", size="Standard_D4s_v5")
    assert set(sim.compute.evictions.pending_waves()) == {
        ("eastus", "1", "standard_d2s_v5"),
        ("eastus", "3", "standard_d4s_v5"),
    }


def test_a_vm_deallocated_during_its_notice_is_not_marked_evicted(stormy: tuple[SimAzure, Builder]) -> None:
    sim, build = stormy
    vm = build.vm("n1")
    sim.compute.simulate_eviction(RG, "n1")
    sim.advance(10)
    sim.compute.deallocate_vm(RG, "n1")
    sim.advance(60)
    assert (vm.power_state, vm.evicted, vm.events) == ("deallocated", False, [])


def test_a_restarted_vm_rejoins_its_eviction_schedule(stormy: tuple[SimAzure, Builder]) -> None:
    sim, build = stormy
    vm = build.vm("n1")
    sim.compute.simulate_eviction(RG, "n1")
    sim.advance(30)
    assert vm.evicted
    sim.compute.start_vm(RG, "n1")
    assert (vm.power_state, vm.evicted) == ("running", False)
    assert ("eastus", "1", "standard_d2s_v5") in sim.compute.evictions.pending_waves()
