"""Schema migrations with Alembic, applied at start-up (or by `python run_bot.py migrate`).

The scripts live in bot/store/migrations/versions, named `<revision>_<what>.py`; each runs in the
transaction of the connection given here, so a failed migration changes nothing (on SQLite too:
Store.migrate hands over a connection that really began a transaction, see bot.store.database).
Alembic itself is imported only when there is something to do: an up-to-date database costs one
query.

Processes starting together take turns: on PostgreSQL the first to find work takes a transaction
advisory lock (MIGRATION_LOCK, freed at commit or rollback) and the others wait for it, then read
the version again and find nothing left to do; on SQLite the migration transaction is BEGIN
IMMEDIATE, which holds the database's write lock from the start."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from bot.store.models import Base

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The key of the PostgreSQL advisory lock migrations take (any constant the bot uses for nothing
# else): "bmig" in ASCII.
MIGRATION_LOCK = 0x626D6967


def revision_files() -> list[Path]:
    return sorted((MIGRATIONS / "versions").glob("*.py"))


def head_revision() -> str:
    return revision_files()[-1].name.split("_", 1)[0]


def _config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _up_to_date(connection: Connection) -> bool:
    return current_revision(connection) == head_revision()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the schema to `revision`. A database made before migrations existed (tables but no
    alembic_version) gets its missing tables and is stamped as current.

    Beside other processes doing the same: on PostgreSQL, whoever finds work waits for the
    migration lock and then looks again, so the second of two starts finds the schema current
    instead of creating the same tables (and dying of a unique violation)."""
    if revision == "head" and _up_to_date(connection):
        return
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        if revision == "head" and _up_to_date(connection):  # done meanwhile by another process
            return
    tables = set(inspect(connection).get_table_names())
    from alembic import command

    if "chats" in tables and "alembic_version" not in tables:
        logger.warning("database from before migrations: adding missing tables, stamping head")
        Base.metadata.create_all(connection)
        command.stamp(_config(connection), "head")
        return
    command.upgrade(_config(connection), revision)
