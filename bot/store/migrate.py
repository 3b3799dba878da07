"""Schema migrations with Alembic, applied at start-up (or by `python run_bot.py migrate`).

The scripts live in bot/store/migrations/versions, named `<revision>_<what>.py`; each runs in the
transaction of the connection given here, so a failed migration changes nothing. Alembic itself
is imported only when there is something to do: an up-to-date database costs one query."""

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


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the schema to `revision`. A database made before migrations existed (tables but no
    alembic_version) gets its missing tables and is stamped as current."""
    tables = set(inspect(connection).get_table_names())
    up_to_date = "alembic_version" in tables and current_revision(connection) == head_revision()
    if revision == "head" and up_to_date:
        return
    from alembic import command

    if "chats" in tables and "alembic_version" not in tables:
        logger.warning("database from before migrations: adding missing tables, stamping head")
        Base.metadata.create_all(connection)
        command.stamp(_config(connection), "head")
        return
    command.upgrade(_config(connection), revision)
