"""Data retention (README: Data retention): since when a chat has been inactive, and when a saved
search was last used. Both start empty: the first retention run stamps what it finds, so nothing
is deleted earlier than the rules say.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inactive_since", sa.DateTime(timezone=True), nullable=True))
    # On SQLite the table is made anew with AUTOINCREMENT: a deleted search's id (still on old
    # page buttons) is never handed out again for another text.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "saved_queries",
        schema=None,
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_autoincrement": True} if sqlite else {},
    ) as batch_op:
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("saved_queries", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_column("inactive_since")
