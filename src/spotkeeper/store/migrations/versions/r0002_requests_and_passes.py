"""Node requests, spec versions, failed-pass counts and the ledger's spot quote.

* `node_requests`: what the API asks of a node (pause, delete, attach a disk …), consumed by the
  worker in the same transaction that stores the pass acting on it.
* `nodes.spec_version`: the compare-and-set token of spec edits, separate from `version` (which
  the worker's state writes bump), so an edit never fails a worker's pass or the other way round.
* `nodes.failed_passes`: consecutive passes that raised, for the worker's retry backoff.
* `cost_ledger.spot_price_hour`: the spot quote seen beside an interval (§5.6 spotPotentialCost).

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)
_AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild) works on SQLite too for nullable or defaulted columns.
    op.add_column(
        "nodes", sa.Column("spec_version", sa.Integer(), server_default=sa.text("1"), nullable=False)
    )
    op.add_column(
        "nodes", sa.Column("failed_passes", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.add_column("cost_ledger", sa.Column("spot_price_hour", sa.Float(), nullable=True))

    op.create_table(
        "node_requests",
        sa.Column("id", _AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("node_id", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("consumed_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_node_requests"),
        sa.ForeignKeyConstraint(
            ["node_id"], ["nodes.id"], name="fk_node_requests_node_id_nodes", ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "kind IN ('pause', 'resume', 'recycle', 'delete', 'attach_data_disk', 'detach_data_disk', "
            "'swap_os_disk')",
            name="ck_node_requests_kind_known",
        ),
    )
    op.create_index(
        "ix_node_requests_node_id_pending",
        "node_requests",
        ["node_id", "id"],
        sqlite_where=sa.text("consumed_at IS NULL"),
        postgresql_where=sa.text("consumed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("node_requests")
    with op.batch_alter_table("cost_ledger") as batch:
        batch.drop_column("spot_price_hour")
    with op.batch_alter_table("nodes") as batch:
        batch.drop_column("failed_passes")
        batch.drop_column("spec_version")
