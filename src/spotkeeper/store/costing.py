"""The arithmetic behind the cost endpoints (§5.6), kept pure so it can be tested to the second.

Every figure comes from ledger intervals (one VM of one node running at one price) in three
steps: clip each interval to the query window (an interval still running ends at the window's
end), cut the clipped span at each UTC midnight when a per-day view is asked for, and sum
hours x price. The all-on-demand counterfactual prices the very same hours at the on-demand
rate of the size that ran, so `all_on_demand_cost - actual_cost` is exactly what Spot saved.

Windows are half-open, `[start, end)`: a day's figures run from 00:00 up to, not including,
the next midnight, so adjacent windows never count a moment twice. Days with no usage are
omitted from the per-day lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from spotkeeper.store.records import CostFigures, DailyCost, LedgerInterval, Lifecycle, SizeUsage

_SECONDS_PER_HOUR = 3600.0


def clip(interval: LedgerInterval, *, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """The part of `interval` inside `[start, end)`, or None if they do not overlap."""
    lower = max(interval.start, start)
    upper = end if interval.end is None else min(interval.end, end)
    return (lower, upper) if lower < upper else None


def utc_day_pieces(start: datetime, end: datetime) -> Iterator[tuple[date, datetime, datetime]]:
    """Cut `[start, end)` at each UTC midnight: (day, piece start, piece end) in order."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    while start < end:
        next_midnight = datetime.combine(start.date() + timedelta(days=1), time(), tzinfo=UTC)
        piece_end = min(end, next_midnight)
        yield start.date(), start, piece_end
        start = piece_end


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / _SECONDS_PER_HOUR


@dataclass
class _Sums:
    spot_hours: float = 0.0
    od_hours: float = 0.0
    spot_actual_cost: float = 0.0
    od_actual_cost: float = 0.0
    all_on_demand_cost: float = 0.0

    def add(self, interval: LedgerInterval, hours: float) -> None:
        if interval.lifecycle == "spot":
            self.spot_hours += hours
            self.spot_actual_cost += hours * interval.price_hour
        else:
            self.od_hours += hours
            self.od_actual_cost += hours * interval.price_hour
        self.all_on_demand_cost += hours * interval.od_price_hour

    def figures(self) -> CostFigures:
        return CostFigures(
            spot_hours=self.spot_hours,
            od_hours=self.od_hours,
            spot_actual_cost=self.spot_actual_cost,
            od_actual_cost=self.od_actual_cost,
            all_on_demand_cost=self.all_on_demand_cost,
        )


def _clipped_pieces(
    intervals: Iterable[LedgerInterval], *, start: datetime, end: datetime
) -> Iterator[tuple[LedgerInterval, date, float]]:
    for interval in intervals:
        span = clip(interval, start=start, end=end)
        if span is None:
            continue
        for day, piece_start, piece_end in utc_day_pieces(*span):
            yield interval, day, _hours(piece_start, piece_end)


def total_costs(intervals: Iterable[LedgerInterval], *, start: datetime, end: datetime) -> CostFigures:
    sums = _Sums()
    for interval in intervals:
        span = clip(interval, start=start, end=end)
        if span is not None:
            sums.add(interval, _hours(*span))
    return sums.figures()


def daily_costs(intervals: Iterable[LedgerInterval], *, start: datetime, end: datetime) -> list[DailyCost]:
    by_day: dict[date, _Sums] = {}
    for interval, day, hours in _clipped_pieces(intervals, start=start, end=end):
        by_day.setdefault(day, _Sums()).add(interval, hours)
    return [DailyCost(day=day, figures=by_day[day].figures()) for day in sorted(by_day)]


def daily_size_usage(
    intervals: Iterable[LedgerInterval], *, start: datetime, end: datetime
) -> list[SizeUsage]:
    """Hours per (UTC day, size, lifecycle), sorted by day, size, lifecycle."""
    hours_by_key: dict[tuple[date, str, Lifecycle], float] = {}
    vcpus_by_key: dict[tuple[date, str, Lifecycle], int] = {}
    for interval, day, hours in _clipped_pieces(intervals, start=start, end=end):
        key = (day, interval.size, interval.lifecycle)
        hours_by_key[key] = hours_by_key.get(key, 0.0) + hours
        vcpus_by_key[key] = max(vcpus_by_key.get(key, 0), interval.vcpus)
    return [
        SizeUsage(day=day, size=size, lifecycle=lifecycle, vcpus=vcpus_by_key[key], hours=hours_by_key[key])
        for key in sorted(hours_by_key)
        for day, size, lifecycle in [key]
    ]
