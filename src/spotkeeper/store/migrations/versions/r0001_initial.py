"""Initial schema: accounts, API tokens, nodes, node events, cost ledger, deletions, imports.

Revision ID: 0001
Revises:
Create Date: 2026-01-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types as of this revision (never import the live models here).
_TIME = sa.DateTime(timezone=True)
_AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(12), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(12), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("last_used_at", _TIME, nullable=True),
        sa.Column("revoked", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_api_tokens_account_id_accounts", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_account_id", "api_tokens", ["account_id"])

    op.create_table(
        "nodes",
        sa.Column("id", sa.String(12), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("resource_group_name", sa.String(90), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("status_json", sa.JSON(), nullable=False),
        sa.Column("phase", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_expires_at", _TIME, nullable=True),
        sa.Column("next_due_at", _TIME, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("deleted_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_nodes"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_nodes_account_id_accounts"),
        sa.CheckConstraint("version >= 1", name="ck_nodes_version_positive"),
    )
    op.create_index("ix_nodes_account_id_name", "nodes", ["account_id", "name"])
    op.create_index("ix_nodes_account_id_region", "nodes", ["account_id", "region"])
    op.create_index("ix_nodes_next_due_at", "nodes", ["next_due_at"])
    op.create_index("ix_nodes_lease_expires_at", "nodes", ["lease_expires_at"])

    op.create_table(
        "node_events",
        sa.Column("id", _AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("node_id", sa.String(12), nullable=False),
        sa.Column("time", _TIME, nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.String(1024), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_node_events"),
        sa.ForeignKeyConstraint(
            ["node_id"], ["nodes.id"], name="fk_node_events_node_id_nodes", ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "severity IN ('DEBUG', 'INFO', 'WARN', 'ERROR')", name="ck_node_events_severity_known"
        ),
    )
    op.create_index("ix_node_events_node_id_time", "node_events", ["node_id", "time"])

    op.create_table(
        "cost_ledger",
        sa.Column("id", _AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("node_id", sa.String(12), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("ended_at", _TIME, nullable=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("zone", sa.String(8), nullable=True),
        sa.Column("size", sa.String(64), nullable=False),
        sa.Column("lifecycle", sa.String(4), nullable=False),
        sa.Column("price_hour", sa.Float(), nullable=False),
        sa.Column("od_price_hour", sa.Float(), nullable=False),
        sa.Column("vcpus", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cost_ledger"),
        sa.ForeignKeyConstraint(
            ["node_id"], ["nodes.id"], name="fk_cost_ledger_node_id_nodes", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_cost_ledger_account_id_accounts", ondelete="CASCADE"
        ),
        sa.CheckConstraint("lifecycle IN ('spot', 'od')", name="ck_cost_ledger_lifecycle_known"),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at", name="ck_cost_ledger_interval_ordered"
        ),
    )
    op.create_index("ix_cost_ledger_account_id_started_at", "cost_ledger", ["account_id", "started_at"])
    op.create_index("ix_cost_ledger_node_id_started_at", "cost_ledger", ["node_id", "started_at"])
    op.create_index(
        "uq_cost_ledger_open_node_id",
        "cost_ledger",
        ["node_id"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )

    op.create_table(
        "pending_deletions",
        sa.Column("id", _AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.String(1024), nullable=False),
        sa.Column("resource_key", sa.String(1024), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("node_id", sa.String(12), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("due_at", _TIME, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("done_at", _TIME, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pending_deletions"),
        sa.ForeignKeyConstraint(
            ["node_id"], ["nodes.id"], name="fk_pending_deletions_node_id_nodes", ondelete="SET NULL"
        ),
        sa.CheckConstraint(
            "kind IN ('disk', 'snapshot', 'nic', 'public_ip', 'vm')", name="ck_pending_deletions_kind_known"
        ),
    )
    op.create_index(
        "ix_pending_deletions_due_at",
        "pending_deletions",
        ["due_at"],
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_index(
        "uq_pending_deletions_open_resource_key",
        "pending_deletions",
        ["resource_key"],
        unique=True,
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_index("ix_pending_deletions_node_id", "pending_deletions", ["node_id"])

    op.create_table(
        "imports",
        sa.Column("id", sa.String(12), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("node_id", sa.String(12), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("vm_name", sa.String(64), nullable=False),
        sa.Column("resource_group_name", sa.String(90), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_imports"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_imports_account_id_accounts", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["node_id"], ["nodes.id"], name="fk_imports_node_id_nodes", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_imports_account_id", "imports", ["account_id"])
    op.create_index("ix_imports_node_id", "imports", ["node_id"])


def downgrade() -> None:
    for table in (
        "imports",
        "pending_deletions",
        "cost_ledger",
        "node_events",
        "nodes",
        "api_tokens",
        "accounts",
    ):
        op.drop_table(table)
