"""Storing a worker's reconcile pass whole, or not at all.

A pass produces several things at once: the node's new engine state, its public status, log
events, cost ledger intervals, cloud resources to delete later, the requests it acted on, and
when the node is next due. If they were written one by one, a crash between two writes would
bill an hour without the state that explains it, or forget a request the cloud already acted
on. `commit_pass` writes them in ONE transaction guarded by the node's `version` (and the
worker's lease): either everything lands, or nothing does and the worker learns it lost the node
(another worker claimed it after the lease ran out, or someone wrote a new state).

Two things in a pass are not allowed to sink it:

* A cost interval the ledger refuses (it overlaps a different interval, or carries a value the
  ledger cannot take) is logged on the node as an ERROR instead: the ledger never bills an hour
  twice, and the node's lifecycle does not stall over accounting.
* A resource already pending deletion keeps its first entry (reason and due time), as
  `PendingDeletions.schedule` does, even when another process schedules it concurrently.

`abandon_pass` is the other ending: the pass raised, so its results are thrown away; the node
keeps its state, the error is logged, and it comes back at `retry_at` (exactly then: nudges that
arrived during the failed pass do not shorten a backoff; their requests stay pending).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spotkeeper.store.database import Database
from spotkeeper.store.deletions import pending_for
from spotkeeper.store.events import event_row
from spotkeeper.store.ledger import record_in_session
from spotkeeper.store.records import (
    DELETION_KINDS,
    NODE_STATUSES,
    LedgerConflictError,
    NewEvent,
    check_choice,
    narrow_choice,
    require_utc,
)
from spotkeeper.store.tables import NodeRequestRow, NodeRow, PendingDeletionRow


class PassInterval(Protocol):
    """A priced running interval as the engine reports it (`engine.costs.CostInterval`)."""

    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def region(self) -> str: ...
    @property
    def zone(self) -> str | None: ...
    @property
    def size(self) -> str: ...
    @property
    def lifecycle(self) -> str: ...
    @property
    def price_hour(self) -> float: ...
    @property
    def od_price_hour(self) -> float: ...
    @property
    def vcpus(self) -> int: ...
    @property
    def spot_price_hour(self) -> float | None: ...


class PassDeletion(Protocol):
    """A resource to delete later as the engine reports it (`engine.context.PendingDeletion`)."""

    @property
    def resource_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def reason(self) -> str: ...


def commit_pass(
    database: Database,
    node_id: str,
    worker_id: str,
    *,
    expected_version: int,
    state_json: Mapping[str, Any],
    phase: str,
    status: str,
    events: Sequence[NewEvent],
    ledger: Sequence[PassInterval],
    deletions: Sequence[PassDeletion],
    consumed_request_ids: Sequence[int],
    next_due_at: datetime | None,
    now: datetime,
) -> bool:
    """Store a pass and release the lease, in one transaction (see the module docstring).

    Applies only while the node is at `expected_version` and leased to `worker_id`; returns
    False, having written nothing, otherwise. On success the node is at `expected_version + 1`,
    its lease is released, `failed_passes` is reset, and it is next due at the earlier of
    `next_due_at` and any nudge made during the pass (None and no nudge: idle). Status
    `deleted` marks the node deleted (`deleted_at = now`; never due again).
    """
    now = require_utc(now, field="now")
    wanted = None if next_due_at is None else require_utc(next_due_at, field="next_due_at")
    if not isinstance(state_json, Mapping):
        raise TypeError(f"state_json must be a JSON object (a mapping), got {type(state_json).__name__}")
    check_choice(status, NODE_STATUSES, field="status")
    if not phase:
        raise ValueError("phase must be a non-empty string")
    event_rows = [event_row(node_id, event) for event in events]
    deletion_rows = [_deletion_row(node_id, deletion, now=now) for deletion in deletions]

    with database.session_scope(write=True) as session:
        row = _held_row(session, node_id, worker_id, expected_version)
        if row is None:
            return False
        row.status_json = dict(state_json)
        row.phase = phase
        row.status = status
        row.version += 1
        row.updated_at = now
        row.failed_passes = 0
        row.lease_owner = None
        row.lease_expires_at = None
        if status == "deleted":
            row.deleted_at = row.deleted_at or now
            row.next_due_at = None
        else:
            row.next_due_at = _earlier(row.next_due_at, wanted)
        session.add_all(event_rows)
        for interval in ledger:
            refusal = _record_interval(session, node_id, interval)
            if refusal is not None:
                session.add(event_row(node_id, NewEvent(time=now, message=refusal, severity="ERROR")))
        for deletion in deletion_rows:
            _schedule(session, deletion)
        if consumed_request_ids:
            session.execute(
                update(NodeRequestRow)
                .where(
                    NodeRequestRow.id.in_(list(consumed_request_ids)),
                    NodeRequestRow.node_id == node_id,
                    NodeRequestRow.consumed_at.is_(None),
                )
                .values(consumed_at=now)
                .execution_options(synchronize_session=False)
            )
        return True


def abandon_pass(
    database: Database,
    node_id: str,
    worker_id: str,
    *,
    expected_version: int,
    events: Sequence[NewEvent],
    retry_at: datetime,
    now: datetime,
    failed: bool = True,
) -> bool:
    """Throw a pass's results away: keep the node's state, log `events`, release the lease
    until `retry_at`, and (with `failed`) count one more consecutive failed pass.

    Same guard as `commit_pass`; False (nothing written) when the worker lost the node.
    """
    now = require_utc(now, field="now")
    retry_at = require_utc(retry_at, field="retry_at")
    event_rows = [event_row(node_id, event) for event in events]
    with database.session_scope(write=True) as session:
        row = _held_row(session, node_id, worker_id, expected_version)
        if row is None:
            return False
        row.version += 1
        row.updated_at = now
        if failed:
            row.failed_passes += 1
        row.lease_owner = None
        row.lease_expires_at = None
        row.next_due_at = retry_at
        session.add_all(event_rows)
        return True


def _held_row(session: Session, node_id: str, worker_id: str, expected_version: int) -> NodeRow | None:
    return session.scalars(
        select(NodeRow)
        .where(
            NodeRow.id == node_id,
            NodeRow.version == expected_version,
            NodeRow.lease_owner == worker_id,
            NodeRow.deleted_at.is_(None),
        )
        .with_for_update()
    ).one_or_none()


def _earlier(requested: datetime | None, wanted: datetime | None) -> datetime | None:
    if requested is None:
        return wanted
    if wanted is None:
        return requested
    return min(requested, wanted)


def _record_interval(session: Session, node_id: str, interval: PassInterval) -> str | None:
    """Record one interval; the reason it was refused, or None when it is in the ledger."""
    try:
        record_in_session(
            session,
            node_id=node_id,
            start=interval.start,
            end=interval.end,
            region=interval.region,
            zone=interval.zone,
            size=interval.size,
            lifecycle=interval.lifecycle,
            price_hour=interval.price_hour,
            od_price_hour=interval.od_price_hour,
            vcpus=interval.vcpus,
            spot_price_hour=interval.spot_price_hour,
            extend=True,
        )
    except (LedgerConflictError, ValueError) as refusal:
        return (
            f"cost of {interval.size} ({interval.lifecycle}) from {interval.start.isoformat()} to "
            f"{interval.end.isoformat()} was not recorded: {refusal}"
        )
    return None


def _deletion_row(node_id: str, deletion: PassDeletion, *, now: datetime) -> PendingDeletionRow:
    if not deletion.resource_id.lower().startswith("/subscriptions/"):
        raise ValueError(
            f"resource_id must be an ARM id starting with /subscriptions/, got {deletion.resource_id!r}"
        )
    if not deletion.reason:
        raise ValueError("reason must be a non-empty string")
    return PendingDeletionRow(
        resource_id=deletion.resource_id,
        resource_key=deletion.resource_id.lower(),
        kind=narrow_choice(deletion.kind, DELETION_KINDS, field="kind"),
        node_id=node_id,
        reason=deletion.reason,
        due_at=require_utc(deletion.due_at, field="due_at"),
        created_at=now,
        done_at=None,
        attempts=0,
        last_error=None,
    )


def _schedule(session: Session, row: PendingDeletionRow) -> None:
    if pending_for(session, row.resource_key) is not None:
        return
    try:
        # A savepoint, so losing the race to a concurrent scheduler costs only this insert.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        if pending_for(session, row.resource_key) is None:
            raise
