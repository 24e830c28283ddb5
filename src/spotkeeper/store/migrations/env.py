"""Alembic's entry point, run by `spotkeeper.store.database.upgrade_to_head`.

It expects the caller to hand over an open connection in `config.attributes["connection"]`
(so the engine's SQLite pragmas, PostgreSQL search_path and advisory lock all apply), and
falls back to `sqlalchemy.url` for the Alembic command line or offline SQL generation.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from spotkeeper.store.database import VERSION_TABLE, create_database_engine
from spotkeeper.store.tables import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection given and no sqlalchemy.url configured for migrations")
    engine = create_database_engine(url)
    try:
        with engine.begin() as own_connection:
            _configure_and_run(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
