"""The engine without a store: nodes held in memory, passes run when due.

Tests and what-if runs drive the engine through this: add nodes, make requests, and call
`run_due()` whenever the clock moves. It keeps, per node, everything a worker would persist
(the state, the event log, the cost ledger, pending deletions) and runs the garbage collector on
due deletions, so a test can assert "the superseded disk is gone after its TTL" end to end. The
store-backed worker (`engine.worker`) runs the very same `reconcile_node` pass.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from spotkeeper.catalog import Catalog
from spotkeeper.clock import Clock
from spotkeeper.cloud.port import CloudProvider
from spotkeeper.engine.context import EngineEvent, EngineSettings, PendingDeletion, engine_catalog
from spotkeeper.engine.costs import CostInterval
from spotkeeper.engine.gc import Deletion, delete_resources
from spotkeeper.engine.phases import Phase, public_status
from spotkeeper.engine.reconcile import reconcile_node
from spotkeeper.engine.state import ImportSource, NodeState, StateRequest
from spotkeeper.spec.models import StatefulNode, parse_node

MAX_PASSES_PER_INSTANT = 50
GC_RETRY = timedelta(minutes=1)


@dataclass
class NodeRun:
    node_id: str
    spec: StatefulNode
    state: NodeState = field(default_factory=NodeState)
    status: str = "launching"
    due: datetime | None = None
    events: list[EngineEvent] = field(default_factory=list)
    ledger: list[CostInterval] = field(default_factory=list)
    passes: int = 0


class EngineStepper:
    def __init__(
        self, cloud: CloudProvider, clock: Clock, *, catalog: Catalog | None = None,
        settings: EngineSettings | None = None,
    ) -> None:
        self.cloud = cloud
        self.clock = clock
        self.catalog = engine_catalog(catalog)
        self.settings = settings or EngineSettings()
        self.nodes: dict[str, NodeRun] = {}
        self.pending_deletions: list[PendingDeletion] = []
        self.deleted_resources: list[str] = []

    def add(self, spec: StatefulNode | Mapping[str, object], *, node_id: str | None = None) -> str:
        node = spec if isinstance(spec, StatefulNode) else parse_node(spec)
        if node_id is None:
            node_id = "ssn-" + hashlib.sha256(f"{len(self.nodes)}:{node.name}".encode()).hexdigest()[:8]
        self.nodes[node_id] = NodeRun(node_id, node, due=self.clock.now())
        return node_id

    def import_vm(
        self, spec: StatefulNode | Mapping[str, object], *, resource_group: str, vm_name: str,
        draining_timeout: int = 120, retention_hours: int = 96, node_id: str | None = None,
    ) -> str:
        """Add a node that takes over VM `vm_name` of `resource_group`, as the service stores an
        import (phase `importing`, the request's parameters in `import_source`)."""
        node_id = self.add(spec, node_id=node_id)
        run = self.nodes[node_id]
        run.state = NodeState(phase=Phase.IMPORTING.value, import_source=ImportSource(
            resource_group_name=resource_group, original_vm_name=vm_name, draining_timeout=draining_timeout,
            resources_retention_time=retention_hours,
        ))
        run.status = public_status(Phase.IMPORTING)
        return node_id

    def request(self, node_id: str, change: StateRequest) -> None:
        run = self.nodes[node_id]
        run.state.requests.append(change)
        self.wake(node_id)

    def delete(self, node_id: str, deallocation: Mapping[str, object] | None = None) -> None:
        run = self.nodes[node_id]
        run.state.deletion = dict(deallocation or {"shouldTerminateVm": True})
        self.wake(node_id)

    def wake(self, node_id: str) -> None:
        self.nodes[node_id].due = self.clock.now()

    def next_due(self) -> datetime | None:
        dues = [r.due for r in self.nodes.values() if r.due is not None]
        dues += [d.due_at for d in self.pending_deletions]
        return min(dues) if dues else None

    def run_due(self) -> int:
        """Run every pass due now (a pass that asks to come back 'now' runs again), then the
        garbage collector on due deletions. Returns the number of passes run."""
        passes = 0
        for _ in range(MAX_PASSES_PER_INSTANT):
            now = self.clock.now()
            due = [r for r in self.nodes.values() if r.due is not None and r.due <= now]
            if not due:
                break
            for run in due:
                self.run_pass(run.node_id)
                passes += 1
        self.collect_garbage()
        return passes

    def run_pass(self, node_id: str) -> None:
        run = self.nodes[node_id]
        result = reconcile_node(node_id, run.spec, run.state, cloud=self.cloud, now=self.clock.now(),
                                catalog=self.catalog, settings=self.settings)
        run.state = result.state
        run.status = result.status
        run.due = result.next_due
        run.events.extend(result.events)
        run.ledger.extend(result.ledger)
        run.passes += 1
        self.schedule_deletions(result.deletions)

    def schedule_deletions(self, deletions: list[PendingDeletion]) -> None:
        """Queue deletions as the store does: one pending entry per resource (ARM ids are
        case-insensitive); scheduling it again leaves the first reason and due time."""
        pending = {d.resource_id.lower() for d in self.pending_deletions}
        for deletion in deletions:
            if deletion.resource_id.lower() not in pending:
                pending.add(deletion.resource_id.lower())
                self.pending_deletions.append(deletion)

    def collect_garbage(self) -> None:
        now = self.clock.now()
        due = [d for d in self.pending_deletions if d.due_at <= now]
        if not due:
            return
        results = delete_resources(
            self.cloud, [Deletion(d.resource_id, d.kind, d.resource_group, d.name) for d in due]
        )
        done = {r.deletion.resource_id for r in results if r.outcome == "deleted"}
        self.deleted_resources.extend(sorted(done))
        # what Azure still holds is tried again when Azure said (`retry_after`), else a minute later
        retry_at = {r.deletion.resource_id: now + (timedelta(seconds=r.retry_after) if r.retry_after
                                                    else GC_RETRY) for r in results}
        self.pending_deletions = [
            d if d.due_at > now else dataclasses.replace(d, due_at=retry_at.get(d.resource_id,
                                                                           now + GC_RETRY))
            for d in self.pending_deletions if d.resource_id not in done
        ]

    def log_of(self, node_id: str) -> list[str]:
        return [e.message for e in self.nodes[node_id].events]
