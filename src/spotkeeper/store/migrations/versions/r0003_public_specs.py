"""Each node's public spec as JSON text, so a read never decodes and re-encodes the spec.

* `nodes.public_spec`: the spec without its write-only fields, rendered as JSON text whenever
  the spec is written (see `spotkeeper.store.public_specs`).
* `nodes.public_spec_form`: which rules that text was rendered under; a row whose form is not
  the running code's (or NULL, as every existing row is after this revision) is rendered again.

Existing rows are not rendered here: a revision must not import the code that renders, which
will change after it. `Store(url)` renders every stale row when it opens the database, and
reads render stale rows on the fly until then.

Revision ID: 0003
Revises: 0002
Create Date: 2026-01-19
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("nodes", sa.Column("public_spec", sa.Text(), nullable=True))
    op.add_column("nodes", sa.Column("public_spec_form", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("nodes") as batch:
        batch.drop_column("public_spec_form")
        batch.drop_column("public_spec")
