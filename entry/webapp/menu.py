"""The chat menu button (the button left of the message field in private chats): with
WEBAPP_URL it opens the reading view (`setChatMenuButton` with a web_app button, the default of
every private chat). Telegram keeps it, so it is set again only when it changed, and put back to
the command list once WEBAPP_URL is removed; a bot that never had WEBAPP_URL makes no call."""

from __future__ import annotations

import logging
from typing import Any

from telegram import MenuButtonCommands, MenuButtonWebApp, WebAppInfo
from telegram.error import BadRequest

from bot.i18n import DEFAULT_LANGUAGE, Translator
from bot.store import Store

logger = logging.getLogger(__name__)

MENU_BUTTON_FACT = "menu_button"  # the text and URL last published; "" once taken back


async def publish_menu_button(
    application: Any, store: Store, translate: Translator, url: str | None
) -> None:
    """The menu button opens `url` (None: the command list, as before the reading view). Its
    text is the default language's, in every chat: Telegram's menu button has no language."""
    text = translate.plain(DEFAULT_LANGUAGE, "webapp.menu_button")
    wanted = f"{text}\n{url}" if url else ""
    async with store.transaction() as repo:
        published = await repo.stored_fact(MENU_BUTTON_FACT)
    if published == wanted or (published is None and not url):
        return
    button = MenuButtonWebApp(text, WebAppInfo(url)) if url else MenuButtonCommands()
    try:
        await application.bot.set_chat_menu_button(menu_button=button)
    except BadRequest as exc:
        logger.warning("menu button not set: %s", exc.message)
        return
    async with store.transaction() as repo:
        await repo.store_fact(MENU_BUTTON_FACT, wanted)
