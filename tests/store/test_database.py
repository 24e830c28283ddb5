"""Connecting, URL handling and migrations: the schema the code expects is the one Alembic builds."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from spotkeeper.store import (
    Store,
    current_revision,
    database_url_from_env,
    default_database_url,
    head_revision,
    normalize_database_url,
    upgrade_to_head,
)
from spotkeeper.store.database import VERSION_TABLE, Database
from spotkeeper.store.tables import Base
from tests.store.concurrency import run_together

EXPECTED_TABLES = {
    "accounts",
    "api_tokens",
    "nodes",
    "node_events",
    "cost_ledger",
    "pending_deletions",
    "imports",
    VERSION_TABLE,
}


def test_postgres_urls_are_pinned_to_psycopg3() -> None:
    assert normalize_database_url("postgresql://u:pw@db:5432/sk") == "postgresql+psycopg://u:pw@db:5432/sk"
    assert normalize_database_url("postgres://u@db/sk") == "postgresql+psycopg://u@db/sk"
    assert normalize_database_url("postgresql+psycopg2://u@db/sk") == "postgresql+psycopg://u@db/sk"


def test_sqlite_urls_and_driver_options_pass_through() -> None:
    assert (
        normalize_database_url("sqlite:////var/lib/sk/spotkeeper.db") == "sqlite:////var/lib/sk/spotkeeper.db"
    )
    url = "postgresql://u@db/sk?options=-csearch_path%3Dtenant"
    assert normalize_database_url(url) == "postgresql+psycopg://u@db/sk?options=-csearch_path%3Dtenant"


@pytest.mark.parametrize("url", ["mysql://u@db/sk", "not a url", "sqlite+aiosqlite:///x.db"])
def test_unsupported_database_urls_are_refused_with_the_reason(url: str) -> None:
    with pytest.raises(ValueError, match="database URL"):
        normalize_database_url(url)


def test_default_url_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    assert default_database_url(tmp_path) == f"sqlite:///{tmp_path.resolve()}/spotkeeper.db"


def test_environment_url_wins_over_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOTKEEPER_DATABASE_URL", "postgresql://u@db/sk")
    assert database_url_from_env("sqlite:///x.db") == "postgresql://u@db/sk"
    monkeypatch.setenv("SPOTKEEPER_DATABASE_URL", "  ")
    assert database_url_from_env("sqlite:///x.db") == "sqlite:///x.db"


def test_migrations_create_every_table_at_the_head_revision(store: Store) -> None:
    tables = set(inspect(store.database.engine).get_table_names())
    assert tables >= EXPECTED_TABLES
    assert current_revision(store.database) == head_revision()


def test_migrated_schema_matches_the_table_models_exactly(store: Store) -> None:
    with store.database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_upgrading_an_up_to_date_database_changes_nothing(database_url: str) -> None:
    with Store(database_url) as first:
        first.accounts.create("kept", now=datetime.fromisoformat("2026-01-05T00:00:00+00:00"))
    upgrade_to_head(database_url)
    with Store(database_url) as second:
        assert [a.name for a in second.accounts.find()] == ["kept"]
        assert current_revision(second.database) == head_revision()


def test_store_without_create_leaves_an_empty_database_unmigrated(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'blank.db'}", create=False) as store:
        assert current_revision(store.database) is None
        assert inspect(store.database.engine).get_table_names() == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys_enforced(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'sk.db'}")
    try:
        with database.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    finally:
        database.dispose()


def test_memory_store_is_private_and_removed_on_close() -> None:
    first, second = Store.memory(), Store.memory()
    try:
        first.accounts.create("only-here", now=datetime.fromisoformat("2026-01-05T00:00:00+00:00"))
        assert second.accounts.find() == []
        scratch = first._scratch
        assert scratch is not None and scratch.exists()
    finally:
        first.close()
        second.close()
    assert not scratch.exists()


def test_threads_opening_the_store_together_migrate_a_fresh_database_once(database_url: str) -> None:
    def open_store() -> None:
        Store(database_url).close()

    assert run_together([open_store] * 3) == []
    with Store(database_url, create=False) as store:
        assert current_revision(store.database) == head_revision()


def test_processes_starting_together_migrate_a_fresh_database_once(database_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    script = "import sys; from spotkeeper.store import Store; Store(sys.argv[1]).close()"
    starters = [
        subprocess.Popen([sys.executable, "-c", script, database_url], env=env, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    failures = []
    try:
        for process in starters:
            _, stderr = process.communicate(timeout=60)
            if process.returncode != 0:
                failures.append(stderr.decode())
    finally:
        for process in starters:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert failures == []
    with Store(database_url, create=False) as store:
        assert current_revision(store.database) == head_revision()
