"""Fixtures running every store test on SQLite and on PostgreSQL.

PostgreSQL comes from `SPOTKEEPER_TEST_POSTGRES_URL` (default: the local `test` database). If it
is unreachable the PostgreSQL variants are skipped, unless `SPOTKEEPER_REQUIRE_POSTGRES=1`
(CI), which turns that into a failure. The `test` database is shared by parallel xdist workers
and CI jobs, so each test gets its own schema (`sk_<random>`), reached through the connection's
`search_path`, migrated from scratch and dropped afterwards.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from spotkeeper.clock import ManualClock
from spotkeeper.store import Account, NodeRecord, Store

POSTGRES_URL = os.environ.get(
    "SPOTKEEPER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("SPOTKEEPER_REQUIRE_POSTGRES") == "1"


@functools.cache
def _postgres_problem() -> str | None:
    engine = create_engine(
        make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"),
        poolclass=NullPool,
        connect_args={"connect_timeout": 3},
    )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means "no usable server"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        engine.dispose()
    return None


def require_postgres() -> None:
    problem = _postgres_problem()
    if problem is None:
        return
    message = f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} is unreachable ({problem})"
    if REQUIRE_POSTGRES:
        pytest.fail(message + "; SPOTKEEPER_REQUIRE_POSTGRES=1 forbids skipping")
    pytest.skip(message)


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections work inside a fresh, private schema (dropped on exit)."""
    require_postgres()
    schema = f"sk_{secrets.token_hex(6)}"
    base = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(base, poolclass=NullPool)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            # Never hang the run on a test that left a transaction open: fail the teardown.
            connection.execute(text("SET LOCAL lock_timeout = '15s'"))
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'spotkeeper.db'}"
    else:
        with postgres_schema_url() as url:
            yield url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with Store(database_url) as opened:
        yield opened


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def account(store: Store, clock: ManualClock) -> Account:
    return store.accounts.create("acme", now=clock.now())


@pytest.fixture
def make_node(store: Store, account: Account, clock: ManualClock) -> Callable[..., NodeRecord]:
    def make(**overrides: Any) -> NodeRecord:
        values: dict[str, Any] = {
            "account_id": account.id,
            "name": "db-1",
            "region": "eastus",
            "resource_group_name": "sk-sandbox",
            "spec": {"name": "db-1", "region": "eastus", "compute": {"os": "Linux"}},
            "phase": "pending",
            "status": "launching",
            "now": clock.now(),
        }
        values.update(overrides)
        return store.nodes.create(**values)

    return make
