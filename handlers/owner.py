"""The owner's tools: /stats, /broadcast TEXT, /reload. Only for user ids in OWNER_IDS; to anyone
else they behave exactly like unknown commands."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.charts import activity_chart
from bot.clock import local_date
from bot.context import BotContext
from bot.i18n import Html, escape
from bot.replies.answering import edit_in_place
from bot.scheduler import push
from bot.store.repository import FAILED, GAVE_UP, QUEUED, SENDING, SENT, TOPIC, UNCERTAIN
from bot.usecases.owner_tools import reload_content
from content.errors import ContentError
from handlers.fallbacks import unknown_command

logger = logging.getLogger(__name__)

BROADCAST = "bc"  # bc:send:<id> | bc:cancel:<id>
PROGRESS_SECONDS = 1.0
BROADCAST_PREVIEW_ROOM = 200  # the preview's header, in any language
CHART_DAYS = 30


def is_owner(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.services.settings.owner_ids


def _count_lines(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(counts.items())) or "—"


async def stats_command(update: Update, context: BotContext) -> None:
    if not is_owner(update, context):
        await unknown_command(update, context)
        return
    message = update.effective_message
    assert message is not None
    services = context.services
    translate = services.translate
    now = services.clock()
    today = local_date(now, services.settings.briefing_timezone.key)
    language = context.chat.language
    async with services.store.transaction() as repo:
        chats = await repo.chat_counts()
        subscriptions = await repo.subscription_counts()
        deliveries = await repo.delivery_counts(today)
        failures = await repo.failures_since(now - timedelta(days=7))
        first = today - timedelta(days=CHART_DAYS - 1)
        sent_by_day = await repo.daily_sent(first)
        subscribed_since = await repo.first_subscription_dates()
    private = sum(n for (kind, _), n in chats.items() if kind == "private")
    groups = sum(n for (kind, _), n in chats.items() if kind != "private")
    active = sum(n for (_, is_active), n in chats.items() if is_active)
    catalog = services.library.catalog
    topics = sorted(
        ((n, value) for (kind, value), n in subscriptions.items() if kind == TOPIC), reverse=True
    )
    topic_lines = [
        f"• {escape(t.name(language) if (t := catalog.by_slug(slug)) else slug)}: {n}"
        for n, slug in topics
    ]
    keywords = sum(n for (kind, _), n in subscriptions.items() if kind != TOPIC)
    uptime = now - services.started_at
    text = translate(
        language,
        "stats.text",
        private=private,
        groups=groups,
        active=active,
        inactive=private + groups - active,
        today=today.isoformat(),
        deliveries=_count_lines(deliveries),
        failures=_count_lines(failures),
        uptime=str(timedelta(seconds=int(uptime.total_seconds()))),
        version=services.library.content_hash[:12],
        keywords=keywords,
    )
    body = Html("\n".join([text, *topic_lines]))
    await message.reply_text(render.listing(body, []))
    days = [first + timedelta(days=i) for i in range(CHART_DAYS)]
    subscribers = [sum(1 for moment in subscribed_since if moment.date() <= day) for day in days]
    png = await asyncio.to_thread(
        activity_chart, days, [sent_by_day.get(day, 0) for day in days], subscribers
    )
    await message.reply_photo(png, caption=translate(language, "stats.chart"))


async def broadcast_command(update: Update, context: BotContext) -> None:
    if not is_owner(update, context):
        await unknown_command(update, context)
        return
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    translate = context.services.translate
    parts = message.text.split(maxsplit=1)  # keep the owner's line breaks, unlike context.args
    text = parts[1].strip() if len(parts) > 1 else ""
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        # The preview (header + text) must fit one message too, as Telegram counts it.
        limit = render.MESSAGE_LIMIT - BROADCAST_PREVIEW_ROOM
        if not text.strip() or render.telegram_length(escape(text)) > limit:
            await message.reply_text(translate(language, "broadcast.usage", limit=limit))
            return
        row = await repo.create_broadcast(text, user.id, context.services.clock())
        audience = await repo.active_chat_count()
    preview = translate(language, "broadcast.preview", count=audience)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    translate.plain(language, "broadcast.confirm"),
                    callback_data=render.Callback(BROADCAST, f"send:{row.id}").encode(),
                ),
                InlineKeyboardButton(
                    translate.plain(language, "broadcast.cancel"),
                    callback_data=render.Callback(BROADCAST, f"cancel:{row.id}").encode(),
                ),
            ]
        ]
    )
    await message.reply_text(Html(f"{preview}\n\n{escape(text)}"), reply_markup=keyboard)


async def broadcast_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if not is_owner(update, context):
        await query.answer(
            context.services.translate.plain("en", "callback.expired"), show_alert=False
        )
        return
    services = context.services
    translate = services.translate
    callback = render.parse_callback(query.data)
    action, _, raw_id = (callback.argument if callback else "").partition(":")
    now = services.clock()
    language = context.chat.language
    async with services.store.transaction() as repo:
        broadcast_id = render.small_number(raw_id)
        row = await repo.broadcast(broadcast_id) if broadcast_id is not None else None
        if row is None or row.status != "draft" or action not in {"send", "cancel"}:
            await query.answer(translate.plain(language, "callback.expired"))
            return
        if action == "cancel":
            row.status = "cancelled"
            queued = 0
        else:
            queued = await repo.queue_broadcast(row, now.date(), now)
    await query.answer()
    if action == "cancel":
        await edit_in_place(query, translate(language, "broadcast.cancelled"), None)
        return
    kind = f"broadcast:{row.id}"
    context.application.create_task(
        _send_and_report(context, query.message, kind, queued, language),
        name=f"broadcast-{row.id}",
    )


async def _send_and_report(
    context: BotContext, message: object, kind: str, total: int, language: str
) -> None:
    """Send through the push (ledger, rate limits, faults) while one message shows progress."""
    services = context.services
    translate = services.translate
    sending = asyncio.ensure_future(push(services, context.bot, wait=True))
    shown = ""
    while True:
        done = sending.done()
        async with services.store.transaction() as repo:
            counts = await repo.delivery_counts(services.clock().date(), kind)
        sent = counts.get(SENT, 0)
        failed = sum(counts.get(status, 0) for status in (FAILED, GAVE_UP, UNCERTAIN))
        remaining = counts.get(QUEUED, 0) + counts.get(SENDING, 0)
        key = "broadcast.done" if done else "broadcast.progress"
        text = translate(language, key, sent=sent, failed=failed, remaining=remaining, total=total)
        if text != shown and hasattr(message, "edit_text"):
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
    if not is_owner(update, context):
        await unknown_command(update, context)
        return
    message = update.effective_message
    assert message is not None
    translate = context.services.translate
    language = context.chat.language
    try:
        change = await reload_content(context.services)
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


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("stats", stats_command),
        CommandHandler("broadcast", broadcast_command),
        CommandHandler("reload", reload_command),
        CallbackQueryHandler(broadcast_button, pattern=rf"^{BROADCAST}:"),
    ]
