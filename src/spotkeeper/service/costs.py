"""The cost use cases (spot-api.md §2 rows 17-19, §5.6): totals, per day, and VM size usage per day.

The ledger holds every interval a node's VM ran, priced when it ran; the arithmetic is the
engine's (`engine.costs`), so the API, the console and what-if reports agree to the cent:
`spotActualCost` is what was paid, `odCost` the same hours all on-demand, `spotPotentialCost`
the same hours all on spot at the quotes seen then. The window is `[fromDate, toDate)` clipped
to now (a bare `toDate` date includes that whole day), and `ownerId` narrows it to one node.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from spotkeeper.engine.costs import CostInterval, daily, size_usage_daily, summarize
from spotkeeper.service.context import ServiceContext
from spotkeeper.service.dates import parse_window
from spotkeeper.spec.problems import Problem, SpecError
from spotkeeper.store import LedgerInterval

# Per-day answers list every day of the window; a longer window is almost surely a mistake.
MAX_DAILY_WINDOW = timedelta(days=400)


def _intervals(
    ctx: ServiceContext, account_id: str, from_date: str, to_date: str, owner_id: str | None
) -> tuple[list[CostInterval], datetime, datetime]:
    start, end = parse_window(from_date, to_date)
    if owner_id:
        ctx.node(account_id, owner_id)
    now = ctx.now()
    end = max(start, min(end, now))
    rows = ctx.store.ledger.intervals(
        account_id=account_id, start=start, end=end, now=now, node_id=owner_id or None
    )
    return [_as_cost(row, now) for row in rows], start, end


def _as_cost(row: LedgerInterval, now: datetime) -> CostInterval:
    return CostInterval(
        start=row.start,
        end=row.end if row.end is not None else max(now, row.start),
        region=row.region,
        zone=row.zone,
        size=row.size,
        lifecycle=row.lifecycle,
        price_hour=row.price_hour,
        od_price_hour=row.od_price_hour,
        vcpus=row.vcpus,
        spot_price_hour=row.spot_price_hour,
    )


def total_costs(
    ctx: ServiceContext, account_id: str, *, from_date: str, to_date: str, owner_id: str | None = None
) -> list[dict[str, Any]]:
    intervals, start, end = _intervals(ctx, account_id, from_date, to_date, owner_id)
    return [summarize(intervals, start, end).as_wire()]


def daily_costs(
    ctx: ServiceContext, account_id: str, *, from_date: str, to_date: str, owner_id: str | None = None
) -> list[dict[str, Any]]:
    intervals, start, end = _intervals(ctx, account_id, from_date, to_date, owner_id)
    _check_daily_window(start, end)
    return daily(intervals, start, end)


def daily_size_usage(
    ctx: ServiceContext, account_id: str, *, from_date: str, to_date: str, owner_id: str | None = None
) -> list[dict[str, Any]]:
    intervals, start, end = _intervals(ctx, account_id, from_date, to_date, owner_id)
    _check_daily_window(start, end)
    return size_usage_daily(intervals, start, end)


def _check_daily_window(start: datetime, end: datetime) -> None:
    if end - start > MAX_DAILY_WINDOW:
        raise SpecError(
            [
                Problem(
                    "WINDOW_TOO_LONG",
                    "fromDate",
                    f"a per-day window may span at most "
                    f"{MAX_DAILY_WINDOW.days} days; ask for a shorter period",
                )
            ]
        )
