"""Reading the work plan end to end: the real Application polls the stand-in over HTTP, reads the
SQLite store and answers; every answer passes the stand-in's Telegram checks (HTML, lengths)."""

from __future__ import annotations

import pytest

from content.library import Library
from entry.standin import TelegramStandIn
from handlers import MENU, OWNER, READING, SETTINGS
from tests.support.driver import BotDriver

WIRE = True  # the reading path as production runs it: long-polling, HTTP to 127.0.0.1

HEADING_4 = "四、建设一流专利商标审查机构，全面打赢审查提质增效攻坚战。"
EN_USER = 2002


async def _card(bot: BotDriver, argument: str, chat_id: int = 1001) -> str:
    replies = await bot.say(f"/section {argument}", chat_id=chat_id)
    assert len(replies) == 1
    return replies[0].text


async def test_start_welcomes_and_explains(bot: BotDriver) -> None:
    [welcome] = await bot.say("/start")
    assert "国家知识产权局 2022 年工作要点" in welcome.text
    assert "/section 4" in welcome.text
    assert "/sections" in welcome.text


async def test_help_lists_the_commands_and_range(bot: BotDriver) -> None:
    [answer] = await bot.say("/help")
    for command in ("/sections", "/section N", "/help"):
        assert command in answer.text
    assert "1–8" in answer.text


async def test_sections_is_a_table_of_contents_with_a_button_per_section(bot: BotDriver) -> None:
    [contents] = await bot.say("/sections")
    assert HEADING_4 in contents.text
    assert len(contents.buttons) == 9
    assert all(len(b["callback_data"].encode()) <= 64 for b in contents.buttons)
    await bot.press(contents, 4)
    assert contents.text.startswith(HEADING_4)


@pytest.mark.parametrize(
    "argument", ["4", "四", "第四部分", "第4部分", "4.", "４", "第 4 部分", "四、", "section 4"]
)
async def test_section_accepts_every_way_of_writing_four(bot: BotDriver, argument: str) -> None:
    text = await _card(bot, argument)
    assert text.startswith(HEADING_4)
    assert "做好加入《海牙协定》后外观设计审查相关工作的衔接" in text


async def test_section_card_has_full_text_previous_and_next(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    [card] = await bot.say("/section 4")
    labels = [b["text"] for b in card.buttons]
    assert labels == ["📄 全文", "‹ 三", "目录", "五 ›"]
    assert card.html is not None
    assert card.html.startswith(f"<b>{HEADING_4}</b>")

    await bot.press(card, 3)  # next ›: the same message now shows section 五
    assert card.text.startswith("五、完善市场化运行机制")
    assert card.edits == 1
    await bot.press(card, 1)  # ‹ previous: back to 四
    assert card.text.startswith(HEADING_4)
    assert len(api.callback_answers) == 2


async def test_full_text_is_the_section_verbatim(bot: BotDriver, library: Library) -> None:
    [card] = await bot.say("/section 7")
    [full] = await bot.press(card, 0)
    body = library.primary.document.sections[7].body
    assert full.text.replace("\n\n", "").endswith(body)  # in paragraphs, blank lines between
    assert "《区域全面经济伙伴关系协定》( RCEP ) 知识产权相关内容" in full.text
    assert len(full.text) < 4096


async def test_first_and_last_sections_have_no_dangling_buttons(bot: BotDriver) -> None:
    [last] = await bot.say("/section 8")
    assert [b["text"] for b in last.buttons] == ["📄 全文", "‹ 七", "目录"]
    [intro] = await bot.say("/section 0")
    assert intro.text.startswith("总体思路")
    assert [b["text"] for b in intro.buttons] == ["📄 全文", "目录", "一 ›"]


async def test_section_without_argument_shows_contents(bot: BotDriver) -> None:
    [answer] = await bot.say("/section")
    assert len(answer.buttons) == 9


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("9", "没有第 9 部分"),
        ("100", "没有第 100 部分"),
        ("-1", "没有第 -1 部分"),
        ("九", "没有第 9 部分"),
        ("abc", "没看懂“abc”"),
        ("<b>4</b>", "没看懂“<b>4</b>”"),
        ("&amp; </a>", "没看懂“&amp; </a>”"),
        ("9" * 5000, "1–8"),
        ("😀" * 500, "没看懂"),
        ("4 5", "没看懂“4 5”"),
    ],
)
async def test_bad_arguments_get_a_short_answer_naming_the_range(
    bot: BotDriver, argument: str, expected: str
) -> None:
    text = await _card(bot, argument)
    assert expected in text
    assert "1–8" in text
    assert len(text) < 200


async def test_buttons_pressed_twice_or_forged_are_answered(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    [card] = await bot.say("/section 2")
    await bot.press(card, 2)  # 目录
    assert len(card.buttons) == 9
    await bot.press(card, 0, data="toc:")  # the same view again: Telegram says "not modified"
    for forged in ("sec:99", "sec:abc", "full:-1", "zzz", "x" * 64):
        await bot.press(card, 0, data=forged)
    notices = [a.get("text") for a in api.callback_answers[-5:]]
    assert all(notice and "失效" in notice for notice in notices)
    assert len(api.callback_answers) == 7
    [again] = await bot.say("/section 1")  # and the bot still answers
    assert again.text.startswith("一、坚持政治引领")


async def test_english_clients_get_english_summaries(bot: BotDriver) -> None:
    [card] = await bot.say("/section 4", chat_id=EN_USER)
    assert card.text.startswith(HEADING_4)
    assert "Hague Agreement" in card.text
    assert next(b["text"] for b in card.buttons) == "📄 Full text"
    [bad] = await bot.say("/section 12", chat_id=EN_USER)
    assert "There is no section 12" in bad.text
    assert "1 to 8" in bad.text


async def test_deep_links_open_a_section_or_fall_back_to_contents(bot: BotDriver) -> None:
    [card] = await bot.say("/start section_4")
    assert card.text.startswith(HEADING_4)
    welcome, contents = await bot.say("/start nonsense_payload")
    assert "/sections" in welcome.text
    assert len(contents.buttons) == 9


async def test_commands_addressed_to_us_work_and_to_others_are_ignored(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    [card] = await bot.say(f"/section@{api.bot_username} 4")
    assert card.text.startswith(HEADING_4)
    assert await bot.say("/section@some_other_bot 4") == []


async def test_command_menu_is_set_in_chinese_and_english(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    for language in ("", "en"):
        assert api.menu(language) == list(MENU)
        assert api.menu(language, "all_private_chats") == list(MENU)
        assert api.menu(language, "all_group_chats") == list(READING)
        assert api.menu(language, "all_chat_administrators") == list(READING + SETTINGS)
    owner = '{"chat_id": 42, "type": "chat"}'
    assert [c["command"] for c in api.commands[(owner, "")]] == list(MENU + OWNER)
    default, english = (api.commands[('{"type": "default"}', code)] for code in ("", "en"))
    assert all(
        zh["description"] != en["description"] for zh, en in zip(default, english, strict=True)
    )


async def test_a_failed_send_is_logged_and_the_user_told_kindly(
    bot: BotDriver, api: TelegramStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail("sendMessage", 500, "Internal Server Error", times=1)
    replies = await bot.say("/section 3")
    assert [r.text for r in replies] == [
        "抱歉，处理你的消息时出了点问题。我已记录下来，请稍后再试。"
    ]
    assert any("error while handling update" in r.getMessage() for r in caplog.records)
    [card] = await bot.say("/section 3")
    assert card.text.startswith("三、严格知识产权保护")


async def test_chats_are_recorded_in_the_store(bot: BotDriver) -> None:
    await bot.say("/section 1", chat_id=EN_USER)
    store = bot.application.bot_data.services.store
    async with store.transaction() as repo:
        chat = await repo.chat(EN_USER)
    assert chat is not None
    assert chat.language == "en"
    assert chat.kind == "private"
