"""The garbage collector over the store: due deletions carried out, orphans found and scheduled.

`engine.gc` knows how to delete resources and how to spot an orphan; this module is the loop
around it that a worker runs every minute or so, with the store as its memory:

1. **Due deletions.** Every pending deletion whose `due_at` has passed (a retention TTL over, a
   superseded disk's hour up, an orphan's grace over) is deleted through the cloud port, in
   dependency order. Done ones are marked done and noted in their node's log. One Azure still
   holds (a disk still attached, a NIC in its 180 s reservation) or throttled is retried when
   Azure said to (`retry_after`), else a minute later; other failures back off exponentially
   with the attempt count, capped, and never sooner than a `retry_after`. The store entry keeps
   the last error.
2. **Orphans.** A resource tagged `spotkeeper-node=<id>` whose id the store has never heard of
   (deleted nodes included: what their deallocation config kept is not an orphan) is scheduled
   for deletion after `orphan_grace`, with the reason in words. The grace is what keeps a
   resource safe while a node id is being created, and gives an operator time to notice a
   mistake: the entry is visible, and deleting it from the store cancels nothing in Azure.

Deleting is idempotent at the port ("already gone" is success), so two collectors (two
workers) working the same entry at once is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from spotkeeper.cloud.port import CloudProvider
from spotkeeper.engine.arm_ids import parse_resource_id
from spotkeeper.engine.gc import Deletion, DeletionResult, delete_resources, find_orphans
from spotkeeper.engine.naming import NODE_TAG
from spotkeeper.store import PendingDeletion, Store, UnknownRecordError

logger = logging.getLogger(__name__)

ORPHAN_GRACE = timedelta(hours=1)
STILL_HELD_RETRY = timedelta(minutes=1)  # attached disk, reserved NIC: Azure lets go within minutes
FAILURE_BACKOFF = timedelta(minutes=1)
FAILURE_BACKOFF_MAX = timedelta(hours=1)
_MAX_DOUBLINGS = 16


@dataclass
class CollectionReport:
    """What one collection did (resource ids)."""

    deleted: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)  # Azure still holds them; tried again soon
    failed: list[tuple[str, str]] = field(default_factory=list)  # (id, error), backed off
    orphans_scheduled: list[str] = field(default_factory=list)

    @property
    def idle(self) -> bool:
        return not (self.deleted or self.retrying or self.failed or self.orphans_scheduled)


def collect_garbage(
    store: Store,
    cloud: CloudProvider,
    *,
    now: datetime,
    orphan_grace: timedelta = ORPHAN_GRACE,
    limit: int = 100,
) -> CollectionReport:
    """Delete what is due, then schedule newly found orphans (see the module docstring)."""
    report = CollectionReport()
    delete_due(store, cloud, now=now, limit=limit, report=report)
    schedule_orphans(store, cloud, now=now, orphan_grace=orphan_grace, report=report)
    return report


def delete_due(
    store: Store, cloud: CloudProvider, *, now: datetime, limit: int, report: CollectionReport
) -> None:
    entries: dict[str, PendingDeletion] = {}
    deletions: list[Deletion] = []
    for entry in store.deletions.due(now, limit=limit):
        try:
            kind, resource_group, name = parse_resource_id(entry.resource_id)
        except ValueError as error:
            _failed(store, entry, str(error), now=now, retry_after=None, report=report)
            continue
        entries[entry.resource_id] = entry
        deletions.append(Deletion(entry.resource_id, kind, resource_group, name))
    for result in delete_resources(cloud, deletions):
        entry = entries[result.deletion.resource_id]
        if result.outcome == "deleted":
            _done(store, entry, result, now=now, report=report)
        elif result.outcome == "retry":
            store.deletions.mark_failed(entry.id, error=result.error, retry_at=now + still_held_delay(result))
            report.retrying.append(entry.resource_id)
        else:
            _failed(store, entry, result.error, now=now, retry_after=result.retry_after, report=report)


def schedule_orphans(
    store: Store, cloud: CloudProvider, *, now: datetime, orphan_grace: timedelta, report: CollectionReport
) -> None:
    known = store.nodes.known_ids()
    pending = {entry.resource_id.lower() for entry in store.deletions.pending()}
    for orphan in find_orphans(cloud, known):
        if orphan.id.lower() in pending:
            continue
        owner = orphan.tags.get(NODE_TAG, "")
        reason = (
            f"orphan: {orphan.kind} {orphan.name} is tagged {NODE_TAG}={owner} but no node {owner} is "
            f"known to spotkeeper; deleting it after a grace of {_words(orphan_grace)}"
        )
        due_at = now + orphan_grace
        store.deletions.schedule(orphan.id, kind=orphan.kind, reason=reason, due_at=due_at, now=now)
        logger.warning("%s (%s)", reason, orphan.id)
        report.orphans_scheduled.append(orphan.id)


def still_held_delay(result: DeletionResult) -> timedelta:
    """When to ask again for a resource Azure still holds: when Azure said, else a minute."""
    if result.retry_after is not None:
        return timedelta(seconds=result.retry_after)
    return STILL_HELD_RETRY


def retry_delay(attempts: int, *, retry_after: float | None = None) -> timedelta:
    """Backoff after the `attempts`-th failed attempt (1 = the first): 1 min doubling to 1 h."""
    doublings: int = min(max(attempts - 1, 0), _MAX_DOUBLINGS)
    delay = min(FAILURE_BACKOFF * (1 << doublings), FAILURE_BACKOFF_MAX)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def _done(
    store: Store, entry: PendingDeletion, result: DeletionResult, *, now: datetime, report: CollectionReport
) -> None:
    store.deletions.mark_done(entry.id, now=now)
    report.deleted.append(entry.resource_id)
    if entry.node_id is None:
        logger.info("deleted %s (%s)", entry.resource_id, entry.reason)
        return
    message = f"garbage collector deleted {result.deletion.kind} {result.deletion.name} ({entry.reason})"
    try:
        store.events.append(entry.node_id, time=now, message=message, resource_id=entry.resource_id)
    except UnknownRecordError:  # the node was purged meanwhile; the deletion still counts
        logger.info("%s; node %s is gone", message, entry.node_id)


def _failed(
    store: Store,
    entry: PendingDeletion,
    error: str,
    *,
    now: datetime,
    retry_after: float | None,
    report: CollectionReport,
) -> None:
    delay = retry_delay(entry.attempts + 1, retry_after=retry_after)
    store.deletions.mark_failed(entry.id, error=error, retry_at=now + delay)
    report.failed.append((entry.resource_id, error))
    attempt = entry.attempts + 1
    logger.warning(
        "could not delete %s (attempt %d): %s; retrying in %s", entry.resource_id, attempt, error, delay
    )


def _words(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour" + ("s" if hours != 1 else "")
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute" + ("s" if minutes != 1 else "")
    return f"{seconds} s"
