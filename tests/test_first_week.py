"""A briefing that respects its reader: what a newcomer reads in the first week, through the
stand-in. The welcome says when the briefing comes and how to stop it, with buttons to set it up;
/help names every command of the chat's menu under its heading and explains any one of them;
/subscribe and /unsubscribe say what they did, no more and no less; /topic lists a keyword in
document order; flood control speaks the chat's language and says 你."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest

import handlers
from bot.config import Settings
from bot.i18n import LANGUAGES, Translator
from content.catalog import fold
from content.library import Library
from entry.standin import StoredMessage, TelegramStandIn, parse_telegram_html
from handlers.flood import FloodGate
from handlers.start import HEADINGS, heading_of
from tests.support.driver import BotDriver, driven_bot, one, said

LI, ALICE, ADMIN = 1001, 2002, 3003
GROUP = -900
TRANSLATE = Translator.load()
PAGE_SIZE = 10
GENERIC_ERROR = parse_telegram_html(TRANSLATE("zh", "error.generic"))


@pytest.fixture(autouse=True)
def _no_errors(
    request: pytest.FixtureRequest, api: TelegramStandIn, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Nothing failed while handling, nobody was told so, Telegram refused nothing but edits to
    what a message shows already (a button tapped twice), which the bot takes as done."""
    yield
    sent = [m.text for chat in list(api.messages) for m in api.bot_messages(chat)]
    assert GENERIC_ERROR not in sent
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    refused = [c.method for c in api.calls if c.status >= 400]
    assert set(refused) <= {"editMessageText"}


@pytest.fixture
def group(api: TelegramStandIn) -> int:
    """A group where LI is a plain member and ADMIN an administrator."""
    api.chat(GROUP, "group", "IP team")
    api.user(ADMIN, "Admin")
    api.member_status(GROUP, ADMIN, "administrator")
    return GROUP


def labels(message: StoredMessage) -> list[str]:
    return [button["text"] for button in message.buttons]


async def briefing_time(bot: BotDriver, chat_id: int) -> tuple[str, str]:
    async with bot.application.bot_data.services.store.transaction() as repo:
        schedule = await repo.schedule(chat_id)
        assert schedule is not None
        return schedule.briefing_time, schedule.timezone


# --- 1. the welcome ------------------------------------------------------------------------------


async def test_the_welcome_says_when_the_briefing_comes_and_how_to_stop_it(
    bot: BotDriver,
) -> None:
    [welcome] = await bot.say("/start")
    assert "每天 09:00（Asia/Shanghai）" in welcome.text
    assert "/pause" in welcome.text
    assert labels(welcome) == [
        "📚 选择主题",
        "✅ 保留每天 09:00",
        "07:00",
        "08:00",
        "12:00",
        "18:00",
    ]

    [english] = await bot.say("/start", chat_id=ALICE)
    assert "every day at 09:00 (Asia/Shanghai)" in english.text
    assert "/pause" in english.text
    assert labels(english)[:2] == ["📚 Pick topics", "✅ Keep 09:00 every day"]


async def test_the_welcome_names_the_chats_days(bot: BotDriver) -> None:
    await bot.say("/days weekdays")
    [welcome] = await bot.say("/start")
    assert "工作日 09:00（Asia/Shanghai）" in welcome.text
    await bot.say("/days mon,thu", chat_id=ALICE)
    [english] = await bot.say("/start", chat_id=ALICE)
    assert "on Mon, Thu at 09:00 (Asia/Shanghai)" in english.text


async def test_the_welcome_reads_the_chats_own_time_zone_and_pause(bot: BotDriver) -> None:
    await bot.say("/settime 06:45")
    await bot.say("/timezone Europe/Berlin")
    [welcome] = await bot.say("/start")
    assert "每天 06:45（Europe/Berlin）" in welcome.text
    assert "09:00" not in welcome.text
    assert labels(welcome)[1] == "✅ 保留每天 06:45"

    await bot.say("/pause")
    [paused] = await bot.say("/start")
    assert (
        said("start.briefing_paused", days="每天", time="06:45", timezone="Europe/Berlin")
        in paused.text
    )
    assert "/resume" in paused.text


async def test_the_welcome_buttons_set_the_time_and_open_the_topics(bot: BotDriver) -> None:
    [welcome] = await bot.say("/start")
    await bot.press(welcome, labels(welcome).index("08:00"))
    assert await briefing_time(bot, LI) == ("08:00", "Asia/Shanghai")
    assert welcome.text.startswith("你好！我是知识产权政策简报机器人。")
    assert "本群" not in welcome.text  # still the private welcome, not the group's
    assert "每天 08:00（Asia/Shanghai）" in welcome.text
    assert "好的，每天 08:00（Asia/Shanghai）发送简报。" in welcome.text
    assert labels(welcome)[1] == "✅ 保留每天 08:00"
    assert "08:00" not in labels(welcome)[2:]

    await bot.press(welcome, 1)  # keep: the time shown
    assert await briefing_time(bot, LI) == ("08:00", "Asia/Shanghai")

    [catalogue] = await bot.press(welcome, 0)
    assert catalogue.text == said("topics.header")
    assert len(catalogue.buttons) == 34
    await bot.press(catalogue, 0)
    assert catalogue.buttons[0]["text"].startswith("✅")


async def test_forged_welcome_buttons_are_answered_as_expired(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    [welcome] = await bot.say("/start")
    for data in ("onb:time:99x9", "onb:time:2500", "onb:nonsense"):
        await bot.press(welcome, 0, data=data)
        assert api.callback_answers[-1]["text"] == TRANSLATE.plain("zh", "callback.expired")
    assert await briefing_time(bot, LI) == ("09:00", "Asia/Shanghai")


async def test_a_group_start_says_when_without_private_buttons(bot: BotDriver, group: int) -> None:
    [welcome] = await bot.say("/start", chat_id=group, user_id=LI)
    assert "每天 09:00（Asia/Shanghai）" in welcome.text
    assert welcome.buttons == []


# --- 2. /help -----------------------------------------------------------------------------------


def _sections(text: str, language: str = "zh") -> dict[str, list[str]]:
    """/help's commands under each heading (by the heading as shown)."""
    shown = {said(f"help.heading.{h}", language): h for h in HEADINGS}
    sections: dict[str, list[str]] = {}
    for block in text.split("\n\n"):
        title, *lines = block.split("\n")
        if title in shown:
            sections[shown[title]] = [line.split(" ", 1)[0] for line in lines]
    return sections


async def test_help_names_every_menu_command_under_its_heading(bot: BotDriver) -> None:
    for chat_id, language in ((LI, "zh"), (ALICE, "en")):
        text = await one(bot, "/help", chat_id=chat_id)
        sections = _sections(text, language)
        assert list(sections) == list(HEADINGS), language
        listed = [name for lines in sections.values() for name in lines]
        assert sorted(listed) == sorted(f"/{name}" for name in handlers.MENU), language
        for heading, lines in sections.items():
            assert all(heading_of(line[1:]) == heading for line in lines)
        assert "1–8" in text
        assert said("help.admins", language) not in text  # a private chat


def test_the_coming_commands_are_under_the_daily_briefing() -> None:
    for name in ("quiet", "items", "days", "stop", "history", "today", "settime", "pause"):
        assert heading_of(name) == "briefing"
    assert heading_of("subscribe") == "topics"
    assert heading_of("lang") == "language"
    assert heading_of("search") == "reading"


async def test_help_in_a_group_marks_what_needs_an_admin(bot: BotDriver, group: int) -> None:
    text = await one(bot, "/help", chat_id=group, user_id=LI)
    mark = said("help.admins")
    lines = {line.split(" ", 1)[0]: line for line in text.split("\n") if line.startswith("/")}
    assert set(lines) >= {f"/{name}" for name in handlers.READING + handlers.SETTINGS}
    for name in handlers.SETTINGS:
        assert lines[f"/{name}"].endswith(mark) is (name != "settings"), name
    for name in handlers.READING:
        assert not lines[f"/{name}"].endswith(mark), name
    assert said("help.group_note") in text

    about = await one(bot, "/help settime", chat_id=group, user_id=LI)
    assert about.endswith(said("help.admins_note"))


def test_every_menu_command_has_its_help_in_both_languages() -> None:
    facts = {"last": 8, "max_subscriptions": 30, "min_keyword": 2, "max_keyword": 30, "bot": "b"}
    for language in LANGUAGES:
        for name in handlers.MENU:
            key = f"help.about.{name}"
            assert key in TRANSLATE.catalogues[language], (language, name)
            text = TRANSLATE(language, key, **facts)
            first, _, rest = text.partition("\n")
            assert first.startswith(f"/{name}"), (language, name)
            parse_telegram_html(first)  # the line /help lists is valid on its own
            assert rest.strip(), (language, name)  # more than the list says


@pytest.mark.parametrize("asked", ["subscribe", "/subscribe", "SUBSCRIBE", "/subscribe@bot"])
async def test_help_with_a_command_explains_it_with_examples(bot: BotDriver, asked: str) -> None:
    text = await one(bot, f"/help {asked}")
    assert text.startswith("/subscribe 名称…")
    assert "例如：/subscribe" in text
    assert "2–30" in text
    assert "/sections" not in text  # that one command, not the list


async def test_help_explains_each_coming_command(bot: BotDriver) -> None:
    expected = {
        "quiet": ("/quiet on", "/quiet off"),
        "items": ("1–10", "3", "/items 5"),
        "days": ("daily", "weekdays", "mon,thu", "一,四", "周一"),
        "stop": ("/resume", "删除"),
        "history": ("十",),
    }
    english = {"quiet": ("/quiet on",), "items": ("1–10", "default 3"), "stop": ("delete",)}
    for name, words in expected.items():
        if name not in handlers.MENU:
            continue  # not in the menu yet
        text = await one(bot, f"/help {name}")
        assert text.startswith(f"/{name}")
        assert all(word in text for word in words), (name, text)
    for name, words in english.items():
        if name not in handlers.MENU:
            continue
        text = await one(bot, f"/help {name}", chat_id=ALICE)
        assert all(word in text for word in words), (name, text)


async def test_help_for_no_such_command_answers_briefly_with_the_list(bot: BotDriver) -> None:
    text = await one(bot, "/help nosuch")
    first, _, rest = text.partition("\n\n")
    assert first == said("help.unknown", name="nosuch")
    assert rest == await one(bot, "/help")
    assert (await one(bot, "/help <b>", chat_id=ALICE)).startswith("There is no command /<b>.")


# --- 3. answers that say what happened -------------------------------------------------------


async def test_a_one_character_keyword_is_too_short_not_missing(bot: BotDriver) -> None:
    assert (await one(bot, "/subscribe 的")).split("\n") == [
        said("subscribe.too_short", query="的", minimum=2)
    ]
    assert (await one(bot, "/subscribe 的", chat_id=ALICE)).startswith("⚠️ “的” is too short")
    assert await one(bot, "/mysubs") == said("mysubs.empty")


async def test_no_footer_when_nothing_was_added(bot: BotDriver) -> None:
    await bot.say("/subscribe 海牙")
    assert (await one(bot, "/subscribe 海牙 海牙公约")).split("\n")[-1] != said("subscribe.footer")
    for text in ("/subscribe 海牙", "/subscribe 的", "/subscribe 知识产权知识产权知识产权"):
        assert said("subscribe.footer") not in await one(bot, text), text
    assert (await one(bot, "/subscribe 海牙 GI")).split("\n") == [
        said("subscribe.already", name="海牙协定"),
        said("subscribe.added_topic", name="地理标志"),
        said("subscribe.footer"),
    ]


async def test_a_deep_link_tap_on_a_followed_topic_has_no_footer(bot: BotDriver) -> None:
    await bot.say("/subscribe 海牙")
    [question] = await bot.say("/start topic_hague")
    await bot.press(question, 0)
    assert question.text == said("subscribe.already", name="海牙协定")


@pytest.mark.parametrize("names", ["海牙 海牙", "海牙 Hague", "Hague Agreement, 海牙协定 hague"])
async def test_one_topic_named_twice_is_subscribed_once(bot: BotDriver, names: str) -> None:
    assert (await one(bot, f"/subscribe {names}")).split("\n") == [
        said("subscribe.added_topic", name="海牙协定"),
        said("subscribe.footer"),
    ]
    assert said("mysubs.header", count=1, limit=30) in await one(bot, "/mysubs")


async def test_a_keyword_named_twice_is_one_line_too(bot: BotDriver) -> None:
    assert (await one(bot, "/subscribe 乡村振兴 乡村振兴 的 的")).split("\n") == [
        said("subscribe.added_keyword", keyword="乡村振兴", count=1),
        said("subscribe.too_short", query="的", minimum=2),
        said("subscribe.footer"),
    ]


async def test_unsubscribe_all_asks_first_and_can_be_kept(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    await bot.say("/subscribe 海牙 乡村振兴")
    before = await one(bot, "/mysubs")
    [question] = await bot.say("/unsubscribe all")
    assert question.text.split("\n") == [
        parse_telegram_html(TRANSLATE("zh", "unsubscribe.confirm_all", count=2, names="x")).split(
            "\n"
        )[0],
        "海牙协定、“乡村振兴”",
    ]
    assert labels(question) == ["🗑 全部取消", "保留"]
    assert await one(bot, "/mysubs") == before  # nothing gone before the tap

    await bot.press(question, 1)
    assert question.text == said("unsubscribe.kept")
    assert question.buttons == []
    assert await one(bot, "/mysubs") == before


async def test_unsubscribe_all_once_confirmed_says_how_to_undo(bot: BotDriver) -> None:
    await bot.say("/subscribe 海牙 Talent, workforce and think tanks 乡村振兴")
    before = await one(bot, "/mysubs")
    [question] = await bot.say("/unsubscribe 全部")
    await bot.press(question, 0)
    removed, how, command = question.text.split("\n")
    assert removed == "已取消全部 3 个订阅：海牙协定、人才、队伍和智库建设、“乡村振兴”。"
    assert how == "要恢复，发送："
    assert command == "/subscribe 海牙协定 人才、队伍和智库建设 乡村振兴"
    assert "<code>/subscribe " in str(question.html)
    assert await one(bot, "/mysubs") == said("mysubs.empty")

    assert said("subscribe.footer") in await one(bot, command)  # the undo gives it all back
    assert await one(bot, "/mysubs") == before


async def test_unsubscribe_all_with_nothing_to_remove_asks_nothing(bot: BotDriver) -> None:
    [answer] = await bot.say("/unsubscribe all")
    assert answer.text == said("mysubs.empty")
    assert answer.buttons == []


async def test_only_admins_confirm_unsubscribe_all_in_a_group(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    await bot.say("/subscribe GI", chat_id=group, user_id=ADMIN)
    [question] = await bot.say("/unsubscribe all", chat_id=group, user_id=ADMIN)
    await bot.press(question, 0, user_id=LI)
    assert api.callback_answers[-1]["text"] == said("subscribe.not_admin")
    assert api.callback_answers[-1].get("show_alert") is True
    assert question.edits == 0
    await bot.press(question, 0, user_id=ADMIN)
    assert question.text.startswith("已取消全部 1 个订阅：地理标志。")
    assert await one(bot, "/mysubs", chat_id=group, user_id=LI) == said("mysubs.empty")


async def test_forged_unsubscribe_all_buttons_are_expired(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    await bot.say("/subscribe 海牙")
    [question] = await bot.say("/unsubscribe all")
    await bot.press(question, 0, data="ua:maybe")
    assert api.callback_answers[-1]["text"] == TRANSLATE.plain("zh", "callback.expired")
    assert said("mysubs.header", count=1, limit=30) in await one(bot, "/mysubs")


# --- 4. order and language -------------------------------------------------------------------


def _in_document_order(library: Library, query: str) -> list[str]:
    return [
        p.text
        for s in library.primary.document.sections
        for p in s.passages
        if fold(query) in fold(p.text)
    ]


def _passages(message: StoredMessage) -> list[str]:
    return [line.split(" ", 1)[1] for line in message.text.split("\n\n")[1:]]


async def test_topic_with_a_keyword_lists_passages_in_document_order(
    bot: BotDriver, library: Library
) -> None:
    expected = _in_document_order(library, "专利")
    assert len(expected) > PAGE_SIZE
    [listing] = await bot.say("/topic 专利")
    assert _passages(listing) == expected[:PAGE_SIZE]
    await bot.press(listing, len(listing.buttons) - 1)  # next ›
    assert _passages(listing) == expected[PAGE_SIZE : 2 * PAGE_SIZE]


async def test_flood_control_says_you_not_nin(settings: Settings, api: TelegramStandIn) -> None:
    async with driven_bot(settings, api, flood_gate=FloodGate(burst=2)) as bot:
        for _ in range(3):
            await bot.say("/section 4")
        warning = api.bot_messages(LI)[-1].text
        assert warning == said("flood.slow_down", seconds=10)
        assert warning.startswith("你发送得太快了")
        assert "您" not in warning


async def test_flood_control_speaks_the_chats_language_after_a_restart(
    settings: Settings, api: TelegramStandIn
) -> None:
    async with driven_bot(settings, api) as first:
        await first.say("/lang en")  # a Chinese client, an English chat
    api._polls_released = False
    async with driven_bot(replace(settings), api, flood_gate=FloodGate(burst=2)) as bot:
        for _ in range(3):  # no command: nothing reads the chat's language from the store
            await bot.say("hello?")
        assert api.bot_messages(LI)[-1].text == said("flood.slow_down", "en", seconds=10)


def test_chinese_texts_use_full_width_brackets_around_latin_words(library: Library) -> None:
    """( RCEP ) in Chinese text is （RCEP） (the document itself is quoted as received)."""
    half_width = re.compile(r"[\u4e00-\u9fff》]\s*\(\s*[A-Za-z]|[A-Za-z]\s*\)\s*[\u4e00-\u9fff]")
    texts = list(TRANSLATE.catalogues["zh"].values())
    for plan in library.plans:
        texts += [point for summary in plan.summaries.values() for point in summary.zh]
    texts += [topic.zh for topic in library.catalog.topics]
    assert [t for t in texts if half_width.search(t)] == []
