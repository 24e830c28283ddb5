"""Cost ledger arithmetic: hours, actual vs on-demand vs spot-potential cost, clipping to the
window, splitting at UTC midnight, and the §5.6 wire shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spotkeeper.engine.costs import (
    CostInterval,
    CostSummary,
    daily,
    size_usage_daily,
    split_by_day,
    summarize,
    wire_time,
)

MON = datetime(2026, 1, 5, tzinfo=UTC)
H = timedelta(hours=1)


def interval(start: datetime, hours: float, lifecycle: str = "spot", /, **overrides: object) -> CostInterval:
    fields: dict[str, object] = {
        "start": start,
        "end": start + hours * H,
        "region": "eastus",
        "zone": "1",
        "size": "Standard_D2s_v5",
        "lifecycle": lifecycle,
        "price_hour": 0.02 if lifecycle == "spot" else 0.10,
        "od_price_hour": 0.10,
        "vcpus": 2,
    }
    fields.update(overrides)
    return CostInterval(**fields)  # type: ignore[arg-type]


def test_spot_hours_cost_their_price_and_save_against_on_demand() -> None:
    total = summarize([interval(MON, 10)], MON, MON + 24 * H)
    assert total.spot_hours == pytest.approx(10)
    assert total.od_hours == 0
    assert total.actual_cost == pytest.approx(0.2)
    assert total.od_cost == pytest.approx(1.0)
    assert total.spot_potential_cost == pytest.approx(0.2)
    assert total.savings == pytest.approx(0.8)
    assert total.savings_pct == pytest.approx(80.0)


def test_on_demand_hours_save_nothing_and_potential_uses_the_spot_quote_seen() -> None:
    total = summarize([interval(MON, 4, "od", spot_price_hour=0.025)], MON, MON + 24 * H)
    assert total.od_hours == pytest.approx(4)
    assert total.actual_cost == pytest.approx(0.4)
    assert total.od_cost == pytest.approx(0.4)
    assert total.savings == pytest.approx(0.0)
    assert total.spot_potential_cost == pytest.approx(0.1)


def test_on_demand_hours_without_a_spot_quote_count_at_the_price_paid() -> None:
    total = summarize([interval(MON, 4, "od")], MON, MON + 24 * H)
    assert total.spot_potential_cost == pytest.approx(0.4)


def test_mixed_history_adds_up() -> None:
    history = [
        interval(MON, 6),
        interval(MON + 6 * H, 2, "od", spot_price_hour=0.03),
        interval(MON + 8 * H, 4),
    ]
    total = summarize(history, MON, MON + 24 * H)
    assert (total.spot_hours, total.od_hours) == (pytest.approx(10), pytest.approx(2))
    assert total.actual_cost == pytest.approx(10 * 0.02 + 2 * 0.10)
    assert total.od_cost == pytest.approx(12 * 0.10)
    assert total.spot_potential_cost == pytest.approx(10 * 0.02 + 2 * 0.03)
    assert total.savings_pct == pytest.approx(100 * (1.2 - 0.4) / 1.2)


def test_intervals_are_clipped_to_the_window() -> None:
    history = [interval(MON - 2 * H, 4), interval(MON + 22 * H, 5), interval(MON - 10 * H, 3)]
    total = summarize(history, MON, MON + 24 * H)
    assert total.spot_hours == pytest.approx(2 + 2)
    assert total.actual_cost == pytest.approx(4 * 0.02)


def test_clipping_is_exact_to_the_second() -> None:
    total = summarize([interval(MON, 1)], MON + timedelta(seconds=90), MON + 24 * H)
    assert total.spot_hours == pytest.approx(1 - 90 / 3600)


def test_empty_window_costs_nothing_and_has_zero_savings_pct() -> None:
    total = summarize([], MON, MON + H)
    assert total == CostSummary()
    assert total.savings_pct == 0.0


def test_split_by_day_cuts_at_every_utc_midnight() -> None:
    pieces = split_by_day(interval(MON + 20 * H, 30))
    assert [(p.start, p.end) for p in pieces] == [
        (MON + 20 * H, MON + 24 * H),
        (MON + 24 * H, MON + 48 * H),
        (MON + 48 * H, MON + 50 * H),
    ]
    assert sum(p.hours for p in pieces) == pytest.approx(30)


def test_split_by_day_keeps_an_interval_inside_one_day_whole() -> None:
    only = interval(MON + H, 2)
    assert split_by_day(only) == [only]


def test_daily_items_cover_every_day_of_the_window_in_wire_shape() -> None:
    history = [interval(MON + 20 * H, 8), interval(MON + 28 * H, 2, "od")]
    items = daily(history, MON, MON + 72 * H)
    assert [item["cost"]["day"] for item in items] == [  # type: ignore[index]
        "2026-01-05T00:00:00.000Z",
        "2026-01-06T00:00:00.000Z",
        "2026-01-07T00:00:00.000Z",
    ]
    assert items[0] == {
        "usage": {"spot": {"hours": 4.0}, "od": {"hours": 0.0}},
        "cost": {
            "odCost": 0.4,
            "spotPotentialCost": 0.08,
            "spotActualCost": 0.08,
            "day": "2026-01-05T00:00:00.000Z",
        },
    }
    assert items[1]["usage"] == {"spot": {"hours": 4.0}, "od": {"hours": 2.0}}
    assert items[2]["usage"] == {"spot": {"hours": 0.0}, "od": {"hours": 0.0}}


def test_summary_wire_shape_rounds_money_to_six_decimals() -> None:
    total = summarize([interval(MON, 1 / 3, price_hour=0.0123456789)], MON, MON + H)
    wire = total.as_wire()
    assert wire["cost"] == {"odCost": 0.033333, "spotPotentialCost": 0.004115, "spotActualCost": 0.004115}
    assert wire["usage"] == {"spot": {"hours": 0.333333}, "od": {"hours": 0.0}}


def test_size_usage_reports_vcpu_hours_per_day_size_and_lifecycle() -> None:
    history = [
        interval(MON + 22 * H, 4, vcpus=2),
        interval(MON + 2 * H, 1, "od", size="Standard_D4s_v5", vcpus=4),
        interval(MON + 5 * H, 1, vcpus=2),
    ]
    assert size_usage_daily(history, MON, MON + 48 * H) == [
        {"day": "2026-01-05T00:00:00.000Z", "cpus": 6.0, "lifeCycle": "spot", "vmSize": "Standard_D2s_v5"},
        {"day": "2026-01-05T00:00:00.000Z", "cpus": 4.0, "lifeCycle": "od", "vmSize": "Standard_D4s_v5"},
        {"day": "2026-01-06T00:00:00.000Z", "cpus": 4.0, "lifeCycle": "spot", "vmSize": "Standard_D2s_v5"},
    ]


def test_wire_time_has_milliseconds_and_z() -> None:
    assert wire_time(datetime(2022, 1, 1, 3, 4, 5, 678901, tzinfo=UTC)) == "2022-01-01T03:04:05.678Z"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"end": MON - H}, "before it starts"),
        ({"start": datetime(2026, 1, 5), "end": datetime(2026, 1, 5, 1)}, "timezone-aware"),
        ({"price_hour": -1.0}, "price_hour must not be negative"),
        ({"lifecycle": "reserved"}, "lifecycle"),
    ],
)
def test_bad_intervals_are_refused(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        interval(MON, 1, **overrides)


def test_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="window ends before it starts"):
        summarize([], MON + H, MON)
