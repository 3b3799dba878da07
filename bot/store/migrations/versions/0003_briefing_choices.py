"""The reader's choices for the daily briefing: quiet (sent without a sound), items (passages a
briefing) and weekdays (the local days that get one). Existing chats keep today's behaviour:
with sound, three passages, every day.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quiet", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("items", sa.Integer(), server_default=sa.text("3"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("weekdays", sa.Integer(), server_default=sa.text("127"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_column("weekdays")
        batch_op.drop_column("items")
        batch_op.drop_column("quiet")
