"""Alembic's entry: migrations run on a connection the bot hands over (bot.store.migrate), inside
its own transaction, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from alembic import context

from bot.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `python run_bot.py migrate` (bot.store.migrate)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
