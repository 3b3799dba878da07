"""A briefing that respects its reader, end to end through the stand-in with an injected clock: a
planned briefing follows later choices, at most one briefing in any 20 hours whatever the clock
does, /quiet, /items, /days, the answers of /settime and /timezone, and the /settings buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.callbacks import CALLBACK_DATA_LIMIT
from bot.config import Settings
from bot.store.models import DeliveryRow
from bot.store.repository import SENT
from entry.standin import StoredMessage, TelegramStandIn
from tests.support.clock import Clock
from tests.support.driver import BotDriver, driven_bot, one, run_push, services_of

SHANGHAI_NINE = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai, a Wednesday
PRIVATE, ENGLISH, GROUP, ADMIN, MEMBER = 1001, 2002, -500, 7, 8


@pytest.fixture
def clock() -> Clock:
    return Clock(SHANGHAI_NINE - timedelta(hours=2))  # 07:00 in Shanghai


@pytest.fixture
async def bot(settings: Settings, api: TelegramStandIn, clock: Clock) -> AsyncIterator[BotDriver]:
    """The bot without its own ticks: the tests run the push themselves, at chosen instants."""
    async with driven_bot(settings, api, clock) as driver:
        job_queue = driver.application.job_queue
        assert job_queue is not None
        for job in job_queue.jobs():
            job.schedule_removal()
        async with services_of(driver).push_lock:  # a catch-up already under way has finished
            pass
        yield driver


async def pushed(bot: BotDriver, chat_id: int = PRIVATE) -> list[StoredMessage]:
    """The briefings the push sent the chat: the messages the ledger recorded as sent."""
    async with services_of(bot).store.transaction() as repo:
        rows = await repo.session.scalars(
            select(DeliveryRow.message_id).where(
                DeliveryRow.chat_id == chat_id, DeliveryRow.status == SENT
            )
        )
        sent = set(rows)
    return [m for m in bot.api.bot_messages(chat_id) if m.message_id in sent]


def quoted(bot: BotDriver, message: StoredMessage) -> list[str]:
    """The passages (keys "S.O") a briefing quotes, in document order."""
    texts = services_of(bot).index.texts
    return [key for key, text in texts.items() if text in message.text]


async def today(bot: BotDriver, chat_id: int = PRIVATE) -> StoredMessage:
    [answer] = await bot.say("/today", chat_id=chat_id)
    assert answer.text.startswith("📰"), answer.text
    return answer


# --- 1. a planned briefing follows later choices ------------------------------------------------


async def test_a_later_subscribe_changes_the_planned_briefing_and_the_push_sends_it(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙")
    assert quoted(bot, await today(bot)) == ["4.7"]
    await bot.say("/subscribe 地理标志")
    after = await today(bot)
    # Chosen again from the reading state before the plan: the Hague passage is still the first
    # one (not 7.1), and geographical indications come in.
    assert quoted(bot, after) == ["3.2", "4.7"]
    assert "地理标志" in after.text
    assert (await run_push(bot, clock, SHANGHAI_NINE)).sent == 1
    assert (await pushed(bot))[-1].text == after.text
    await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=1))
    assert quoted(bot, (await pushed(bot))[-1]) == [
        "3.15",
        "7.1",
    ]  # each follow's next, none skipped


async def test_unsubscribe_and_the_topics_toggle_change_it_too(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙 地理标志")
    assert quoted(bot, await today(bot)) == ["3.2", "4.7"]
    await bot.say("/unsubscribe 地理标志")
    assert quoted(bot, await today(bot)) == ["4.7"]
    [catalogue] = await bot.say("/topics")
    trademark = next(i for i, b in enumerate(catalogue.buttons) if b["text"].startswith("商标"))
    await bot.press(catalogue, trademark)
    after = await today(bot)
    assert quoted(bot, after) == ["3.2", "4.7"]  # 3.2 again: the dropped plan gave it back
    assert "商标" in after.text
    await run_push(bot, clock, SHANGHAI_NINE)
    assert (await pushed(bot))[-1].text == after.text


async def test_the_deep_links_confirmation_changes_it(bot: BotDriver, api: TelegramStandIn) -> None:
    assert quoted(bot, await today(bot)) == ["0.1"]  # following nothing: the document in order
    [question] = await bot.say("/start topic_hague")
    await bot.press(question, 0)
    assert quoted(bot, await today(bot)) == ["4.7"]


async def test_items_changes_it(bot: BotDriver) -> None:
    await bot.say("/subscribe 海牙 地理标志 商标 开放许可")
    assert len(quoted(bot, await today(bot))) == 3
    assert "4" in await one(bot, "/items 4")
    four = await today(bot)
    assert quoted(bot, four) == ["3.2", "3.4", "4.7", "5.4"]
    await bot.say("/items 1")
    assert quoted(bot, await today(bot)) == ["4.7"]


async def test_the_language_is_read_at_send_time(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙")
    chinese = await today(bot)
    assert "每日简报" in chinese.text
    await bot.say("/lang en")
    english = await today(bot)
    assert english.text.startswith("📰 Daily briefing · 2026-11-25")
    assert quoted(bot, english) == quoted(bot, chinese)
    await run_push(bot, clock, SHANGHAI_NINE)
    assert (await pushed(bot))[-1].text == english.text


async def test_a_briefing_already_sent_is_not_chosen_again(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙")
    await run_push(bot, clock, SHANGHAI_NINE)
    [sent] = await pushed(bot)
    await bot.say("/subscribe 地理标志")
    assert (await today(bot)).text == sent.text
    await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=1))
    assert quoted(bot, (await pushed(bot))[-1]) == ["3.2", "7.1"]


# --- 2. at most one briefing in any 20 hours ------------------------------------------------------


async def test_changing_zone_and_time_so_the_local_date_steps_back_sends_no_second_one(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙 地理标志")
    await run_push(bot, clock, SHANGHAI_NINE)  # 09:00 on the 25th in Shanghai
    [first] = await pushed(bot)
    assert "2026-11-25" in first.text
    # Half an hour later it is 20:30 on the 24th in New York: a briefing at 21:00 there would be
    # the 24th's, due 1 h after the 25th's went out.
    clock.now = SHANGHAI_NINE + timedelta(minutes=30)
    await bot.say("/timezone America/New_York")
    await bot.say("/settime 21:00")
    assert (await today(bot)).text == first.text  # today's is the one the chat got
    report = await run_push(bot, clock, SHANGHAI_NINE + timedelta(hours=1))
    assert report.outcomes == {}
    assert len(await pushed(bot)) == 1
    # Skipped, and so is New York's 25th, whose briefing the chat had (the ledger's key is the
    # chat's local date): the next one is the 26th's.
    assert "下一次：2026-11-26 21:00" in await one(bot, "/settings")
    for hours in (2, 13, 25, 37):
        await run_push(bot, clock, SHANGHAI_NINE + timedelta(hours=hours))
    assert len(await pushed(bot)) == 1
    await run_push(bot, clock, SHANGHAI_NINE + timedelta(hours=49))
    second = (await pushed(bot))[-1]
    assert "2026-11-26" in second.text
    assert quoted(bot, second) == ["3.15", "7.1"]


async def test_an_evening_briefing_does_not_hold_back_the_next_mornings_today(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙")
    await bot.say("/settime 21:00")
    evening = SHANGHAI_NINE + timedelta(hours=12)
    await run_push(bot, clock, evening)
    clock.now = evening + timedelta(hours=11)  # 08:00 the next morning, 11 hours later
    morning = await today(bot)
    assert "2026-11-26" in morning.text
    assert quoted(bot, morning) == ["7.1"]
    await run_push(bot, clock, evening + timedelta(days=1))
    assert (await pushed(bot))[-1].text == morning.text


# --- 3. /quiet, /items, /days ---------------------------------------------------------------


async def test_quiet_briefings_arrive_without_a_sound(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    assert "/quiet on" in await one(bot, "/quiet")
    assert "静音" in await one(bot, "/quiet on")
    assert "静音：开" in await one(bot, "/settings")
    await run_push(bot, clock, SHANGHAI_NINE)
    assert api.calls_of("sendMessage")[-1].params.get("disable_notification") is True
    await bot.say("/quiet off")
    assert "静音：关" in await one(bot, "/settings")
    await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=1))
    assert len(await pushed(bot)) == 2
    assert not api.calls_of("sendMessage")[-1].params.get("disable_notification")
    assert "/quiet on" in await one(bot, "/quiet maybe")  # the usage, nothing changed


@pytest.mark.parametrize("typed", ["0", "11", "abc", "3.5", "-2", "100000"])
async def test_items_out_of_range_gets_an_answer_naming_1_to_10(bot: BotDriver, typed: str) -> None:
    answer = await one(bot, f"/items {typed}")
    assert "1–10" in answer
    assert "当前：3" in answer


async def test_items_usage_and_chinese_numbers(bot: BotDriver) -> None:
    assert "1–10" in await one(bot, "/items")
    assert "5" in await one(bot, "/items 五")
    assert "最多 5 段" in await one(bot, "/settings")
    [english] = await bot.say("/items", chat_id=ENGLISH)
    assert "1 to 10" in english.text


async def test_one_topic_and_more_items_gives_more_of_it(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 地理标志")
    await bot.say("/items 6")  # at most ⌈6/3⌉ = 2 from one follow
    await run_push(bot, clock, SHANGHAI_NINE)
    assert quoted(bot, (await pushed(bot))[-1]) == ["3.2", "3.15"]


@pytest.mark.parametrize("typed", ["mon,thu", "一,四", "周一,周四", "Mon, Thu", "周一 周四"])
async def test_days_mon_and_thu_in_any_spelling(
    bot: BotDriver, api: TelegramStandIn, clock: Clock, typed: str
) -> None:
    answer = await one(bot, f"/days {typed}")
    assert "每周一、周四" in answer
    assert "2026-11-26 09:00" in answer  # Wednesday the 25th is skipped: Thursday
    settings = await one(bot, "/settings")
    assert "时间：每周一、周四 09:00" in settings
    assert (await run_push(bot, clock, SHANGHAI_NINE)).sent == 0
    assert (await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=1))).sent == 1
    assert "下一次：2026-11-30 09:00" in await one(bot, "/settings")  # then Monday


async def test_a_weekly_digest_is_one_day_with_more_items(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙 地理标志 商标 开放许可 质押 冬奥会")
    await bot.say("/days mon")
    await bot.say("/items 6")
    for day in range(7):
        await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=day))
    [digest] = await pushed(bot)
    assert "2026-11-30" in digest.text
    assert len(quoted(bot, digest)) == 6


async def test_days_usage_unknown_and_back_to_daily(bot: BotDriver) -> None:
    assert "weekdays" in await one(bot, "/days")
    unknown = await one(bot, "/days someday")
    assert "someday" in unknown
    assert "mon,thu" in unknown
    assert "工作日" in await one(bot, "/days weekdays")
    assert "每天" in await one(bot, "/days daily")
    [english] = await bot.say("/days weekends", chat_id=ENGLISH)
    assert "at weekends" in english.text


async def test_in_groups_only_admins_change_them(bot: BotDriver, api: TelegramStandIn) -> None:
    api.chat(GROUP, "group", "IP team")
    api.user(ADMIN, "Admin")
    api.user(MEMBER, "Member")
    api.member_status(GROUP, ADMIN, "administrator")
    for command in ("/quiet on", "/items 5", "/days weekdays"):
        assert "管理员" in await one(bot, command, chat_id=GROUP, user_id=MEMBER)
    assert "静音：关" in await one(bot, "/settings", chat_id=GROUP, user_id=MEMBER)
    for command in ("/quiet on", "/items 5", "/days weekdays"):
        assert "管理员" not in await one(bot, command, chat_id=GROUP, user_id=ADMIN)
    settings = await one(bot, "/settings", chat_id=GROUP, user_id=MEMBER)
    assert "静音：开" in settings
    assert "最多 5 段" in settings
    assert "时间：工作日 09:00" in settings


# --- 4. /settime and /timezone explain themselves -------------------------------------------


@pytest.mark.parametrize("typed", ["25:00", "8:61", "2400"])
async def test_a_time_out_of_range_is_explained(bot: BotDriver, typed: str) -> None:
    answer = await one(bot, f"/settime {typed}")
    assert "0–23" in answer
    assert "0–59" in answer
    assert "09:00" in answer  # unchanged
    [english] = await bot.say(f"/settime {typed}", chat_id=ENGLISH)
    assert "hours run 0–23 and minutes 0–59" in english.text


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("beijing", "Asia/Shanghai"), ("BEIJING", "Asia/Shanghai"), ("北京", "Asia/Shanghai"),
     ("上海", "Asia/Shanghai"), ("东京", "Asia/Tokyo"), ("Tokyo", "Asia/Tokyo"),
     ("london", "Europe/London"), ("New York", "America/New_York"),
     ("new york", "America/New_York"), ("asia/tokyo", "Asia/Tokyo")],
)  # fmt: skip
async def test_timezone_by_city(bot: BotDriver, typed: str, zone: str) -> None:
    answer = await one(bot, f"/timezone {typed}")
    assert f"时区为 {zone}" in answer


async def test_an_unknown_zone_gets_the_closest_names(bot: BotDriver) -> None:
    answer = await one(bot, "/timezone Tokio")
    assert "不认识时区“Tokio”" in answer
    assert "相近的时区：Asia/Tokyo" in answer
    [english] = await bot.say("/timezone Europe/Berln", chat_id=ENGLISH)
    assert "Close time zones: Europe/Berlin" in english.text
    assert "Asia/Shanghai" in await one(bot, "/settings")  # unchanged


# --- 5. the private /settings buttons -------------------------------------------------------------


def labels(message: StoredMessage) -> list[str]:
    return [button["text"] for button in message.buttons]


def button(message: StoredMessage, label: str) -> int:
    return labels(message).index(label)


async def test_private_settings_buttons_change_time_zone_and_sound(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    [settings] = await bot.say("/settings")
    assert labels(settings) == [
        "⏸ 暂停", "📰 今天的简报",
        "07:00", "08:00", "✓ 09:00", "12:00", "18:00",
        "✓ 北京时间", "伦敦", "纽约", "UTC",
        "🔕 静音", "✓ 🔔 有提示音",
    ]  # fmt: skip
    assert all(len(b["callback_data"].encode()) <= CALLBACK_DATA_LIMIT for b in settings.buttons)
    assert await bot.press(settings, button(settings, "07:00")) == []  # edited in place
    assert "时间：每天 07:00（Asia/Shanghai）" in settings.text
    assert "✓ 07:00" in labels(settings)
    await bot.press(settings, button(settings, "伦敦"))
    assert "时间：每天 07:00（Europe/London）" in settings.text
    assert "✓ 伦敦" in labels(settings)
    await bot.press(settings, button(settings, "🔕 静音"))
    assert "静音：开" in settings.text
    assert "✓ 🔕 静音" in labels(settings)
    await bot.press(settings, button(settings, "UTC"))
    assert "（UTC）" in settings.text
    answers = [c.params.get("text", "") for c in api.calls_of("answerCallbackQuery")]
    assert any("07:00" in text for text in answers)
    [english] = await bot.say("/settings", chat_id=ENGLISH)
    assert "✓ Beijing" in labels(english)
    assert "🔕 Silent" in labels(english)


async def test_a_groups_settings_keep_only_pause_and_today(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    api.chat(GROUP, "group", "IP team")
    api.user(MEMBER, "Member")
    [settings] = await bot.say("/settings", chat_id=GROUP, user_id=MEMBER)
    assert labels(settings) == ["⏸ 暂停", "📰 今天的简报"]
    # A forged time button in the group: only admins may change settings.
    await bot.press(settings, user_id=MEMBER, data="set:time:0700")
    assert "09:00" in (await one(bot, "/settings", chat_id=GROUP, user_id=MEMBER))


async def test_forged_settings_buttons_are_answered_as_expired(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    [settings] = await bot.say("/settings")
    for forged in ("set:time:0730", "set:tz:Mars/Olympus", "set:quiet:maybe", "set:"):
        await bot.press(settings, data=forged)
    answers = [c.params.get("text", "") for c in api.calls_of("answerCallbackQuery")]
    assert len(answers) == 4
    assert all("失效" in text for text in answers)
    assert "时间：每天 09:00（Asia/Shanghai）" in (await one(bot, "/settings"))
