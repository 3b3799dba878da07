"""A running bot serves a document another process imported, once its refresh job has run (each
minute in production; driven directly here): no restart. Also the card of a section without a
curated summary, and the stand-in's file download over HTTP. The plan is made up (NOT REAL CNIPA
TEXT: tests/support/made_up_plans)."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
from sqlalchemy import select

from bot.config import Settings
from bot.replies.reading import _card
from bot.store import Store
from bot.store.models import DocumentRow, SectionRow
from bot.store.repository import DocumentView, SectionView
from bot.usecases import importing
from content.importing import read_work_plan
from content.library import load_library
from entry.application import CONTENT_REFRESH_JOB
from entry.standin import TelegramStandIn, parse_telegram_html
from tests.support import made_up_plans as plans
from tests.support.clock import Clock
from tests.support.driver import BotDriver, driven_bot, run_push, said, services_of

NOW = datetime(2031, 3, 20, tzinfo=UTC)


async def _import_elsewhere(settings: Settings) -> None:
    """Another process: its own engine on the same database, as `run_bot.py import` is."""
    other = Store(settings.database_url)
    try:
        candidate = read_work_plan(plans.docx_bytes(), "plan.docx")
        await importing.add(other, load_library().catalog, [candidate], NOW)
    finally:
        await other.close()


async def test_the_refresh_job_serves_what_another_process_imported(
    bot: BotDriver, settings: Settings
) -> None:
    services = services_of(bot)
    before = await services.current_content()
    assert before is not None
    await _import_elsewhere(settings)
    assert await services.current_content() is before  # the cached content, until the job runs

    job_queue = bot.application.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name(CONTENT_REFRESH_JOB)
    await job.run(bot.application)
    async with services.store.transaction() as repo:
        assert services.content_version == await repo.content_version()
        slugs = [document.slug for document in await repo.stored_documents()]
    after = await services.current_content()
    assert after is not None
    assert after is not before  # read again from the store
    assert slugs == ["cnipa-2022-work-plan", "doc-2031-work-plan"]
    [answer] = await bot.say("/section 4")  # the newest plan: the one just imported
    assert answer.text.startswith(plans.heading(4))
    [answer] = await bot.say("/section 2022 4")  # the shipped plan, by its year
    assert answer.text.startswith("四、建设一流专利商标审查机构")
    [listing] = await bot.say("/documents")
    assert listing.text.index(plans.TITLE) < listing.text.index("2022 年工作要点")

    await job.run(bot.application)  # nothing new: the snapshot stays
    assert await services.current_content() is after


async def test_a_section_without_a_curated_summary_is_labelled_automatic(
    bot: BotDriver, settings: Settings
) -> None:
    await _import_elsewhere(settings)
    async with services_of(bot).store.transaction() as repo:
        document = await repo.session.scalar(
            select(DocumentRow).where(DocumentRow.slug == "doc-2031-work-plan")
        )
        assert document is not None
        rows = await repo.sections(document.id)
        seed = await repo.session.scalar(
            select(DocumentRow).where(DocumentRow.slug == "cnipa-2022-work-plan")
        )
        assert seed is not None
        seed_rows = await repo.sections(seed.id)
    view = DocumentView(document.slug, document.title, "", document.published, document.source_url)
    numbers = tuple(row.number for row in rows)

    def card(row: SectionRow, language: str) -> str:
        section = SectionView(
            row.number,
            row.heading,
            row.heading_en,
            row.body,
            tuple(row.summary_zh),
            tuple(row.summary_en),
            row.summary_automatic,
        )
        text, _ = _card(services_of(bot).translate, language, view, section, numbers)
        return parse_telegram_html(text)  # valid Telegram HTML, as a client shows it

    eleven = rows[11]
    assert eleven.summary_automatic
    for language in ("zh", "en"):
        shown = card(eleven, language)
        assert shown.endswith(said("summary.automatic", language))
        assert f"• {eleven.summary_zh[0]}" in shown
    assert not any(row.summary_automatic for row in seed_rows)
    assert said("summary.automatic") not in card(seed_rows[4], "zh")


async def test_the_standin_serves_get_file_and_the_file_over_http(api: TelegramStandIn) -> None:
    _, message = api.send_document(b"made-up bytes", "plan.md", "/import")
    assert message.document is not None
    async with aiohttp.ClientSession() as session:
        url = f"{api.base_url}{api.token}/getFile"
        async with session.post(url, data={"file_id": message.document["file_id"]}) as response:
            found = await response.json()
        path = found["result"]["file_path"]
        async with session.get(f"{api.base_file_url}{api.token}/{path}") as response:
            assert response.status == 200
            assert await response.read() == b"made-up bytes"
        async with session.get(f"{api.base_file_url}{api.token}/documents/none") as response:
            assert response.status == 404
        async with session.post(url, data={"file_id": "nope"}) as response:
            assert response.status == 400


async def test_a_chat_s_next_briefing_leads_with_what_another_process_imported(
    settings: Settings, api: TelegramStandIn
) -> None:
    """Publishing is what makes a document news: after the import (another process) and the
    refresh job, the next daily briefing of a chat following 海牙 quotes the imported plan's
    passage on it first, under "New: 《…》"; the push reads the same index the readers do."""
    clock = Clock(datetime(2031, 3, 18, 12, 0, tzinfo=UTC))
    async with driven_bot(settings, api, clock) as bot:
        job_queue = bot.application.job_queue
        assert job_queue is not None
        [job] = job_queue.get_jobs_by_name(CONTENT_REFRESH_JOB)
        await bot.say("/subscribe 海牙")
        await run_push(bot, clock, datetime(2031, 3, 19, 1, 0, tzinfo=UTC))  # the day before
        assert "2022 年工作要点" in bot.api.bot_messages(1001)[-1].text
        await _import_elsewhere(settings)
        await job.run(bot.application)
        await run_push(bot, clock, datetime(2031, 3, 20, 1, 0, tzinfo=UTC))  # 09:00 Shanghai
        briefing = bot.api.bot_messages(1001)[-1].text
    news = said("documents.new_in_briefing", title=plans.TITLE)
    assert news in briefing
    assert plans.BROKEN in briefing  # section 三's 海牙 sentence, joined across its page break
    assert briefing.index(news) < briefing.index(plans.BROKEN)
