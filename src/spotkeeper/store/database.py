"""Connecting to the database, keeping its schema current, and scoping transactions.

SQLite is the zero-setup default (one file under the data directory); PostgreSQL is for
several API/worker processes sharing the work. This module hides what differs between them:

* URLs: `postgres://` and `postgresql://` mean psycopg 3 (`postgresql+psycopg://`); any query
  parameters pass through to the driver (tests use `?options=-csearch_path%3D<schema>`).
* SQLite connections get WAL (readers never block the writer), enforced foreign keys, a busy
  timeout, and transactions whose BEGIN we emit ourselves: the stdlib driver's legacy mode
  would not begin a transaction on SELECT, which breaks read-then-write atomicity. Write
  scopes use `BEGIN IMMEDIATE`, taking SQLite's single write lock up front, so a transaction
  never has to upgrade a read snapshot to a write (that upgrade fails at once with "database is
  locked" instead of waiting) and a claim's SELECT + UPDATE is atomic against other writers.
  Reads map the file into memory (`mmap_size`) rather than copy it page by page.
* Pools: `POOL` on both dialects (sized for the API's thread pool, see there). The reads every
  request makes (its token, the node it names, a list) use `read_connection`, a Core
  connection: a quarter of the cost of an ORM session, and a plain BEGIN that never takes
  SQLite's write lock, so concurrent requests read side by side.
* Migrations: Alembic, shipped inside the package and run in code (`upgrade_to_head`), so no
  `alembic.ini` is needed at runtime. On PostgreSQL an advisory lock serialises processes
  that start at the same moment and would otherwise race to create the same tables.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

DATABASE_URL_ENV = "SPOTKEEPER_DATABASE_URL"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "spotkeeper_alembic_version"
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_MMAP_BYTES = 256 * 1024 * 1024  # address space, not memory: pages are shared with the OS cache
# Connections kept open, and opened beyond that under bursts (then closed after use). The API
# runs its routes on a pool of 40 threads (anyio's default), each holding at most one
# connection at a time, so 40 never wait for a connection; 10 stay open, which covers steady
# load without a connect (a PostgreSQL connect costs milliseconds) per request. SQLAlchemy's
# default (5 + 10) made every request past the fifth concurrent one connect anew.
POOL: dict[str, int] = {"pool_size": 10, "max_overflow": 30}
# Any constant works; it only has to be the same in every spotkeeper process.
_MIGRATION_LOCK_KEY = 0x5B07_4EE9
_WRITE_OPTION = "spotkeeper_write"
# Alembic keeps the running migration in module-global state (`alembic.context`), so two
# threads of one process must never run migrations at once, whatever database they target.
_MIGRATION_THREAD_LOCK = threading.Lock()


def default_database_url(data_dir: str | os.PathLike[str]) -> str:
    """The SQLite file spotkeeper uses when no database URL is configured."""
    return f"sqlite:///{Path(data_dir).expanduser().resolve() / 'spotkeeper.db'}"


def database_url_from_env(default: str) -> str:
    """`SPOTKEEPER_DATABASE_URL` if set and not blank, else `default`."""
    value = os.environ.get(DATABASE_URL_ENV, "").strip()
    return value or default


def normalize_database_url(url: str) -> str:
    """Validate `url` and pin the driver: PostgreSQL always goes through psycopg 3."""
    parsed = _parse_url(url)
    return parsed.render_as_string(hide_password=False)


def _parse_url(url: str) -> URL:
    try:
        parsed = make_url(url.strip())
    except ArgumentError as exc:
        raise ValueError(
            f"database URL {url!r} is not a valid URL (e.g. sqlite:///path or postgresql://…)"
        ) from exc
    backend = parsed.get_backend_name()
    if backend in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.get_driver_name() not in {"pysqlite", ""}:
            raise ValueError(
                f"database URL driver {parsed.drivername!r} is not supported; use sqlite:///path"
            )
        return parsed.set(drivername="sqlite")
    raise ValueError(
        f"database URL scheme {parsed.drivername!r} is not supported; use sqlite:///path or postgresql://…"
    )


def _is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in {None, "", ":memory:"}


def create_database_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine with the per-dialect settings described in the module docstring."""
    parsed = _parse_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, echo=echo, pool_pre_ping=True, **POOL)

    kwargs: dict[str, Any] = {"echo": echo}
    if _is_sqlite_memory(parsed):
        # One shared connection, or every checkout would see a different empty database.
        kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        Path(parsed.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        kwargs.update(POOL)
    engine = create_engine(parsed, **kwargs)
    _install_sqlite_transactions(engine)
    return engine


def _install_sqlite_transactions(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Stop the driver from issuing its own BEGINs; `_begin` below emits ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough under WAL, much faster
            # Read the file through a memory map instead of read() calls into each connection's
            # own page cache: a list of 1,000 nodes reads several MB, and the copy is the cost.
            cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """An engine plus the transaction scopes the repositories use."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_database_url(url)
        self.engine = create_database_engine(self.url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session_scope(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        `write=True` declares the intent to write. On SQLite that takes the write lock at BEGIN
        (see the module docstring); on PostgreSQL it changes nothing.
        """
        session = self._sessions()
        if write:
            session.connection(execution_options={_WRITE_OPTION: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A Core connection inside a read transaction, committed when the block ends.

        For the reads every request makes (its token, the node it names, a list): a quarter of
        the cost of an ORM session, which they do not need since they read plain columns.
        """
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection inside a write transaction (migrations, maintenance)."""
        with self.engine.connect() as connection:
            connection.execution_options(**{_WRITE_OPTION: True})
            with connection.begin():
                yield connection

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config() -> Config:
    """An Alembic configuration built in code, pointing at the migrations in this package.

    Developers add a revision with e.g.
    `command.revision(alembic_config(), message="...", autogenerate=True)` while
    `config.attributes["connection"]` holds a connection to an up-to-date database.
    """
    config = Config()
    # configparser interpolation: a literal % in the path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("version_table", VERSION_TABLE)
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no Alembic revisions found under {MIGRATIONS_DIR}")
    return head


def current_revision(database: Database) -> str | None:
    """The schema revision the database is at (None: never migrated)."""
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def upgrade_to_head(target: str | Database) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    database = Database(target) if isinstance(target, str) else target
    try:
        with _MIGRATION_THREAD_LOCK, database.write_connection() as connection:
            if database.dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        if isinstance(target, str):
            database.dispose()
