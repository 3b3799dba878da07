"""The reading view in the chat: with WEBAPP_URL, private answers to /start, /sections and
/section carry a web_app button (opened at the section) and the menu button opens the page;
groups get no web_app button (Telegram refuses them there); without WEBAPP_URL nothing changes;
and the menu button is taken back when WEBAPP_URL goes."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from entry.console import run_console
from entry.standin import StoredMessage, TelegramStandIn
from tests.support.driver import BotDriver, driven_bot
from tests.support.library import library_dir

URL = "https://bot.example.org/app"
GROUP = -100777
EN_USER = 2002


def web_apps(message: StoredMessage) -> list[dict[str, Any]]:
    return [button for button in message.buttons if "web_app" in button]


@pytest.fixture
async def reading_bot(settings: Settings, api: TelegramStandIn) -> Any:
    async with driven_bot(replace(settings, webapp_url=URL), api) as driver:
        yield driver


async def test_private_answers_open_the_reading_view_at_the_section(reading_bot: BotDriver) -> None:
    bot = reading_bot
    expected = {
        "/start": URL,
        "/sections": URL,
        "/section": URL,
        "/section 4": f"{URL}?s=4",
        "/section 四": f"{URL}?s=4",
        "/section 总体思路": f"{URL}?s=0",
        "/start section_7": f"{URL}?s=7",
    }
    for command, url in expected.items():
        first, *_ = await bot.say(command)
        [button] = web_apps(first)
        assert button["web_app"] == {"url": url}, command
        assert button["text"] == "📖 阅读视图"
        assert first.reply_markup is not None
        assert first.reply_markup["inline_keyboard"][-1] == [button]  # a row of its own, last
    [english] = await bot.say("/sections", chat_id=EN_USER)
    assert [b["text"] for b in web_apps(english)] == ["📖 Reading view"]
    [refusal] = await bot.say("/section 12")  # an answer without buttons stays without
    assert refusal.buttons == []


async def test_groups_get_no_web_app_button_and_their_answers_still_arrive(
    reading_bot: BotDriver, api: TelegramStandIn
) -> None:
    api.chat(GROUP, "group", "IP team")
    for command in ("/sections", "/section 4", "/start"):
        [answer] = await reading_bot.say(command, chat_id=GROUP, user_id=1001)
        assert web_apps(answer) == [], command
    assert all(call.status == 200 for call in api.calls_of("sendMessage"))


async def test_the_menu_button_opens_the_reading_view_and_is_taken_back_without_it(
    settings: Settings, api: TelegramStandIn
) -> None:
    with_view = replace(settings, webapp_url=URL)
    async with driven_bot(with_view, api):
        pass
    [call] = api.calls_of("setChatMenuButton")
    assert call.params["menu_button"] == {
        "type": "web_app", "text": "阅读 Read", "web_app": {"url": URL}
    }  # fmt: skip
    assert "chat_id" not in call.params  # every private chat's default
    async with driven_bot(with_view, api):  # unchanged: Telegram keeps it, no call
        pass
    assert len(api.calls_of("setChatMenuButton")) == 1
    async with driven_bot(settings, api):  # WEBAPP_URL removed: back to the command list
        pass
    assert api.calls_of("setChatMenuButton")[-1].params["menu_button"] == {"type": "commands"}
    async with driven_bot(settings, api):
        pass
    assert len(api.calls_of("setChatMenuButton")) == 2


async def test_without_webapp_url_nothing_changes(bot: BotDriver, api: TelegramStandIn) -> None:
    for command in ("/start", "/sections", "/section 4"):
        answers = await bot.say(command)
        assert all(web_apps(answer) == [] for answer in answers)
    assert api.calls_of("setChatMenuButton") == []


async def test_the_stand_in_refuses_web_app_buttons_outside_private_chats(
    api: TelegramStandIn,
) -> None:
    api.chat(GROUP, "group", "IP team")
    api.chat(1001)
    markup = {"inline_keyboard": [[{"text": "read", "web_app": {"url": URL}}]]}
    status, body = await api.call(
        "sendMessage", {"chat_id": GROUP, "text": "x", "reply_markup": markup}
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_TYPE_INVALID")
    status, _ = await api.call(
        "sendMessage", {"chat_id": 1001, "text": "x", "reply_markup": markup}
    )
    assert status == 200


async def test_the_console_sandbox_shows_where_the_reading_view_button_leads(
    settings: Settings,
) -> None:
    out = io.StringIO()
    sandbox = replace(settings, bot_token=None, webapp_url=URL)
    await run_console(sandbox, io.StringIO("/section 4\n#5\n"), out)
    assert "[5] 📖 阅读视图" in out.getvalue()
    assert f"(Telegram opens this as a page: {URL}?s=4)" in out.getvalue()


async def test_an_older_plan_s_section_opens_the_view_at_that_plan(
    settings: Settings, api: TelegramStandIn, tmp_path: Path
) -> None:
    """With several plans (a made-up 2023 one beside 2022: NOT real CNIPA text), the button
    under /section 2022 4 or the deep link section_2022_4 opens the page at 2022's section 四,
    not the newest plan's; /section 2 still opens the newest."""
    content = library_dir(tmp_path)
    async with driven_bot(replace(settings, webapp_url=URL), api, content_dir=content) as bot:
        expected = {
            "/section 2022 4": f"{URL}?d=2022&s=4",
            "/start section_2022_4": f"{URL}?d=2022&s=4",
            "/section 2": f"{URL}?s=2",  # the newest plan (2023 has three sections)
        }
        for command, url in expected.items():
            first, *_ = await bot.say(command)
            [button] = web_apps(first)
            assert button["web_app"] == {"url": url}, command
