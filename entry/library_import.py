"""`python run_bot.py import PATH … [--dry-run]`: add documents to the library from the command
line, into the database DATABASE_URL names, while the bot runs or not (a running bot serves them
within a minute: bot.usecases.importing.refresh).

One line per document on stdout: title, date, sections, passages, topics, slug. A file that cannot
be one gets one line on stderr naming the file and why; then nothing at all is imported (with
several files, a last line says so) and the exit status is 1. `--dry-run` reads and checks
everything and writes nothing (not even a missing SQLite file or the schema: without them it
cannot check for duplicates, and says so)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.logs import redact
from bot.store import Store
from bot.store.content_import import sync_content
from bot.usecases import importing
from bot.usecases.importing import Prepared
from content.catalog import Catalog
from content.errors import ContentError
from content.importing import MAX_BYTES, TOO_LARGE, Candidate, ImportRefused, read_work_plan
from content.library import CONTENT_DIR, load_library

TOPICS_SHOWN = 6

# What each refusal says on the command line.
REASONS = {
    "empty": "the file is empty",
    "binary": "not a text, HTML or .docx file",
    "too_large": "the file is too large",
    "not_a_work_plan": "not a work plan",
    "duplicate": "already in the library",
}


def describe(prepared: Prepared, catalog: Catalog) -> str:
    """One line for one document."""
    names = [topic.zh for slug in prepared.topics if (topic := catalog.by_slug(slug))]
    shown = "、".join(names[:TOPICS_SHOWN]) + ("…" if len(names) > TOPICS_SHOWN else "")
    topics = f"{len(names)} topics ({shown})" if names else "0 topics"
    return (
        f"{prepared.title} — {prepared.published.isoformat()}, {prepared.sections} sections, "
        f"{prepared.passages} passages, {topics} [{prepared.slug}]"
    )


def refusal_line(path: Path, refusal: ImportRefused) -> str:
    reason = REASONS.get(refusal.code, refusal.code)
    return f"{path}: {reason}" + (f": {refusal.detail}" if refusal.detail else "")


def _read(path: Path) -> Candidate:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ImportRefused(TOO_LARGE, f"{size // 1024} KB, at most {MAX_BYTES // 1024} KB")
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise ImportRefused("binary", "a folder, not a file") from exc
    return read_work_plan(data, path.name)


async def _import(settings: Settings, paths: list[Path], dry_run: bool, content_dir: Path) -> int:
    candidates: list[Candidate] = []
    failures: list[str] = []
    for path in paths:
        try:
            candidates.append(_read(path))
        except ImportRefused as refusal:
            failures.append(refusal_line(path, refusal))
        except OSError as exc:
            failures.append(f"{path}: cannot be read: {exc.strerror or exc}")
    if failures:
        print("\n".join(_with_ending(failures, paths, dry_run)), file=sys.stderr)
        return 1
    library = load_library(content_dir)
    catalog = library.catalog
    if dry_run and not _database_exists(settings.database_url):  # opening it would create it
        print("(the database does not exist yet: not checked for duplicates)")
        return _report(paths, importing.check_against([], catalog, candidates), catalog, True)
    store = Store(settings.database_url)
    try:
        if dry_run:
            try:
                results = await importing.check(store, catalog, candidates)
            except SQLAlchemyError:  # no schema yet: nothing stored to be a duplicate of
                results = importing.check_against([], catalog, candidates)
                print("(the database has no library yet: not checked for duplicates)")
        else:
            await store.migrate()
            await sync_content(store, library)  # the shipped documents first, as the bot would
            async with store.transaction() as repo:
                stored = await repo.stored_documents()
            results = importing.check_against(stored, catalog, candidates)
            if all(isinstance(result, Prepared) for result in results):
                try:
                    results = list(
                        await importing.add(store, catalog, candidates, datetime.now(UTC))
                    )
                except ImportRefused as refusal:  # another process imported it meanwhile
                    results = [refusal]
    finally:
        await store.close()
    return _report(paths, results, catalog, dry_run)


def _with_ending(lines: list[str], paths: list[Path], dry_run: bool) -> list[str]:
    """One line per refused file; with several files, a last line saying none was imported
    (the good ones neither)."""
    if len(paths) == 1:
        return lines
    return [*lines, "nothing would be imported" if dry_run else "nothing imported"]


def _database_exists(database_url: str) -> bool:
    """False only for a SQLite file that is not there (any server database counts as there)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return True
    return Path(url.database).expanduser().exists()


def _report(
    paths: list[Path], results: list[Prepared | ImportRefused], catalog: Catalog, dry_run: bool
) -> int:
    refused = [
        refusal_line(path, result)
        for path, result in zip(paths, results, strict=False)
        if isinstance(result, ImportRefused)
    ]
    if refused:
        print("\n".join(_with_ending(refused, paths, dry_run)), file=sys.stderr)
        return 1
    verb = "would import" if dry_run else "imported"
    for result in results:
        if isinstance(result, Prepared):
            print(f"{verb}: {describe(result, catalog)}")
    return 0


def run_import(
    settings: Settings, paths: list[Path], dry_run: bool = False, content_dir: Path = CONTENT_DIR
) -> int:
    """The exit status: 0 when every file was imported (or would be), 1 otherwise."""
    try:
        return asyncio.run(_import(settings, paths, dry_run, content_dir))
    except (ContentError, SQLAlchemyError, OSError) as exc:
        print(f"import failed: {redact(str(exc)).splitlines()[0][:300]}", file=sys.stderr)
        return 1
