"""A library of work plans (issue 14, parts 3–5): /documents, reading an older plan, /topic and
/search across plans, briefings that bring what is new, and /compare. On a copy of content/ with
made-up 2023 (and 2024) plans, tests/support/library.py: NOT real CNIPA text."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.briefing import ContentIndex, ReadingState, compose
from bot.callbacks import CALLBACK_DATA_LIMIT
from bot.compare import SIMILAR_AT, Passage, compare, similarity
from bot.config import Settings
from bot.usecases import owner_tools
from content.library import CONTENT_DIR, load_library
from entry.standin import StoredMessage, TelegramStandIn
from tests.support.clock import Clock
from tests.support.driver import BotDriver, driven_bot, one, run_push, said, services_of
from tests.support.library import (
    CARRIED_WORD_FOR_WORD,
    DIFFERENT,
    HAGUE_2022,
    HAGUE_2023_NEW,
    HAGUE_2023_REWORDED,
    HAGUE_2024,
    REWORDED,
    SLUG_2023,
    TEXT_2023,
    TITLE_2023,
    TITLE_2024,
    _add,
    library_dir,
)

BACKENDS = ("sqlite", "postgresql")
PRIVATE, EN_USER = 1001, 2002
SHANGHAI_NINE = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai
TITLE_2022 = "国家知识产权局 2022 年工作要点"
HEADING_2022_4 = "四、建设一流专利商标审查机构，全面打赢审查提质增效攻坚战。"
HEADING_2023_1 = "一、深化审查改革，提升审查质量。"

Driving = Callable[[Path], AbstractAsyncContextManager[BotDriver]]


@pytest.fixture
def clock() -> Clock:
    return Clock(SHANGHAI_NINE - timedelta(hours=12))


@pytest.fixture
def driving(settings: Settings, api: TelegramStandIn, clock: Clock) -> Driving:
    """The bot on a content directory, without its own ticks (tests run the push themselves)."""

    @asynccontextmanager
    async def run(content: Path) -> AsyncIterator[BotDriver]:
        async with driven_bot(settings, api, clock, content_dir=content) as driver:
            job_queue = driver.application.job_queue
            assert job_queue is not None
            for job in job_queue.jobs():
                job.schedule_removal()
            async with services_of(driver).push_lock:
                pass
            yield driver

    return run


@pytest.fixture
async def two(driving: Driving, tmp_path: Path) -> AsyncIterator[BotDriver]:
    async with driving(library_dir(tmp_path)) as driver:
        yield driver


@pytest.fixture
async def three(driving: Driving, tmp_path: Path) -> AsyncIterator[BotDriver]:
    async with driving(library_dir(tmp_path, with_2024=True)) as driver:
        yield driver


def callback_data(message: StoredMessage) -> list[str]:
    return [str(button["callback_data"]) for button in message.buttons]


# --- 3. many documents for the reader ----------------------------------------------------------


async def test_documents_lists_the_plans_newest_first_each_a_button(three: BotDriver) -> None:
    [listing] = await three.say("/documents")
    text = listing.text
    assert text.index(TITLE_2024) < text.index(TITLE_2023) < text.index(TITLE_2022)
    assert "发布时间：2023-03-15" in text
    assert [b["text"][:4] for b in listing.buttons] == ["2024", "2023", "2022"]
    await three.press(listing, 2)  # 2022: its table of contents, in place
    assert TITLE_2022 in listing.text
    assert listing.edits == 1
    assert len(listing.buttons) == 9  # 总体思路 and 一 … 八


async def test_section_reads_the_newest_and_a_named_year_stays_within_it(two: BotDriver) -> None:
    [newest] = await two.say("/section 1")
    assert newest.text.startswith(HEADING_2023_1)
    assert TITLE_2023 in newest.text
    [card] = await two.say("/section 2022 4")
    assert card.text.startswith(HEADING_2022_4)
    assert TITLE_2022 in card.text
    assert all(len(data.encode()) <= CALLBACK_DATA_LIMIT for data in callback_data(card))
    await two.press(card, 3)  # next ›: section 五 of 2022 (2023 has only three)
    assert card.text.startswith("五、完善市场化运行机制")
    assert TITLE_2022 in card.text
    [*_, last] = await two.press(card, 0)  # 📄 full text of 2022's 五
    assert last.text.endswith("扩大开展国际创新管理标准体系与知识产权融合工作试点。")
    slug_2022 = load_library(CONTENT_DIR).primary.slug
    assert callback_data(last) == [
        f"card:{slug_2022}:4",
        f"toc:new:{slug_2022}",
        f"card:{slug_2022}:6",
    ]
    [by_slug] = await two.say(f"/section {SLUG_2023} 2")
    assert by_slug.text.startswith("二、加强国际合作")
    [whole] = await two.say("/section 2022")  # a plan's name alone: its contents
    assert TITLE_2022 in whole.text
    assert len(whole.buttons) == 9


async def test_deep_links_carry_the_plan_and_old_links_mean_the_newest(two: BotDriver) -> None:
    [older] = await two.say("/start section_2022_4")
    assert older.text.startswith(HEADING_2022_4)
    [old_link] = await two.say("/start section_1")
    assert old_link.text.startswith(HEADING_2023_1)  # like /section 1: the newest plan


async def test_topic_spans_every_plan_grouped_newest_first(two: BotDriver) -> None:
    [listing] = await two.say("/topic 海牙")
    text = listing.text
    for passage in (HAGUE_2023_REWORDED, *HAGUE_2023_NEW, *HAGUE_2022):
        assert passage in text
    assert text.index(TITLE_2023) < text.index(HAGUE_2023_NEW[0]) < text.index(TITLE_2022)
    assert text.index(TITLE_2022) < text.index(HAGUE_2022[1])
    html = listing.html or ""
    assert "start=section_2022_7" in html  # an older plan's passage links into that plan
    assert "start=section_1" in html  # the newest plan's, as links always read
    [found] = await two.say("/search 质押融资")
    assert found.text.index(TITLE_2023) < found.text.index(TITLE_2022)


async def test_english_readers_see_the_older_plan_in_english(two: BotDriver) -> None:
    [listing] = await two.say("/topic Hague", chat_id=EN_USER)
    assert "Example 2023 work plan (test text)" in listing.text
    assert "CNIPA 2022 work plan" in listing.text


async def _inline(bot: BotDriver, query: str, user_id: int) -> list[str]:
    """`@bot query` from a user: the texts the offered results would share."""
    from entry.standin import parse_telegram_html

    api = bot.api
    before = len(api.inline_answers)
    update = {"inline_query": {"id": f"iq{before}", "from": api.users[user_id], "query": query,
                               "offset": ""}}  # fmt: skip
    await bot.feed(update)
    results = api.inline_answers[-1]["results"]
    return [parse_telegram_html(r["input_message_content"]["message_text"]) for r in results]


async def test_inline_shares_each_passage_with_its_own_plan(two: BotDriver) -> None:
    shared = await _inline(two, "海牙", PRIVATE)
    older = next(text for text in shared if text.startswith(HAGUE_2022[1]))
    assert TITLE_2022 in older
    newer = next(text for text in shared if text.startswith(HAGUE_2023_NEW[0]))
    assert TITLE_2023 in newer
    english = await _inline(two, "海牙", EN_USER)
    # The 2022 plan's passage in its own English (the made-up 2023 plan has none).
    assert any(text.startswith("Speed up the completion of China's accession") for text in english)
    assert not any(HAGUE_2023_NEW[0] in text and "Hague" in text.split("\n")[0] for text in english)


# --- 4. briefings bring what is new -------------------------------------------------------------


async def _publish_2023(bot: BotDriver, content: Path) -> None:
    _add(content, SLUG_2023, TEXT_2023, 3, "Example 2023 work plan (test text)")
    await owner_tools.reload_content(services_of(bot))


async def test_a_new_plan_leads_the_next_briefing_and_nothing_comes_twice(
    driving: Driving, tmp_path: Path, clock: Clock
) -> None:
    import shutil

    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    async with driving(content) as bot:
        await bot.say("/subscribe 海牙", chat_id=PRIVATE)
        await bot.say("/subscribe 地理标志", chat_id=PRIVATE)
        await bot.say("/subscribe Hague", chat_id=EN_USER)
        days = []
        for day in range(3):  # 4.7, 7.1, then round 2 of 海牙
            await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=day))
            days.append(bot.api.bot_messages(PRIVATE)[-1].text)
        assert HAGUE_2022[0] in days[0]
        assert HAGUE_2022[1] in days[1]
        assert "第 2 轮" in days[2]
        await _publish_2023(bot, content)
        await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=3))
        briefing = bot.api.bot_messages(PRIVATE)[-1]
        news = briefing.text
        # A passage of the older plan cites its year, and its button opens that plan's section.
        assert "地理标志 2022〔" in news
        older_button = next(
            i for i, data in enumerate(callback_data(briefing)) if data.startswith("card:cnipa")
        )
        [card] = await bot.press(briefing, older_button)
        assert TITLE_2022 in card.text
        assert news.startswith("📰")
        new_line = said("documents.new_in_briefing", title=TITLE_2023)
        assert news.split("\n\n")[1].startswith(new_line)  # the first item: the new plan's
        # The new plan's first passage on 海牙 leads, before anything read before.
        assert news.index(HAGUE_2023_REWORDED) < news.index("〔", news.index("地理标志"))
        assert "第 2 轮" not in news
        english = bot.api.bot_messages(EN_USER)[-1].text
        assert "🆕 New: 《Example 2023 work plan (test text)》" in english
        assert HAGUE_2023_REWORDED in english  # no English for the made-up plan: its Chinese
        seen = [news]
        for day in range(4, 7):
            await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=day))
            seen.append(bot.api.bot_messages(PRIVATE)[-1].text)
        # Every 2023 passage on 海牙 came once, before any 2022 one came again.
        hague = [HAGUE_2023_REWORDED, *HAGUE_2023_NEW]
        firsts = [next(i for i, text in enumerate(seen) if p in text) for p in hague]
        assert firsts == [0, 1, 2]
        assert not any(p in seen[i] for i in range(3) for p in HAGUE_2022)
        assert "新发布" not in "".join(seen[1:])  # "new" leads the first briefing after it
        # A briefing of before the new plan reads as it did: its passages are the 2022 plan's.
        [history] = await bot.say("/history", chat_id=PRIVATE)
        [again] = await bot.press(history, len(history.buttons) - 1)
        assert HAGUE_2022[0] in again.text
        assert HAGUE_2023_REWORDED not in again.text


async def test_a_chat_that_follows_nothing_starts_reading_the_new_plan(
    driving: Driving, tmp_path: Path, clock: Clock
) -> None:
    import shutil

    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    async with driving(content) as bot:
        await bot.say("/start", chat_id=PRIVATE)
        await run_push(bot, clock, SHANGHAI_NINE)
        assert "国家知识产权局 2022 年工作的总体思路是" in bot.api.bot_messages(PRIVATE)[-1].text
        await _publish_2023(bot, content)
        await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=1))
        news = bot.api.bot_messages(PRIVATE)[-1].text
        assert "这是测试用的示例文本" in news
        assert "新发布" in news


def test_a_passage_repeated_word_for_word_counts_as_read(tmp_path: Path) -> None:
    index = ContentIndex.of(load_library(library_dir(tmp_path)))
    twin = next(k for k, t in index.texts.items() if t == CARRIED_WORD_FOR_WORD and ":" in k)
    newer = next(k for k, t in index.texts.items() if t == CARRIED_WORD_FOR_WORD and ":" not in k)
    assert index.with_twins({twin}) == {twin, newer}
    [follow] = index.follows([("keyword", "电子证书", "电子证书")])
    state = ReadingState(index.with_twins({twin}))
    assert [p.round for p in compose([follow], state)] == [2]  # nothing new to read on it


async def test_reading_state_keys_carry_their_plan(two: BotDriver, clock: Clock) -> None:
    await two.say("/subscribe 海牙", chat_id=PRIVATE)
    await run_push(two, clock, SHANGHAI_NINE)
    services = services_of(two)
    async with services.store.transaction() as repo:
        [state] = (await repo.reading_states([PRIVATE], services.index.newest)).values()
        assert state.received == [f"{SLUG_2023}:1.1"]


# --- 5. /compare ----------------------------------------------------------------------------------


def test_the_threshold_separates_rewordings_from_different_commitments() -> None:
    assert all(similarity(a, b) >= SIMILAR_AT for a, b in REWORDED)
    assert all(similarity(a, b) < SIMILAR_AT for a, b in DIFFERENT)


def test_compare_pairs_reworded_and_finds_new_and_dropped() -> None:
    older = [Passage("4.7", HAGUE_2022[0]), Passage("7.1", HAGUE_2022[1])]
    newer = [Passage("1.1", HAGUE_2023_REWORDED), *(Passage(f"1.{i}", t) for i, t in
             ((2, HAGUE_2023_NEW[0]), (3, HAGUE_2023_NEW[1])))]  # fmt: skip
    result = compare(older, newer)
    assert [p.text for p in result.new] == list(HAGUE_2023_NEW)
    assert [p.text for p in result.dropped] == [HAGUE_2022[1]]
    [carried] = result.carried
    assert (carried.older.key, carried.newer.key, carried.identical) == ("4.7", "1.1", False)


async def test_compare_says_what_is_new_dropped_and_carried_over(two: BotDriver) -> None:
    [answer] = await two.say("/compare 海牙")
    text = answer.text
    assert "新增 2 段，删去 1 段，延续 1 段" in text
    new, dropped, carried = (text.index(k) for k in ("2023 新增", "2022 有、2023 删去", "🔁 延续"))
    assert new < text.index(HAGUE_2023_NEW[0]) < dropped < text.index(HAGUE_2022[1]) < carried
    assert text.index(HAGUE_2023_REWORDED) > carried
    assert "改写，相似度" in text
    assert str(SIMILAR_AT) in text
    [english] = await two.say("/compare Hague", chat_id=EN_USER)
    assert "2 new, 1 dropped, 1 carried over" in english.text
    assert "New in 2023" in english.text
    assert "Carried over" in english.text


async def test_compare_names_two_years_and_answers_bad_ones_kindly(three: BotDriver) -> None:
    newest = await one(three, "/compare 海牙")
    assert "2024 与 2023 比较" in newest
    assert HAGUE_2024 in newest
    chosen = await one(three, "/compare 海牙 2022 2024")
    assert "2024 与 2022 比较" in chosen
    assert HAGUE_2024 in chosen
    unknown = await one(three, "/compare 海牙 2019 2022")
    assert "2019" in unknown
    assert "2024, 2023, 2022" in unknown
    same = await one(three, "/compare 海牙 2022 2022")
    assert "两份不同" in same
    nothing = await one(three, "/compare 火星")
    assert "都没有关于“火星”" in nothing
    assert "用法" in await one(three, "/compare")


async def test_with_one_plan_compare_says_so_and_reading_is_as_before(bot: BotDriver) -> None:
    answer = await one(bot, "/compare 海牙")
    assert answer == said("compare.only_one", title=TITLE_2022)
    [card] = await bot.say("/section 4")
    assert callback_data(card) == ["full:4", "sec:3", "toc:", "sec:5"]
    [listing] = await bot.say("/documents")
    assert TITLE_2022 in listing.text
    assert len(listing.buttons) == 1


async def test_help_and_menu_list_documents_and_compare(bot: BotDriver) -> None:
    text = await one(bot, "/help")
    assert "/documents" in text
    assert "/compare" in text
    assert "/compare 海牙" in await one(bot, "/help compare")
    menu = bot.api.menu("")
    assert "documents" in menu
    assert "compare" in menu


# --- the migration --------------------------------------------------------------------------------


async def test_migration_0006_qualifies_existing_reading_state(database_url: str) -> None:
    """Receipts and cursors from before several plans belong to the 2022 plan: they keep
    working (nothing is sent twice) once keys carry their plan."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.store import Store
    from bot.store.migrate import upgrade

    slug = load_library().primary.slug
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(upgrade, "0004")
        await connection.execute(
            text(
                "INSERT INTO chats (id, kind, language, active, created_at, last_seen_at) "
                "VALUES (42, 'private', 'zh', true, :now, :now)"
            ),
            {"now": SHANGHAI_NINE},
        )
        await connection.execute(
            text(
                "INSERT INTO reading_states (chat_id, document_slug, received, cursors, rotation) "
                "VALUES (42, :slug, :received, :cursors, 1)"
            ),
            {
                "slug": slug,
                "received": '["4.7", "7.1"]',
                "cursors": '{"topic:hague": [2, "4.7"], "all": [1, null]}',
            },
        )
    await engine.dispose()
    store = Store(database_url)
    await store.migrate()
    async with store.transaction() as repo:
        [row] = (await repo.reading_states([42], slug)).values()
        assert row.received == [f"{slug}:4.7", f"{slug}:7.1"]
        assert row.cursors == {"topic:hague": [2, f"{slug}:4.7"], "all": [1, None]}
        assert (row.rotation, row.document_slug) == (1, slug)
    await store.close()
