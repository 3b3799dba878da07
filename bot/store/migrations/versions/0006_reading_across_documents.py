"""Reading state across documents (issue 14): a chat's received passages and its cursors name
passages as "<document slug>:S.O" instead of "S.O", so that the never-twice rule and the rotation
hold across several work plans. Existing keys belong to the document the row names
(`document_slug`, the 2022 work plan); that column stays and now says which document the chat
was last briefed from, so that a later one can be announced as new.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_states = sa.table(
    "reading_states",
    sa.column("chat_id", sa.BigInteger),
    sa.column("document_slug", sa.String),
    sa.column("received", sa.JSON),
    sa.column("cursors", sa.JSON),
)


def _qualified(key: Any, slug: str) -> Any:
    return f"{slug}:{key}" if isinstance(key, str) and ":" not in key else key


def _local(key: Any) -> Any:
    return key.rpartition(":")[2] if isinstance(key, str) else key


def _rewrite(change: Any) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_states.c.chat_id, _states.c.document_slug, _states.c.received, _states.c.cursors)
    ).all()
    for chat_id, slug, received, cursors in rows:
        received = [change(key, slug) for key in received or []]
        cursors = {
            follow: [value[0], change(value[1], slug)] for follow, value in (cursors or {}).items()
        }
        bind.execute(
            _states.update()
            .where(_states.c.chat_id == chat_id)
            .values(received=received, cursors=cursors)
        )


def upgrade() -> None:
    _rewrite(_qualified)


def downgrade() -> None:
    # Keys of other documents would collide with the first document's once unqualified: dropped.
    def local(key: Any, slug: str) -> Any:
        if isinstance(key, str) and key.startswith(f"{slug}:"):
            return _local(key)
        return None

    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_states.c.chat_id, _states.c.document_slug, _states.c.received, _states.c.cursors)
    ).all()
    for chat_id, slug, received, cursors in rows:
        kept = [local(key, slug) for key in received or []]
        moved = {
            follow: [value[0], local(value[1], slug)] for follow, value in (cursors or {}).items()
        }
        bind.execute(
            _states.update()
            .where(_states.c.chat_id == chat_id)
            .values(received=[key for key in kept if key is not None], cursors=moved)
        )
