"""The node log: an append-only record of what happened to each node and why.

This is what `GET …/{nodeId}/log` serves (§2 row 16, §5.5). Rows are never updated.

Query semantics, decided here once:

* **Severity.** The wire enum is `DEBUG | INFO | WARN | ERROR | ALL`. Because `ALL` exists,
  a named severity is read as an exact match ("show me the WARN entries"), not a threshold:
  if `DEBUG` meant "DEBUG and above", `ALL` would be redundant. `ALL` returns every level.
* **Time window.** `since` and `until` are both inclusive and both optional. Inclusive `until`
  matters with a frozen test clock: an event logged at `now` is returned by a query up to `now`.
* **Order and limit.** Newest first by default, since a limited read should show the latest
  entries (a person reading a log wants what just happened); `oldest_first=True` reverses it.
  Ties on time keep insertion order. `limit` is 0..1000 (default 500) as on the wire;
  0 returns nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from spotkeeper.store.database import Database
from spotkeeper.store.records import (
    SEVERITIES,
    EventRecord,
    NewEvent,
    Severity,
    SeverityFilter,
    UnknownRecordError,
    check_choice,
    narrow_choice,
    require_utc,
)
from spotkeeper.store.tables import NodeEventRow

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000


def event_row(node_id: str, event: NewEvent) -> NodeEventRow:
    """Validate `event` and build its row (also used by `update_node` to log transitions)."""
    check_choice(event.severity, SEVERITIES, field="severity")
    if not event.message:
        raise ValueError("message must be a non-empty string")
    return NodeEventRow(
        node_id=node_id,
        time=require_utc(event.time, field="time"),
        severity=event.severity,
        message=event.message,
        resource_id=event.resource_id,
    )


def _record(row: NodeEventRow) -> EventRecord:
    return EventRecord(
        id=row.id,
        node_id=row.node_id,
        time=row.time,
        severity=narrow_choice(row.severity, SEVERITIES, field="severity"),
        message=row.message,
        resource_id=row.resource_id,
    )


class EventLog:
    def __init__(self, database: Database) -> None:
        self._db = database

    def append(
        self,
        node_id: str,
        *,
        time: datetime,
        message: str,
        severity: Severity = "INFO",
        resource_id: str | None = None,
    ) -> EventRecord:
        row = event_row(
            node_id, NewEvent(time=time, message=message, severity=severity, resource_id=resource_id)
        )
        try:
            with self._db.session_scope(write=True) as session:
                session.add(row)
                session.flush()
                return _record(row)
        except IntegrityError as exc:
            raise UnknownRecordError(f"node {node_id!r} does not exist") from exc

    def query(
        self,
        node_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        severity: SeverityFilter = "ALL",
        resource_id: str | None = None,
        limit: int = DEFAULT_LIMIT,
        oldest_first: bool = False,
    ) -> list[EventRecord]:
        """The node's events matching every filter; semantics in the module docstring."""
        check_choice(severity, (*SEVERITIES, "ALL"), field="severity")
        if not 0 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 0 and {MAX_LIMIT}, got {limit}")
        if limit == 0:
            return []
        query = select(NodeEventRow).where(NodeEventRow.node_id == node_id)
        if since is not None:
            query = query.where(NodeEventRow.time >= require_utc(since, field="since"))
        if until is not None:
            query = query.where(NodeEventRow.time <= require_utc(until, field="until"))
        if since is not None and until is not None and since > until:
            raise ValueError(f"since ({since.isoformat()}) is after until ({until.isoformat()})")
        if severity != "ALL":
            query = query.where(NodeEventRow.severity == severity)
        if resource_id is not None:
            query = query.where(NodeEventRow.resource_id == resource_id)
        if oldest_first:
            query = query.order_by(NodeEventRow.time, NodeEventRow.id)
        else:
            query = query.order_by(NodeEventRow.time.desc(), NodeEventRow.id.desc())
        with self._db.session_scope() as session:
            return [_record(row) for row in session.scalars(query.limit(limit))]
