"""The SQLite store: pragmas, idempotent content import, re-import on change, chats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store import Store
from bot.store.content_import import sync_content
from content.library import Library

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url)
    await store.migrate()
    yield store
    await store.close()


async def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(store: Store) -> None:
    if not store.is_sqlite:
        pytest.skip("SQLite pragmas")
    async with store.engine.connect() as connection:
        journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
        foreign = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
    assert (journal, busy, foreign) == ("wal", 10_000, 1)


async def test_default_location_is_created_under_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = Store("sqlite+aiosqlite:///./data/briefing.sqlite3")
    await store.migrate()
    await store.close()
    assert (tmp_path / "data" / "briefing.sqlite3").is_file()


async def test_import_is_idempotent_and_complete(store: Store, library: Library) -> None:
    assert await sync_content(store, library) is True
    assert await sync_content(store, library) is False
    async with store.transaction() as repo:
        document = await repo.primary_document()
        assert document is not None
        assert document.title == "国家知识产权局 2022 年工作要点"
        assert document.source_url.endswith("art_92_176128.html")
        sections = await repo.sections(document.id)
        assert [s.number for s in sections] == list(range(9))
        assert await repo.passage_count() == 97
        four = await repo.section(document.id, 4)
        assert four is not None
        assert four.summary_en
        assert four.heading_en
        passages = await repo.passages(four.id)
        assert "".join(p.text for p in passages) == four.body
        assert await repo.stored_content_hash() == library.content_hash


async def test_changed_content_is_reimported_once_without_duplicates(
    store: Store, library: Library
) -> None:
    await sync_content(store, library)
    changed = replace(library, content_hash="0" * 64)
    assert await sync_content(store, changed) is True
    assert await sync_content(store, changed) is False
    async with store.transaction() as repo:
        assert await repo.passage_count() == 97
        assert await repo.stored_content_hash() == "0" * 64


async def test_a_failed_import_leaves_the_previous_content(store: Store, library: Library) -> None:
    await sync_content(store, library)
    broken = replace(library, plans=(replace(library.primary, summaries={}),), content_hash="1")
    with pytest.raises(KeyError):
        await sync_content(store, broken)
    async with store.transaction() as repo:
        assert await repo.passage_count() == 97
        assert await repo.stored_content_hash() == library.content_hash


async def test_chats_are_recorded_and_reactivated(store: Store) -> None:
    first = datetime(2026, 1, 1, tzinfo=UTC)
    later = datetime(2026, 1, 2, tzinfo=UTC)
    async with store.transaction() as repo:
        chat, created = await repo.touch_chat(-100, "group", "zh", first)
        assert created
        chat.active = False
    async with store.transaction() as repo:
        chat, created = await repo.touch_chat(-100, "supergroup", "en", later)
        assert not created
        assert (chat.kind, chat.language, chat.active) == ("supergroup", "zh", True)
    async with store.transaction() as repo:
        stored = await repo.chat(-100)
        assert stored is not None
        assert stored.created_at == first
        assert stored.last_seen_at == later
