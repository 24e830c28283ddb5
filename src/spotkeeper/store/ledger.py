"""The cost ledger: every interval a node's VM ran, with the prices it ran at.

The engine writes it; the cost endpoints (§2 rows 17-19, §5.6) read it through `costing`.
Two ways to write, both retry-safe because a worker may crash and redo a pass:

* `record(...)` appends a closed interval. Recording the identical interval again returns the
  existing row; a *different* interval overlapping one already recorded for the node raises
  `LedgerConflictError`, because one node runs one VM at a time and an overlap bills twice.
* `open_interval(...)` starts an interval that runs until `close_interval(node_id, end=...)`.
  Opening a new one closes the node's open interval at the new start (a price change or a
  replacement VM), enforced by a unique index: at most one open interval per node.

The worker's `commit_pass` writes through `record_in_session` with `extend=True`: a pass appends
the VM's running time since the previous pass, so an interval that starts where the node's last
one ended, on the same terms, lengthens that row instead of adding one per pass, and an
interval already covered by a row on the same terms is recognised as written.

Reads take `now` as well as the window: the effective window ends at `min(end, now)`, so an
interval still running is costed up to now and never into the future.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from spotkeeper.store import costing
from spotkeeper.store.database import Database
from spotkeeper.store.records import (
    LIFECYCLES,
    CostFigures,
    DailyCost,
    LedgerConflictError,
    LedgerInterval,
    Lifecycle,
    SizeUsage,
    UnknownRecordError,
    narrow_choice,
    require_utc,
)
from spotkeeper.store.tables import CostLedgerRow, NodeRow


def _record(row: CostLedgerRow) -> LedgerInterval:
    return LedgerInterval(
        id=row.id,
        node_id=row.node_id,
        account_id=row.account_id,
        start=row.started_at,
        end=row.ended_at,
        region=row.region,
        zone=row.zone,
        size=row.size,
        lifecycle=narrow_choice(row.lifecycle, LIFECYCLES, field="lifecycle"),
        price_hour=row.price_hour,
        od_price_hour=row.od_price_hour,
        vcpus=row.vcpus,
        spot_price_hour=row.spot_price_hour,
    )


def _terms(row: CostLedgerRow) -> tuple[object, ...]:
    return (
        row.region,
        row.zone,
        row.size,
        row.lifecycle,
        row.price_hour,
        row.od_price_hour,
        row.vcpus,
        row.spot_price_hour,
    )


def _same_terms(row: CostLedgerRow, other: CostLedgerRow) -> bool:
    return _terms(row) == _terms(other)


def record_in_session(
    session: Session,
    *,
    node_id: str,
    start: datetime,
    end: datetime,
    region: str,
    zone: str | None,
    size: str,
    lifecycle: str,
    price_hour: float,
    od_price_hour: float,
    vcpus: int,
    spot_price_hour: float | None = None,
    extend: bool = False,
) -> CostLedgerRow:
    """Write the closed interval `[start, end)` inside the caller's transaction.

    Everything is checked before anything is written, so a refusal (`ValueError`,
    `LedgerConflictError`) leaves the transaction as it was. With `extend`, see the module
    docstring; without it, only the identical interval counts as already written.
    """
    end = require_utc(end, field="end")
    row = _new_row(
        session,
        node_id=node_id,
        start=start,
        region=region,
        zone=zone,
        size=size,
        lifecycle=lifecycle,
        price_hour=price_hour,
        od_price_hour=od_price_hour,
        vcpus=vcpus,
        spot_price_hour=spot_price_hour,
    )
    row.ended_at = end
    if end < row.started_at:
        raise ValueError(f"end ({end.isoformat()}) is before start ({row.started_at.isoformat()})")
    overlapping = session.scalars(
        select(CostLedgerRow).where(
            CostLedgerRow.node_id == node_id,
            CostLedgerRow.started_at < end,
            or_(CostLedgerRow.ended_at.is_(None), CostLedgerRow.ended_at > row.started_at),
        )
    ).all()
    for existing in overlapping:
        if not _same_terms(existing, row):
            continue
        if (existing.started_at, existing.ended_at) == (row.started_at, end):
            return existing
        inside = existing.started_at <= row.started_at and existing.ended_at is not None
        if extend and inside and existing.ended_at is not None and end <= existing.ended_at:
            return existing
    if overlapping:
        first = overlapping[0]
        raise LedgerConflictError(
            f"interval {row.started_at.isoformat()}..{end.isoformat()} for node {node_id} overlaps "
            f"recorded interval {first.id} ({first.started_at.isoformat()}.."
            f"{first.ended_at.isoformat() if first.ended_at else 'open'})"
        )
    if extend and row.started_at < end:
        previous = session.scalars(
            select(CostLedgerRow)
            .where(CostLedgerRow.node_id == node_id, CostLedgerRow.ended_at == row.started_at)
            .order_by(CostLedgerRow.id.desc())
        ).first()
        if previous is not None and _same_terms(previous, row):
            previous.ended_at = end
            session.flush()
            return previous
    session.add(row)
    session.flush()
    return row


def _new_row(
    session: Session,
    *,
    node_id: str,
    start: datetime,
    region: str,
    zone: str | None,
    size: str,
    lifecycle: str,
    price_hour: float,
    od_price_hour: float,
    vcpus: int,
    spot_price_hour: float | None = None,
) -> CostLedgerRow:
    start = require_utc(start, field="start")
    lifecycle = narrow_choice(lifecycle, LIFECYCLES, field="lifecycle")
    for field, price in (("price_hour", price_hour), ("od_price_hour", od_price_hour)):
        if not price >= 0:  # also refuses NaN
            raise ValueError(f"{field} must be a non-negative number, got {price}")
    if spot_price_hour is not None and not spot_price_hour >= 0:
        raise ValueError(f"spot_price_hour must be a non-negative number or None, got {spot_price_hour}")
    if vcpus < 1:
        raise ValueError(f"vcpus must be at least 1, got {vcpus}")
    if not size:
        raise ValueError("size must be a non-empty string")
    account_id = session.scalar(select(NodeRow.account_id).where(NodeRow.id == node_id))
    if account_id is None:
        raise UnknownRecordError(f"node {node_id!r} does not exist")
    return CostLedgerRow(
        node_id=node_id,
        account_id=account_id,
        started_at=start,
        ended_at=None,
        region=region,
        zone=zone,
        size=size,
        lifecycle=lifecycle,
        price_hour=float(price_hour),
        od_price_hour=float(od_price_hour),
        vcpus=vcpus,
        spot_price_hour=None if spot_price_hour is None else float(spot_price_hour),
    )


class CostLedger:
    def __init__(self, database: Database) -> None:
        self._db = database

    def record(
        self,
        *,
        node_id: str,
        start: datetime,
        end: datetime,
        region: str,
        zone: str | None,
        size: str,
        lifecycle: Lifecycle,
        price_hour: float,
        od_price_hour: float,
        vcpus: int,
        spot_price_hour: float | None = None,
    ) -> LedgerInterval:
        """Append the closed interval `[start, end)`; idempotent for an identical interval."""
        with self._db.session_scope(write=True) as session:
            row = record_in_session(
                session,
                node_id=node_id,
                start=start,
                end=end,
                region=region,
                zone=zone,
                size=size,
                lifecycle=lifecycle,
                price_hour=price_hour,
                od_price_hour=od_price_hour,
                vcpus=vcpus,
                spot_price_hour=spot_price_hour,
            )
            return _record(row)

    def open_interval(
        self,
        *,
        node_id: str,
        start: datetime,
        region: str,
        zone: str | None,
        size: str,
        lifecycle: Lifecycle,
        price_hour: float,
        od_price_hour: float,
        vcpus: int,
        spot_price_hour: float | None = None,
    ) -> LedgerInterval:
        """Start a running interval; closes the node's open interval (if any) at `start`.

        Opening the identical interval again (same start and terms) returns it unchanged.
        """
        with self._db.session_scope(write=True) as session:
            row = _new_row(
                session,
                node_id=node_id,
                start=start,
                region=region,
                zone=zone,
                size=size,
                lifecycle=lifecycle,
                price_hour=price_hour,
                od_price_hour=od_price_hour,
                vcpus=vcpus,
                spot_price_hour=spot_price_hour,
            )
            current = self._open_row(session, node_id)
            if current is not None:
                if current.started_at == row.started_at and _same_terms(current, row):
                    return _record(current)
                if row.started_at < current.started_at:
                    raise LedgerConflictError(
                        f"new interval starts {row.started_at.isoformat()}, before the open interval "
                        f"{current.id} of node {node_id} ({current.started_at.isoformat()})"
                    )
                current.ended_at = row.started_at
                session.flush()  # the unique "one open interval" index must see it closed first
            later = session.scalar(
                select(CostLedgerRow.id).where(
                    CostLedgerRow.node_id == node_id,
                    or_(CostLedgerRow.ended_at.is_(None), CostLedgerRow.ended_at > row.started_at),
                )
            )
            if later is not None:
                raise LedgerConflictError(
                    f"node {node_id} already has interval {later} after {row.started_at.isoformat()}"
                )
            session.add(row)
            session.flush()
            return _record(row)

    def close_interval(self, node_id: str, *, end: datetime) -> LedgerInterval | None:
        """End the node's running interval at `end`; None if nothing was running."""
        end = require_utc(end, field="end")
        with self._db.session_scope(write=True) as session:
            current = self._open_row(session, node_id)
            if current is None:
                return None
            if end < current.started_at:
                raise ValueError(
                    f"end ({end.isoformat()}) is before the open interval's start "
                    f"({current.started_at.isoformat()})"
                )
            current.ended_at = end
            session.flush()
            return _record(current)

    def open_interval_of(self, node_id: str) -> LedgerInterval | None:
        with self._db.session_scope() as session:
            row = self._open_row(session, node_id)
            return None if row is None else _record(row)

    def intervals(
        self, *, account_id: str, start: datetime, end: datetime, now: datetime, node_id: str | None = None
    ) -> list[LedgerInterval]:
        """Raw (unclipped) intervals of the account (or one node) overlapping the window."""
        window_start, window_end = self._window(start, end, now)
        query = (
            select(CostLedgerRow)
            .where(
                CostLedgerRow.account_id == account_id,
                CostLedgerRow.started_at < window_end,
                or_(CostLedgerRow.ended_at.is_(None), CostLedgerRow.ended_at > window_start),
            )
            .order_by(CostLedgerRow.started_at, CostLedgerRow.id)
        )
        if node_id is not None:
            query = query.where(CostLedgerRow.node_id == node_id)
        with self._db.session_scope() as session:
            return [_record(row) for row in session.scalars(query)]

    def costs(
        self, *, account_id: str, start: datetime, end: datetime, now: datetime, node_id: str | None = None
    ) -> CostFigures:
        """Usage hours and cost over `[start, min(end, now))` (§2 row 17)."""
        window_start, window_end = self._window(start, end, now)
        rows = self.intervals(account_id=account_id, start=start, end=end, now=now, node_id=node_id)
        return costing.total_costs(rows, start=window_start, end=window_end)

    def daily_costs(
        self, *, account_id: str, start: datetime, end: datetime, now: datetime, node_id: str | None = None
    ) -> list[DailyCost]:
        """The same figures per UTC day, intervals split at midnight (§2 row 18)."""
        window_start, window_end = self._window(start, end, now)
        rows = self.intervals(account_id=account_id, start=start, end=end, now=now, node_id=node_id)
        return costing.daily_costs(rows, start=window_start, end=window_end)

    def daily_size_usage(
        self, *, account_id: str, start: datetime, end: datetime, now: datetime, node_id: str | None = None
    ) -> list[SizeUsage]:
        """Hours per UTC day, VM size and lifecycle (§2 row 19)."""
        window_start, window_end = self._window(start, end, now)
        rows = self.intervals(account_id=account_id, start=start, end=end, now=now, node_id=node_id)
        return costing.daily_size_usage(rows, start=window_start, end=window_end)

    @staticmethod
    def _window(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
        start = require_utc(start, field="start")
        end = require_utc(end, field="end")
        now = require_utc(now, field="now")
        if end < start:
            raise ValueError(f"end ({end.isoformat()}) is before start ({start.isoformat()})")
        return start, max(start, min(end, now))

    @staticmethod
    def _open_row(session: Session, node_id: str) -> CostLedgerRow | None:
        return session.scalars(
            select(CostLedgerRow)
            .where(CostLedgerRow.node_id == node_id, CostLedgerRow.ended_at.is_(None))
            .with_for_update()
        ).one_or_none()
