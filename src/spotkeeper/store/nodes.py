"""Node rows: creation, reads, compare-and-set transitions, and the leases workers claim.

Two mechanisms keep concurrent writers honest, and they answer different questions:

* **Version (compare-and-set).** Every write bumps `version`. `update_node` only applies when
  the caller still holds the version it read, so an API edit and a worker transition can never
  silently overwrite one another: the loser gets `False`, re-reads and decides again.
* **Lease (who may act).** A worker acts on the cloud for a node only while it holds the lease.
  `claim_due_nodes` hands each due node to exactly one worker (PostgreSQL: `SELECT … FOR
  UPDATE SKIP LOCKED` then `UPDATE` in one transaction; SQLite: the same statements inside a
  `BEGIN IMMEDIATE` transaction, which holds the only write lock). A lease that runs out
  (crashed worker) can be claimed again, and because claiming bumps the version, the old
  holder's late writes fail their compare-and-set.

`next_due_at` is "when this node next needs a worker". Claiming clears it, so anything that
asks for attention while a pass is running (`nudge`, a spec edit, a new request) is not lost:
`release_lease` and the worker's `commit_pass` keep the earlier of that request and the holder's
own next time. A node with `next_due_at` NULL and no lease is idle until someone sets it; a node
whose lease expired is claimable whatever its `next_due_at`, since its holder died mid-pass.

Spec edits have their own token, `spec_version`: `update_spec` bumps it (not `version`) and
nudges the node, so an API edit landing while a worker is mid-pass neither fails the worker's
compare-and-set nor gets lost (the next pass reads the new spec). `nudge` likewise leaves
`version` alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Row, and_, bindparam, case, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from spotkeeper.store.database import Database
from spotkeeper.store.events import event_row
from spotkeeper.store.public_specs import AnySelect, public_columns
from spotkeeper.store.records import (
    NODE_STATUSES,
    NewEvent,
    NodeRecord,
    UnknownRecordError,
    check_choice,
    check_id,
    new_id,
    require_utc,
)
from spotkeeper.store.tables import AccountRow, NodeRow, UtcDateTime

# What a transition may change. Identity, ownership, creation time and the version itself are
# not on the list: the version moves only by one, and only here.
CHANGEABLE_FIELDS = frozenset(
    {
        "name",
        "region",
        "resource_group_name",
        "spec",
        "status_json",
        "phase",
        "status",
        "next_due_at",
        "lease_owner",
        "lease_expires_at",
        "deleted_at",
    }
)
_TIME_FIELDS = ("next_due_at", "lease_expires_at", "deleted_at")
_MAX_CLAIM = 1000
_Q = TypeVar("_Q", bound=AnySelect)


# Built once: the API reads a node by id on most requests.
_NODE_BY_ID = select(NodeRow.__table__).where(NodeRow.id == bindparam("node_id"))


def node_record(row: NodeRow | Row[Any]) -> NodeRecord:
    """The record of an ORM row or of a Core row of the whole `nodes` table."""
    return NodeRecord(
        id=row.id,
        account_id=row.account_id,
        name=row.name,
        region=row.region,
        resource_group_name=row.resource_group_name,
        spec=dict(row.spec),
        status_json=dict(row.status_json),
        phase=row.phase,
        status=row.status,
        version=row.version,
        lease_owner=row.lease_owner,
        lease_expires_at=row.lease_expires_at,
        next_due_at=row.next_due_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
        spec_version=row.spec_version,
        failed_passes=row.failed_passes,
    )


def due_no_later_than(at: datetime) -> ColumnElement[datetime]:
    """SQL for `min(next_due_at, at)`, where NULL ("not due") counts as later than anything."""
    bound = literal(at, type_=UtcDateTime())
    return case(
        (NodeRow.next_due_at.is_(None), bound),
        (NodeRow.next_due_at > bound, bound),
        else_=NodeRow.next_due_at,
    )


def _claimable(now: datetime) -> ColumnElement[bool]:
    due_and_free = and_(NodeRow.lease_owner.is_(None), NodeRow.next_due_at <= now)
    holder_gone = and_(NodeRow.lease_owner.is_not(None), NodeRow.lease_expires_at <= now)
    return and_(NodeRow.deleted_at.is_(None), or_(due_and_free, holder_gone))


def node_filters(
    query: _Q,
    *,
    account_id: str | None,
    name: str | None,
    region: str | None,
    include_deleted: bool,
) -> _Q:
    query = query.order_by(NodeRow.created_at, NodeRow.id)
    if account_id is not None:
        query = query.where(NodeRow.account_id == account_id)
    if name is not None:
        query = query.where(NodeRow.name == name)
    if region is not None:
        query = query.where(NodeRow.region == region)
    if not include_deleted:
        query = query.where(NodeRow.deleted_at.is_(None))
    return query


def _document(value: object, *, field: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{field} must be a JSON object (a mapping), got {type(value).__name__}")
    return dict(value)


class NodeRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create(
        self,
        *,
        account_id: str,
        name: str,
        region: str,
        resource_group_name: str,
        spec: Mapping[str, Any],
        phase: str,
        status: str,
        now: datetime,
        status_json: Mapping[str, Any] | None = None,
        next_due_at: datetime | None = None,
        node_id: str | None = None,
    ) -> NodeRecord:
        """Store a new node at version 1.

        `next_due_at` defaults to `now`: a new node wants a worker straight away.
        `node_id` is generated (`ssn-` + 8 hex) unless given.
        """
        now = require_utc(now, field="now")
        check_choice(status, NODE_STATUSES, field="status")
        if not phase:
            raise ValueError("phase must be a non-empty string")
        document = _document(spec, field="spec")
        row = NodeRow(
            id=check_id(node_id, prefix="ssn", field="node_id") if node_id else new_id("ssn"),
            account_id=account_id,
            name=name,
            region=region,
            resource_group_name=resource_group_name,
            spec=document,
            **public_columns(document),
            status_json=_document(status_json or {}, field="status_json"),
            phase=phase,
            status=status,
            version=1,
            spec_version=1,
            failed_passes=0,
            lease_owner=None,
            lease_expires_at=None,
            next_due_at=now if next_due_at is None else require_utc(next_due_at, field="next_due_at"),
            created_at=now,
            updated_at=now,
            deleted_at=None,
        )
        try:
            with self._db.session_scope(write=True) as session:
                if session.get(AccountRow, account_id) is None:
                    raise UnknownRecordError(f"account {account_id!r} does not exist")
                session.add(row)
                session.flush()
                return node_record(row)
        except IntegrityError as exc:
            raise ValueError(f"node id {row.id!r} is already taken") from exc

    def get(self, node_id: str) -> NodeRecord | None:
        """The node, deleted or not (check `record.is_deleted`)."""
        with self._db.read_connection() as connection:
            row = connection.execute(_NODE_BY_ID, {"node_id": node_id}).one_or_none()
        return None if row is None else node_record(row)

    def find(
        self,
        *,
        account_id: str | None = None,
        name: str | None = None,
        region: str | None = None,
        include_deleted: bool = False,
    ) -> list[NodeRecord]:
        """Nodes matching every given filter, oldest first. `None` filters are ignored."""
        query = node_filters(
            select(NodeRow), account_id=account_id, name=name, region=region, include_deleted=include_deleted
        )
        with self._db.session_scope() as session:
            return [node_record(row) for row in session.scalars(query)]

    def update_node(
        self,
        node_id: str,
        *,
        expected_version: int,
        now: datetime,
        events: Sequence[NewEvent] = (),
        **changes: Any,
    ) -> bool:
        """Apply `changes` only if the node is still at `expected_version` (compare-and-set).

        Returns True when applied (the node is now at `expected_version + 1`, `updated_at` =
        `now`, and `events` are appended to its log in the same transaction). False means
        someone else moved the node first, or it does not exist: re-read and decide again.
        Changeable fields: see `CHANGEABLE_FIELDS`.
        """
        now = require_utc(now, field="now")
        values = self._checked_changes(changes)
        values.update(version=NodeRow.version + 1, updated_at=now)
        if "spec" in values:
            values["spec_version"] = NodeRow.spec_version + 1
        statement = (
            update(NodeRow)
            .where(NodeRow.id == node_id, NodeRow.version == expected_version)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        with self._db.session_scope(write=True) as session:
            result = cast(CursorResult[Any], session.execute(statement))
            if result.rowcount != 1:
                return False
            session.add_all(event_row(node_id, event) for event in events)
            return True

    def update_spec(
        self,
        node_id: str,
        *,
        expected_spec_version: int,
        spec: Mapping[str, Any],
        name: str,
        now: datetime,
        events: Sequence[NewEvent] = (),
    ) -> bool:
        """Replace the node's spec (and name) if it is still at `expected_spec_version`.

        The API's edit path. Guarded by `spec_version`, not `version`, so a worker mid-pass keeps
        its compare-and-set; the node is nudged (due at `now` at the latest) so the next pass
        reads the new spec. `events` are appended with the edit. False: someone edited the spec
        first (re-read and merge again), or the node does not exist or is deleted.
        """
        now = require_utc(now, field="now")
        document = _document(spec, field="spec")
        if not (isinstance(name, str) and name):
            raise ValueError("name must be a non-empty string")
        statement = (
            update(NodeRow)
            .where(
                NodeRow.id == node_id,
                NodeRow.spec_version == expected_spec_version,
                NodeRow.deleted_at.is_(None),
            )
            .values(
                spec=document,
                **public_columns(document),
                name=name,
                spec_version=NodeRow.spec_version + 1,
                updated_at=now,
                next_due_at=due_no_later_than(now),
            )
            .execution_options(synchronize_session=False)
        )
        with self._db.session_scope(write=True) as session:
            result = cast(CursorResult[Any], session.execute(statement))
            if result.rowcount != 1:
                return False
            session.add_all(event_row(node_id, event) for event in events)
            return True

    def nudge(self, node_id: str, *, at: datetime) -> bool:
        """Make the node due at `at` at the latest: `next_due_at = min(next_due_at, at)`.

        For "something changed, look now" (a request, an edit, a cloud event). The version is
        NOT bumped, so a worker mid-pass keeps its compare-and-set, and its commit keeps this
        earlier due time. True if the node exists and is not deleted (nudged or already due
        sooner); False otherwise.
        """
        at = require_utc(at, field="at")
        statement = (
            update(NodeRow)
            .where(
                NodeRow.id == node_id,
                NodeRow.deleted_at.is_(None),
                or_(NodeRow.next_due_at.is_(None), NodeRow.next_due_at > at),
            )
            .values(next_due_at=at)
            .execution_options(synchronize_session=False)
        )
        with self._db.session_scope(write=True) as session:
            if cast(CursorResult[Any], session.execute(statement)).rowcount == 1:
                return True
            live = session.scalar(
                select(NodeRow.id).where(NodeRow.id == node_id, NodeRow.deleted_at.is_(None))
            )
            return live is not None

    def known_ids(self) -> set[str]:
        """Every node id the store holds, deleted nodes included (what orphan sweeps compare to)."""
        with self._db.session_scope() as session:
            return set(session.scalars(select(NodeRow.id)))

    @staticmethod
    def _checked_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(changes) - CHANGEABLE_FIELDS)
        if unknown:
            allowed = ", ".join(sorted(CHANGEABLE_FIELDS))
            raise TypeError(f"update_node() cannot change {', '.join(unknown)}; changeable fields: {allowed}")
        values = dict(changes)
        for field in ("spec", "status_json"):
            if field in values:
                values[field] = _document(values[field], field=field)
        if "spec" in values:
            values.update(public_columns(values["spec"]))
        if "status" in values:
            check_choice(values["status"], NODE_STATUSES, field="status")
        for field in ("name", "region", "resource_group_name", "phase"):
            if field in values and not (isinstance(values[field], str) and values[field]):
                raise ValueError(f"{field} must be a non-empty string")
        for field in _TIME_FIELDS:
            if values.get(field) is not None:
                values[field] = require_utc(values[field], field=field)
        return values

    def claim_due_nodes(
        self, worker_id: str, *, now: datetime, limit: int, lease_seconds: float
    ) -> list[NodeRecord]:
        """Lease up to `limit` nodes that need a worker to `worker_id`, earliest due first.

        Claimable: not deleted, and either due (`next_due_at <= now`) with no lease, or leased
        with the lease expired. Each claimed node gets `lease_owner=worker_id`,
        `lease_expires_at=now+lease_seconds`, `next_due_at=NULL` and `version+1`; the records
        returned carry the new version for the worker's compare-and-set writes. No two
        concurrent callers ever receive the same node.
        """
        now = require_utc(now, field="now")
        if not worker_id:
            raise ValueError("worker_id must be a non-empty string")
        if not 1 <= limit <= _MAX_CLAIM:
            raise ValueError(f"limit must be between 1 and {_MAX_CLAIM}, got {limit}")
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be positive, got {lease_seconds}")
        expires = now + timedelta(seconds=lease_seconds)
        candidates = (
            select(NodeRow.id)
            .where(_claimable(now))
            .order_by(func.coalesce(NodeRow.next_due_at, NodeRow.lease_expires_at), NodeRow.id)
            .limit(limit)
            # PostgreSQL: lock the chosen rows, skipping rows another claimer holds. SQLite
            # ignores this clause; its BEGIN IMMEDIATE already excludes other writers.
            .with_for_update(skip_locked=True)
        )
        with self._db.session_scope(write=True) as session:
            ids = list(session.scalars(candidates))
            if not ids:
                return []
            session.execute(
                update(NodeRow)
                .where(NodeRow.id.in_(ids), _claimable(now))
                .values(
                    lease_owner=worker_id,
                    lease_expires_at=expires,
                    next_due_at=None,
                    version=NodeRow.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            claimed = session.scalars(
                select(NodeRow)
                .where(NodeRow.id.in_(ids), NodeRow.lease_owner == worker_id)
                .order_by(NodeRow.id)
            )
            return [node_record(row) for row in claimed]

    def renew_lease(self, node_id: str, worker_id: str, *, now: datetime, lease_seconds: float) -> bool:
        """Extend the lease `worker_id` holds to `now + lease_seconds`.

        False if the worker no longer holds it (it expired and another worker claimed it).
        The version is NOT bumped: renewing changes nothing about the node, and the holder's
        pending compare-and-set writes must stay valid.
        """
        now = require_utc(now, field="now")
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be positive, got {lease_seconds}")
        statement = (
            update(NodeRow)
            .where(NodeRow.id == node_id, NodeRow.lease_owner == worker_id)
            .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        with self._db.session_scope(write=True) as session:
            return cast(CursorResult[Any], session.execute(statement)).rowcount == 1

    def release_lease(self, node_id: str, worker_id: str, *, next_due_at: datetime | None) -> bool:
        """Give the node back, due again at `next_due_at` (None: only when someone asks).

        If someone asked for the node while it was leased (set `next_due_at`), the earlier of
        the two times wins. False if `worker_id` does not hold the lease any more.
        """
        wanted = None if next_due_at is None else require_utc(next_due_at, field="next_due_at")
        with self._db.session_scope(write=True) as session:
            row = session.scalars(
                select(NodeRow)
                .where(NodeRow.id == node_id, NodeRow.lease_owner == worker_id)
                .with_for_update()
            ).one_or_none()
            if row is None:
                return False
            requested = row.next_due_at
            if requested is None or (wanted is not None and wanted < requested):
                requested = wanted
            row.lease_owner = None
            row.lease_expires_at = None
            row.next_due_at = requested
            row.version += 1
            return True

    def due_count(self, *, now: datetime) -> int:
        """How many nodes a claim at `now` could pick up (for metrics and idle workers)."""
        now = require_utc(now, field="now")
        with self._db.session_scope() as session:
            return session.scalar(select(func.count()).select_from(NodeRow).where(_claimable(now))) or 0

    def next_claimable_at(self) -> datetime | None:
        """The earliest time a claim could return a node (a worker's sleep target).

        That is the earliest `next_due_at` of an unleased node or `lease_expires_at` of a
        leased one. None: no node will need a worker until someone sets `next_due_at`.
        """
        live = NodeRow.deleted_at.is_(None)
        with self._db.session_scope() as session:
            due = session.scalar(
                select(func.min(NodeRow.next_due_at)).where(live, NodeRow.lease_owner.is_(None))
            )
            expiry = session.scalar(
                select(func.min(NodeRow.lease_expires_at)).where(live, NodeRow.lease_owner.is_not(None))
            )
        candidates = [when for when in (due, expiry) if when is not None]
        return min(candidates) if candidates else None
