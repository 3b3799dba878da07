"""The reading view's button (a Telegram Mini App, WEBAPP_URL) under private answers: /start,
/sections and /section. Telegram allows web_app buttons only in private chats (elsewhere the
whole message is refused with BUTTON_TYPE_INVALID), so groups get the keyboard unchanged, and so
does every chat while WEBAPP_URL is unset."""

from __future__ import annotations

from urllib.parse import quote

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.context import BotContext

SECTION_PARAMETER = "s"  # ?s=4 opens the page at section 4 (Telegram keeps the URL's fragment)
DOCUMENT_PARAMETER = "d"  # ?d=2022&s=4: of that plan (a year or slug, as /section 2022 4 names it)


def reading_view_url(url: str, section: int | None = None, document: str = "") -> str:
    """The page, opened at `section` (of `document`, else the newest) when one is given."""
    if section is None or section < 0:
        return url
    if document:
        return f"{url}?{DOCUMENT_PARAMETER}={quote(document)}&{SECTION_PARAMETER}={section}"
    return f"{url}?{SECTION_PARAMETER}={section}"


def with_reading_view(
    context: BotContext,
    keyboard: InlineKeyboardMarkup | None,
    section: int | None = None,
    document: str = "",
) -> InlineKeyboardMarkup | None:
    """`keyboard` with a last row that opens the reading view (at `section`), in a private chat
    when WEBAPP_URL is set; otherwise `keyboard` itself. Answers without buttons (a section
    number not understood) stay without."""
    url = context.services.settings.webapp_url
    if keyboard is None or not url or not context.chat.private:
        return keyboard
    label = context.services.translate.plain(context.chat.language, "webapp.button")
    opened = reading_view_url(url, section, document)
    button = InlineKeyboardButton(label, web_app=WebAppInfo(opened))
    return InlineKeyboardMarkup([*keyboard.inline_keyboard, [button]])
