"""/stop (pause, then delete everything about the chat after one confirmation), /history (the last
ten briefings, each opened again by a button) and the topic buttons under a briefing (more on the
topic, unsubscribe in one tap with Undo), end to end: the real Application, the stand-in, the push
run at chosen instants as in test_daily_push.py. Every answer passes the stand-in's checks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import delivery
from bot.callbacks import Action
from bot.config import Settings
from bot.i18n import Translator
from bot.store.models import ChatRow, DeliveryRow, ReadingStateRow, ScheduleRow, SubscriptionRow
from entry.standin import StoredMessage, TelegramStandIn
from tests.support.clock import Clock
from tests.support.driver import BotDriver, driven_bot, one, run_push, said, services_of

BACKENDS = ("sqlite", "postgresql")
SHANGHAI_NINE = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai
PRIVATE, EN_USER, OTHER, GROUP, ADMIN, MEMBER = 1001, 2002, 1003, -500, 7, 8
TRANSLATE = Translator.load()
CHAT_COLUMNS = {  # what each table keeps about a chat, by the column that names the chat
    "chats": ChatRow.id,
    "schedules": ScheduleRow.chat_id,
    "subscriptions": SubscriptionRow.chat_id,
    "reading_states": ReadingStateRow.chat_id,
    "deliveries": DeliveryRow.chat_id,
}


@pytest.fixture
def clock() -> Clock:
    return Clock(SHANGHAI_NINE - timedelta(hours=12))


@pytest.fixture
async def bot(settings: Settings, api: TelegramStandIn, clock: Clock) -> AsyncIterator[BotDriver]:
    """The bot without its own ticks: the tests run the push themselves."""
    async with driven_bot(settings, api, clock) as driver:
        job_queue = driver.application.job_queue
        assert job_queue is not None
        for job in job_queue.jobs():
            job.schedule_removal()
        async with services_of(driver).push_lock:
            pass
        yield driver


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "BACKOFF_SECONDS", 0.01)


@pytest.fixture(autouse=True)
def _nothing_went_wrong(api: TelegramStandIn, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """No handler failed, nobody got the generic apology, Telegram refused nothing but an edit to
    what a message already shows (a button tapped twice, which the bot takes as done) and sends to
    a chat a test blocked."""
    yield
    sent = [m.text for chat in list(api.messages) for m in api.bot_messages(chat)]
    assert said("error.generic") not in sent
    assert said("error.generic", "en") not in sent
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    edits = {"editMessageText", "editMessageReplyMarkup"}
    refused = [c for c in api.calls if c.status >= 400 and c.method not in edits]
    assert [c.method for c in refused if c.status != 403] == []  # 403: a chat a test blocked


@pytest.fixture
def group(api: TelegramStandIn) -> int:
    """A group where MEMBER is a plain member and ADMIN an administrator."""
    api.chat(GROUP, "group", "IP team")
    api.user(ADMIN, "Admin")
    api.user(MEMBER, "Member")
    api.member_status(GROUP, ADMIN, "administrator")
    return GROUP


def briefings(api: TelegramStandIn, chat_id: int) -> list[StoredMessage]:
    headers = ("📰 每日简报", "📰 Daily briefing")
    return [m for m in api.bot_messages(chat_id) if m.text.startswith(headers)]


def labels(message: StoredMessage) -> list[str]:
    return [button["text"] for button in message.buttons]


def index_of(message: StoredMessage, label: str) -> int:
    return labels(message).index(label)


def last_answer(api: TelegramStandIn) -> str:
    return str(api.callback_answers[-1].get("text") or "")


async def rows_of(bot: BotDriver, chat_id: int) -> dict[str, int]:
    """How many rows each table keeps about the chat."""
    counts = {}
    async with services_of(bot).store.transaction() as repo:
        for name, column in CHAT_COLUMNS.items():
            statement = select(func.count()).where(column == chat_id)
            counts[name] = int(await repo.session.scalar(statement) or 0)
    return counts


# --- /stop ----------------------------------------------------------------------------------------


async def test_stop_pauses_and_deletes_everything_after_one_confirmation(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙 地理标志")
    await bot.say("/subscribe 商标", chat_id=OTHER)
    assert (await run_push(bot, clock, SHANGHAI_NINE)).sent == 2
    clock.now = SHANGHAI_NINE + timedelta(hours=1)
    [answer] = await bot.say("/stop")
    assert answer.text == f"{said('stop.paused')}\n\n{said('stop.offer')}"
    assert labels(answer) == [said("stop.delete_button")]
    assert "已暂停" in await one(bot, "/settings")
    assert (await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=1))).sent == 1  # OTHER's

    # Delete → "are you sure?" → Cancel: nothing deleted, the same message edited each time.
    assert await bot.press(answer, 0) == []
    assert answer.text == said("stop.confirm")
    assert labels(answer) == [said("stop.confirm_button"), said("stop.cancel_button")]
    await bot.press(answer, 1)
    assert (answer.text, answer.buttons) == (said("stop.cancelled"), [])
    before = await rows_of(bot, PRIVATE)
    assert all(before.values()), before

    [again] = await bot.say("/stop")
    assert again.text.startswith(said("stop.already_paused"))
    await bot.press(again, 0)
    assert await bot.press(again, index_of(again, said("stop.confirm_button"))) == []
    assert (again.text, again.buttons, again.edits) == (said("stop.deleted"), [], 2)
    assert await rows_of(bot, PRIVATE) == dict.fromkeys(before, 0)
    assert services_of(bot).chats.get(PRIVATE) is None
    assert all((await rows_of(bot, OTHER)).values())  # another chat keeps everything

    # A later command starts the chat afresh: default schedule, nothing followed, no history.
    assert await one(bot, "/mysubs") == said("mysubs.empty")
    settings = await one(bot, "/settings")
    assert "09:00" in settings
    assert "开启" in settings
    assert await one(bot, "/history") == said("history.empty")
    async with services_of(bot).store.transaction() as repo:
        chat = await repo.chat(PRIVATE)
        assert chat is not None
        assert chat.created_at == clock.now
    assert (await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=2))).sent == 2


async def test_an_old_confirmation_or_a_forged_one_deletes_nothing(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 商标")
    [answer] = await bot.say("/stop")
    await bot.press(answer, 0)
    confirm = index_of(answer, said("stop.confirm_button"))
    stamp = answer.buttons[confirm]["callback_data"].rsplit(":", 1)[1]
    clock.now += timedelta(minutes=31)
    await bot.press(answer, confirm)
    assert last_answer(api) == said("stop.expired")
    for forged in ("wipe:yes:", "wipe:yes:abc", "wipe:yes:1", f"wipe:yes:{stamp}0", "wipe:yes:-1"):
        await bot.press(answer, data=forged)
        assert last_answer(api) == said("stop.expired"), forged
    for forged in ("wipe:", "wipe:yes", "wipe:maybe", "wipe:ask:1", "wipe:no:", "wipe:" + "9" * 59):
        await bot.press(answer, data=forged)
        assert last_answer(api) == said("callback.expired"), forged
    assert answer.text == said("stop.confirm")  # unchanged by all of them
    assert "商标" in await one(bot, "/mysubs")


async def test_in_groups_only_admins_stop_and_delete(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    await bot.say("/subscribe 海牙", chat_id=group, user_id=ADMIN)
    assert await one(bot, "/stop", chat_id=group, user_id=MEMBER) == said("subscribe.not_admin")
    assert "开启" in await one(bot, "/settings", chat_id=group, user_id=MEMBER)
    [answer] = await bot.say("/stop", chat_id=group, user_id=ADMIN)
    assert answer.text.startswith(said("stop.paused"))
    await bot.press(answer, 0, user_id=MEMBER)
    assert last_answer(api) == said("subscribe.not_admin")
    assert api.callback_answers[-1].get("show_alert") is True
    assert answer.edits == 0
    await bot.press(answer, 0, user_id=ADMIN)
    assert answer.text == said("stop.confirm")
    await bot.press(answer, 0, user_id=MEMBER)
    assert answer.text == said("stop.confirm")
    await bot.press(answer, 0, user_id=ADMIN)
    assert answer.text == said("stop.deleted")
    assert not any((await rows_of(bot, group)).values())


async def test_stop_in_english(bot: BotDriver) -> None:
    [answer] = await bot.say("/stop", chat_id=EN_USER)
    assert answer.text.startswith("⏸ The daily briefing is paused.")
    await bot.press(answer, 0)
    assert answer.text.startswith("Are you sure?")
    await bot.press(answer, 0)
    assert answer.text == said("stop.deleted", "en")


async def test_stop_in_a_forum_topic_answers_there(bot: BotDriver, api: TelegramStandIn) -> None:
    forum = -100777
    api.chat(forum, "supergroup", "IP forum", is_forum=True)
    api.user(ADMIN, "Admin")
    api.member_status(forum, ADMIN, "administrator")
    [answer] = await bot.say("/stop", chat_id=forum, user_id=ADMIN, thread_id=42)
    assert answer.thread_id == 42
    await bot.press(answer, 0, user_id=ADMIN)
    await bot.press(answer, 0, user_id=ADMIN)
    assert answer.text == said("stop.deleted")
    assert not any((await rows_of(bot, forum)).values())


# --- /history ------------------------------------------------------------------------------------


async def test_history_lists_the_last_ten_sent_briefings_newest_first(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    assert await one(bot, "/history") == said("history.empty")
    await bot.say("/subscribe 海牙 地理标志")
    for day in range(12):
        await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=day))
    sent = briefings(api, PRIVATE)
    assert len(sent) == 12
    clock.now = SHANGHAI_NINE + timedelta(days=12, hours=-2)
    await bot.say("/today")  # planned for the 7th, not sent: not history
    [history] = await bot.say("/history")
    header, *lines = history.text.split("\n")
    assert header == said("history.header")
    days = [f"2026-{(datetime(2026, 12, 6) - timedelta(days=i)):%m-%d}" for i in range(10)]
    assert [line.split("：")[0] for line in lines] == [f"• {day}" for day in days]
    assert lines[-1] == "• 2026-11-27：〔四〕"  # both passages of that day are in section 4
    assert sent[2].text.count("〔四〕") == 2
    assert labels(history) == [f"📰 {day}" for day in days]
    assert len(history.reply_markup["inline_keyboard"]) == 5  # type: ignore[index]

    # A date opens that briefing again, as it was sent, as a new message.
    [reopened] = await bot.press(history, labels(history).index("📰 2026-11-27"))
    original = sent[2]
    assert (reopened.text, reopened.buttons) == (original.text, original.buttons)
    assert history.edits == 0


async def test_history_leaves_out_briefings_not_sent(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙")
    api.blocked.add(PRIVATE)
    assert (await run_push(bot, clock, SHANGHAI_NINE)).outcomes == {"gave_up": 1}
    api.blocked.discard(PRIVATE)
    assert await one(bot, "/history") == said("history.empty")


async def test_history_in_english_and_a_button_of_another_chat(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe Hague", chat_id=EN_USER)
    await bot.say("/start")
    await run_push(bot, clock, SHANGHAI_NINE)
    [history] = await bot.say("/history", chat_id=EN_USER)
    assert history.text == f"{said('history.header', 'en')}\n• 2026-11-25: Section 4"
    [mine] = await bot.say("/history")
    assert mine.text.split("\n")[1] == "• 2026-11-25：〔总体思路〕"
    # Its data pressed in another chat: not that chat's briefing, so expired.
    await bot.press(mine, data=history.buttons[0]["callback_data"])
    assert last_answer(api) == said("callback.expired")
    [reopened] = await bot.press(history, 0)
    assert reopened.text.startswith("📰 Daily briefing · 2026-11-25")


async def test_forged_history_buttons_are_expired(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/start")
    await run_push(bot, clock, SHANGHAI_NINE)
    [history] = await bot.say("/history")
    forged = ["hist:", "hist:abc", "hist:0", "hist:-1", "hist:999999", "hist:1:1", "hist:٤"]
    for data in [*forged, "hist:" + "9" * 59]:
        assert await bot.press(history, data=data) == []
        assert last_answer(api) == said("callback.expired"), data
    assert history.edits == 0


# --- the topic buttons under a briefing -----------------------------------------------------------


async def test_each_topic_quoted_gets_more_and_unsubscribe_keywords_none(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙 乡村振兴")
    assert (await run_push(bot, clock, SHANGHAI_NINE)).sent == 1
    [briefing] = briefings(api, PRIVATE)
    keyboard = briefing.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert [[b["text"] for b in row] for row in keyboard[1:]] == [
        ["🔎 更多：海牙协定", "🔕 退订：海牙协定"]
    ]
    assert all(b["text"].startswith("打开 〔") for b in keyboard[0])
    assert [b["callback_data"] for b in keyboard[1]] == ["more:hague", "unsub:hague"]

    # More: /topic's first page for the topic, as a new message; the briefing stays.
    [more] = await bot.press(briefing, index_of(briefing, "🔎 更多：海牙协定"))
    [topic] = await bot.say("/topic 海牙协定")
    assert (more.text, more.buttons) == (topic.text, topic.buttons)
    assert briefing.edits == 0


async def test_unsubscribe_in_one_tap_and_undo(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙 地理标志")
    await run_push(bot, clock, SHANGHAI_NINE)
    [briefing] = briefings(api, PRIVATE)
    drop = index_of(briefing, "🔕 退订：海牙协定")
    [answer] = await bot.press(briefing, drop)
    assert last_answer(api) == said("topics.toggled_off", name="海牙协定")
    assert answer.text == said("briefing_buttons.unsubscribed", name="海牙协定")
    assert labels(answer) == [said("briefing_buttons.undo")]
    assert "海牙协定" not in await one(bot, "/mysubs")
    assert briefing.edits == 0
    # Tapped again: nothing more to do, and said so without a message.
    assert await bot.press(briefing, drop) == []
    assert last_answer(api) == said("briefing_buttons.not_following", name="海牙协定")

    assert await bot.press(answer, 0) == []
    assert (answer.text, answer.buttons) == (
        said("briefing_buttons.resubscribed", name="海牙协定"),
        [],
    )
    assert "海牙协定" in await one(bot, "/mysubs")
    await bot.press(answer, data=f"{Action.UNDO_DROP.value}:hague")  # twice: still followed once
    assert (await one(bot, "/mysubs")).count("海牙协定") == 1
    # The next day's briefing quotes it again.
    await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=1))
    assert "海牙协定" in briefings(api, PRIVATE)[-1].text


async def test_undo_at_the_limit_says_so(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙")
    await run_push(bot, clock, SHANGHAI_NINE)
    [briefing] = briefings(api, PRIVATE)
    [answer] = await bot.press(briefing, index_of(briefing, "🔕 退订：海牙协定"))
    async with services_of(bot).store.transaction() as repo:  # meanwhile, thirty other follows
        for n in range(30):
            await repo.subscribe(PRIVATE, "keyword", f"k{n}", f"k{n}", clock.now)
    assert "30/30" in await one(bot, "/mysubs")
    await bot.press(answer, 0)
    assert last_answer(api).startswith("⚠️")
    assert api.callback_answers[-1].get("show_alert") is True
    assert answer.text == said("briefing_buttons.unsubscribed", name="海牙协定")


async def test_in_groups_anyone_reads_more_only_admins_unsubscribe(
    bot: BotDriver, api: TelegramStandIn, clock: Clock, group: int
) -> None:
    await bot.say("/subscribe 海牙", chat_id=group, user_id=ADMIN)
    await run_push(bot, clock, SHANGHAI_NINE)
    [briefing] = briefings(api, group)
    [more] = await bot.press(briefing, index_of(briefing, "🔎 更多：海牙协定"), user_id=MEMBER)
    assert more.text.startswith("主题：海牙协定")
    drop = index_of(briefing, "🔕 退订：海牙协定")
    assert await bot.press(briefing, drop, user_id=MEMBER) == []
    assert last_answer(api) == said("subscribe.not_admin")
    [answer] = await bot.press(briefing, drop, user_id=ADMIN)
    await bot.press(answer, 0, user_id=MEMBER)
    assert answer.edits == 0
    await bot.press(answer, 0, user_id=ADMIN)
    assert answer.text == said("briefing_buttons.resubscribed", name="海牙协定")


async def test_english_briefings_name_the_topics_in_english(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe Hague GI", chat_id=EN_USER)
    await run_push(bot, clock, SHANGHAI_NINE)
    [briefing] = briefings(api, EN_USER)
    assert labels(briefing) == [
        "Open Section 4",
        "Open Section 3",
        "🔎 More: Hague Agreement",
        "🔕 Unsubscribe: Hague Agreement",
        "🔎 More: Geographical in…",  # long names shortened
        "🔕 Unsubscribe: Geographical in…",
    ]
    [answer] = await bot.press(briefing, 3)
    assert answer.text == said("briefing_buttons.unsubscribed", "en", name="Hague Agreement")


async def test_forged_topic_buttons_are_answered(bot: BotDriver, api: TelegramStandIn) -> None:
    [topics] = await bot.say("/topics")
    for prefix in ("more", "unsub", "resub"):
        for argument in ("", "nosuch", "海牙", "hague:1", "x" * 58):
            await bot.press(topics, data=f"{prefix}:{argument}")
            assert last_answer(api) == said("topics.unknown"), (prefix, argument)
    assert topics.edits == 0
    assert len(api.bot_messages(PRIVATE)) == 1
    assert await one(bot, "/mysubs") == said("mysubs.empty")
