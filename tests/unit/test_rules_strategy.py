"""Strategy: bounds of the numbers, revert-to-Spot windows (one continuous span each, as the
seed insists), signals, capacity reservations and interruption toleration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from spotkeeper.spec.windows import parse_window
from tests.factories import valid_node, with_path, without_path
from tests.unit.rules_support import assert_no_problem, assert_problem, report_for


def strategy(**fields: Any) -> dict[str, Any]:
    raw = valid_node()
    raw["strategy"].update(fields)
    return raw


@pytest.mark.parametrize("value", [-1, 101])
def test_availability_vs_cost_is_0_to_100(value: int) -> None:
    assert_problem(strategy(availabilityVsCost=value), "OUT_OF_RANGE", "strategy.availabilityVsCost")


@pytest.mark.parametrize("value", [0, 50, 100])
def test_availability_vs_cost_within_range_passes(value: int) -> None:
    assert_no_problem(strategy(availabilityVsCost=value), "OUT_OF_RANGE")


@pytest.mark.parametrize("value", [0, 1801])
def test_draining_timeout_is_1_to_1800_seconds(value: int) -> None:
    assert_problem(strategy(drainingTimeout=value), "OUT_OF_RANGE", "strategy.drainingTimeout")


@pytest.mark.parametrize("value", [1, 120, 1800])
def test_draining_timeout_within_range_passes(value: int) -> None:
    assert_no_problem(strategy(drainingTimeout=value), "OUT_OF_RANGE")


def test_fallback_to_od_is_required() -> None:
    assert_problem(without_path(valid_node(), "strategy.fallbackToOd"), "REQUIRED", "strategy.fallbackToOd")


# ----------------------------------------------------------------------------- revert and windows


def test_revert_to_spot_needs_perform_at() -> None:
    assert_problem(strategy(revertToSpot={}), "REQUIRED", "strategy.revertToSpot.performAt")


def test_time_window_needs_optimization_windows() -> None:
    raw = strategy(revertToSpot={"performAt": "timeWindow"}, optimizationWindows=[])
    assert_problem(raw, "TIME_WINDOW_NEEDS_WINDOWS", "strategy.optimizationWindows")


def test_time_window_with_a_window_passes() -> None:
    raw = strategy(revertToSpot={"performAt": "timeWindow"}, optimizationWindows=["Mon:09:00-Fri:20:00"])
    assert_no_problem(raw, "TIME_WINDOW_NEEDS_WINDOWS")
    assert_no_problem(raw, "INVALID_TIME_WINDOW")


def test_mon_to_fri_is_one_continuous_span_not_a_daily_range() -> None:
    # The seed: "Mon:09:00-Fri:20:00" covers everything from Monday 09:00 to Friday 20:00,
    # so Tuesday 22:00 is inside; weekdays 09:00-20:00 takes five windows.
    raw = strategy(revertToSpot={"performAt": "timeWindow"}, optimizationWindows=["Mon:09:00-Fri:20:00"])
    assert report_for(raw).valid
    window = parse_window(raw["strategy"]["optimizationWindows"][0])
    tuesday_22 = datetime(2026, 3, 3, 22, 0, tzinfo=UTC)
    assert tuesday_22.strftime("%a") == "Tue"
    assert window.contains(tuesday_22)
    assert not window.contains(datetime(2026, 3, 6, 20, 30, tzinfo=UTC))  # Friday after 20:00


def test_windows_without_time_window_warn_that_they_are_ignored() -> None:
    raw = strategy(optimizationWindows=["Mon:09:00-Mon:20:00"])
    assert_problem(raw, "WINDOWS_UNUSED", "strategy.optimizationWindows", severity="warning")


@pytest.mark.parametrize(
    "text", ["Mon 09:00-Fri 20:00", "Mon:25:00-Tue:01:00", "Fun:09:00-Fri:20:00", "Mon:09:00"]
)
def test_a_malformed_optimization_window_is_an_error_at_its_index(text: str) -> None:
    raw = strategy(
        revertToSpot={"performAt": "timeWindow"}, optimizationWindows=["Tue:01:00-Tue:02:00", text]
    )
    problem = assert_problem(raw, "INVALID_TIME_WINDOW", "strategy.optimizationWindows[1]")
    assert text in problem.message


def test_a_malformed_od_window_is_an_error() -> None:
    assert_problem(strategy(odWindows=["Wed:19:46"]), "INVALID_TIME_WINDOW", "strategy.odWindows[0]")


def test_overlapping_od_windows_warn() -> None:
    raw = strategy(odWindows=["Mon:08:00-Mon:18:00", "Mon:17:00-Mon:19:00"])
    assert_problem(raw, "OVERLAPPING_WINDOWS", "strategy.odWindows[1]", severity="warning")


def test_a_window_over_the_weekend_overlapping_another_warns() -> None:
    raw = strategy(odWindows=["Sat:22:00-Mon:06:00", "Sun:01:00-Sun:02:00"])
    assert_problem(raw, "OVERLAPPING_WINDOWS", "strategy.odWindows[1]", severity="warning")


def test_back_to_back_od_windows_do_not_overlap() -> None:
    raw = strategy(odWindows=["Mon:08:00-Mon:18:00", "Mon:18:00-Mon:19:00", "Sat:22:00-Sun:06:00"])
    assert_no_problem(raw, "OVERLAPPING_WINDOWS")


# ----------------------------------------------------------------------------- signals


def test_a_signal_timeout_below_one_second_is_an_error() -> None:
    raw = strategy(signals=[{"type": "vmReady", "timeout": 0}])
    assert_problem(raw, "OUT_OF_RANGE", "strategy.signals[0].timeout")


def test_each_signal_type_at_most_once() -> None:
    raw = strategy(signals=[{"type": "vmReady", "timeout": 60}, {"type": "vmReady", "timeout": 120}])
    assert_problem(raw, "DUPLICATE_SIGNAL", "strategy.signals[1].type")


def test_two_different_signals_pass() -> None:
    raw = strategy(signals=[{"type": "vmReady", "timeout": 1800}, {"type": "vmReadyToShutdown"}])
    assert_no_problem(raw, "DUPLICATE_SIGNAL")
    assert_no_problem(raw, "OUT_OF_RANGE")


def test_a_signal_of_an_unknown_type_is_refused_by_the_parser() -> None:
    assert_problem(strategy(signals=[{"type": "vmBooted"}]), "INVALID_VALUE", "strategy.signals[0].type")


# ----------------------------------------------------------------------------- capacity reservation


@pytest.mark.parametrize("missing", ["shouldUtilize", "utilizationStrategy"])
def test_a_capacity_reservation_needs_utilize_and_strategy(missing: str) -> None:
    reservation = {"shouldUtilize": True, "utilizationStrategy": "utilizeOverOD"}
    del reservation[missing]
    assert_problem(
        strategy(capacityReservation=reservation), "REQUIRED", f"strategy.capacityReservation.{missing}"
    )


def test_a_capacity_reservation_group_needs_name_and_resource_group() -> None:
    reservation = {
        "shouldUtilize": True,
        "utilizationStrategy": "utilizeOverSpot",
        "capacityReservationGroups": [{"name": "crg1", "resourceGroupName": ""}],
    }
    assert_problem(
        strategy(capacityReservation=reservation),
        "REQUIRED",
        "strategy.capacityReservation.capacityReservationGroups[0].resourceGroupName",
    )


def test_a_group_without_a_name_key_is_refused_by_the_parser() -> None:
    reservation = {
        "shouldUtilize": True,
        "utilizationStrategy": "utilizeOverSpot",
        "capacityReservationGroups": [{"resourceGroupName": "rg"}],
    }
    assert_problem(
        strategy(capacityReservation=reservation),
        "REQUIRED",
        "strategy.capacityReservation.capacityReservationGroups[0].name",
    )


def test_a_group_listed_twice_warns() -> None:
    group = {"name": "crg1", "resourceGroupName": "rg"}
    reservation = {
        "shouldUtilize": True,
        "utilizationStrategy": "utilizeOverOD",
        "capacityReservationGroups": [group, group],
    }
    assert_problem(
        strategy(capacityReservation=reservation),
        "DUPLICATE_CAPACITY_RESERVATION_GROUP",
        "strategy.capacityReservation.capacityReservationGroups[1]",
        severity="warning",
    )


def test_a_complete_capacity_reservation_passes() -> None:
    reservation = {
        "shouldUtilize": True,
        "utilizationStrategy": "utilizeOverOD",
        "capacityReservationGroups": [{"name": "crg1", "resourceGroupName": "rg", "shouldPrioritize": True}],
    }
    assert_no_problem(strategy(capacityReservation=reservation), "REQUIRED")


# ----------------------------------------------------------------------------- interruption toleration


@pytest.mark.parametrize("missing", ["cooldown", "evaluationPeriod", "threshold"])
def test_enabled_interruption_toleration_needs_all_three_numbers(missing: str) -> None:
    toleration = {"isEnabled": True, "cooldown": 240, "evaluationPeriod": 60, "threshold": 3}
    del toleration[missing]
    assert_problem(
        strategy(interruptionToleration=toleration), "REQUIRED", f"strategy.interruptionToleration.{missing}"
    )


def test_disabled_interruption_toleration_needs_no_numbers() -> None:
    assert_no_problem(strategy(interruptionToleration={"isEnabled": False}), "REQUIRED")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("cooldown", 119),
        ("cooldown", 10081),
        ("evaluationPeriod", 29),
        ("evaluationPeriod", 1441),
        ("threshold", 2),
    ],
)
def test_interruption_toleration_bounds(key: str, value: int) -> None:
    toleration = {"isEnabled": True, "cooldown": 240, "evaluationPeriod": 60, "threshold": 3, key: value}
    assert_problem(
        strategy(interruptionToleration=toleration), "OUT_OF_RANGE", f"strategy.interruptionToleration.{key}"
    )


def test_interruption_toleration_at_its_bounds_passes() -> None:
    toleration = {"isEnabled": True, "cooldown": 10080, "evaluationPeriod": 30, "threshold": 3}
    assert_no_problem(strategy(interruptionToleration=toleration), "OUT_OF_RANGE")


def test_a_full_strategy_is_valid() -> None:
    raw = with_path(
        valid_node(),
        "strategy",
        {
            "fallbackToOd": True,
            "preferredLifecycle": "spot",
            "drainingTimeout": 300,
            "availabilityVsCost": 70,
            "revertToSpot": {"performAt": "timeWindow"},
            "optimizationWindows": ["Mon:09:00-Mon:20:00", "Tue:09:00-Tue:20:00"],
            "odWindows": ["Sat:00:00-Sat:06:00"],
            "signals": [{"type": "vmReady", "timeout": 1800}],
            "interruptionToleration": {
                "isEnabled": True,
                "cooldown": 240,
                "evaluationPeriod": 60,
                "threshold": 3,
            },
            "vmAdmins": [],
        },
    )
    report = report_for(raw)
    assert report.valid, [str(p) for p in report.errors]
