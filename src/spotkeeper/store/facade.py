"""`Store`: one object that opens the database, migrates it, and exposes the repositories.

The API, the CLI and the worker each build one `Store` from a URL and use its repositories
(`store.nodes`, `store.events`, `store.ledger`, `store.accounts`, `store.deletions`,
`store.imports`); nothing above this package touches SQLAlchemy. `Store.memory()` gives tests a
private, fully migrated database that behaves like production SQLite (a real file, WAL,
several connections) and disappears when closed.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path
from types import TracebackType

from spotkeeper.store.accounts import AccountRepository
from spotkeeper.store.database import Database, upgrade_to_head
from spotkeeper.store.deletions import PendingDeletions
from spotkeeper.store.events import EventLog
from spotkeeper.store.imports import ImportRepository
from spotkeeper.store.ledger import CostLedger
from spotkeeper.store.nodes import NodeRepository


class Store:
    """The persistence layer behind one database URL.

    Args:
        url: `sqlite:///path/to/file.db` or `postgresql://user@host/db` (driver pinned to
            psycopg 3; query parameters go to the driver).
        create: migrate the schema to the newest revision on open (idempotent).
        echo: log every SQL statement (debugging).
    """

    def __init__(self, url: str, *, create: bool = True, echo: bool = False) -> None:
        self.database = Database(url, echo=echo)
        try:
            if create:
                upgrade_to_head(self.database)
        except BaseException:
            self.database.dispose()
            raise
        self.nodes = NodeRepository(self.database)
        self.events = EventLog(self.database)
        self.ledger = CostLedger(self.database)
        self.accounts = AccountRepository(self.database)
        self.deletions = PendingDeletions(self.database)
        self.imports = ImportRepository(self.database)

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
