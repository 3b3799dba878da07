"""The owner's tools: /stats, /broadcast TEXT, /reload. Only for user ids in OWNER_IDS, in their
private chats: the commands are registered behind a filters.User of those ids and
filters.ChatType.PRIVATE (see build_handlers), so to anyone else, and in groups, they fall
through to the unknown-command answer, exactly like commands we lack."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot import render
from bot.callbacks import Action, Callback, parse_callback, pattern, small_number
from bot.charts import activity_chart
from bot.context import BotContext
from bot.i18n import Html, Translator, escape
from bot.replies.answering import edit_in_place
from bot.scheduler import push
from bot.usecases import owner_tools
from bot.usecases.owner_tools import LEDGER_STATES, QueuedBroadcast
from content.errors import ContentError

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 1.0
BROADCAST_PREVIEW_ROOM = 200  # the preview's header, in any language
SEND, CANCEL = "send", "cancel"  # bc:send:<id> | bc:cancel:<id>


def _is_owner(update: Update, context: BotContext) -> bool:
    """Buttons cannot be filtered at registration (CallbackQueryHandler takes no filters), so the
    broadcast buttons check here; a forged one from anyone else is answered as stale."""
    user = update.effective_user
    return user is not None and user.id in context.services.settings.owner_ids


def _state_counts(translate: Translator, language: str, counts: dict[str, int]) -> str:
    """Ledger states in the order of a delivery's life, in the owner's language: "已发送 2，
    失败 1" (a state this version does not know is shown as stored)."""
    ordered = [state for state in LEDGER_STATES if state in counts]
    ordered += sorted(state for state in counts if state not in LEDGER_STATES)
    parts = [
        f"{translate.plain(language, f'owner_stats.state.{state}')} {counts[state]}"
        if state in LEDGER_STATES
        else f"{state} {counts[state]}"
        for state in ordered
    ]
    separator = translate.plain(language, "owner_stats.separator")
    return separator.join(parts) or translate.plain(language, "owner_stats.none")


def _count(translate: Translator, language: str, key: str, count: int, **values: object) -> str:
    """`key`_one or `key`_other by the count (English has "1 group", "2 groups")."""
    form = "one" if count == 1 else "other"
    return translate.plain(language, f"{key}_{form}", count=count, **values)


def _uptime(translate: Translator, language: str, uptime: timedelta) -> str:
    hours, rest = divmod(uptime.seconds, 3600)
    time = f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    if not uptime.days:
        return time
    return _count(translate, language, "owner_stats.uptime_days", uptime.days, time=time)


def stats_text(translate: Translator, language: str, figures: owner_tools.Stats) -> Html:
    """/stats as a message, all of it in the owner's language."""
    text = translate(
        language,
        "owner_stats.text",
        private=figures.private_chats,
        groups=_count(translate, language, "owner_stats.groups", figures.group_chats),
        active=figures.active_chats,
        inactive=figures.inactive_chats,
        today=figures.today.isoformat(),
        deliveries=_state_counts(translate, language, figures.briefings_today),
        failures=_state_counts(translate, language, figures.failures),
        uptime=_uptime(translate, language, figures.uptime),
        version=figures.content_version[:12],
        keywords=figures.keyword_subscriptions,
    )
    topic_lines = [f"• {escape(topic.name)}: {topic.chats}" for topic in figures.topics]
    if not topic_lines:
        topic_lines = [translate(language, "owner_stats.none")]
    return render.listing(text, topic_lines, separator="\n")  # trimmed to one message


async def stats_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    services = context.services
    translate = services.translate
    language = context.chat.language
    figures = await owner_tools.stats(services, language)
    await message.reply_text(stats_text(translate, language, figures))
    png = await asyncio.to_thread(  # drawing takes a while; the other chats are served meanwhile
        activity_chart,
        figures.chart_days,
        figures.sent_per_day,
        figures.subscribers_per_day,
        translate,
        language,
    )
    await message.reply_photo(png, caption=translate(language, "stats.chart"))


def _broadcast_keyboard(
    context: BotContext, language: str, broadcast_id: int
) -> InlineKeyboardMarkup:
    translate = context.services.translate

    def button(key: str, action: str) -> InlineKeyboardButton:
        data = Callback(Action.BROADCAST, f"{action}:{broadcast_id}").encode()
        return InlineKeyboardButton(translate.plain(language, key), callback_data=data)

    return InlineKeyboardMarkup(
        [[button("broadcast.confirm", SEND), button("broadcast.cancel", CANCEL)]]
    )


async def broadcast_command(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    translate = context.services.translate
    parts = message.text.split(maxsplit=1)  # keep the owner's line breaks, unlike context.args
    text = parts[1].strip() if len(parts) > 1 else ""
    language = context.chat.language
    # The preview (header + text) must fit one message too, as Telegram counts it.
    limit = render.MESSAGE_LIMIT - BROADCAST_PREVIEW_ROOM
    fits = render.telegram_length(escape(text)) <= limit
    draft = await owner_tools.draft_broadcast(context.services, text, user.id) if fits else None
    if draft is None:
        await message.reply_text(translate(language, "broadcast.usage", limit=limit))
        return
    preview = translate(language, "broadcast.preview", count=draft.audience)
    await message.reply_text(
        Html(f"{preview}\n\n{escape(text)}"),
        reply_markup=_broadcast_keyboard(context, language, draft.id),
    )


async def broadcast_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    services = context.services
    translate = services.translate
    if not _is_owner(update, context):
        await query.answer(translate.plain("en", "callback.expired"), show_alert=False)
        return
    callback = parse_callback(query.data)
    action, _, raw_id = (callback.argument if callback else "").partition(":")
    broadcast_id = small_number(raw_id)
    language = context.chat.language
    if broadcast_id is not None and action == CANCEL:
        if await owner_tools.cancel_broadcast(services, broadcast_id):
            await query.answer()
            await edit_in_place(query, translate(language, "broadcast.cancelled"), None)
            return
    elif broadcast_id is not None and action == SEND:
        queued = await owner_tools.confirm_broadcast(services, broadcast_id)
        if queued is not None:
            await query.answer()
            context.application.create_task(
                _send_and_report(context, query.message, queued, language),
                name=f"broadcast-{queued.id}",
            )
            return
    # Forged, or no longer a draft (sent or cancelled already): a second tap does nothing.
    await query.answer(translate.plain(language, "callback.expired"))


async def _send_and_report(
    context: BotContext,
    message: MaybeInaccessibleMessage | None,
    broadcast: QueuedBroadcast,
    language: str,
) -> None:
    """Send through the push (ledger, rate limits, faults) while one message shows progress."""
    services = context.services
    translate = services.translate
    sending = asyncio.ensure_future(push(services, context.bot, wait=True))
    shown = ""
    while True:
        done = sending.done()
        progress = await owner_tools.broadcast_progress(services, broadcast)
        key = "broadcast.done" if done else "broadcast.progress"
        text = translate(
            language,
            key,
            sent=progress.sent,
            failed=progress.failed,
            remaining=progress.remaining,
            total=broadcast.chats,
        )
        if text != shown and isinstance(message, Message):
            try:
                await message.edit_text(text)
                shown = text
            except TelegramError as exc:  # progress is a courtesy; the sending goes on
                logger.warning("broadcast progress not shown: %s", exc)
        if done:
            break
        await asyncio.sleep(PROGRESS_SECONDS)
    await sending


async def reload_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    translate = context.services.translate
    language = context.chat.language
    try:
        change = await owner_tools.reload_content(context.services)
    except ContentError as exc:
        await message.reply_text(translate(language, "reload.failed", error=str(exc)[:500]))
        return
    key = "reload.done" if change.imported else "reload.unchanged"
    await message.reply_text(
        translate(
            language,
            key,
            sections=f"{change.sections[0]} → {change.sections[1]}",
            passages=f"{change.passages[0]} → {change.passages[1]}",
            topics=f"{change.topics[0]} → {change.topics[1]}",
        )
    )


def build_handlers(owners: filters.BaseFilter) -> list[BaseHandler[Update, BotContext, Any]]:
    """`owners`: the filter that lets only the owners' messages through (filters.User of
    OWNER_IDS); everyone else's owner commands are left to the fallbacks. In private chats only:
    bot-wide figures posted in a group would be read by all its members, so there an owner's
    command is left to the fallbacks too (silence, as for any command we lack)."""
    # UpdateType.MESSAGES is what CommandHandler takes by default.
    only_owners = filters.UpdateType.MESSAGES & filters.ChatType.PRIVATE & owners
    return [
        CommandHandler("stats", stats_command, filters=only_owners),
        CommandHandler("broadcast", broadcast_command, filters=only_owners),
        CommandHandler("reload", reload_command, filters=only_owners),
        CallbackQueryHandler(broadcast_button, pattern=pattern(Action.BROADCAST)),
    ]
