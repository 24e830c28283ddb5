"""Pure cost arithmetic: clipping to a window and cutting at UTC midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from spotkeeper.store.costing import clip, daily_costs, daily_size_usage, total_costs, utc_day_pieces
from spotkeeper.store.records import LedgerInterval, Lifecycle


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def interval(
    start: datetime,
    end: datetime | None,
    *,
    lifecycle: Lifecycle = "spot",
    price: float = 0.1,
    od_price: float = 0.5,
    size: str = "Standard_D2s_v5",
    vcpus: int = 2,
) -> LedgerInterval:
    return LedgerInterval(
        id=1,
        node_id="ssn-00000001",
        account_id="act-00000001",
        start=start,
        end=end,
        region="eastus",
        zone="1",
        size=size,
        lifecycle=lifecycle,
        price_hour=price,
        od_price_hour=od_price,
        vcpus=vcpus,
    )


def test_clip_keeps_only_the_part_inside_the_window() -> None:
    assert clip(interval(at(5, 10), at(5, 14)), start=at(5, 11), end=at(5, 13)) == (at(5, 11), at(5, 13))
    assert clip(interval(at(5, 10), at(5, 14)), start=at(5, 14), end=at(5, 15)) is None
    assert clip(interval(at(5, 10), None), start=at(5, 9), end=at(5, 12)) == (at(5, 10), at(5, 12))


def test_a_span_is_cut_at_every_utc_midnight() -> None:
    pieces = list(utc_day_pieces(at(5, 22), at(7, 3)))
    assert pieces == [
        (date(2026, 1, 5), at(5, 22), at(6, 0)),
        (date(2026, 1, 6), at(6, 0), at(7, 0)),
        (date(2026, 1, 7), at(7, 0), at(7, 3)),
    ]


def test_days_are_utc_days_whatever_zone_the_times_are_in() -> None:
    tokyo = timezone(timedelta(hours=9))
    start = datetime(2026, 1, 6, 8, 0, tzinfo=tokyo)  # 2026-01-05 23:00 UTC
    end = datetime(2026, 1, 6, 10, 0, tzinfo=tokyo)  # 2026-01-06 01:00 UTC
    assert [day for day, _, _ in utc_day_pieces(start, end)] == [date(2026, 1, 5), date(2026, 1, 6)]


def test_totals_price_clipped_hours_and_the_all_on_demand_counterfactual() -> None:
    rows = [
        interval(at(5, 8), at(5, 14), lifecycle="spot", price=0.1, od_price=0.5),
        interval(at(5, 14), at(5, 20), lifecycle="od", price=0.5, od_price=0.5),
    ]
    figures = total_costs(rows, start=at(5, 12), end=at(5, 16))
    assert figures.spot_hours == pytest.approx(2)
    assert figures.od_hours == pytest.approx(2)
    assert figures.actual_cost == pytest.approx(2 * 0.1 + 2 * 0.5)
    assert figures.all_on_demand_cost == pytest.approx(4 * 0.5)
    assert figures.savings == pytest.approx(2 * (0.5 - 0.1))


def test_per_day_costs_split_an_interval_across_midnight_and_add_up_to_the_total() -> None:
    rows = [interval(at(5, 22), at(6, 2), price=0.1, od_price=0.4)]
    days = daily_costs(rows, start=at(5, 0), end=at(7, 0))
    assert [d.day for d in days] == [date(2026, 1, 5), date(2026, 1, 6)]
    assert [d.figures.spot_hours for d in days] == pytest.approx([2, 2])
    assert [d.figures.actual_cost for d in days] == pytest.approx([0.2, 0.2])
    total = total_costs(rows, start=at(5, 0), end=at(7, 0))
    assert sum(d.figures.all_on_demand_cost for d in days) == pytest.approx(total.all_on_demand_cost)


def test_days_without_usage_are_left_out() -> None:
    rows = [interval(at(5, 1), at(5, 2)), interval(at(8, 1), at(8, 2))]
    assert [d.day for d in daily_costs(rows, start=at(4, 0), end=at(9, 0))] == [
        date(2026, 1, 5),
        date(2026, 1, 8),
    ]


def test_size_usage_sums_hours_per_day_size_and_lifecycle() -> None:
    rows = [
        interval(at(5, 20), at(6, 1), size="Standard_D2s_v5", vcpus=2, lifecycle="spot"),
        interval(at(6, 1), at(6, 4), size="Standard_D4s_v5", vcpus=4, lifecycle="od"),
        interval(at(6, 4), at(6, 6), size="Standard_D2s_v5", vcpus=2, lifecycle="spot"),
    ]
    usage = daily_size_usage(rows, start=at(5, 0), end=at(7, 0))
    assert [(u.day.day, u.size, u.lifecycle, u.vcpus, round(u.hours, 9)) for u in usage] == [
        (5, "Standard_D2s_v5", "spot", 2, 4.0),
        (6, "Standard_D2s_v5", "spot", 2, 3.0),
        (6, "Standard_D4s_v5", "od", 4, 3.0),
    ]
    assert usage[2].vcpu_hours == pytest.approx(12)


def test_seconds_count_exactly() -> None:
    rows = [interval(at(5, 10), at(5, 10) + timedelta(seconds=90), price=3.6)]
    figures = total_costs(rows, start=at(5, 0), end=at(6, 0))
    assert figures.spot_hours == pytest.approx(90 / 3600)
    assert figures.actual_cost == pytest.approx(0.09)
