"""The one way in.

python run_bot.py               with BOT_TOKEN: poll Telegram, or serve WEBHOOK_URL if set;
                                without BOT_TOKEN: the console sandbox
python run_bot.py --reset-sandbox   the console sandbox, started afresh (its database deleted)
python run_bot.py migrate       apply pending schema migrations, then exit
python run_bot.py backup PATH   a consistent copy of the live SQLite database
python run_bot.py import PATH … [--dry-run]   add documents (text/Markdown, HTML, .docx) to the
                                library; a running bot serves them within a minute
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sqlite3
import sys
from pathlib import Path

# RetryAfter.retry_after as a timedelta (python-telegram-bot's future default); the delivery code
# reads either form. Set before telegram is imported.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from sqlalchemy.exc import SQLAlchemyError
from telegram.error import TelegramError

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging, redact
from content.errors import ContentError

# Failures at start-up that a person fixes by changing something: one line, no traceback.
# TelegramError: a refusal (InvalidToken, BadRequest …); an unreachable Telegram is waited out
# with backoff at start (entry/lifecycle.py) and never gets here.
_STARTUP_ERRORS = (ContentError, SQLAlchemyError, OSError, TelegramError)


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run_bot.py", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--reset-sandbox",
        action="store_true",
        help="console sandbox only: delete its database (data/sandbox.sqlite3) and start afresh",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("migrate", help="apply pending schema migrations, then exit")
    backup = commands.add_parser("backup", help="copy the live SQLite database to PATH")
    backup.add_argument("path", type=Path)
    add = commands.add_parser(
        "import", help="add documents (text/Markdown, HTML page, .docx) to the library"
    )
    add.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    add.add_argument(
        "--dry-run", action="store_true", help="show what would be imported; change nothing"
    )
    return parser.parse_args(argv)


def _run(settings: Settings) -> None:
    if settings.sandbox:
        from entry.console import run_console

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_console(settings))
        return
    if settings.webhook_url:
        from entry.webhook import serve

        serve(settings)
        return
    from entry.polling import poll

    poll(settings)


def _reset_sandbox(settings: Settings, command: str | None) -> str | None:
    """Delete the sandbox's own database before it starts; the reason it cannot, or None."""
    if command is not None or not settings.sandbox:
        return "only for the console sandbox (no BOT_TOKEN and no other command)"
    from entry.console import SandboxError, reset_sandbox

    try:
        removed = reset_sandbox(settings)
    except (SandboxError, OSError) as exc:
        return str(exc)
    names = ", ".join(str(path) for path in removed) or "nothing to remove"
    print(f"Sandbox reset: {names}")
    return None


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if arguments.reset_sandbox:
        failure = _reset_sandbox(settings, arguments.command)
        if failure:
            print(f"--reset-sandbox: {failure}", file=sys.stderr)
            return 2
    if arguments.command == "migrate":
        from bot.store import Store

        async def migrate() -> None:
            store = Store(settings.database_url)
            try:
                await store.migrate()
            finally:
                await store.close()

        try:
            asyncio.run(migrate())
        except _STARTUP_ERRORS as exc:
            print(f"migration failed: {redact(str(exc)).splitlines()[0][:300]}", file=sys.stderr)
            return 1
        print("the database schema is up to date")
        return 0
    if arguments.command == "backup":
        from bot.store.backup import BackupError, backup_sqlite

        try:
            pages = backup_sqlite(settings.database_url, arguments.path)
        except (BackupError, sqlite3.Error) as exc:
            print(f"backup failed: {exc}", file=sys.stderr)
            return 1
        print(f"backup written to {arguments.path} ({pages} pages)")
        return 0
    if arguments.command == "import":
        from entry.library_import import run_import

        return run_import(settings, arguments.paths, arguments.dry_run)
    # The sandbox is a chat in the terminal: only warnings and errors go to stderr.
    level = "WARNING" if settings.sandbox and settings.log_level == "INFO" else settings.log_level
    configure_logging(level, secrets=[settings.bot_token, settings.webhook_secret])
    try:
        _run(settings)
    except _STARTUP_ERRORS as exc:
        logging.getLogger("run_bot").debug("start-up failed", exc_info=exc)
        print(f"start-up error: {redact(str(exc)).splitlines()[0][:300]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
