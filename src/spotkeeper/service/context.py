"""What every use case works with, and the few moves they all make the same way.

A use case needs the store, the cloud port, the clock and the catalog; it must only ever see
the caller's own nodes; it must turn a cloud failure into one of the service's own errors; and
when it writes a node it must respect the compare-and-set on `version` (re-read and decide
again when a worker moved the node first). Those moves live here once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from spotkeeper.catalog import Catalog, load_catalog
from spotkeeper.clock import Clock
from spotkeeper.cloud.errors import (
    CapacityUnavailable,
    CloudError,
    Conflict,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    Throttled,
    TransientCloudError,
)
from spotkeeper.cloud.port import CloudProvider
from spotkeeper.engine.phases import Phase
from spotkeeper.engine.state import NodeState
from spotkeeper.service.errors import (
    CloudRefused,
    CloudResourceNotFound,
    CloudUnavailable,
    NodeNotFound,
    StateConflict,
)
from spotkeeper.store import NodeDocument, NodeRecord, Store

T = TypeVar("T")

# A compare-and-set that loses this many times in a row means the node is being worked on hard
# (a worker pass writing step after step); the caller is told to try again rather than wait here.
CAS_ATTEMPTS = 8
NODE_ID = re.compile(r"ssn-[0-9a-f]{8}")


@dataclass
class ServiceContext:
    store: Store
    cloud: CloudProvider
    clock: Clock
    catalog: Catalog
    # How long a disk action waits (real seconds) for a new disk to finish provisioning, and how.
    disk_wait_seconds: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    @classmethod
    def build(
        cls,
        store: Store,
        cloud: CloudProvider,
        clock: Clock,
        *,
        catalog: Catalog | None = None,
        disk_wait_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> ServiceContext:
        return cls(
            store=store,
            cloud=cloud,
            clock=clock,
            catalog=catalog or load_catalog(),
            disk_wait_seconds=disk_wait_seconds,
            sleep=sleep,
        )

    def now(self) -> datetime:
        return self.clock.now()

    def node(self, account_id: str, node_id: str) -> NodeRecord:
        """The caller's live node; another account's node or a deleted one does not exist."""
        record = self.store.nodes.get(node_id) if NODE_ID.fullmatch(node_id) else None
        if record is None or record.account_id != account_id or record.is_deleted:
            raise NodeNotFound(node_id)
        return record

    def node_document(self, account_id: str, node_id: str) -> NodeDocument:
        """`node` for default reads: the same not-found rules, nothing JSON decoded."""
        document = self.store.documents.get(node_id) if NODE_ID.fullmatch(node_id) else None
        if document is None or document.account_id != account_id or document.is_deleted:
            raise NodeNotFound(node_id)
        return document

    def retry_cas(self, attempt: Callable[[], T | None]) -> T:
        """Run `attempt` (read, decide, compare-and-set) until it returns a value."""
        for _ in range(CAS_ATTEMPTS):
            result = attempt()
            if result is not None:
                return result
        raise StateConflict("the node is changing right now (an engine pass is writing it); try again")


def node_state(record: NodeRecord) -> NodeState:
    return NodeState.from_json(record.status_json)


def node_phase(record: NodeRecord) -> Phase:
    """The engine's phase of a stored node (the store column, kept in step with the state)."""
    try:
        return Phase(record.phase)
    except ValueError:
        return Phase(node_state(record).phase)


@contextmanager
def cloud_errors(what: str) -> Iterator[None]:
    """Turn a cloud port error raised while doing `what` into the service's own error."""
    try:
        yield
    except NotFound as error:
        raise CloudResourceNotFound(f"{what}: {error.message}") from error
    except Throttled as error:
        raise CloudUnavailable(
            f"{what}: Azure is throttling requests; try again later", retry_after=error.retry_after
        ) from error
    except TransientCloudError as error:
        raise CloudUnavailable(f"{what}: {error.message}", retry_after=error.retry_after) from error
    except Conflict as error:
        raise StateConflict(f"{what}: {error.message}") from error
    except (InvalidRequest, QuotaExceeded, CapacityUnavailable) as error:
        raise CloudRefused(f"{what}: {error.message}") from error
    except CloudError as error:
        raise CloudRefused(f"{what}: {error.message}") from error
