"""The daily push end to end, with an injected clock: the real Application and the stand-in, the
scheduler's push run at chosen instants, Telegram's faults injected per call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import httpx
import pytest
from telegram.error import TimedOut

from bot import delivery
from bot.config import Settings
from entry.standin import StoredMessage, TelegramStandIn
from tests.support.clock import Clock
from tests.support.driver import BotDriver, driven_bot, run_push, services_of

BACKENDS = ("sqlite", "postgresql")
SHANGHAI_NINE = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai
PRIVATE, GROUP, ADMIN, MEMBER = 1001, -500, 7, 8


@pytest.fixture
def clock() -> Clock:
    return Clock(SHANGHAI_NINE - timedelta(hours=12))


@pytest.fixture
async def bot(settings: Settings, api: TelegramStandIn, clock: Clock) -> AsyncIterator[BotDriver]:
    """The bot without its own ticks: these tests run the push themselves, at chosen instants
    (a tick on the real clock could run between a test's steps)."""
    async with driven_bot(settings, api, clock) as driver:
        job_queue = driver.application.job_queue
        assert job_queue is not None
        for job in job_queue.jobs():
            job.schedule_removal()
        async with services_of(driver).push_lock:  # a catch-up already under way has finished
            pass
        yield driver


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "BACKOFF_SECONDS", 0.01)


def briefings(api: TelegramStandIn, chat_id: int) -> list[StoredMessage]:
    return [m for m in api.bot_messages(chat_id) if m.text.startswith("📰")]


async def ledger(bot: BotDriver, chat_id: int) -> list[tuple[str, str]]:
    async with services_of(bot).store.transaction() as repo:
        from sqlalchemy import select

        from bot.store.models import DeliveryRow

        rows = await repo.session.scalars(
            select(DeliveryRow).where(DeliveryRow.chat_id == chat_id).order_by(DeliveryRow.id)
        )
        return [(row.local_date.isoformat(), row.status) for row in rows]


async def test_a_days_push_at_the_chats_own_time(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙 地理标志")
    assert (await run_push(bot, clock, SHANGHAI_NINE - timedelta(minutes=1))).planned == 0
    report = await run_push(bot, clock, SHANGHAI_NINE)
    assert report.sent == 1
    [first] = briefings(api, PRIVATE)
    assert "海牙协定 〔四〕" in first.text
    assert "地理标志 〔三〕" in first.text
    assert "做好加入《工业品外观设计国际注册海牙协定》" in first.text
    assert [b["text"] for b in first.buttons[:2]] == ["打开 〔四〕", "打开 〔三〕"]
    # The same minute again, and later that day: the ledger allows one briefing a day.
    await run_push(bot, clock, SHANGHAI_NINE + timedelta(seconds=30))
    await run_push(bot, clock, SHANGHAI_NINE + timedelta(hours=10))
    assert len(briefings(api, PRIVATE)) == 1
    # The next day: the next passages, never the same ones.
    await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=1))
    second = briefings(api, PRIVATE)[1]
    assert "加快完成我国加入《海牙协定》工作" in second.text
    assert "推进商标法修改和地理标志立法" not in second.text
    assert await ledger(bot, PRIVATE) == [("2026-11-25", "sent"), ("2026-11-26", "sent")]


async def test_the_day_boundary_is_the_chats_local_midnight(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/settime 23:30")
    await bot.say("/timezone America/New_York")
    # 23:30 in New York on the 25th is 04:30 UTC on the 26th.
    await run_push(bot, clock, datetime(2026, 11, 26, 4, 29, tzinfo=UTC))
    assert briefings(api, PRIVATE) == []
    await run_push(bot, clock, datetime(2026, 11, 26, 4, 30, tzinfo=UTC))
    [message] = briefings(api, PRIVATE)
    assert "2026-11-25" in message.text
    assert await ledger(bot, PRIVATE) == [("2026-11-25", "sent")]


async def test_today_is_the_same_briefing_the_push_sends(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 商标")
    clock.now = SHANGHAI_NINE - timedelta(hours=2)
    [preview] = await bot.say("/today")
    [again] = await bot.say("/today")
    assert preview.text == again.text
    await run_push(bot, clock, SHANGHAI_NINE)
    pushed = briefings(api, PRIVATE)[-1]
    assert pushed.text == preview.text
    clock.now = SHANGHAI_NINE + timedelta(hours=1)
    [after] = await bot.say("/today")
    assert after.text == preview.text  # asking after the push does not advance the rotation
    await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=1))
    assert briefings(api, PRIVATE)[-1].text != preview.text


async def test_catch_up_after_downtime_sends_todays_not_yesterdays(
    settings: Settings, api: TelegramStandIn
) -> None:
    clock = Clock(SHANGHAI_NINE - timedelta(days=1, hours=3))
    async with driven_bot(settings, api, clock) as bot:
        await bot.say("/subscribe 海牙")
    # Down from before yesterday's 09:00 until today 15:00: the restart's first tick catches up.
    clock.now = SHANGHAI_NINE + timedelta(hours=6)
    async with driven_bot(settings, api, clock) as bot:
        await api.wait_for(lambda: briefings(api, PRIVATE), timeout=10)
        async with services_of(bot).push_lock:  # the catch-up run has finished
            pass
        assert await ledger(bot, PRIVATE) == [("2026-11-25", "sent")]
        [message] = briefings(api, PRIVATE)
        assert "2026-11-25" in message.text


async def test_restarting_before_todays_time_sends_nothing_early(
    settings: Settings, api: TelegramStandIn
) -> None:
    clock = Clock(SHANGHAI_NINE - timedelta(days=2))
    async with driven_bot(settings, api, clock) as bot:
        await bot.say("/start")
    clock.now = SHANGHAI_NINE - timedelta(hours=1)  # missed yesterday's; today's not yet due
    async with driven_bot(settings, api, clock) as bot:
        report = await run_push(bot, clock, clock.now)
        assert report.sent == 0
        assert briefings(api, PRIVATE) == []
        assert (await run_push(bot, clock, SHANGHAI_NINE)).sent == 1


async def test_a_chat_without_topics_reads_the_document_in_order(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/start")
    for day in range(3):
        await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=day))
    texts = [m.text for m in briefings(api, PRIVATE)]
    assert "国家知识产权局 2022 年工作的总体思路是" in texts[0]
    assert "〔一〕" in texts[1]
    assert "认真开展学习党的十九届六中全会精神专题轮训" in texts[1]
    assert "认真做好党的二十大代表推选工作。" in texts[2]


async def test_rotation_and_the_second_round(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 冬奥会")
    await run_push(bot, clock, SHANGHAI_NINE)
    await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=1))
    first, second = briefings(api, PRIVATE)
    olympics = "做好北京 2022 年冬奥会和冬残奥会奥林匹克标志知识产权保护。"
    assert olympics in first.text
    assert "轮" not in first.text
    assert olympics in second.text
    assert "第 2 轮" in second.text


async def test_more_than_three_topics_take_turns(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe 海牙 地理标志 商标 开放许可 质押")
    await run_push(bot, clock, SHANGHAI_NINE)
    await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=1))
    first, second = (m.text for m in briefings(api, PRIVATE))
    assert [name in first for name in ("海牙协定", "地理标志", "商标", "开放许可", "质押融资")] == [
        True, True, True, False, False,
    ]  # fmt: skip
    assert "开放许可" in second
    assert "质押融资" in second


async def test_blocked_chat_turns_inactive_and_back(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/start")
    api.blocked.add(PRIVATE)
    report = await run_push(bot, clock, SHANGHAI_NINE)
    assert report.outcomes == {"gave_up": 1}
    async with services_of(bot).store.transaction() as repo:
        chat = await repo.chat(PRIVATE)
        assert chat is not None
        assert chat.active is False
    api.blocked.discard(PRIVATE)
    await bot.say("/mysubs")  # writing to the bot again makes the chat active
    async with services_of(bot).store.transaction() as repo:
        chat = await repo.chat(PRIVATE)
        assert chat is not None
        assert chat.active is True
    await run_push(bot, clock, SHANGHAI_NINE + timedelta(days=1))
    assert len(briefings(api, PRIVATE)) == 1


async def test_my_chat_member_kicked_and_readded(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    api.chat(GROUP, "group", "IP team")
    api.user(ADMIN, "Admin")
    await bot.say("/start", chat_id=GROUP, user_id=ADMIN)

    def membership(status: str) -> dict[str, object]:
        return {
            "my_chat_member": {
                "chat": {"id": GROUP, "type": "group", "title": "IP team"},
                "from": api.users[ADMIN],
                "date": 0,
                "old_chat_member": {"status": "member", "user": {"id": api.bot_id,
                                    "is_bot": True, "first_name": "B"}},
                "new_chat_member": {"status": status, "until_date": 0, "user": {
                                    "id": api.bot_id, "is_bot": True, "first_name": "B"}},
            }
        }  # fmt: skip

    await bot.feed(membership("kicked"))
    assert (await run_push(bot, clock, SHANGHAI_NINE)).planned == 0
    await bot.feed(membership("member"))
    assert (await run_push(bot, clock, SHANGHAI_NINE + timedelta(minutes=1))).sent == 1


async def test_group_migrated_to_supergroup_is_delivered_there(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    supergroup = -1001234
    api.chat(GROUP, "group", "IP team")
    api.chat(supergroup, "supergroup", "IP team")
    api.user(ADMIN, "Admin")
    api.member_status(GROUP, ADMIN, "administrator")
    await bot.say("/subscribe 海牙", chat_id=GROUP, user_id=ADMIN)
    api.fail("sendMessage", 400, "Bad Request: group chat was upgraded to a supergroup chat",
             parameters={"migrate_to_chat_id": supergroup}, chat_id=GROUP)  # fmt: skip
    report = await run_push(bot, clock, SHANGHAI_NINE)
    assert report.sent == 1
    [message] = briefings(api, supergroup)
    assert "海牙协定" in message.text
    async with services_of(bot).store.transaction() as repo:
        assert await repo.chat(GROUP) is None
        subscriptions = await repo.subscriptions(supergroup)
    assert [s.value for s in subscriptions] == ["hague"]


async def test_retry_after_waits_and_never_drops_the_chat(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/start")
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1",
             parameters={"retry_after": 1}, times=2)  # fmt: skip
    report = await run_push(bot, clock, SHANGHAI_NINE)
    assert report.sent == 1
    assert [c.status for c in api.calls_of("sendMessage")][-3:] == [429, 429, 200]


async def test_server_errors_are_retried_then_left_for_the_next_catch_up(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/start")
    api.fail("sendMessage", 502, "Bad Gateway", times=10)
    report = await run_push(bot, clock, SHANGHAI_NINE)
    assert report.outcomes == {"failed": 1}
    assert await ledger(bot, PRIVATE) == [("2026-11-25", "failed")]
    # Not before its backoff has passed; then the next tick delivers it.
    assert (await run_push(bot, clock, SHANGHAI_NINE + timedelta(seconds=30))).sent == 0
    api.faults.clear()
    assert (await run_push(bot, clock, SHANGHAI_NINE + timedelta(minutes=2))).sent == 1
    assert await ledger(bot, PRIVATE) == [("2026-11-25", "sent")]
    assert len(briefings(api, PRIVATE)) == 1


async def test_one_failing_chat_does_not_hold_up_the_others(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    for chat_id in (1001, 1002, 1003):
        await bot.say("/start", chat_id=chat_id)
    api.fail("sendMessage", 500, times=100, chat_id=1002)
    report = await run_push(bot, clock, SHANGHAI_NINE)
    assert report.outcomes == {"sent": 2, "failed": 1}


class TimingOutBot:
    """A Bot whose sendMessage times out the way httpx or aiohttp does (a read or a connect
    timeout)."""

    def __init__(self, cause: Exception) -> None:
        self.cause = cause
        self.calls = 0

    async def do_api_request(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        raise TimedOut("Timed out") from self.cause


@pytest.mark.parametrize(
    ("cause", "status", "calls"),
    [
        (httpx.ReadTimeout("read"), "uncertain", 1),
        (httpx.ConnectTimeout("connect"), "failed", 4),
        # the bot's own client (entry/json_request.py): aiohttp's
        (aiohttp.SocketTimeoutError("read"), "uncertain", 1),
        (aiohttp.ConnectionTimeoutError("connect"), "failed", 4),
    ],
)
async def test_a_read_timeout_is_uncertain_a_connect_timeout_is_retried(
    bot: BotDriver, clock: Clock, cause: Exception, status: str, calls: int
) -> None:
    await bot.say("/start")
    services = services_of(bot)
    clock.now = SHANGHAI_NINE
    async with services.store.transaction() as repo:
        schedule = await repo.schedule(PRIVATE)
        assert schedule is not None
        from bot.scheduler import plan_for
        from bot.store.repository import QUEUED

        planned = await plan_for(repo, services, PRIVATE, schedule.timezone, clock.now)
        row = await repo.delivery(PRIVATE, planned.local_date)
        assert row is not None
        row.status = QUEUED
        delivery_id = row.id
    fake = TimingOutBot(cause)
    outcome = await delivery.send_planned(services, fake, delivery_id)  # type: ignore[arg-type]
    assert (outcome.status, fake.calls) == (status, calls)
    assert await ledger(bot, PRIVATE) == [("2026-11-25", status)]


async def test_berlin_in_march_and_october(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 27, 12, tzinfo=UTC)
    await bot.say("/timezone Europe/Berlin")
    expected = [
        (datetime(2026, 3, 28, 7, 59, tzinfo=UTC), 0), (datetime(2026, 3, 28, 8, tzinfo=UTC), 1),
        (datetime(2026, 3, 29, 6, 59, tzinfo=UTC), 1), (datetime(2026, 3, 29, 7, tzinfo=UTC), 2),
        (datetime(2026, 10, 24, 7, tzinfo=UTC), 3), (datetime(2026, 10, 25, 7, 59, tzinfo=UTC), 3),
        (datetime(2026, 10, 25, 8, tzinfo=UTC), 4),
    ]  # fmt: skip
    for moment, count in expected:
        await run_push(bot, clock, moment)
        assert len(briefings(api, PRIVATE)) == count, moment


async def test_group_settings_are_for_admins_and_follow_the_forum_topic(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    forum = -100777
    api.chat(forum, "supergroup", "IP forum", is_forum=True)
    api.user(ADMIN, "Admin")
    api.user(MEMBER, "Member")
    api.member_status(forum, ADMIN, "administrator")
    [refusal] = await bot.say("/settime 07:00", chat_id=forum, user_id=MEMBER, thread_id=5)
    assert "管理员" in refusal.text
    [answer] = await bot.say("/settime 08:00", chat_id=forum, user_id=ADMIN, thread_id=42)
    assert "08:00" in answer.text
    await run_push(bot, clock, SHANGHAI_NINE - timedelta(hours=1))
    [message] = briefings(api, forum)
    assert message.thread_id == 42
    # The topic is deleted: the next day's briefing goes to General instead of being lost.
    api.fail("sendMessage", 400, "Bad Request: message thread not found", chat_id=forum)
    await run_push(bot, clock, SHANGHAI_NINE - timedelta(hours=1) + timedelta(days=1))
    assert [m.thread_id for m in briefings(api, forum)] == [42, None]


async def test_english_chats_get_english_briefings(
    bot: BotDriver, api: TelegramStandIn, clock: Clock
) -> None:
    await bot.say("/subscribe Hague", chat_id=2002)
    await run_push(bot, clock, SHANGHAI_NINE)
    [message] = briefings(api, 2002)
    assert message.text.startswith("📰 Daily briefing · 2026-11-25")
    assert "Hague Agreement · Section 4\n" in message.text  # English cites "Section 4"
    [card] = await bot.press(message, 0)
    assert card.text.startswith("四、建设一流专利商标审查机构")
