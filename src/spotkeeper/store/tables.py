"""The relational schema, as typed SQLAlchemy 2.0 declarative tables.

These classes are the single source of truth for the schema's *shape*; the Alembic revisions in
`migrations/versions/` are what actually creates it, and a test compares the two so they never
drift. Two column types smooth over the dialects:

* `UtcDateTime` stores aware UTC datetimes. PostgreSQL keeps `timestamptz`; SQLite has no
  time zones, so values are written as naive UTC text in SQLAlchemy's fixed-width format, which
  also makes `<`/`>` comparisons in SQL correct on SQLite (lexicographic = chronological).
* JSON documents use plain `JSON` (not JSONB) on every dialect: we never query inside a spec,
  and `json` keeps the user's document byte-for-byte, key order included, so it echoes back as
  it was written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Autoincrement ids: BIGINT on PostgreSQL, but SQLite only auto-assigns "INTEGER PRIMARY KEY".
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every dialect."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to the store; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], datetime | None] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_utc


# SQLite: what the stacked processors do (`DATETIME` parses with `fromisoformat`, then
# `process_result_value`), in one call, remembered: a list of 1,000 nodes reads 2,000 times
# that mostly repeat from one list to the next. Handing back the same (immutable) object also
# keeps its hash, which formatting caches key on; an aware datetime's hash is costly to compute.
@functools.lru_cache(maxsize=1 << 15)
def _sqlite_utc(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        # Parsing the naive UTC text with its offset added: `datetime.replace` costs more.
        return datetime.fromisoformat(value + "+00:00")
    except ValueError:  # not our naive text (already with an offset, or a bare date)
        parsed = datetime.fromisoformat(value)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON()}


class AccountRow(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class ApiTokenRow(Base):
    """API tokens by hash only; see `accounts.py` for why a plain SHA-256 is enough."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class NodeRow(Base):
    """One stateful node. `spec` holds the wire dict including its secrets."""

    __tablename__ = "nodes"
    __table_args__ = (
        Index("ix_nodes_account_id_name", "account_id", "name"),
        Index("ix_nodes_account_id_region", "account_id", "region"),
        # Claiming scans these two: nodes due by time, and nodes whose holder's lease ran out.
        Index("ix_nodes_next_due_at", "next_due_at"),
        Index("ix_nodes_lease_expires_at", "lease_expires_at"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(255))
    region: Mapped[str] = mapped_column(String(64))
    resource_group_name: Mapped[str] = mapped_column(String(90))
    spec: Mapped[dict[str, Any]]
    status_json: Mapped[dict[str, Any]]
    # `spec` without its write-only fields, as JSON text, written with every write of `spec`
    # (see `public_specs.py`); the form tags the rules it was rendered under. NULL: no text.
    public_spec: Mapped[str | None] = mapped_column(Text)
    public_spec_form: Mapped[str | None] = mapped_column(String(16))
    phase: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    # Bumped only by spec edits: the API's compare-and-set token, apart from the worker's `version`.
    spec_version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    # Consecutive passes that raised; the worker's retry backoff grows with it.
    failed_passes: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    next_due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class NodeEventRow(Base):
    """The append-only node log: rows are inserted, never updated."""

    __tablename__ = "node_events"
    __table_args__ = (
        Index("ix_node_events_node_id_time", "node_id", "time"),
        CheckConstraint("severity IN ('DEBUG', 'INFO', 'WARN', 'ERROR')", name="severity_known"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    node_id: Mapped[str] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"))
    time: Mapped[datetime]
    severity: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)
    resource_id: Mapped[str | None] = mapped_column(String(1024))


class CostLedgerRow(Base):
    """One priced interval of one VM running; `ended_at` NULL while it still runs."""

    __tablename__ = "cost_ledger"
    __table_args__ = (
        Index("ix_cost_ledger_account_id_started_at", "account_id", "started_at"),
        Index("ix_cost_ledger_node_id_started_at", "node_id", "started_at"),
        # At most one open interval per node: a node runs one VM at a time.
        Index(
            "uq_cost_ledger_open_node_id",
            "node_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        CheckConstraint("lifecycle IN ('spot', 'od')", name="lifecycle_known"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="interval_ordered"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    node_id: Mapped[str] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"))
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    region: Mapped[str] = mapped_column(String(64))
    zone: Mapped[str | None] = mapped_column(String(8))
    size: Mapped[str] = mapped_column(String(64))
    lifecycle: Mapped[str] = mapped_column(String(4))
    price_hour: Mapped[float] = mapped_column(Float)
    od_price_hour: Mapped[float] = mapped_column(Float)
    vcpus: Mapped[int] = mapped_column(Integer)
    # The spot quote seen for the same size and zone (None: no spot market), for spotPotentialCost.
    spot_price_hour: Mapped[float | None] = mapped_column(Float)


class PendingDeletionRow(Base):
    """A cloud resource to delete once `due_at` passes (retention TTLs, orphans)."""

    __tablename__ = "pending_deletions"
    __table_args__ = (
        Index(
            "ix_pending_deletions_due_at",
            "due_at",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
        # ARM ids are case-insensitive, hence the lower-cased key for "already scheduled".
        Index(
            "uq_pending_deletions_open_resource_key",
            "resource_key",
            unique=True,
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
        Index("ix_pending_deletions_node_id", "node_id"),
        CheckConstraint("kind IN ('disk', 'snapshot', 'nic', 'public_ip', 'vm')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    resource_id: Mapped[str] = mapped_column(String(1024))
    resource_key: Mapped[str] = mapped_column(String(1024))
    kind: Mapped[str] = mapped_column(String(16))
    node_id: Mapped[str | None] = mapped_column(ForeignKey("nodes.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)


class NodeRequestRow(Base):
    """Something asked of a node (pause, delete, attach a disk …) that the worker has yet to act on.

    The API appends; the worker folds the pending ones into its next pass and marks them
    consumed in the same transaction that stores the pass, so a request is acted on once.
    """

    __tablename__ = "node_requests"
    __table_args__ = (
        Index(
            "ix_node_requests_node_id_pending",
            "node_id",
            "id",
            sqlite_where=text("consumed_at IS NULL"),
            postgresql_where=text("consumed_at IS NULL"),
        ),
        CheckConstraint(
            "kind IN ('pause', 'resume', 'recycle', 'delete', 'attach_data_disk', 'detach_data_disk', "
            "'swap_os_disk')",
            name="kind_known",
        ),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    node_id: Mapped[str] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]


class ImportRow(Base):
    """An import of an existing Azure VM into a stateful node (`sin-` ids)."""

    __tablename__ = "imports"

    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    node_id: Mapped[str] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(40))
    vm_name: Mapped[str] = mapped_column(String(64))
    resource_group_name: Mapped[str] = mapped_column(String(90))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
