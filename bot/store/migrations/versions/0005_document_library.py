"""A library of documents: where each document came from (the shipped content/ or the owner's
import), when it was added, a fingerprint of its text (duplicates are refused), whether a
section's summary was picked automatically, and the owner's uploads waiting for Publish.
Existing documents are the shipped seed, added now.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Columns are added in place (no batch recreate): on SQLite, recreating `documents` would
    # drop the table its sections and passages cascade from.
    op.add_column(
        "documents",
        sa.Column("origin", sa.String(length=16), server_default="seed", nullable=False),
    )
    op.add_column("documents", sa.Column("added_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("documents", sa.Column("fingerprint", sa.String(length=64), nullable=True))
    op.add_column(
        "sections",
        sa.Column("summary_automatic", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute(
        sa.text("UPDATE documents SET added_at = :now WHERE added_at IS NULL").bindparams(
            sa.bindparam("now", datetime.now(UTC), type_=sa.DateTime(timezone=True))
        )
    )
    op.create_table(
        "pending_imports",
        sa.Column("owner_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner_id"),
    )


def downgrade() -> None:
    op.drop_table("pending_imports")
    # Plain DROP COLUMN (SQLite ≥ 3.35 and PostgreSQL): no table is recreated, for the reason
    # above. Imported documents stay, as documents of the seed's shape.
    op.execute("ALTER TABLE sections DROP COLUMN summary_automatic")
    for column in ("fingerprint", "added_at", "origin"):
        op.execute(f"ALTER TABLE documents DROP COLUMN {column}")
