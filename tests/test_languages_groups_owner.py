"""Languages, group onboarding, unknown commands and the owner's tools, through the stand-in."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from bot.i18n import Translator
from content.library import CONTENT_DIR, Library
from entry.standin import StoredMessage, TelegramStandIn
from handlers import MENU, OWNER
from tests.support.driver import BotDriver, driven_bot

ZH_USER, EN_USER, OWNER_ID, STRANGER = 1001, 2002, 42, 3003
GROUP, ADMIN, MEMBER = -700, 7, 8
TRANSLATE = Translator.load()

# A command line per menu command, with an argument where it takes one.
EXAMPLES = {
    "section": "/section 4", "topic": "/topic 海牙", "search": "/search 质押",
    "subscribe": "/subscribe 海牙 GI", "unsubscribe": "/unsubscribe GI", "settime": "/settime 8:30",
    "timezone": "/timezone Europe/Berlin", "lang": "/lang",
}  # fmt: skip


def _chinese_fragments(library: Library) -> set[str]:
    """Every run of 4+ hanzi in the Chinese catalogue that the document itself never uses."""
    document = "".join(
        s.heading + s.body + "".join(p.text for p in s.passages)
        for s in library.primary.document.sections
    ) + "".join(t.zh + "".join(t.aliases) for t in library.catalog.topics)
    document += library.primary.document.title
    # Chinese the English catalogue quotes on purpose ("第四部分 and 第4部分 work too").
    document += "".join(TRANSLATE.catalogues["en"].values())
    fragments: set[str] = set()
    for text in TRANSLATE.catalogues["zh"].values():
        for run in re.findall(r"[\u4e00-\u9fff]{4,}", text):
            if run not in document:
                fragments.add(run)
    return fragments


@pytest.fixture
async def group(api: TelegramStandIn) -> int:
    api.chat(GROUP, "group", "IP team")
    for user_id in (ADMIN, MEMBER):
        api.user(user_id, f"user{user_id}")
    api.member_status(GROUP, ADMIN, "administrator")
    return GROUP


async def test_every_command_in_english_has_no_chinese_ui_text(
    bot: BotDriver, api: TelegramStandIn, library: Library
) -> None:
    fragments = _chinese_fragments(library)
    assert len(fragments) > 50  # the check has teeth
    for name in MENU:
        replies = await bot.say(EXAMPLES.get(name, f"/{name}"), chat_id=EN_USER)
        assert replies, name
        for reply in replies:
            leaked = [f for f in fragments if f in reply.text]
            assert leaked == [], (name, leaked)
            for button in reply.buttons:
                assert not [f for f in fragments if f in button["text"]], (name, button)


async def test_every_command_answers_in_chinese_too(bot: BotDriver) -> None:
    for name in MENU:
        replies = await bot.say(EXAMPLES.get(name, f"/{name}"), chat_id=ZH_USER)
        assert replies, name
        assert all(re.search(r"[\u4e00-\u9fff]", reply.text) for reply in replies), name


async def test_lang_switches_with_an_argument_or_a_button(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    [choice] = await bot.say("/lang")
    assert [b["text"] for b in choice.buttons] == ["中文", "English"]
    await bot.press(choice, 1)
    assert choice.text.startswith("Done: I will answer in English")
    [help_text] = await bot.say("/help")
    assert help_text.text.startswith("Commands")
    [back] = await bot.say("/lang zh")
    assert back.text.startswith("好的，今后用中文回复")
    [unknown] = await bot.say("/lang klingon")
    assert "klingon" in unknown.text


async def test_a_new_private_chat_starts_in_the_clients_language(bot: BotDriver) -> None:
    [english] = await bot.say("/start", chat_id=EN_USER)
    assert english.text.startswith("Hello!")
    [chinese] = await bot.say("/start", chat_id=ZH_USER)
    assert chinese.text.startswith("你好！")


async def test_adding_the_bot_to_a_group_posts_a_two_tap_welcome(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    def added(status: str, old: str = "left") -> dict[str, object]:
        me = {"id": api.bot_id, "is_bot": True, "first_name": "B"}
        return {
            "my_chat_member": {
                "chat": {"id": group, "type": "group", "title": "IP team"},
                "from": api.users[ADMIN], "date": 0,
                "old_chat_member": {"status": old, "user": me},
                "new_chat_member": {"status": status, "user": me},
            }
        }  # fmt: skip

    await bot.feed(added("member"))
    [welcome] = api.bot_messages(group)
    assert welcome.text.startswith("你好！我是知识产权政策简报机器人。")
    labels = [b["text"] for b in welcome.buttons]
    assert labels == ["📚 选择主题", "✅ 保留每天 09:00", "07:00", "08:00", "12:00", "18:00"]
    await bot.press(welcome, 3, user_id=MEMBER)  # a member may not change the time
    assert api.callback_answers[-1].get("show_alert") is True
    await bot.press(welcome, 3, user_id=ADMIN)
    assert "08:00" in welcome.text
    [catalogue] = await bot.press(welcome, 0, user_id=MEMBER)  # anyone may look at topics
    assert len(catalogue.buttons) == 34
    await bot.press(catalogue, 0, user_id=MEMBER)  # … but only admins subscribe
    await bot.press(catalogue, 0, user_id=ADMIN)
    assert catalogue.buttons[0]["text"].startswith("✅")
    async with bot.application.bot_data.services.store.transaction() as repo:
        schedule = await repo.schedule(group)
        assert schedule is not None
        assert schedule.briefing_time == "08:00"
    await bot.feed(added("left", old="member"))  # removed: inactive
    async with bot.application.bot_data.services.store.transaction() as repo:
        chat = await repo.chat(group)
        assert chat is not None
        assert chat.active is False


async def test_group_settings_are_refused_to_members(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    for command in ("/settime 7:00", "/timezone UTC", "/pause", "/resume", "/subscribe 海牙",
                    "/unsubscribe all", "/lang en"):  # fmt: skip
        [refusal] = await bot.say(command, chat_id=group, user_id=MEMBER)
        assert refusal.text == "只有本群的管理员可以更改群的设置。", command
    [settings] = await bot.say("/settings", chat_id=group, user_id=MEMBER)  # reading is fine
    await bot.press(settings, 0, user_id=MEMBER)
    assert api.callback_answers[-1].get("show_alert") is True


async def test_unknown_commands_get_help_in_private_and_silence_in_groups(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    [answer] = await bot.say("/frobnicate now")
    assert answer.text == "我不认识 /frobnicate 这个命令。发送 /help 查看全部命令。"
    assert await bot.say("/frobnicate", chat_id=group, user_id=MEMBER) == []
    assert await bot.say("/section@someotherbot 4") == []
    assert await bot.say("/section@someotherbot 4", chat_id=group, user_id=MEMBER) == []
    [ours] = await bot.say(f"/section@{api.bot_username} 4", chat_id=group, user_id=MEMBER)
    assert ours.text.startswith("四、")


@pytest.mark.parametrize("command", [f"/{name}" for name in OWNER] + ["/broadcast hello"])
async def test_owner_commands_look_unknown_to_everyone_else(
    bot: BotDriver, api: TelegramStandIn, group: int, command: str
) -> None:
    name = command.split()[0]
    [answer] = await bot.say(command, chat_id=STRANGER)
    assert answer.text == f"我不认识 {name} 这个命令。发送 /help 查看全部命令。"
    assert await bot.say(command, chat_id=group, user_id=ADMIN) == []
    assert api.calls_of("sendPhoto") == []


async def test_stats_shows_the_numbers_and_a_chart(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    await bot.say("/subscribe 海牙 GI", chat_id=ZH_USER)
    await bot.say("/subscribe 海牙", chat_id=group, user_id=ADMIN)
    replies = await bot.say("/stats", chat_id=OWNER_ID)
    text, _photo = replies
    assert "聊天：私聊 2，群组 1（活跃 3，不活跃 0）" in text.text
    assert "• 海牙协定: 2" in text.text
    assert "• 地理标志: 1" in text.text
    assert api.calls_of("sendPhoto")
    upload = api.calls_of("sendPhoto")[0].params["photo"]
    assert upload["content"].startswith(b"\x89PNG\r\n\x1a\n")


async def _drain(bot: BotDriver) -> None:
    """Wait until the background broadcast task has finished."""
    services = bot.application.bot_data.services
    await bot.api.wait_for(lambda: not services.push_lock.locked(), timeout=10)
    for task in list(bot.application._Application__create_task_tasks):  # type: ignore[attr-defined]
        await task


async def test_broadcast_previews_then_reaches_every_active_chat(
    bot: BotDriver, api: TelegramStandIn, group: int
) -> None:
    for chat_id in (ZH_USER, EN_USER):
        await bot.say("/start", chat_id=chat_id)
    await bot.say("/start", chat_id=group, user_id=MEMBER)
    api.blocked.add(EN_USER)
    [usage] = await bot.say("/broadcast", chat_id=OWNER_ID)
    assert usage.text.startswith("用法：/broadcast")
    [preview] = await bot.say("/broadcast 新版本上线 <b>&", chat_id=OWNER_ID)
    assert "将发送给 4 个活跃聊天" in preview.text
    assert preview.text.endswith("新版本上线 <b>&")
    confirm = preview.buttons[0]["callback_data"]
    await bot.press(preview, 0, user_id=OWNER_ID)
    await _drain(bot)
    for chat_id in (ZH_USER, group, OWNER_ID):
        assert api.bot_messages(chat_id)[-1].text == "新版本上线 <b>&"
    assert preview.text == "群发完成：已发送 3，失败 1（共 4）。"
    await bot.press(preview, data=confirm, user_id=OWNER_ID)  # again: nothing is sent twice
    assert api.callback_answers[-1].get("text") == TRANSLATE.plain("zh", "callback.expired")


async def test_a_cancelled_broadcast_sends_nothing(bot: BotDriver, api: TelegramStandIn) -> None:
    await bot.say("/start", chat_id=ZH_USER)
    [preview] = await bot.say("/broadcast hello", chat_id=OWNER_ID)
    await bot.press(preview, 1, user_id=OWNER_ID)
    assert preview.text == "已取消群发。"
    assert [m.text for m in api.bot_messages(ZH_USER)][-1] != "hello"


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return copy


@pytest.fixture
async def reloadable(
    settings: Settings, api: TelegramStandIn, content_copy: Path
) -> AsyncIterator[BotDriver]:
    async with driven_bot(settings, api, content_dir=content_copy) as driver:
        yield driver


def _texts(messages: list[StoredMessage]) -> list[str]:
    return [m.text for m in messages]


async def test_reload_rereads_content_and_keeps_subscriptions(
    reloadable: BotDriver, content_copy: Path
) -> None:
    bot = reloadable
    [unchanged] = await bot.say("/reload", chat_id=OWNER_ID)
    assert unchanged.text.startswith("内容没有变化")
    await bot.say("/subscribe 冬奥会 海牙", chat_id=ZH_USER)
    topics = content_copy / "topics.toml"
    text = topics.read_text(encoding="utf-8")
    start = text.index('[[topics]]\nslug = "winter-olympics"')
    end = text.index("[[topics]]", start + 10)
    topics.write_text(text[:start] + text[end:], encoding="utf-8")
    [done] = await bot.say("/reload", chat_id=OWNER_ID)
    assert done.text.startswith("内容已重新导入")
    assert "主题：34 → 33" in done.text
    [mine] = await bot.say("/mysubs", chat_id=ZH_USER)
    assert "海牙协定" in mine.text  # kept; the removed topic shows by its stored name
    assert "冬奥会" in mine.text
    [listing] = await bot.say("/topics")
    assert len(listing.buttons) == 33


async def test_a_broken_reload_keeps_the_old_content(
    reloadable: BotDriver, content_copy: Path
) -> None:
    bot = reloadable
    (content_copy / "topics.toml").write_text("[[topics]]\nslug = 'BAD SLUG'\n", encoding="utf-8")
    [failed] = await bot.say("/reload", chat_id=OWNER_ID)
    assert failed.text.startswith("内容有错误，没有重新导入")
    assert _texts(await bot.say("/topic 海牙"))[0].startswith("主题：海牙协定")


async def test_a_restart_with_the_same_menu_publishes_nothing(
    settings: Settings, api: TelegramStandIn
) -> None:
    """Telegram keeps a bot's commands: a restart re-publishes them only when they changed."""
    async with driven_bot(settings, api):
        first = len(api.calls_of("setMyCommands"))
    assert first > 0
    async with driven_bot(settings, api):
        assert len(api.calls_of("setMyCommands")) == first  # same menu: no call at all
    with_new_owner = replace(settings, owner_ids=frozenset({42, 43}))
    async with driven_bot(with_new_owner, api):
        assert len(api.calls_of("setMyCommands")) > first  # owners changed: published again
