"""Requests made of a node, waiting for the worker: the API's side of "please do X".

The API never changes a node's state itself: the engine's state belongs to whichever worker
holds the node's lease, and a direct write would race it. Instead the API appends a request
(`pause`, `resume`, `recycle`, `delete` with the §4.1 deallocationConfig, or a disk request with
its body) and the worker folds the pending ones into its next pass. The pass's `commit_pass`
marks them consumed in the same transaction that stores what the pass did, so a request is
acted on exactly once: a crashed pass leaves it pending for the next one.

Appending also nudges the node (due now at the latest, without bumping its `version`), so the
request is picked up at once even by a worker in the middle of a pass over the same node.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from spotkeeper.store.database import Database
from spotkeeper.store.records import (
    REQUEST_KINDS,
    RequestKind,
    RequestRecord,
    UnknownRecordError,
    narrow_choice,
    require_utc,
)
from spotkeeper.store.tables import NodeRequestRow, NodeRow


def _record(row: NodeRequestRow) -> RequestRecord:
    return RequestRecord(
        id=row.id,
        node_id=row.node_id,
        kind=narrow_choice(row.kind, REQUEST_KINDS, field="kind"),
        payload=dict(row.payload),
        created_at=row.created_at,
        consumed_at=row.consumed_at,
    )


class RequestQueue:
    def __init__(self, database: Database) -> None:
        self._db = database

    def append(
        self, node_id: str, kind: RequestKind, payload: Mapping[str, Any] | None = None, *, now: datetime
    ) -> RequestRecord:
        """Queue a request for `node_id` and make the node due at `now` at the latest.

        Raises `UnknownRecordError` for a node that does not exist and `ValueError` for an
        unknown `kind`, a payload that is not a JSON object, or a node already deleted (no
        worker would ever take the request).
        """
        now = require_utc(now, field="now")
        checked_kind = narrow_choice(kind, REQUEST_KINDS, field="kind")
        if payload is not None and not isinstance(payload, Mapping):
            raise ValueError(f"payload must be a JSON object (a mapping), got {type(payload).__name__}")
        row = NodeRequestRow(
            node_id=node_id,
            kind=checked_kind,
            payload=dict(payload or {}),
            created_at=now,
            consumed_at=None,
        )
        with self._db.session_scope(write=True) as session:
            node = session.get(NodeRow, node_id)
            if node is None:
                raise UnknownRecordError(f"node {node_id!r} does not exist")
            if node.deleted_at is not None:
                raise ValueError(f"node {node_id} was deleted; it takes no more requests")
            session.add(row)
            session.execute(
                update(NodeRow)
                .where(NodeRow.id == node_id, or_(NodeRow.next_due_at.is_(None), NodeRow.next_due_at > now))
                .values(next_due_at=now)
                .execution_options(synchronize_session=False)
            )
            session.flush()
            return _record(row)

    def get(self, request_id: int) -> RequestRecord | None:
        with self._db.session_scope() as session:
            row = session.get(NodeRequestRow, request_id)
            return None if row is None else _record(row)

    def pending(self, node_id: str) -> list[RequestRecord]:
        """The node's requests not yet consumed, oldest first (the order they must apply in)."""
        with self._db.session_scope() as session:
            rows = session.scalars(
                select(NodeRequestRow)
                .where(NodeRequestRow.node_id == node_id, NodeRequestRow.consumed_at.is_(None))
                .order_by(NodeRequestRow.id)
            )
            return [_record(row) for row in rows]

    def history(self, node_id: str, *, limit: int = 100) -> list[RequestRecord]:
        """The node's requests, consumed or not, newest first."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        with self._db.session_scope() as session:
            rows = session.scalars(
                select(NodeRequestRow)
                .where(NodeRequestRow.node_id == node_id)
                .order_by(NodeRequestRow.id.desc())
                .limit(limit)
            )
            return [_record(row) for row in rows]
