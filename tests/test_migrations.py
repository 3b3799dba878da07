"""Schema migrations: a database made by the first migration, with data in it, upgrades to the
current schema and loses nothing; a database from before migrations is adopted."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store import Store
from bot.store.migrate import current_revision, revision_files, upgrade
from bot.store.models import Base

BACKENDS = ("sqlite", "postgresql")
NOW = datetime(2026, 11, 25, 1, tzinfo=UTC)


async def test_upgrading_from_the_first_migration_keeps_every_row(database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(upgrade, "0001")
        assert await connection.run_sync(current_revision) == "0001"
        await connection.execute(
            text(
                "INSERT INTO chats (id, kind, language, active, created_at, last_seen_at) "
                "VALUES (-1001234567890, 'supergroup', 'en', true, :now, :now), "
                "(42, 'private', 'zh', false, :now, :now)"
            ),
            {"now": NOW},
        )
        await connection.execute(
            text(
                "INSERT INTO subscriptions (chat_id, kind, value, label, created_at) "
                "VALUES (42, 'topic', 'hague', '海牙协定', :now), "
                "(-1001234567890, 'keyword', '质押', '质押', :now)"
            ),
            {"now": NOW},
        )
        await connection.execute(
            text(
                "INSERT INTO schedules (chat_id, briefing_time, timezone, paused, next_due_at) "
                "VALUES (42, '08:30', 'Europe/Berlin', false, :now)"
            ),
            {"now": NOW},
        )
        await connection.execute(
            text(
                "INSERT INTO deliveries (chat_id, local_date, kind, status, payload, attempts, "
                "planned_at, updated_at) VALUES (42, :day, 'briefing', 'sent', "
                "'{\"picks\": []}', 1, :now, :now)"
            ),
            {"now": NOW, "day": date(2026, 11, 25)},
        )
    await engine.dispose()

    store = Store(database_url)  # what the bot does at start-up
    await store.migrate()
    async with store.transaction() as repo:
        assert (
            await repo.session.run_sync(lambda s: current_revision(s.connection()))
            == (revision_files()[-1].name.split("_", 1)[0])
        )
        subscriptions = await repo.subscriptions(42)
        assert [(s.kind, s.value, s.label) for s in subscriptions] == [
            ("topic", "hague", "海牙协定")
        ]
        chat = await repo.chat(-1001234567890)
        assert chat is not None
        assert (chat.kind, chat.language) == ("supergroup", "en")
        schedule = await repo.schedule(42)
        assert schedule is not None
        assert (schedule.briefing_time, schedule.timezone) == ("08:30", "Europe/Berlin")
        delivery = await repo.delivery(42, date(2026, 11, 25))
        assert delivery is not None
        assert delivery.status == "sent"
        broadcast = await repo.create_broadcast("hello", 42, NOW)  # the second migration's table
        assert broadcast.id == 1
    await store.close()


async def test_a_database_from_before_migrations_is_adopted(database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)  # how the first sessions made it
        await connection.execute(
            text(
                "INSERT INTO chats (id, kind, language, active, created_at, last_seen_at) "
                "VALUES (7, 'private', 'zh', true, :now, :now)"
            ),
            {"now": NOW},
        )
    await engine.dispose()
    store = Store(database_url)
    await store.migrate()
    await store.migrate()  # and again: nothing left to do
    async with store.transaction() as repo:
        assert await repo.chat(7) is not None
    await store.close()


def test_every_migration_has_a_downgrade() -> None:
    for path in revision_files():
        source = path.read_text(encoding="utf-8")
        assert "def downgrade() -> None:" in source
        assert "\n    pass\n" not in source.split("def downgrade", 1)[1], path.name


async def test_the_schema_matches_the_models(database_url: str) -> None:
    """No model change without its migration (autogenerate finds nothing to do)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = Store(database_url)
    await store.migrate()
    async with store.engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await store.close()
    # The FTS5 index and its shadow tables are SQLite's own, made by the first migration.
    ours = [
        d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("passage_search"))
    ]
    assert ours == []


async def test_the_library_migration_keeps_the_documents_as_the_seed(database_url: str) -> None:
    """0005: every document there is the shipped seed, added now; its sections and passages stay,
    with curated (not automatic) summaries; uploads can wait for Publish."""
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(upgrade, "0004")
        await connection.execute(
            text(
                "INSERT INTO documents (id, slug, position, title, title_en, published, "
                "source_url) VALUES (1, 'cnipa-2022-work-plan', 1, '工作要点', 'Work plan', "
                ":day, 'https://example.org')"
            ),
            {"day": date(2022, 6, 21)},
        )
        await connection.execute(
            text(
                "INSERT INTO sections (id, document_id, number, heading, heading_en, body, "
                "summary_zh, summary_en) VALUES (1, 1, 1, '一', 'One', '正文。', '[\"要点\"]', "
                "'[\"point\"]')"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO passages (document_id, section_id, section_number, ordinal, "
                "position, text, folded) VALUES (1, 1, 1, 1, 1, '正文。', '正文。')"
            )
        )
    await engine.dispose()

    store = Store(database_url)
    await store.migrate()
    async with store.transaction() as repo:
        [document] = await repo.stored_documents()
        assert (document.slug, document.origin, document.fingerprint) == (
            "cnipa-2022-work-plan",
            "seed",
            None,
        )
        row = await repo.primary_document()
        assert row is not None
        assert row.added_at is not None
        [section] = await repo.sections(row.id)
        assert (section.summary_zh, section.summary_automatic) == (["要点"], False)
        assert [p.text for p in await repo.passages(section.id)] == ["正文。"]
        await repo.put_pending_import(42, "t0k3n", "plan.md", b"bytes", NOW)
    async with store.transaction() as repo:
        pending = await repo.take_pending_import(42, "t0k3n")
        assert pending is not None
        assert pending.data == b"bytes"
    await store.close()
