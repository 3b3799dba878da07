"""English readers read English (issue 13): an English chat reads every passage in the document's
English translation, its Chinese original collapsed beneath (<blockquote expandable>), with
sections cited as "Section 4"; a document without a translation is quoted in Chinese under one
line saying so; Chinese chats read exactly what they read before. Through the stand-in, with
content directories of our own: one with a small translation (a passage left out on purpose,
4.12, which falls back to Chinese), one without any."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import render
from bot.briefing import Pick
from bot.config import Settings
from bot.i18n import Translator, as_plain
from bot.scheduler import push
from bot.store.repository import SectionView
from content.library import CONTENT_DIR, load_library
from content.translation import Translation
from entry.standin import JSON, StoredMessage, TelegramStandIn, parse_telegram_html
from tests.support.clock import Clock
from tests.support.driver import BotDriver, driven_bot

ZH_USER, EN_USER = 1001, 2002
SHANGHAI_NINE = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai
TRANSLATE = Translator.load()
SLUG = load_library().primary.slug
BLOCKQUOTE = re.compile(r"<blockquote expandable>(.*?)</blockquote>", re.S)
NO_TRANSLATION = as_plain(TRANSLATE("en", "english.no_translation"))

TITLE = "Key Points of CNIPA's Work in 2022"
HEADING_4 = "Building first-class patent and trademark examination institutions"
HAGUE_4_7 = (
    "Prepare the examination of industrial designs for China's accession to the Hague Agreement "
    "Concerning the International Registration of Industrial Designs (the Hague Agreement)."
)
HAGUE_7_1 = "Speed up China's accession to the Hague Agreement and promote the service."
INTRO = "CNIPA's overall approach for 2022 is to follow Xi Jinping Thought on Socialism."
# Section 4 but its last passage, and a few others; 4.12 is left out on purpose.
PASSAGES = {
    "0.1": INTRO,
    "4.1": "Resolutely complete the five-year goal of better and faster examination.",
    "4.2": "Improve the management of patent and trademark examination.",
    "4.3": "Innovate examination mechanisms, including for traditional Chinese medicine.",
    "4.4": "Complete the intelligent upgrade of the patent examination system.",
    "4.5": "Every patent examination department manages quality assurance in its field.",
    "4.6": "Improve the cooperation centres for patent examination outside Beijing.",
    "4.7": HAGUE_4_7,
    "4.8": "Control ideological risks throughout patent and trademark examination.",
    "4.9": "Strictly examine geographical indication products and marks.",
    "4.10": "Keep regulating applications and crack down on abnormal applications.",
    "4.11": "Curb trademark hoarding and strengthen the obligation to use a mark.",
    "7.1": HAGUE_7_1,
}
ORIGINAL_4_7 = (
    "做好加入《工业品外观设计国际注册海牙协定》（以下简称《海牙协定》）"
    "后外观设计审查相关工作的衔接。"
)
ORIGINAL_4_12 = "探索全面推行专利电子证书。"


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _content_dir(root: Path, translated: bool) -> Path:
    copy = root / ("translated" if translated else "untranslated")
    shutil.copytree(CONTENT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    path = copy / "translations" / f"{SLUG}.toml"
    path.unlink(missing_ok=True)
    if translated:
        lines = [f"document = {_toml(SLUG)}", f"title = {_toml(TITLE)}", "", "[headings]"]
        lines += ['"0" = "Overall approach"', f'"4" = {_toml(HEADING_4)}', "", "[passages]"]
        lines += [f'"{key}" = {_toml(text)}' for key, text in PASSAGES.items()]
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return copy


Driving = Callable[..., AbstractAsyncContextManager[BotDriver]]


@pytest.fixture
def clock() -> Clock:
    return Clock(SHANGHAI_NINE - timedelta(hours=12))


@pytest.fixture
def driving(settings: Settings, api: TelegramStandIn, clock: Clock, tmp_path: Path) -> Driving:
    """`driving(translated=…)`: the bot on a content directory with or without the translation,
    without its own ticks (the tests run the push themselves, at chosen instants)."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def run(translated: bool) -> AsyncIterator[BotDriver]:
        content = _content_dir(tmp_path, translated)
        async with driven_bot(settings, api, clock, content_dir=content) as driver:
            job_queue = driver.application.job_queue
            assert job_queue is not None
            for job in job_queue.jobs():
                job.schedule_removal()
            async with driver.application.bot_data.services.push_lock:
                pass
            yield driver

    return run


@pytest.fixture
async def translated(driving: Driving) -> AsyncIterator[BotDriver]:
    async with driving(translated=True) as driver:
        yield driver


@pytest.fixture
async def untranslated(driving: Driving) -> AsyncIterator[BotDriver]:
    async with driving(translated=False) as driver:
        yield driver


def html(message: StoredMessage) -> str:
    assert message.html is not None
    return message.html


def originals(message: StoredMessage) -> list[str]:
    """The Chinese originals collapsed in a message, as Telegram shows them."""
    return [parse_telegram_html(inner) for inner in BLOCKQUOTE.findall(html(message))]


def outside_originals(text: str) -> str:
    return BLOCKQUOTE.sub("", text)


def labels(message: StoredMessage) -> list[str]:
    return [button["text"] for button in message.buttons]


async def run_push(bot: BotDriver, clock: Clock, at: datetime) -> None:
    clock.now = at
    await push(bot.application.bot_data.services, bot.application.bot, at, wait=True)


def briefings(api: TelegramStandIn, chat_id: int) -> list[StoredMessage]:
    return [m for m in api.bot_messages(chat_id) if m.text.startswith("📰")]


async def inline(bot: BotDriver, api: TelegramStandIn, query: str, user_id: int) -> list[JSON]:
    before = len(api.inline_answers)
    update: JSON = {
        "inline_query": {"id": f"iq{before}", "from": api.users[user_id], "query": query,
                         "offset": ""}
    }  # fmt: skip
    await bot.feed(update)
    results: list[JSON] = api.inline_answers[-1]["results"]
    return results


# --- with a translation ------------------------------------------------------------------------


async def test_full_text_in_english_with_the_originals_collapsed(translated: BotDriver) -> None:
    bot = translated
    [card] = await bot.say("/section 4", chat_id=EN_USER)
    [full] = await bot.press(card, 0)
    first_line = full.text.split("\n", 1)[0]
    assert first_line == "Section 4 · full text"
    assert full.text.split("\n")[1] == HEADING_4
    assert HAGUE_4_7 in full.text
    assert "〔" not in full.text
    shown = originals(full)
    assert shown[0].startswith("四、建设一流专利商标审查机构")  # the heading's original
    assert any(ORIGINAL_4_7 in original for original in shown)
    # 4.12 has no English: it is read in Chinese, not collapsed.
    assert ORIGINAL_4_12 in outside_originals(html(full))
    assert NO_TRANSLATION not in full.text
    # Every passage is there once: in English, or in Chinese where the translation lacks it.
    collapsed = "".join(shown[1:])
    section = bot.application.bot_data.services.library.primary.document.sections[4]
    assert collapsed + ORIGINAL_4_12 == "".join(p.text for p in section.passages)
    assert labels(full) == ["‹ 3", "Contents", "5 ›"]


async def test_topic_and_search_read_english(translated: BotDriver) -> None:
    bot = translated
    [topic] = await bot.say("/topic Hague", chat_id=EN_USER)
    assert topic.text.startswith("Topic: Hague Agreement — 2 found (page 1/1)")
    assert f"Section 4 · {HAGUE_4_7}" in topic.text
    assert f"Section 7 · {HAGUE_7_1}" in topic.text
    assert originals(topic) == [ORIGINAL_4_7, "加快完成我国加入《海牙协定》工作，做好业务推广。"]
    assert 'start=section_4">Section 4</a>' in html(topic)
    [search] = await bot.say("/search 海牙", chat_id=EN_USER)
    assert HAGUE_7_1 in search.text
    assert ORIGINAL_4_7 in originals(search)
    assert "〔" not in search.text + topic.text


async def test_today_push_and_history_in_english(
    translated: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    bot = translated
    await bot.say("/subscribe Hague GI", chat_id=EN_USER)
    clock.now = SHANGHAI_NINE - timedelta(hours=2)  # the 25th, before its push
    [today] = await bot.say("/today", chat_id=EN_USER)
    assert today.text.startswith(f"📰 Daily briefing · 2026-11-25\n{TITLE}\n\n")
    assert f"Hague Agreement · Section 4\n{HAGUE_4_7}" in today.text
    # 3.2 has no English here: it is read in Chinese.
    assert "Geographical indications · Section 3\n推进商标法修改" in today.text
    assert originals(today) == [ORIGINAL_4_7]
    assert labels(today)[:2] == ["Open Section 4", "Open Section 3"]
    await run_push(bot, clock, SHANGHAI_NINE)
    _, pushed = briefings(api, EN_USER)  # /today answered, then the push sent the same
    assert pushed.text == today.text
    [history] = await bot.say("/history", chat_id=EN_USER)
    assert history.text.split("\n")[1] == "• 2026-11-25: Section 4, Section 3"
    [again] = await bot.press(history, 0)
    assert again.text == pushed.text
    [card] = await bot.press(pushed, 0)
    assert card.text.startswith("四、建设一流专利商标审查机构")  # the card stays as it was


async def test_a_briefing_of_the_whole_document_starts_with_the_intro(
    translated: BotDriver, api: TelegramStandIn
) -> None:
    [today] = await translated.say("/today", chat_id=EN_USER)
    assert f"Overall approach\n{INTRO}" in today.text
    assert labels(today) == ["Open Overall approach"]


async def test_inline_results_in_english(translated: BotDriver, api: TelegramStandIn) -> None:
    results = await inline(translated, api, "海牙", EN_USER)
    by_id = {result["id"]: result for result in results}
    assert len(results) == 2
    for result in results:
        text = result["input_message_content"]["message_text"]
        assert "<blockquote expandable>" in text
        assert parse_telegram_html(text).endswith(("Section 4", "Section 7"))
        assert result["title"].startswith(("Section 4 · ", "Section 7 · "))
        assert TITLE in text
    assert any(HAGUE_4_7 in r["input_message_content"]["message_text"] for r in by_id.values())
    sections = await inline(translated, api, "", EN_USER)
    assert sections[4]["title"].startswith(f"Section 4: {HEADING_4}"[:80])
    shared = parse_telegram_html(sections[4]["input_message_content"]["message_text"])
    assert "Hague Agreement" in shared
    assert "四、建设一流专利商标审查机构" in shared  # its original heading, collapsed


async def test_chinese_chats_read_what_they_read_before(
    driving: Driving, api: TelegramStandIn
) -> None:
    """The same Chinese answers with the translation as without it."""
    commands = ("/section 4", "/topic 海牙", "/search 海牙", "/today", "/history")

    async def answers(translated: bool) -> list[str | None]:
        async with driving(translated=translated) as bot:
            said = [m.html for command in commands for m in await bot.say(command)]
            [card] = await bot.say("/section 4")
            said += [m.html for m in await bot.press(card, 0)]
            said += [r["input_message_content"]["message_text"]
                     for r in await inline(bot, api, "海牙", ZH_USER)]  # fmt: skip
            return said

    without, with_translation = await answers(False), await answers(True)
    assert with_translation == without
    assert all("blockquote" not in (text or "") for text in without)
    assert any("〔四〕" in (text or "") for text in without)


# --- without a translation ---------------------------------------------------------------------


async def test_without_a_translation_english_chats_read_chinese_with_one_line_saying_so(
    untranslated: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    bot = untranslated
    assert bot.application.bot_data.services.library.primary.translation is None
    [card] = await bot.say("/section 4", chat_id=EN_USER)
    assert "Hague Agreement" in card.text  # the curated summaries are English all the same
    [full] = await bot.press(card, 0)
    assert full.text.split("\n")[:3] == [
        "Section 4 · full text", "四、建设一流专利商标审查机构，全面打赢审查提质增效攻坚战。",
        NO_TRANSLATION,
    ]  # fmt: skip
    assert ORIGINAL_4_7 in full.text
    assert "blockquote" not in html(full)
    [topic] = await bot.say("/topic Hague", chat_id=EN_USER)
    assert topic.text.split("\n")[1] == NO_TRANSLATION
    assert f"Section 4 · {ORIGINAL_4_7}" in topic.text
    await bot.say("/subscribe Hague", chat_id=EN_USER)
    clock.now = SHANGHAI_NINE - timedelta(hours=2)  # the 25th, before its push
    [today] = await bot.say("/today", chat_id=EN_USER)
    assert today.text.split("\n")[2] == NO_TRANSLATION
    assert f"Hague Agreement · Section 4\n{ORIGINAL_4_7}" in today.text
    assert "blockquote" not in html(today)
    await run_push(bot, clock, SHANGHAI_NINE)
    assert [m.text for m in briefings(api, EN_USER)] == [today.text] * 2  # /today, the push
    [history] = await bot.say("/history", chat_id=EN_USER)
    assert history.text.split("\n")[1] == "• 2026-11-25: Section 4"
    [result, _] = await inline(bot, api, "海牙", EN_USER)
    shared = parse_telegram_html(result["input_message_content"]["message_text"])
    assert shared.endswith(NO_TRANSLATION)
    assert ORIGINAL_4_7 in shared


# --- limits --------------------------------------------------------------------------------------


def _translation(texts: dict[str, str]) -> Translation:
    return Translation(SLUG, TITLE, {3: "A long heading"}, texts)


def test_an_english_page_keeps_every_passage_and_fits_one_message() -> None:
    passages = [(3, f"3.{i}", "长" * 300 + "。") for i in range(1, 11)]
    translation = _translation({key: f"Passage {key}: " + "word " * 60 for _, key, _ in passages})
    text = render.english_listing(TRANSLATE, "en", "bot", "<b>Header</b>", passages, translation)
    shown = parse_telegram_html(text)
    assert len(shown) <= render.MESSAGE_LIMIT
    assert all(f"Passage 3.{i}:" in shown for i in range(1, 11))  # none is lost from the page
    assert 0 < text.count("<blockquote expandable>") < 10  # the last ones gave their originals up


def test_a_page_too_long_even_in_english_alone_shortens_its_longest_passages() -> None:
    passages = [(3, f"3.{i}", "长" * 50 + "。") for i in range(1, 11)]
    english = {key: f"Passage {key}: " + "word " * 150 for _, key, _ in passages}
    english["3.2"] = "A short one."
    text = render.english_listing(
        TRANSLATE, "en", "bot", "<b>Header</b>", passages, _translation(english)
    )
    shown = parse_telegram_html(text)
    assert render.MESSAGE_LIMIT - 100 < len(shown) <= render.MESSAGE_LIMIT
    assert all(f"Passage 3.{i}:" in shown for i in range(1, 11) if i != 2)
    assert "A short one." in shown
    assert shown.count("word…") == 9  # cut after a word
    assert "blockquote" not in text


def test_a_long_english_full_text_splits_under_the_limit_keeping_every_word() -> None:
    section = SectionView(3, "标题。", "", "", (), ())
    originals_ = [f"第{i}句<话>&，" + "长" * 300 + "。" for i in range(1, 31)]
    keys = [f"3.{i}" for i in range(1, 31)]
    english = {key: f"Sentence {key} <&> " + "word " * 200 for key in keys if key != "3.7"}
    english["3.9"] = "huge " * 2000  # one passage longer than a message: cut within itself
    messages = render.full_text(TRANSLATE, "en", section, originals_, keys, _translation(english))
    assert len(messages) > 3
    collapsed, read = "", ""
    for message in messages:
        plain = parse_telegram_html(message)
        assert len(plain) <= render.MESSAGE_LIMIT
        collapsed += "".join(parse_telegram_html(q) for q in BLOCKQUOTE.findall(message))
        read += parse_telegram_html(BLOCKQUOTE.sub("", message)).split("\n", 3)[3]
    assert "(1/" in messages[0]
    assert "A long heading" in messages[0]
    without_heading = collapsed.replace("三、标题。", "")
    assert without_heading == "".join(
        o for key, o in zip(keys, originals_, strict=True) if key != "3.7"
    )
    assert originals_[6] in read  # 3.7 has no English: in Chinese
    assert read.replace("\n", "").count("huge") == 2000
    assert all(f"Sentence {key} <&>" in read for key in keys if key not in ("3.7", "3.9"))


def test_an_english_briefing_of_ten_long_passages_keeps_them_all() -> None:
    picks = [Pick("all", "", "", f"3.{i}", 1) for i in range(1, 11)]
    texts = {pick.passage: "长" * 340 + "。" for pick in picks}
    translation = _translation({key: "word " * 60 for key in texts})
    text, keyboard = render.briefing_message(
        TRANSLATE, "en", "标题", "2026-11-25", picks, texts, translation
    )
    shown = parse_telegram_html(text)
    assert len(shown) <= render.MESSAGE_LIMIT
    assert shown.count("Section 3\nword") == 10
    assert shown.endswith(as_plain(TRANSLATE("en", "briefing.footer")))
    assert keyboard is not None


def test_the_stand_in_takes_expandable_blockquotes() -> None:
    assert parse_telegram_html("a\n<blockquote expandable>中文 &amp;</blockquote>") == "a\n中文 &"
