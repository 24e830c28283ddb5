"""The simulated Azure latency model: instant for engine tests, calibrated to published figures
for what-if runs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spotkeeper.sim.latency import OPS, LatencyModel

DRAWS = 20_000


def _seconds(model: LatencyModel, op: str, n: int = DRAWS) -> list[float]:
    return sorted(model.duration(op, f"resource-{i}").total_seconds() for i in range(n))


def _share_over(values: list[float], threshold: float) -> float:
    return sum(v > threshold for v in values) / len(values)


def test_instant_profile_takes_no_time_for_any_operation() -> None:
    model = LatencyModel("instant")
    assert {model.duration(op, "x") for op in OPS} == {timedelta(0)}


@pytest.mark.parametrize("profile", ["instant", "azure-typical"])
def test_an_unknown_operation_is_refused_by_name(profile: str) -> None:
    with pytest.raises(ValueError, match=r"unknown operation 'vm\.teleport'"):
        LatencyModel(profile).duration("vm.teleport", "x")  # type: ignore[arg-type]


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown latency profile 'fast'"):
        LatencyModel("fast")  # type: ignore[arg-type]


def test_disk_attach_has_the_published_heavy_tail() -> None:
    # F24: >60 s in 5.54 % and >120 s in 0.79 % of attach/detach operations.
    # With 20,000 draws the binomial standard error is 0.16 % and 0.06 %.
    for op in ("disk.attach", "disk.detach"):
        values = _seconds(LatencyModel("azure-typical", seed=1), op)
        assert 0.04 <= _share_over(values, 60.0) <= 0.07
        assert 0.005 <= _share_over(values, 120.0) <= 0.011


def test_vm_create_takes_minutes_with_a_median_near_two_hundred_seconds() -> None:
    # F18: median 201 s; F19: 2-4 min; F20: the create call alone took 37 s.
    values = _seconds(LatencyModel("azure-typical", seed=2), "vm.create")
    median = values[len(values) // 2]
    p95 = values[int(len(values) * 0.95)]
    assert 185 <= median <= 215
    assert 330 <= p95 <= 390
    assert values[0] >= 37.0


def test_starting_a_deallocated_vm_is_much_quicker_than_creating_one() -> None:
    model = LatencyModel("azure-typical", seed=3)
    start = _seconds(model, "vm.start", 5000)
    create = _seconds(model, "vm.create", 5000)
    assert 35 <= start[len(start) // 2] <= 55  # F18: relaunch 40.4 s
    assert start[len(start) // 2] * 3 < create[len(create) // 2]


def test_every_operation_matches_its_documented_median_and_p95() -> None:
    model = LatencyModel("azure-typical", seed=4)
    for op, target in model.describe().items():
        values = _seconds(model, op, 8000)
        median, p95 = values[len(values) // 2], values[int(len(values) * 0.95)]
        assert abs(median - float(target["median_s"])) <= 0.08 * float(target["median_s"]), op
        assert abs(p95 - float(target["p95_s"])) <= 0.12 * float(target["p95_s"]), op


def test_describe_lists_every_operation_with_its_source() -> None:
    described = LatencyModel("azure-typical").describe()
    assert set(described) == set(OPS)
    assert described["disk.attach"]["source"] == "F24"
    assert 14 <= float(described["disk.attach"]["median_s"]) <= 17
    assert set(LatencyModel("instant").describe()) == set(OPS)


def test_a_duration_depends_only_on_seed_operation_and_key() -> None:
    one, two = LatencyModel("azure-typical", seed=5), LatencyModel("azure-typical", seed=5)
    two.duration("disk.attach", "other")
    assert one.duration("vm.create", "vm-1") == two.duration("vm.create", "vm-1")
    assert one.duration("vm.create", "vm-1") != one.duration("vm.create", "vm-2")
    assert one.duration("vm.create", "vm-1") != LatencyModel("azure-typical", seed=6).duration(
        "vm.create", "vm-1"
    )
