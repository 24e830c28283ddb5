"""Fault injection for the simulated Azure: one-shot, counted, rate-based and glob-matched rules."""

from __future__ import annotations

import pytest

from spotkeeper.sim.errors import ArmError
from spotkeeper.sim.faults import FaultPlan


def _error(plan: FaultPlan, op: str, **where: str) -> ArmError | None:
    try:
        plan.check(op, region="eastus", **where)  # type: ignore[arg-type]
    except ArmError as error:
        return error
    return None


def test_an_empty_plan_lets_everything_through() -> None:
    plan = FaultPlan()
    assert _error(plan, "vm.create", zone="1", size="Standard_D2s_v5", lifecycle="spot") is None
    assert plan.async_failure("vm.create", region="eastus") is None


def test_a_throttle_is_one_shot_by_default_and_carries_retry_after() -> None:
    plan = FaultPlan().throttle("vm.create", retry_after=12.0)
    error = _error(plan, "vm.create")
    assert error is not None
    assert (error.status, error.code, error.retry_after) == (429, "TooManyRequests", 12.0)
    assert _error(plan, "vm.create") is None
    assert plan.rules == ()


def test_a_counted_fault_fires_exactly_that_many_times() -> None:
    plan = FaultPlan().fail_transient("disk.attach", status=503, times=3)
    codes = [getattr(_error(plan, "disk.attach"), "code", None) for _ in range(5)]
    assert codes == ["ServiceUnavailable"] * 3 + [None, None]


def test_a_fault_matches_operations_by_glob() -> None:
    plan = FaultPlan().throttle("vm.*", times=2)
    assert _error(plan, "disk.create") is None  # not matched, not consumed
    assert _error(plan, "vm.start") is not None
    assert _error(plan, "vm.delete") is not None
    assert _error(plan, "vm.start") is None
    everything = FaultPlan().fail_transient("*", times=1)
    assert _error(everything, "pip.delete") is not None


def test_a_rate_based_fault_fires_about_that_often_and_replays_exactly() -> None:
    def outcomes(seed: int) -> list[bool]:
        plan = FaultPlan(seed=seed).fail_transient("nic.create", rate=0.25)
        return [_error(plan, "nic.create") is not None for _ in range(4000)]

    first = outcomes(1)
    assert 0.22 < sum(first) / len(first) < 0.28  # 4 sigma of Binomial(4000, 0.25)
    assert outcomes(1) == first
    assert outcomes(2) != first


def test_allocation_failures_speak_spot_and_on_demand_codes_and_last_until_cleared() -> None:
    plan = FaultPlan().fail_allocation(size="Standard_D4s_v5", zone="2")
    spot = _error(plan, "vm.create", size="standard_d4s_v5", zone="2", lifecycle="spot")
    od = _error(plan, "vm.start", size="Standard_D4s_v5", zone="2", lifecycle="od")
    assert spot is not None and (spot.status, spot.code) == (409, "SkuNotAvailable")
    assert od is not None and (od.status, od.code) == (409, "AllocationFailed")
    for _ in range(3):
        assert _error(plan, "vm.create", size="Standard_D4s_v5", zone="2", lifecycle="spot") is not None
    plan.clear()
    assert _error(plan, "vm.create", size="Standard_D4s_v5", zone="2", lifecycle="spot") is None


def test_allocation_failures_match_only_the_filters_that_are_set() -> None:
    plan = FaultPlan().fail_allocation(lifecycle="spot")
    assert _error(plan, "vm.create", size="Standard_E2s_v5", zone="3", lifecycle="spot") is not None
    assert _error(plan, "vm.create", size="Standard_E2s_v5", zone="3", lifecycle="od") is None
    zonal = FaultPlan().fail_allocation(zone="1")
    assert _error(zonal, "vm.create", zone="2", lifecycle="spot") is None
    assert _error(zonal, "vm.create", lifecycle="spot") is None  # regional request, zone filter set
    assert _error(zonal, "vm.delete", zone="1", lifecycle="spot") is None  # deleting allocates nothing


def test_a_counted_allocation_failure_is_consumed() -> None:
    plan = FaultPlan().fail_allocation(size="Standard_D2s_v5", times=1)
    assert _error(plan, "vm.create", size="Standard_D2s_v5", lifecycle="spot") is not None
    assert _error(plan, "vm.create", size="Standard_D2s_v5", lifecycle="spot") is None


def test_a_failed_operation_is_reported_once_when_it_completes() -> None:
    plan = FaultPlan().fail_operation("vm.create", "OSProvisioningTimedOut")
    assert _error(plan, "vm.create") is None  # accepted: the failure comes at completion
    assert plan.async_failure("vm.start", region="eastus") is None
    assert plan.async_failure("vm.create", region="eastus") == "OSProvisioningTimedOut"
    assert plan.async_failure("vm.create", region="eastus") is None


def test_a_custom_request_failure_carries_its_arm_code() -> None:
    plan = FaultPlan().fail_request("vm.create", status=400, code="NicReservedForAnotherVm")
    error = _error(plan, "vm.create")
    assert error is not None and (error.status, error.code) == (400, "NicReservedForAnotherVm")


def test_rules_fire_in_the_order_they_were_added() -> None:
    plan = FaultPlan().throttle("vm.create").fail_transient("vm.create")
    first, second = _error(plan, "vm.create"), _error(plan, "vm.create")
    assert first is not None and first.status == 429
    assert second is not None and second.status == 500


@pytest.mark.parametrize(
    ("arm", "fragment"),
    [
        (lambda p: p.throttle(retry_after=0), "retry_after"),
        (lambda p: p.throttle(times=0), "times must be a positive integer"),
        (lambda p: p.fail_transient("vm.create", rate=1.5), "rate must be in"),
        (lambda p: p.fail_transient("vm.create", times=2, rate=0.5), "not both"),
        (lambda p: p.fail_transient("vm.create", status=404), "status must be one of"),
        (lambda p: p.fail_allocation(lifecycle="low"), "lifecycle"),
        (lambda p: p.fail_operation("", "X"), "op must be"),
    ],
)
def test_a_malformed_rule_is_refused_naming_the_problem(arm: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        arm(FaultPlan())  # type: ignore[operator]
