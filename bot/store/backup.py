"""A consistent copy of the live SQLite database, taken while the bot runs (SQLite's online
backup: readers and the writer carry on; the copy is one point in time)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.store.database import make_private_file, make_private_folder


class BackupError(RuntimeError):
    """The backup cannot be made; the message says why in one line."""


def backup_sqlite(database_url: str, target: Path) -> int:
    """Copy the database to `target` (replaced if it exists); the number of pages copied."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError("backup copies SQLite databases; for PostgreSQL use pg_dump")
    source_path = url.database
    if not source_path or source_path == ":memory:" or not Path(source_path).is_file():
        raise BackupError(f"no SQLite database at {source_path!r}")
    make_private_folder(target.parent)  # a backup holds what the database holds: owner only
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)  # left by a backup that was killed
    make_private_file(partial)  # 0600 before SQLite writes to it (its journal takes its mode)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy, pages=1024)
        pages = copy.execute("PRAGMA page_count").fetchone()[0]
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("the copy failed its integrity check")
    finally:
        copy.close()
        source.close()
    partial.replace(target)  # the old backup is replaced only by a complete one
    return int(pages)
