"""The owner adds a document from a private chat, through the real Application and the stand-in:
the file (caption /import, or /import as a reply to it) is fetched with getFile and the file URL,
previewed with Publish and Cancel, and nothing changes before Publish. Everyone else, and groups,
get what any owner command gets. The plans are made up (NOT REAL CNIPA TEXT:
tests/support/made_up_plans)."""

from __future__ import annotations

from entry.standin import StoredMessage, TelegramStandIn
from tests.support import made_up_plans as plans
from tests.support.driver import BotDriver, said, services_of

OWNER, STRANGER, GROUP = 42, 1001, -700


async def _send(
    bot: BotDriver,
    data: bytes,
    name: str,
    caption: str | None = "/import",
    chat_id: int = OWNER,
    user_id: int | None = None,
    size: int | None = None,
) -> tuple[StoredMessage, list[StoredMessage]]:
    """Send a file; return it and what the bot answered."""
    before = len(bot.api.bot_messages(chat_id))
    update_id, message = bot.api.send_document(
        data, name, caption, chat_id=chat_id, user_id=user_id, file_size=size
    )
    await bot.application.wait_processed(update_id)
    return message, bot.api.bot_messages(chat_id)[before:]


async def _titles(bot: BotDriver) -> list[str]:
    async with services_of(bot).store.transaction() as repo:
        return [document.title for document in await repo.stored_documents()]


async def test_a_page_is_previewed_then_published(bot: BotDriver, api: TelegramStandIn) -> None:
    _, [preview] = await _send(bot, plans.html_page().encode(), "plan.html")
    assert preview.text.startswith("添加此文件？")
    assert plans.TITLE in preview.text
    assert "发布时间 2031-03-15 · 12 个部分 · 29 段" in preview.text
    assert "海牙协定" in preview.text  # a topic the catalogue found
    assert [b["text"] for b in preview.buttons] == ["📚 发布", "取消"]
    assert api.calls_of("getFile")
    assert await _titles(bot) == ["国家知识产权局 2022 年工作要点"]  # nothing yet

    version = services_of(bot).content_version
    publish = preview.buttons[0]["callback_data"]
    await bot.press(preview, 0, user_id=OWNER)
    assert preview.text.startswith("已发布：")
    assert "doc-2031-work-plan" in preview.text
    assert preview.buttons == []
    assert await _titles(bot) == ["国家知识产权局 2022 年工作要点", plans.TITLE]
    assert services_of(bot).content_version != version  # this process reads it at once

    await bot.press(preview, user_id=OWNER, data=publish)  # tapped twice: published once
    assert api.callback_answers[-1]["text"] == said("callback.expired")
    assert len(await _titles(bot)) == 2


async def test_import_as_a_reply_to_a_docx_then_cancel(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    sent, answers = await _send(bot, plans.docx_bytes(), "plan.docx", caption=None)
    assert answers == []  # a file alone is nobody's business
    before = len(api.bot_messages(OWNER))
    update_id = api.send_text("/import", chat_id=OWNER, reply_to=sent)
    await bot.application.wait_processed(update_id)
    [preview] = api.bot_messages(OWNER)[before:]
    assert "12 个部分" in preview.text
    publish = preview.buttons[0]["callback_data"]
    await bot.press(preview, 1, user_id=OWNER)
    assert preview.text == said("import.cancelled")
    await bot.press(preview, user_id=OWNER, data=publish)  # a late Publish finds nothing
    assert api.callback_answers[-1]["text"] == said("callback.expired")
    assert len(await _titles(bot)) == 1


async def test_import_without_a_file_says_how(bot: BotDriver) -> None:
    [answer] = await bot.say("/import", chat_id=OWNER)
    assert answer.text == said("import.usage", limit=2048)


async def test_a_file_over_the_cap_is_refused_without_downloading(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    _, [answer] = await _send(bot, b"x", "huge.md", size=3 * 1024 * 1024)
    assert answer.text.startswith("该文件过大（3072 KB）")
    assert api.calls_of("getFile") == []


async def test_bad_files_are_refused_and_nothing_waits_for_publish(bot: BotDriver) -> None:
    cases = {
        "empty.md": (b"", "该文件为空"),
        "scan.pdf": (b"%PDF-1.7\x00\x01" + bytes(range(256)), "该文件不是可读取的"),
        "note.md": (
            "# 随手记\n\n发布时间：2031-01-01\n\n一句话。".encode(),
            "无法将其读作工作要点",
        ),
        "seed.md": (
            (plans.markdown().replace(plans.TITLE, "国家知识产权局 2022 年工作要点"))
            .replace("2031-03-15", "2022-06-21")
            .encode(),
            "文件库中已有该文件",
        ),
    }
    for name, (data, answer) in cases.items():
        _, [reply] = await _send(bot, data, name)
        assert reply.text.startswith(answer), name
        assert reply.buttons == [], name
    async with services_of(bot).store.transaction() as repo:
        assert await repo.take_pending_import(OWNER, "anything") is None


async def test_english_owner_gets_english(bot: BotDriver, api: TelegramStandIn) -> None:
    api.user(OWNER, "Owner", language_code="en")
    _, [preview] = await _send(bot, plans.markdown().encode(), "plan.md")
    assert preview.text.startswith("Add this document?")
    assert "Published 2031-03-15 · 12 sections · 29 passages" in preview.text
    assert [b["text"] for b in preview.buttons] == ["📚 Publish", "Cancel"]


async def test_everyone_else_and_groups_are_refused_like_any_owner_command(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    _, answers = await _send(bot, plans.markdown().encode(), "plan.md", chat_id=STRANGER)
    assert answers == []
    [answer] = await bot.say("/import", chat_id=STRANGER)
    assert answer.text == "我不认识 /import 这个命令。发送 /help 查看全部命令。"
    api.chat(GROUP, "group", "Group")
    _, answers = await _send(
        bot, plans.markdown().encode(), "plan.md", chat_id=GROUP, user_id=OWNER
    )
    assert answers == []
    assert api.calls_of("getFile") == []


async def test_a_stranger_cannot_press_the_owners_publish(
    bot: BotDriver, api: TelegramStandIn
) -> None:
    _, [preview] = await _send(bot, plans.markdown().encode(), "plan.md")
    await bot.press(preview, 0, user_id=STRANGER)
    assert api.callback_answers[-1]["text"] == said("callback.expired")
    assert len(await _titles(bot)) == 1
    await bot.press(preview, 0, user_id=OWNER)
    assert len(await _titles(bot)) == 2
