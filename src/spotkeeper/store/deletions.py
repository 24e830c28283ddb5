"""Cloud resources waiting to be deleted: retention TTLs and orphans found by garbage collection.

When a node is deleted with retention (`ttlInHours`, 96 h by default) or an import leaves the
original VM's resources behind, the resource is not deleted at once but scheduled here with a
`due_at`. The garbage collector asks for what is `due(now)`, deletes each resource through the
cloud port, and marks it done, or failed with the error and a later retry time.

A resource is scheduled at most once while pending: ARM ids are case-insensitive, so the
uniqueness key is the lower-cased id, and scheduling it again returns the existing entry
unchanged (the first reason and due time stand). Two collectors working the same entry is
harmless: the cloud port's delete treats "already gone" as success.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spotkeeper.store.database import Database
from spotkeeper.store.records import (
    DELETION_KINDS,
    DeletionKind,
    PendingDeletion,
    UnknownRecordError,
    narrow_choice,
    require_utc,
)
from spotkeeper.store.tables import NodeRow, PendingDeletionRow

MAX_ERROR_LENGTH = 4000


def _record(row: PendingDeletionRow) -> PendingDeletion:
    return PendingDeletion(
        id=row.id,
        resource_id=row.resource_id,
        kind=narrow_choice(row.kind, DELETION_KINDS, field="kind"),
        node_id=row.node_id,
        reason=row.reason,
        due_at=row.due_at,
        created_at=row.created_at,
        done_at=row.done_at,
        attempts=row.attempts,
        last_error=row.last_error,
    )


def pending_for(session: Session, resource_key: str) -> PendingDeletionRow | None:
    return session.scalars(
        select(PendingDeletionRow).where(
            PendingDeletionRow.resource_key == resource_key, PendingDeletionRow.done_at.is_(None)
        )
    ).one_or_none()


class PendingDeletions:
    def __init__(self, database: Database) -> None:
        self._db = database

    def schedule(
        self,
        resource_id: str,
        *,
        kind: DeletionKind,
        reason: str,
        due_at: datetime,
        now: datetime,
        node_id: str | None = None,
    ) -> PendingDeletion:
        """Schedule `resource_id` (an ARM id) for deletion at `due_at`; idempotent while pending."""
        if not resource_id.lower().startswith("/subscriptions/"):
            raise ValueError(
                f"resource_id must be an ARM id starting with /subscriptions/, got {resource_id!r}"
            )
        if not reason:
            raise ValueError("reason must be a non-empty string")
        row = PendingDeletionRow(
            resource_id=resource_id,
            resource_key=resource_id.lower(),
            kind=narrow_choice(kind, DELETION_KINDS, field="kind"),
            node_id=node_id,
            reason=reason,
            due_at=require_utc(due_at, field="due_at"),
            created_at=require_utc(now, field="now"),
            done_at=None,
            attempts=0,
            last_error=None,
        )
        try:
            with self._db.session_scope(write=True) as session:
                if node_id is not None and session.get(NodeRow, node_id) is None:
                    raise UnknownRecordError(f"node {node_id!r} does not exist")
                existing = pending_for(session, row.resource_key)
                if existing is not None:
                    return _record(existing)
                session.add(row)
                session.flush()
                return _record(row)
        except IntegrityError:
            # Another process scheduled the same resource between our check and insert.
            with self._db.session_scope() as session:
                existing = pending_for(session, row.resource_key)
                if existing is None:
                    raise
                return _record(existing)

    def get(self, deletion_id: int) -> PendingDeletion | None:
        with self._db.session_scope() as session:
            row = session.get(PendingDeletionRow, deletion_id)
            return None if row is None else _record(row)

    def due(self, now: datetime, *, limit: int = 100) -> list[PendingDeletion]:
        """Pending entries with `due_at <= now`, earliest first."""
        now = require_utc(now, field="now")
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        with self._db.session_scope() as session:
            rows = session.scalars(
                select(PendingDeletionRow)
                .where(PendingDeletionRow.done_at.is_(None), PendingDeletionRow.due_at <= now)
                .order_by(PendingDeletionRow.due_at, PendingDeletionRow.id)
                .limit(limit)
            )
            return [_record(row) for row in rows]

    def pending(self, *, node_id: str | None = None) -> list[PendingDeletion]:
        """Entries not yet done (optionally of one node), earliest due first."""
        query = (
            select(PendingDeletionRow)
            .where(PendingDeletionRow.done_at.is_(None))
            .order_by(PendingDeletionRow.due_at, PendingDeletionRow.id)
        )
        if node_id is not None:
            query = query.where(PendingDeletionRow.node_id == node_id)
        with self._db.session_scope() as session:
            return [_record(row) for row in session.scalars(query)]

    def mark_done(self, deletion_id: int, *, now: datetime) -> bool:
        """Record the deletion as done (counts as an attempt). False if unknown or already done."""
        return self._finish(
            deletion_id, done_at=require_utc(now, field="now"), attempts=PendingDeletionRow.attempts + 1
        )

    def mark_failed(self, deletion_id: int, *, error: str, retry_at: datetime) -> bool:
        """Record a failed attempt and try again at `retry_at`. False if unknown or done."""
        return self._finish(
            deletion_id,
            due_at=require_utc(retry_at, field="retry_at"),
            attempts=PendingDeletionRow.attempts + 1,
            last_error=error[:MAX_ERROR_LENGTH],
        )

    def _finish(self, deletion_id: int, **values: Any) -> bool:
        with self._db.session_scope(write=True) as session:
            result = session.execute(
                update(PendingDeletionRow)
                .where(PendingDeletionRow.id == deletion_id, PendingDeletionRow.done_at.is_(None))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            return cast(CursorResult[Any], result).rowcount == 1
