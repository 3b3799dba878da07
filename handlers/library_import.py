"""The owner adds a document from a private chat: a file sent with the caption /import (or
/import as a reply to a file sent before) is fetched (getFile, then the file URL), read and
checked, and previewed with Publish and Cancel; nothing changes before Publish.

Like every owner command it is registered behind filters.User(OWNER_IDS) and private chats only,
so anyone else's /import falls through to the unknown-command answer (a file with that caption,
to silence). The upload waits for Publish in the store (bot.usecases.importing says why)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import Action, Callback, parse_callback, pattern
from bot.context import BotContext
from bot.i18n import Html, Translator
from bot.replies.answering import edit_in_place
from bot.usecases import importing
from bot.usecases.importing import Prepared
from content.importing import MAX_BYTES, NOT_A_WORK_PLAN, REASONS, TOO_LARGE, ImportRefused

logger = logging.getLogger(__name__)

PUBLISH, CANCEL = "pub", "no"  # imp:pub:<token> | imp:no:<token>
TOPICS_SHOWN = 8
LIMIT_KB = MAX_BYTES // 1024
CAPTION = r"^/import(?:@\w+)?(?:\s|$)"


def _refusal(translate: Translator, language: str, refusal: ImportRefused) -> Html:
    code = refusal.code if refusal.code in REASONS else NOT_A_WORK_PLAN
    key = f"import.refused.{code}"
    return translate(language, key, detail=refusal.detail[:300], limit=LIMIT_KB)


def _topics(
    translate: Translator, language: str, context: BotContext, slugs: tuple[str, ...]
) -> str:
    catalog = context.services.library.catalog
    names = [topic.name(language) for slug in slugs if (topic := catalog.by_slug(slug))]
    if not names:
        return translate.plain(language, "import.no_topics")
    shown = ("、" if language == "zh" else ", ").join(names[:TOPICS_SHOWN])
    return shown + ("…" if len(names) > TOPICS_SHOWN else "")


def _facts(prepared: Prepared) -> dict[str, object]:
    return {
        "title": prepared.title,
        "date": prepared.published.isoformat(),
        "sections": prepared.sections,
        "passages": prepared.passages,
        "slug": prepared.slug,
    }


def _keyboard(translate: Translator, language: str, token: str) -> InlineKeyboardMarkup:
    def button(key: str, action: str) -> InlineKeyboardButton:
        data = Callback(Action.IMPORT, f"{action}:{token}").encode()
        return InlineKeyboardButton(translate.plain(language, key), callback_data=data)

    return InlineKeyboardMarkup(
        [[button("import.publish", PUBLISH), button("import.cancel", CANCEL)]]
    )


async def _preview(message: Message, document: Document, context: BotContext) -> None:
    services = context.services
    translate, language = services.translate, context.chat.language
    user = message.from_user
    assert user is not None
    if document.file_size is not None and document.file_size > MAX_BYTES:
        detail = f"{document.file_size // 1024} KB"
        await message.reply_text(_refusal(translate, language, ImportRefused(TOO_LARGE, detail)))
        return
    try:
        telegram_file = await context.bot.get_file(document.file_id)
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:  # the message never holds the file URL (it has the token)
        logger.warning("an uploaded file could not be fetched: %s", type(exc).__name__)
        await message.reply_text(
            translate(language, "import.downloading_failed", error=type(exc).__name__)
        )
        return
    try:
        preview = await importing.preview_upload(
            services, user.id, data, document.file_name or "upload"
        )
    except ImportRefused as refusal:
        await message.reply_text(_refusal(translate, language, refusal))
        return
    prepared = preview.prepared
    await message.reply_text(
        translate(
            language,
            "import.preview",
            count=len(prepared.topics),
            topics=_topics(translate, language, context, prepared.topics),
            **_facts(prepared),
        ),
        reply_markup=_keyboard(translate, language, preview.token),
    )


async def upload_with_caption(update: Update, context: BotContext) -> None:
    """A file sent with the caption /import."""
    message = update.effective_message
    assert message is not None and message.document is not None
    await _preview(message, message.document, context)


async def import_command(update: Update, context: BotContext) -> None:
    """/import as a reply to a file; without one, how to send it."""
    message = update.effective_message
    assert message is not None
    replied = message.reply_to_message
    if replied is not None and replied.document is not None:
        await _preview(message, replied.document, context)
        return
    translate = context.services.translate
    await message.reply_text(translate(context.chat.language, "import.usage", limit=LIMIT_KB))


async def import_button(update: Update, context: BotContext) -> None:
    """Publish or Cancel under a preview. Buttons cannot be filtered at registration, so the
    owner is checked here; anyone else's tap (or a forged one) is answered as expired."""
    query = update.callback_query
    assert query is not None
    services = context.services
    translate, language = services.translate, context.chat.language
    user = update.effective_user
    callback = parse_callback(query.data)
    action, _, token = (callback.argument if callback else "").partition(":")
    if user is None or user.id not in services.settings.owner_ids or not token:
        await query.answer(translate.plain(language, "callback.expired"))
        return
    if action == CANCEL and await importing.cancel_upload(services, user.id, token):
        await query.answer()
        await edit_in_place(query, translate(language, "import.cancelled"), None)
        return
    if action == PUBLISH:
        try:
            prepared = await importing.publish_upload(services, user.id, token)
        except ImportRefused as refusal:
            await query.answer()
            await edit_in_place(query, _refusal(translate, language, refusal), None)
            return
        if prepared is not None:
            await query.answer()
            await edit_in_place(
                query, translate(language, "import.published", **_facts(prepared)), None
            )
            return
    # Published or cancelled already, replaced by a newer file, or too old.
    await query.answer(translate.plain(language, "callback.expired"))


def build_handlers(owners: filters.BaseFilter) -> list[BaseHandler[Update, BotContext, Any]]:
    """`owners`: filters.User of OWNER_IDS, as for the other owner commands; private chats only."""
    only_owners = filters.ChatType.PRIVATE & owners
    return [
        MessageHandler(
            filters.UpdateType.MESSAGE
            & filters.Document.ALL
            & filters.CaptionRegex(CAPTION)
            & only_owners,
            upload_with_caption,
        ),
        CommandHandler("import", import_command, filters=filters.UpdateType.MESSAGES & only_owners),
        CallbackQueryHandler(import_button, pattern=pattern(Action.IMPORT)),
    ]
