"""Imports of existing Azure VMs into stateful nodes (`sin-` ids, §4.2 and §5.3).

An import is its own record because the client polls it by import id
(`GET …/import/{importId}/status`) while the engine works on the node it created; the
record links the two and carries the import's progress word (`ImportStart`, …), which the
engine owns and the store does not interpret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from spotkeeper.store.database import Database
from spotkeeper.store.records import ImportRecord, UnknownRecordError, new_id, require_utc
from spotkeeper.store.tables import ImportRow, NodeRow


def _record(row: ImportRow) -> ImportRecord:
    return ImportRecord(
        id=row.id,
        account_id=row.account_id,
        node_id=row.node_id,
        state=row.state,
        vm_name=row.vm_name,
        resource_group_name=row.resource_group_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class ImportRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create(
        self,
        *,
        node_id: str,
        vm_name: str,
        resource_group_name: str,
        now: datetime,
        state: str = "ImportStart",
    ) -> ImportRecord:
        """Record an import of VM `vm_name` into `node_id` (whose account it inherits)."""
        now = require_utc(now, field="now")
        for field, value in (
            ("vm_name", vm_name),
            ("resource_group_name", resource_group_name),
            ("state", state),
        ):
            if not value:
                raise ValueError(f"{field} must be a non-empty string")
        with self._db.session_scope(write=True) as session:
            account_id = session.scalar(select(NodeRow.account_id).where(NodeRow.id == node_id))
            if account_id is None:
                raise UnknownRecordError(f"node {node_id!r} does not exist")
            row = ImportRow(
                id=new_id("sin"),
                account_id=account_id,
                node_id=node_id,
                state=state,
                vm_name=vm_name,
                resource_group_name=resource_group_name,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            return _record(row)

    def get(self, import_id: str) -> ImportRecord | None:
        with self._db.session_scope() as session:
            row = session.get(ImportRow, import_id)
            return None if row is None else _record(row)

    def for_node(self, node_id: str) -> list[ImportRecord]:
        with self._db.session_scope() as session:
            rows = session.scalars(
                select(ImportRow)
                .where(ImportRow.node_id == node_id)
                .order_by(ImportRow.created_at, ImportRow.id)
            )
            return [_record(row) for row in rows]

    def set_state(self, import_id: str, state: str, *, now: datetime) -> bool:
        """Move the import to `state`; False if there is no such import."""
        if not state:
            raise ValueError("state must be a non-empty string")
        with self._db.session_scope(write=True) as session:
            result = session.execute(
                update(ImportRow)
                .where(ImportRow.id == import_id)
                .values(state=state, updated_at=require_utc(now, field="now"))
                .execution_options(synchronize_session=False)
            )
            return cast(CursorResult[Any], result).rowcount == 1
