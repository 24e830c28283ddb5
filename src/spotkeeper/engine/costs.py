"""What a node's hours cost, what they would have cost on-demand, and the saving: the ledger
arithmetic behind the cost endpoints (spot-api.md §5.6).

The engine records one `CostInterval` per stretch of time a VM ran with one size, zone,
lifecycle and price (a price change or a replacement starts a new interval). Everything below
is arithmetic over those intervals, clipped to the window asked about, so the figures are
exact to the second and reproducible.

The three §5.6 money figures:

* `spotActualCost` — what was paid: hours * the price of the lifecycle actually used.
* `odCost` — the all-on-demand counterfactual: the same hours at the on-demand price of the
  same size. `savings` = `odCost` - `spotActualCost`.
* `spotPotentialCost` — what the same hours would have cost had they ALL run on spot, at the
  spot prices seen at the time (for on-demand hours, the spot quote for that size and zone
  recorded with the interval; if no spot quote was recorded — the size had no spot market —
  the hours count at the price actually paid, so we never claim a saving we did not observe).
  `spotActualCost` - `spotPotentialCost` is therefore what falling back to on-demand cost.

`sizeUsage` items carry `cpus`, which we define as vCPU-hours used that day by that size and
lifecycle (vCPUs * hours), the quantity that adds up across sizes.

Money and hours are kept as unrounded floats in `CostSummary` and rounded to 6 decimals only
at the edge, in the wire dictionaries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from spotkeeper.cloud.port import Lifecycle

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class CostInterval:
    start: datetime
    end: datetime
    region: str
    zone: str | None
    size: str
    lifecycle: Lifecycle
    price_hour: float  # what was paid per hour
    od_price_hour: float  # on-demand price of the same size then
    vcpus: int
    spot_price_hour: float | None = None  # spot quote seen; defaults to price_hour on spot

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("cost interval times must be timezone-aware (UTC)")
        if self.end < self.start:
            raise ValueError(
                f"cost interval ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})"
            )
        if self.lifecycle not in ("spot", "od"):
            raise ValueError(f"lifecycle must be 'spot' or 'od', got {self.lifecycle!r}")
        for name in ("price_hour", "od_price_hour"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")

    @property
    def hours(self) -> float:
        return (self.end - self.start) / HOUR

    @property
    def spot_equivalent_hour(self) -> float:
        """The per-hour price had this interval run on spot (see module docstring)."""
        if self.lifecycle == "spot":
            return self.price_hour
        return self.spot_price_hour if self.spot_price_hour is not None else self.price_hour

    def clipped(self, window_start: datetime, window_end: datetime) -> CostInterval | None:
        """The part inside [window_start, window_end), or None when nothing of it is."""
        start, end = max(self.start, window_start), min(self.end, window_end)
        if end <= start:
            return None
        return replace(self, start=start, end=end)


@dataclass(frozen=True)
class CostSummary:
    spot_hours: float = 0.0
    od_hours: float = 0.0
    actual_cost: float = 0.0
    od_cost: float = 0.0
    spot_potential_cost: float = 0.0

    @property
    def savings(self) -> float:
        return self.od_cost - self.actual_cost

    @property
    def savings_pct(self) -> float:
        """Saving as a percentage of the all-on-demand cost (0 when nothing ran)."""
        return 100.0 * self.savings / self.od_cost if self.od_cost > 0 else 0.0

    def plus(self, interval: CostInterval) -> CostSummary:
        hours = interval.hours
        return CostSummary(
            spot_hours=self.spot_hours + (hours if interval.lifecycle == "spot" else 0.0),
            od_hours=self.od_hours + (hours if interval.lifecycle == "od" else 0.0),
            actual_cost=self.actual_cost + hours * interval.price_hour,
            od_cost=self.od_cost + hours * interval.od_price_hour,
            spot_potential_cost=self.spot_potential_cost + hours * interval.spot_equivalent_hour,
        )

    def as_wire(self, *, day: date | None = None) -> dict[str, object]:
        """The §5.6 cost item `{usage: {spot: {hours}, od: {hours}}, cost: {odCost,
        spotPotentialCost, spotActualCost}}`; with `day`, `cost.day` is that day's midnight."""
        cost: dict[str, object] = {
            "odCost": _r(self.od_cost),
            "spotPotentialCost": _r(self.spot_potential_cost),
            "spotActualCost": _r(self.actual_cost),
        }
        if day is not None:
            cost["day"] = wire_time(datetime.combine(day, time(0), UTC))
        return {
            "usage": {"spot": {"hours": _r(self.spot_hours)}, "od": {"hours": _r(self.od_hours)}},
            "cost": cost,
        }


def split_by_day(interval: CostInterval) -> list[CostInterval]:
    """The interval cut at every UTC midnight it crosses (an empty interval stays whole)."""
    pieces: list[CostInterval] = []
    start = interval.start.astimezone(UTC)
    end = interval.end.astimezone(UTC)
    while True:
        midnight = _day_start(start) + DAY
        if end <= midnight:
            pieces.append(replace(interval, start=start, end=end))
            return pieces
        pieces.append(replace(interval, start=start, end=midnight))
        start = midnight


def summarize(intervals: Iterable[CostInterval], window_start: datetime, window_end: datetime) -> CostSummary:
    """Totals over the parts of `intervals` inside [window_start, window_end)."""
    _check_window(window_start, window_end)
    total = CostSummary()
    for interval in intervals:
        part = interval.clipped(window_start, window_end)
        if part is not None:
            total = total.plus(part)
    return total


def daily(
    intervals: Sequence[CostInterval], window_start: datetime, window_end: datetime
) -> list[dict[str, object]]:
    """One §5.6 cost item per UTC day touching the window (days without usage included, at 0),
    each with `cost.day` set to that day's midnight."""
    _check_window(window_start, window_end)
    per_day: dict[date, CostSummary] = {}
    day = _day_start(window_start)
    while day < window_end:
        per_day[day.date()] = CostSummary()
        day += DAY
    for interval in intervals:
        part = interval.clipped(window_start, window_end)
        if part is None:
            continue
        for piece in split_by_day(part):
            key = piece.start.astimezone(UTC).date()
            per_day[key] = per_day[key].plus(piece)
    return [per_day[key].as_wire(day=key) for key in sorted(per_day)]


def size_usage_daily(
    intervals: Sequence[CostInterval], window_start: datetime, window_end: datetime
) -> list[dict[str, object]]:
    """`sizeUsage/daily` items `{day, cpus, lifeCycle, vmSize}`: vCPU-hours per UTC day, size
    and lifecycle, for the (day, size, lifecycle) groups that ran, sorted by day then size."""
    _check_window(window_start, window_end)
    usage: dict[tuple[date, str, Lifecycle], float] = {}
    for interval in intervals:
        part = interval.clipped(window_start, window_end)
        if part is None:
            continue
        for piece in split_by_day(part):
            key = (piece.start.astimezone(UTC).date(), piece.size, piece.lifecycle)
            usage[key] = usage.get(key, 0.0) + piece.hours * piece.vcpus
    ordered = sorted(usage.items(), key=lambda kv: (kv[0][0], kv[0][1].casefold(), kv[0][2]))
    return [
        {
            "day": wire_time(datetime.combine(day, time(0), UTC)),
            "cpus": _r(cpu_hours),
            "lifeCycle": lifecycle,
            "vmSize": size,
        }
        for (day, size, lifecycle), cpu_hours in ordered
    ]


def wire_time(at: datetime) -> str:
    """`2022-01-01T00:00:00.000Z` — the timestamp shape Spot clients parse (spot-api.md §3.1)."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _r(value: float) -> float:
    return round(value, 6) + 0.0  # + 0.0 turns -0.0 into 0.0


def _day_start(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return datetime.combine(at.date(), time(0), UTC)


def _check_window(window_start: datetime, window_end: datetime) -> None:
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("cost window times must be timezone-aware (UTC)")
    if window_end < window_start:
        raise ValueError("cost window ends before it starts")
