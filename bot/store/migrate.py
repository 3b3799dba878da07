"""Schema migrations with Alembic, applied at start-up (or by `python run_bot.py migrate`).

The scripts live in bot/store/migrations/versions; each runs in the transaction of the
connection given here, so a failed migration changes nothing."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from bot.store.models import Base

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the schema to `revision`. A database made before migrations existed (tables but no
    alembic_version) gets its missing tables and is stamped as current."""
    tables = set(inspect(connection).get_table_names())
    if "chats" in tables and "alembic_version" not in tables:
        logger.warning("database from before migrations: adding missing tables, stamping head")
        Base.metadata.create_all(connection)
        command.stamp(_config(connection), "head")
        return
    command.upgrade(_config(connection), revision)


def revision_files() -> list[Path]:
    return sorted((MIGRATIONS / "versions").glob("*.py"))
