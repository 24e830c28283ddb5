"""The worker: the loop that turns stored nodes into reconcile passes, safely beside other workers.

One `Worker` per process (or thread). Each round it claims a batch of due nodes from the store
(a lease per node, so no other worker touches them), and for each node:

1. reads its spec, its remembered engine state and the requests the API queued for it, and
   folds those requests into the state (`pause`/`resume`/`recycle` into `state.requests`,
   `delete` into `state.deletion`; a request this engine cannot carry out is logged as an
   ERROR on the node and consumed, so it does not come back every pass);
2. runs `reconcile_node`;
3. stores the whole pass with `Store.commit_pass`: new state, status, events, cost intervals,
   deletions, consumed requests and the next due time in one compare-and-set transaction that
   also releases the lease (then copies an import's progress word to its import record). A
   crash anywhere before that commit loses nothing: the lease runs out, another worker claims
   the node, and its pass redoes the lost one from the same state (every cloud step is
   idempotent on deterministic names). A commit that fails its
   compare-and-set means another worker owns the node now; this one just moves on.

A pass that raises (a bug, a cloud error the engine did not handle) never takes the worker down:
it is logged as an ERROR on the node and the node is retried with exponential backoff on its
count of consecutive failed passes (kept in the store, so it survives restarts and is shared
by all workers). A `Throttled` error is honoured with its `retry_after` and not counted.

Leases last `lease_seconds`; while a batch is in hand a keeper thread renews every lease still
held once a third of it has gone by (so before half), which keeps a slow pass (or the nodes
waiting behind it in the batch) from being claimed by another worker mid-pass.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from types import TracebackType

from spotkeeper.catalog import Catalog
from spotkeeper.clock import Clock
from spotkeeper.cloud.errors import Throttled
from spotkeeper.cloud.port import CloudProvider
from spotkeeper.engine.collector import ORPHAN_GRACE, CollectionReport, collect_garbage
from spotkeeper.engine.context import EngineEvent, EngineSettings, PassResult, engine_catalog
from spotkeeper.engine.reconcile import reconcile_node
from spotkeeper.engine.state import NodeState
from spotkeeper.spec.models import parse_node
from spotkeeper.store import NewEvent, NodeRecord, RequestRecord, Severity, Store

logger = logging.getLogger(__name__)

PassRunner = Callable[..., PassResult]  # `reconcile_node`'s signature; a seam for tests
_MAX_DOUBLINGS = 20


def default_worker_id() -> str:
    """Host, process and a random suffix: unique across restarts, readable in `lease_owner`."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{secrets.token_hex(4)}"


def fold_requests(state: NodeState, requests: Sequence[RequestRecord], *, at: datetime) -> list[NewEvent]:
    """Put the API's pending requests into the engine state, in the order they were made.

    Returns the events to log about requests that could not be handed to the engine. Every
    request given is consumed by the pass, carried out or not.
    """
    notes: list[NewEvent] = []
    for request in requests:
        kind = request.kind
        if kind == "pause" or kind == "resume" or kind == "recycle":  # spelled out: narrows the Literal
            state.requests.append(kind)
        elif request.kind == "delete":
            if state.deletion is None:
                state.deletion = dict(request.payload)
            else:
                notes.append(
                    NewEvent(
                        time=at,
                        message=f"delete request #{request.id} ignored: the node is already being deleted "
                        "with the deallocation config of the first delete request",
                        severity="WARN",
                    )
                )
        else:
            notes.append(
                NewEvent(
                    time=at,
                    message=f"{request.kind} request #{request.id} dropped: this spotkeeper engine cannot "
                    f"carry out {request.kind} yet",
                    severity="ERROR",
                )
            )
    return notes


def engine_events(events: Iterable[EngineEvent], *, at: datetime) -> list[NewEvent]:
    return [
        NewEvent(
            time=event.at or at, message=event.message, severity=event.severity, resource_id=event.resource_id
        )
        for event in events
    ]


class Worker:
    """Runs reconcile passes for the nodes in `store` against `cloud` (see the module docstring).

    Args:
        worker_id: the lease owner name; unique per worker (default: host:pid:random).
        lease_seconds: how long a claim lasts without renewal (clock time).
        batch: nodes claimed per round.
        backoff_base / backoff_max: retry delay after a failed pass, doubling per consecutive
            failure (5 s, 10 s, 20 s … up to 10 min by default).
        collect_every: how often `run_forever` runs the garbage collector (None: never).
        orphan_grace: how long an orphan found by the collector waits before deletion.
        reconcile: the pass function (default `reconcile_node`); tests wrap it to observe passes.
        renew_poll: wall seconds between the lease keeper's checks (default: derived from
            `lease_seconds`, at most 0.5 s).
    """

    def __init__(
        self,
        store: Store,
        cloud: CloudProvider,
        clock: Clock,
        *,
        worker_id: str | None = None,
        settings: EngineSettings | None = None,
        catalog: Catalog | None = None,
        lease_seconds: float = 60.0,
        batch: int = 10,
        backoff_base: timedelta = timedelta(seconds=5),
        backoff_max: timedelta = timedelta(minutes=10),
        collect_every: timedelta | None = timedelta(minutes=1),
        orphan_grace: timedelta = ORPHAN_GRACE,
        reconcile: PassRunner = reconcile_node,
        renew_poll: float | None = None,
    ) -> None:
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be positive, got {lease_seconds}")
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        if backoff_base <= timedelta(0) or backoff_max < backoff_base:
            raise ValueError("backoff_base must be positive and no larger than backoff_max")
        self.store = store
        self.cloud = cloud
        self.clock = clock
        self.worker_id = worker_id or default_worker_id()
        self.settings = settings or EngineSettings()
        self.catalog = engine_catalog(catalog)
        self.lease_seconds = float(lease_seconds)
        self.batch = batch
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.collect_every = collect_every
        self.orphan_grace = orphan_grace
        self._reconcile = reconcile
        self.renew_poll = renew_poll
        self._next_collection: datetime | None = None

    # ------------------------------------------------------------------ the loop

    def run_once(self) -> int:
        """Claim up to `batch` due nodes and run one pass on each; returns how many were claimed."""
        claimed = self.store.nodes.claim_due_nodes(
            self.worker_id, now=self.clock.now(), limit=self.batch, lease_seconds=self.lease_seconds
        )
        if not claimed:
            return 0
        keeper = LeaseKeeper(
            self.store,
            self.worker_id,
            self.clock,
            lease_seconds=self.lease_seconds,
            poll_seconds=self.renew_poll,
        )
        with keeper:
            keeper.hold(node.id for node in claimed)
            for node in claimed:
                if keeper.lost(node.id):
                    logger.warning("worker %s lost its lease on %s; pass skipped", self.worker_id, node.id)
                    continue
                try:
                    self.run_pass(node)
                finally:
                    keeper.release(node.id)
        return len(claimed)

    def run_forever(self, stop: threading.Event, *, idle_sleep: float = 1.0) -> None:
        """Run rounds until `stop` is set, collecting garbage every `collect_every`.

        When a round finds nothing to do, sleep until the next node becomes claimable, at most
        `idle_sleep` wall seconds (new nodes and requests arrive without notice). A round that
        fails outright (say the database is unreachable) is logged and retried after the sleep.
        """
        while not stop.is_set():
            try:
                worked = self.run_once()
            except Exception:
                logger.exception("worker %s: a round failed; retrying", self.worker_id)
                worked = 0
            self._collect_if_due()
            if worked == 0:
                stop.wait(self._idle_wait(idle_sleep))

    def collect(self) -> CollectionReport:
        """Run the garbage collector once, now."""
        return collect_garbage(self.store, self.cloud, now=self.clock.now(), orphan_grace=self.orphan_grace)

    # ------------------------------------------------------------------ one pass

    def run_pass(self, node: NodeRecord) -> bool:
        """One pass over a node this worker has claimed (`node` as `claim_due_nodes` returned it).

        True when the pass was stored; False when it was abandoned (it raised) or another
        worker had taken the node over.
        """
        started = self.clock.now()
        try:
            requests = self.store.requests.pending(node.id)
            spec = parse_node(node.spec)
            state = NodeState.from_json(node.status_json)
            notes = fold_requests(state, requests, at=started)
            result = self._reconcile(
                node.id,
                spec,
                state,
                cloud=self.cloud,
                now=started,
                catalog=self.catalog,
                settings=self.settings,
            )
            committed = self.store.commit_pass(
                node.id,
                self.worker_id,
                expected_version=node.version,
                state_json=result.state.to_json(),
                phase=result.state.phase,
                status=result.status,
                events=notes + engine_events(result.events, at=started),
                ledger=result.ledger,
                deletions=result.deletions,
                consumed_request_ids=[request.id for request in requests],
                next_due_at=result.next_due,
                now=self.clock.now(),
            )
        except Throttled as error:
            wait = timedelta(seconds=max(error.retry_after or 1.0, 1.0))
            message = (
                f"Azure is throttling requests ({error.message}); "
                f"the next pass waits {wait.total_seconds():g} s"
            )
            self._abandon(node, message, severity="WARN", retry_in=wait, failed=False)
            return False
        except Exception as error:
            logger.exception("pass over node %s failed", node.id)
            wait = self.retry_delay(node.failed_passes)
            message = (
                f"internal error during reconcile: {type(error).__name__}: {error}; "
                f"retrying in {wait.total_seconds():g} s (failure {node.failed_passes + 1} in a row)"
            )
            self._abandon(node, message, severity="ERROR", retry_in=wait, failed=True)
            return False
        if not committed:
            logger.warning(
                "worker %s: pass over %s not stored, the node moved on without it (lease lost?)",
                self.worker_id,
                node.id,
            )
        else:
            self._report_import(state, result.state)
        return committed

    def _report_import(self, before: NodeState, after: NodeState) -> None:
        """Copy an import's progress word (`ImportInProgress`, `ImportCompleted`, `ImportFailed`)
        from the node's state to its import record, which `GET …/import/{id}/status` shows.
        Best effort, after the pass is stored: the node's state stays the truth (a worker that
        dies in between leaves the record one word behind)."""
        source = after.import_source
        if source is None or source.import_id is None:
            return
        if before.import_source is not None and before.import_source.progress == source.progress:
            return
        try:
            self.store.imports.set_state(source.import_id, source.progress, now=self.clock.now())
        except Exception:
            logger.exception("could not record the progress of import %s", source.import_id)

    def retry_delay(self, failed_before: int) -> timedelta:
        """Backoff after a failed pass, given the consecutive failures before it."""
        doublings = min(max(failed_before, 0), _MAX_DOUBLINGS)
        return min(self.backoff_base * (1 << doublings), self.backoff_max)

    def _abandon(
        self, node: NodeRecord, message: str, *, severity: Severity, retry_in: timedelta, failed: bool
    ) -> None:
        now = self.clock.now()
        try:
            kept = self.store.abandon_pass(
                node.id,
                self.worker_id,
                expected_version=node.version,
                events=[NewEvent(time=now, message=message, severity=severity)],
                retry_at=now + retry_in,
                now=now,
                failed=failed,
            )
        except Exception:
            # The store itself is failing; the lease runs out and the node comes back anyway.
            logger.exception("could not record the failed pass over node %s", node.id)
            return
        if not kept:
            logger.warning("worker %s: node %s moved on while its pass failed", self.worker_id, node.id)

    # ------------------------------------------------------------------ timing

    def _collect_if_due(self) -> None:
        if self.collect_every is None:
            return
        now = self.clock.now()
        if self._next_collection is not None and now < self._next_collection:
            return
        self._next_collection = now + self.collect_every
        try:
            report = self.collect()
        except Exception:
            logger.exception("worker %s: garbage collection failed", self.worker_id)
            return
        if not report.idle:
            logger.info(
                "garbage collection: %d deleted, %d retrying, %d failed, %d orphans scheduled",
                len(report.deleted),
                len(report.retrying),
                len(report.failed),
                len(report.orphans_scheduled),
            )

    def _idle_wait(self, idle_sleep: float) -> float:
        try:
            upcoming = self.store.nodes.next_claimable_at()
        except Exception:
            logger.exception("worker %s: could not read the next due time", self.worker_id)
            return idle_sleep
        if upcoming is None:
            return idle_sleep
        return max(0.0, min(idle_sleep, (upcoming - self.clock.now()).total_seconds()))


class LeaseKeeper:
    """Renews the leases a worker holds while it works through a batch (a background thread).

    Each held lease is renewed once a third of `lease_seconds` (clock time) has passed since it
    was claimed or last renewed. A renewal the store refuses means the lease was lost (it ran
    out and another worker claimed the node): `lost()` says so and the worker skips the node.
    """

    def __init__(
        self,
        store: Store,
        worker_id: str,
        clock: Clock,
        *,
        lease_seconds: float,
        poll_seconds: float | None = None,
    ) -> None:
        self.store = store
        self.worker_id = worker_id
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.renew_after = timedelta(seconds=lease_seconds / 3)
        # Wall seconds between checks; renewals themselves are timed on the (maybe manual) clock.
        self.poll_seconds = max(0.02, min(lease_seconds / 6, 0.5)) if poll_seconds is None else poll_seconds
        self._lock = threading.Lock()
        self._renewed: dict[str, datetime] = {}
        self._lost: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-keeper:{worker_id}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def hold(self, node_ids: Iterable[str]) -> None:
        now = self.clock.now()
        with self._lock:
            for node_id in node_ids:
                self._renewed[node_id] = now

    def release(self, node_id: str) -> None:
        with self._lock:
            self._renewed.pop(node_id, None)

    def lost(self, node_id: str) -> bool:
        with self._lock:
            return node_id in self._lost

    def renew_due(self) -> list[str]:
        """Renew every held lease that is due for it; returns the node ids renewed.

        The lock is held throughout, so a node released meanwhile is never renewed after its
        pass ended. A refused renewal of a node still held means another worker has it now.
        """
        now = self.clock.now()
        renewed = []
        with self._lock:
            due = [node_id for node_id, at in self._renewed.items() if now - at >= self.renew_after]
            for node_id in due:
                if self.store.nodes.renew_lease(
                    node_id, self.worker_id, now=now, lease_seconds=self.lease_seconds
                ):
                    self._renewed[node_id] = now
                    renewed.append(node_id)
                else:
                    del self._renewed[node_id]
                    self._lost.add(node_id)
                    logger.warning("worker %s lost its lease on node %s", self.worker_id, node_id)
        return renewed

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.renew_due()
            except Exception:
                logger.exception("worker %s: renewing leases failed; trying again", self.worker_id)
