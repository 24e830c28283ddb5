"""What one reconcile pass works with, and what it hands back to the worker.

A pass gets the node's spec and remembered state, the cloud port, the catalog, the time and the
operator's settings; it returns the new state plus everything the worker must persist in the
same compare-and-set write: log events, cost ledger intervals, resources to delete later, and
when the node is next due. The engine itself never touches the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from spotkeeper.catalog import Catalog
from spotkeeper.cloud.port import CloudProvider, ResourceKind
from spotkeeper.engine.costs import CostInterval
from spotkeeper.engine.policy import StrategySettings
from spotkeeper.engine.state import NodeState
from spotkeeper.spec.models import StatefulNode

Severity = Literal["DEBUG", "INFO", "WARN", "ERROR"]


@dataclass(frozen=True)
class EngineSettings:
    """Operator knobs. Defaults suit production against real Azure (poll well inside the 30 s
    Preempt notice, F11); what-if runs raise `steady_poll` and rely on nudges instead."""

    steady_poll: timedelta = timedelta(seconds=10)
    operation_poll: timedelta = timedelta(seconds=5)
    failed_market_ttl: timedelta = timedelta(minutes=10)
    no_market_retry: timedelta = timedelta(minutes=2)
    eviction_backoff: timedelta = timedelta(hours=1)
    notice_grace: timedelta = timedelta(minutes=5)
    revert_check_interval: timedelta = timedelta(minutes=5)
    superseded_resource_ttl: timedelta = timedelta(hours=1)
    default_retention: timedelta = timedelta(hours=96)
    transient_backoff_max: timedelta = timedelta(minutes=5)
    unattributed_stop_grace: timedelta = timedelta(minutes=3)  # F16: Spot treats it as an interruption
    strategy: StrategySettings = field(default_factory=StrategySettings)


@dataclass(frozen=True)
class EngineEvent:
    severity: Severity
    message: str
    resource_id: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class PendingDeletion:
    resource_id: str
    kind: ResourceKind
    resource_group: str
    name: str
    due_at: datetime
    reason: str


@dataclass
class PassContext:
    node_id: str
    spec: StatefulNode
    state: NodeState
    cloud: CloudProvider
    catalog: Catalog
    now: datetime
    settings: EngineSettings
    events: list[EngineEvent] = field(default_factory=list)
    ledger: list[CostInterval] = field(default_factory=list)
    deletions: list[PendingDeletion] = field(default_factory=list)

    def log(self, message: str, *, severity: Severity = "INFO", resource_id: str | None = None) -> None:
        self.events.append(EngineEvent(severity, message, resource_id, self.now))

    @property
    def region(self) -> str:
        return self.spec.region or ""

    @property
    def resource_group(self) -> str:
        return self.spec.resource_group_name or ""

    def delete_later(
        self, *, resource_id: str, kind: ResourceKind, resource_group: str, name: str,
        after: timedelta, reason: str,
    ) -> None:
        self.deletions.append(
            PendingDeletion(resource_id, kind, resource_group, name, self.now + after, reason)
        )


@dataclass(frozen=True)
class PassResult:
    state: NodeState
    status: str
    events: list[EngineEvent]
    ledger: list[CostInterval]
    deletions: list[PendingDeletion]
    next_due: datetime | None  # None: nothing more to do (deleted)


def engine_catalog(catalog: Catalog | None) -> Catalog:
    if catalog is not None:
        return catalog
    from spotkeeper.catalog import load_catalog

    return load_catalog()
