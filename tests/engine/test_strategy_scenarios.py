"""The node's strategy on the simulated Azure: falling back to on-demand, reverting to spot
(`performAt` always / timeWindow / never, the cooldown after an eviction, the saving threshold),
odWindows and interruption toleration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from spotkeeper.engine.context import EngineSettings
from spotkeeper.engine.policy import StrategySettings
from spotkeeper.whatif import WhatIf
from tests.engine.scenario_support import (
    SCENARIO_SETTINGS,
    events_matching,
    evict,
    launch,
    log_of,
    make_world,
    messages,
    node,
    node_spec,
    vm_of,
)

TUESDAY_2130 = datetime(2026, 1, 6, 21, 30, tzinfo=UTC)


def fall_back_to_on_demand(world: WhatIf, spec: dict[str, object]) -> str:
    """Launch while no spot market takes the VM, so the node starts on on-demand; then spot
    capacity comes back."""
    world.sim.faults.fail_allocation(lifecycle="spot")
    node_id = launch(world, spec)
    assert vm_of(world, node_id).priority == "Regular"
    world.sim.faults.clear()
    return node_id


def reverted_at(world: WhatIf, node_id: str) -> datetime | None:
    reverts = events_matching(world, node_id, "revert: ")
    return reverts[0][0] if reverts else None


def test_on_demand_fallback_reverts_to_spot_when_capacity_returns_with_perform_at_always(
    world: WhatIf,
) -> None:
    node_id = fall_back_to_on_demand(world, node_spec(revertToSpot={"performAt": "always"}))
    od_vm = vm_of(world, node_id).name

    world.run_for(timedelta(hours=1))

    vm = vm_of(world, node_id)
    assert vm.priority == "Spot" and vm.name != od_vm, log_of(world, node_id)
    assert node(world, node_id).status == "active"
    started = reverted_at(world, node_id)
    # the markets that refused stay out for 10 min; the next revert check after that reverts
    assert started is not None and started <= world.started + timedelta(minutes=20)
    assert any("saves" in m for m in messages(world, node_id) if m.startswith("revert: "))


def test_time_window_revert_happens_inside_a_continuous_span(world: WhatIf) -> None:
    """`Mon:09:00-Fri:20:00` is one span from Monday morning to Friday evening, so Tuesday 22:00
    is inside it (not a daily 09:00-20:00)."""
    world = make_world(start=TUESDAY_2130)
    spec = node_spec(revertToSpot={"performAt": "timeWindow"}, optimizationWindows=["Mon:09:00-Fri:20:00"])
    node_id = fall_back_to_on_demand(world, spec)

    world.run_for(timedelta(hours=1))

    started = reverted_at(world, node_id)
    assert started is not None and started < datetime(2026, 1, 6, 22, 0, tzinfo=UTC), log_of(world, node_id)
    assert vm_of(world, node_id).priority == "Spot"


def test_time_window_revert_waits_outside_the_window_and_happens_when_it_opens() -> None:
    world = make_world(start=TUESDAY_2130)
    spec = node_spec(revertToSpot={"performAt": "timeWindow"}, optimizationWindows=["Wed:02:00-Wed:04:00"])
    node_id = fall_back_to_on_demand(world, spec)

    world.run_until(datetime(2026, 1, 7, 1, 59, tzinfo=UTC))
    assert vm_of(world, node_id).priority == "Regular"
    assert reverted_at(world, node_id) is None
    waiting = events_matching(world, node_id, "staying on on-demand: outside the optimization windows")
    assert len(waiting) == 1 and "next window opens Wed 2026-01-07 02:00" in waiting[0][1]

    world.run_until(datetime(2026, 1, 7, 2, 30, tzinfo=UTC))
    assert reverted_at(world, node_id) == datetime(2026, 1, 7, 2, 0, tzinfo=UTC), log_of(world, node_id)
    assert vm_of(world, node_id).priority == "Spot"


def test_perform_at_never_keeps_the_node_on_demand(world: WhatIf) -> None:
    node_id = fall_back_to_on_demand(world, node_spec(revertToSpot={"performAt": "never"}))

    world.run_for(timedelta(hours=6))

    assert vm_of(world, node_id).priority == "Regular"
    assert reverted_at(world, node_id) is None
    assert len(events_matching(world, node_id, "revertToSpot is 'never'")) == 1


def test_no_revert_within_the_cooldown_after_an_eviction(world: WhatIf) -> None:
    node_id = launch(world, node_spec(revertToSpot={"performAt": "always"}))
    world.run_for(timedelta(minutes=10))
    world.sim.faults.fail_allocation(lifecycle="spot")
    evicted_at = world.clock.now()
    evict(world, node_id, then_run=timedelta(minutes=5))
    assert vm_of(world, node_id).priority == "Regular", log_of(world, node_id)
    world.sim.faults.clear()

    world.run_for(timedelta(hours=1))

    started = reverted_at(world, node_id)
    cooldown = StrategySettings().revert_cooldown
    assert started is not None, log_of(world, node_id)
    assert evicted_at + cooldown <= started <= evicted_at + cooldown + SCENARIO_SETTINGS.revert_check_interval
    assert events_matching(world, node_id, "waiting 30 min after an eviction before returning to spot")
    assert vm_of(world, node_id).priority == "Spot"


def test_no_revert_for_a_saving_below_the_threshold() -> None:
    # spot saves ~94 % in the simulated market; an operator threshold of 97 % makes that too little
    settings = EngineSettings(steady_poll=timedelta(minutes=5), revert_check_interval=timedelta(minutes=5),
                              strategy=StrategySettings(min_saving_fraction=0.97))
    world = make_world(settings=settings)
    node_id = fall_back_to_on_demand(world, node_spec(revertToSpot={"performAt": "always"}))

    world.run_for(timedelta(hours=2))

    assert vm_of(world, node_id).priority == "Regular"
    assert reverted_at(world, node_id) is None
    below = events_matching(world, node_id, "(threshold 97%)")
    assert len(below) == 1 and "saves only" in below[0][1]


def test_od_windows_force_on_demand_inside_the_window_and_release_after(world: WhatIf) -> None:
    node_id = launch(world, node_spec(odWindows=["Mon:02:00-Mon:04:00"]))
    assert vm_of(world, node_id).priority == "Spot"

    world.run_until(datetime(2026, 1, 5, 3, 0, tzinfo=UTC))
    assert vm_of(world, node_id).priority == "Regular", log_of(world, node_id)
    entered = events_matching(world, node_id, "entering an odWindow")
    assert entered[0][0] == datetime(2026, 1, 5, 2, 0, tzinfo=UTC)

    world.run_until(datetime(2026, 1, 5, 5, 0, tzinfo=UTC))
    assert vm_of(world, node_id).priority == "Spot", log_of(world, node_id)
    left = events_matching(world, node_id, "leaving the odWindow")
    assert left[0][0] == datetime(2026, 1, 5, 4, 0, tzinfo=UTC)


def test_revert_is_not_started_inside_an_od_window(world: WhatIf) -> None:
    world.sim.faults.fail_allocation(lifecycle="spot")
    node_id = launch(world, node_spec(odWindows=["Mon:00:00-Mon:06:00"]))
    world.sim.faults.clear()

    world.run_until(datetime(2026, 1, 5, 5, 50, tzinfo=UTC))

    assert vm_of(world, node_id).priority == "Regular"
    assert reverted_at(world, node_id) is None


def test_interruption_toleration_forces_on_demand_after_threshold_evictions(world: WhatIf) -> None:
    toleration = {"isEnabled": True, "threshold": 3, "evaluationPeriod": 60, "cooldown": 120}
    node_id = launch(world, node_spec(interruptionToleration=toleration))

    lifecycles = []
    for _ in range(3):
        world.run_for(timedelta(minutes=5))
        evict(world, node_id)
        lifecycles.append(vm_of(world, node_id).priority)

    assert lifecycles == ["Spot", "Spot", "Regular"], log_of(world, node_id)
    third = node(world, node_id).state.evictions[-1].at
    assert events_matching(world, node_id, "3 interruptions within 60 min; running on-demand for 120 min")

    world.run_until(third + timedelta(minutes=110))
    assert vm_of(world, node_id).priority == "Regular"
    world.run_until(third + timedelta(minutes=130))
    started = reverted_at(world, node_id)
    assert started is not None and started >= third + timedelta(minutes=120), log_of(world, node_id)
    assert vm_of(world, node_id).priority == "Spot"


def test_revert_whose_spot_launch_is_refused_goes_back_to_on_demand_and_backs_off(world: WhatIf) -> None:
    """The on-demand VM is gone by the time spot refuses: the revert must not leave the node
    without a VM (or 'paused'); it falls back to on-demand, and does not try again at once."""
    node_id = fall_back_to_on_demand(world, node_spec(revertToSpot={"performAt": "always"}))
    world.run_for(timedelta(minutes=12))  # past the refused markets' 10 min
    world.sim.faults.fail_operation("vm.create", "AllocationFailed", lifecycle="spot", times=None)

    world.run_for(timedelta(minutes=40))

    assert len(events_matching(world, node_id, "revert: ")) == 1, log_of(world, node_id)
    assert events_matching(world, node_id, "spot refused the revert")
    assert node(world, node_id).status == "active", log_of(world, node_id)
    vm = vm_of(world, node_id)
    assert vm.priority == "Regular" and vm.power_state == "running"
    assert events_matching(world, node_id, "found spot refusing the VM; not trying again before")
