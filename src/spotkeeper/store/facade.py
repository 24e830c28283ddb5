"""`Store`: one object that opens the database, migrates it, and exposes the repositories.

The API, the CLI and the worker each build one `Store` from a URL and use its repositories
(`store.nodes`, `store.documents`, `store.events`, `store.ledger`, `store.accounts`,
`store.deletions`, `store.imports`, `store.requests`) and the two endings of a worker's pass
that span several of them (`commit_pass`, `abandon_pass`, see `passes.py`); nothing above this
package touches SQLAlchemy. `Store.memory()` gives tests a private, fully migrated database
that behaves like production SQLite (a real file, WAL, several connections) and disappears
when closed.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from spotkeeper.store.accounts import AccountRepository
from spotkeeper.store.database import Database, upgrade_to_head
from spotkeeper.store.deletions import PendingDeletions
from spotkeeper.store.events import EventLog
from spotkeeper.store.imports import ImportRepository
from spotkeeper.store.ledger import CostLedger
from spotkeeper.store.node_documents import NodeDocuments
from spotkeeper.store.nodes import NodeRepository
from spotkeeper.store.passes import PassDeletion, PassInterval, abandon_pass, commit_pass
from spotkeeper.store.records import NewEvent
from spotkeeper.store.requests import RequestQueue


class Store:
    """The persistence layer behind one database URL.

    Args:
        url: `sqlite:///path/to/file.db` or `postgresql://user@host/db` (driver pinned to
            psycopg 3; query parameters go to the driver).
        create: migrate the schema to the newest revision on open (idempotent), and render
            the public text of any node whose text is missing or stale (`public_specs.py`).
        echo: log every SQL statement (debugging).
    """

    def __init__(self, url: str, *, create: bool = True, echo: bool = False) -> None:
        self.database = Database(url, echo=echo)
        self.documents = NodeDocuments(self.database)
        try:
            if create:
                upgrade_to_head(self.database)
                # Rows written before public specs existed, or under other secret rules.
                self.documents.refresh()
        except BaseException:
            self.database.dispose()
            raise
        self.nodes = NodeRepository(self.database)
        self.events = EventLog(self.database)
        self.ledger = CostLedger(self.database)
        self.accounts = AccountRepository(self.database)
        self.deletions = PendingDeletions(self.database)
        self.imports = ImportRepository(self.database)
        self.requests = RequestQueue(self.database)

    @classmethod
    def memory(cls) -> Store:
        """A throwaway migrated SQLite database in a temporary directory (removed on close)."""
        directory = Path(tempfile.mkdtemp(prefix="spotkeeper-store-"))
        store = cls(f"sqlite:///{directory / 'spotkeeper.db'}")
        weakref.finalize(store, shutil.rmtree, directory, ignore_errors=True)
        store._scratch = directory
        return store

    _scratch: Path | None = None

    @property
    def url(self) -> str:
        return self.database.url

    def commit_pass(
        self,
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
        """Store a worker's pass whole and release its lease; False (nothing written) if the
        worker no longer holds the node at `expected_version`. See `passes.commit_pass`."""
        return commit_pass(
            self.database,
            node_id,
            worker_id,
            expected_version=expected_version,
            state_json=state_json,
            phase=phase,
            status=status,
            events=events,
            ledger=ledger,
            deletions=deletions,
            consumed_request_ids=consumed_request_ids,
            next_due_at=next_due_at,
            now=now,
        )

    def abandon_pass(
        self,
        node_id: str,
        worker_id: str,
        *,
        expected_version: int,
        events: Sequence[NewEvent],
        retry_at: datetime,
        now: datetime,
        failed: bool = True,
    ) -> bool:
        """Drop a pass that raised: log `events`, keep the state, come back at `retry_at`.
        See `passes.abandon_pass`."""
        return abandon_pass(
            self.database,
            node_id,
            worker_id,
            expected_version=expected_version,
            events=events,
            retry_at=retry_at,
            now=now,
            failed=failed,
        )

    def close(self) -> None:
        """Release every connection; a `Store.memory()` database is deleted."""
        self.database.dispose()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.database.engine.url.render_as_string(hide_password=True)!r})"
