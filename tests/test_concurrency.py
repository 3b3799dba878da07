"""Chats do not wait for each other: updates of different chats are handled at once, one chat's
updates in the order they came, and no Telegram call is made while the store is held (on SQLite
its lock is process-wide, so one slow call inside a transaction would stall every chat).

Over the wire (the real Application polling the stand-in over HTTP), since only there does a
slow Telegram answer take real time."""

from __future__ import annotations

import asyncio
import time

from entry.standin import TelegramStandIn
from tests.support.driver import BotDriver

WIRE = True  # only over HTTP does a slow Telegram answer take real time

LI, ALICE, OWNER = 1001, 2002, 42
SLOW = 3.0  # seconds Telegram takes to answer the slow call


async def _answer_time(bot: BotDriver, text: str, chat_id: int) -> float:
    started = time.perf_counter()
    [card] = await bot.say(text, chat_id=chat_id)
    assert card.text.startswith("四、")
    return time.perf_counter() - started


async def test_a_chat_waiting_on_telegram_does_not_delay_another_chat(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    [card] = await bot.say("/section 3", chat_id=LI)
    await bot.say("/start", chat_id=ALICE)
    # Telegram takes SLOW seconds to answer Li's button (its answerCallbackQuery) …
    api.fail("answerCallbackQuery", status=200, delay=SLOW)
    update_id = api.press_button(card, 3)  # › : opens section 4 in place
    await api.wait_for(lambda: api.calls_of("answerCallbackQuery"))
    # … while Alice reads section 4: she is answered at once, not after Li's wait.
    elapsed = await _answer_time(bot, "/section 4", ALICE)
    assert elapsed < 1.0, f"Alice waited {elapsed:.2f}s behind another chat's slow call"
    await bot.application.wait_processed(update_id)
    assert card.text.startswith("四、")  # Li's tap was handled too, once Telegram answered


async def test_one_chats_updates_are_handled_in_the_order_they_came(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    await bot.say("/start", chat_id=LI)
    api.fail("sendMessage", status=200, delay=1.0, chat_id=LI)  # the first answer is slow
    first = api.send_text("/section 1", chat_id=LI)
    second = api.send_text("/section 2", chat_id=LI)
    await bot.application.wait_processed(first)
    await bot.application.wait_processed(second)
    headings = [m.text.split("、", 1)[0] for m in api.bot_messages(LI)[-2:]]
    assert headings == ["一", "二"]


async def test_a_slow_telegram_call_inside_a_handler_never_holds_the_store(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    """The owner's tools, the settings buttons and inline answers used to call Telegram with a
    transaction open: the store was held for as long as Telegram took to answer."""
    await bot.say("/start", chat_id=OWNER)
    api.fail("sendMessage", status=200, delay=SLOW, chat_id=OWNER)
    update_id = api.send_text("/broadcast", chat_id=OWNER)  # no text: it answers with its usage
    await api.wait_for(lambda: api.calls_of("sendMessage")[-1].params.get("chat_id") == OWNER)
    store = bot.application.bot_data.services.store
    started = time.perf_counter()
    async with asyncio.timeout(1.0), store.transaction() as repo:  # the store is free
        assert await repo.chat(OWNER) is not None
    assert time.perf_counter() - started < 1.0
    await bot.application.wait_processed(update_id)
