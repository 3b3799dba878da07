"""What a chat follows: /subscribe NAME…, /unsubscribe NAME | all, /mysubs, and the confirmation
button behind a `topic_<slug>` deep link. In groups only admins change subscriptions."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import lookup, render
from bot.i18n import Html, language_for
from bot.services import BotContext
from bot.store import Repository
from bot.store.repository import KEYWORD, TOPIC
from content.catalog import Topic, fold
from handlers.chat import enter_chat, may_change_settings
from handlers.sections import echo

ALL = {"all", "全部", "所有"}


def suggestions(context: BotContext, language: str, query: str) -> str:
    """The nearest catalogue topics, as names to type."""
    near = context.services.library.catalog.suggest(query)
    return (
        "、".join(topic.name(language) for topic in near)
        if language == "zh"
        else ", ".join(topic.name(language) for topic in near)
    )


async def _add_one(
    repo: Repository, context: BotContext, chat_id: int, language: str, name: str, count: int
) -> tuple[str, bool]:
    """Subscribe to one name; (the line to report, whether a subscription was added)."""
    translate = context.services.translate
    catalog = context.services.library.catalog
    topic = catalog.resolve(name)
    if topic is None and len(name) > lookup.MAX_KEYWORD_LENGTH:
        line = translate(
            language, "subscribe.too_long", query=echo(name), limit=lookup.MAX_KEYWORD_LENGTH
        )
        return line, False
    keyword_hits = 0 if topic else await repo.count_containing(name)
    if topic is None and keyword_hits == 0:
        line = translate(language, "subscribe.unknown", query=echo(name))
        near = suggestions(context, language, name)
        if near:
            line = Html(f"{line} {translate(language, 'topic.suggest', names=near)}")
        return line, False
    if count >= lookup.MAX_SUBSCRIPTIONS:
        label = topic.name(language) if topic else name
        line = translate(
            language, "subscribe.limit", limit=lookup.MAX_SUBSCRIPTIONS, query=echo(label)
        )
        return line, False
    now = context.services.clock()
    if topic is not None:
        added = await repo.subscribe(chat_id, TOPIC, topic.slug, topic.zh, now)
        key = "subscribe.added_topic" if added else "subscribe.already"
        return translate(language, key, name=topic.name(language)), added
    added = await repo.subscribe(chat_id, KEYWORD, fold(name), name.strip(), now)
    if added:
        line = translate(language, "subscribe.added_keyword", keyword=name, count=keyword_hits)
        return line, True
    return translate(language, "subscribe.already", name=f"“{name}”"), False


async def subscribe_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    translate = context.services.translate
    names = lookup.split_names(" ".join(context.args or []), context.services.library.catalog)
    async with context.services.store.transaction() as repo:
        language = await enter_chat(repo, update, context)
    if not names:
        await message.reply_text(translate(language, "subscribe.usage"))
        return
    if not await may_change_settings(update, context):
        await message.reply_text(translate(language, "subscribe.not_admin"))
        return
    lines: list[str] = []
    async with context.services.store.transaction() as repo:
        count = len(await repo.subscriptions(chat.id))
        for name in names:
            line, added = await _add_one(repo, context, chat.id, language, name, count)
            lines.append(line)
            count += added
    lines.append(translate(language, "subscribe.footer"))
    await message.reply_text(Html("\n".join(lines)))


async def unsubscribe_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    translate = context.services.translate
    query = " ".join(context.args or []).strip()
    async with context.services.store.transaction() as repo:
        language = await enter_chat(repo, update, context)
    if not query:
        await message.reply_text(translate(language, "unsubscribe.usage"))
        return
    if not await may_change_settings(update, context):
        await message.reply_text(translate(language, "subscribe.not_admin"))
        return
    topic = context.services.library.catalog.resolve(query)
    async with context.services.store.transaction() as repo:
        if fold(query) in ALL:
            removed = await repo.unsubscribe_all(chat.id)
            reply = translate(language, "unsubscribe.removed_all", count=removed)
        elif topic is not None and await repo.unsubscribe(chat.id, TOPIC, topic.slug):
            reply = translate(language, "unsubscribe.removed", name=topic.name(language))
        elif await repo.unsubscribe(chat.id, KEYWORD, fold(query)):
            reply = translate(language, "unsubscribe.removed", name=f"“{query}”")
        else:
            reply = translate(language, "unsubscribe.not_subscribed", query=echo(query))
    await message.reply_text(reply)


async def mysubs_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    translate = context.services.translate
    catalog = context.services.library.catalog
    async with context.services.store.transaction() as repo:
        language = await enter_chat(repo, update, context)
        subscriptions = await repo.subscriptions(chat.id)
        counts = {row.slug: count for row, count in await repo.topic_counts()}
        lines = []
        for subscription in subscriptions:
            if subscription.kind == TOPIC:
                topic = catalog.by_slug(subscription.value)
                name = topic.name(language) if topic else subscription.label
                count = counts.get(subscription.value, 0)
                lines.append(translate(language, "mysubs.topic_line", name=name, count=count))
            else:
                count = await repo.count_containing(subscription.value)
                lines.append(
                    translate(
                        language, "mysubs.keyword_line", keyword=subscription.label, count=count
                    )
                )
    if not lines:
        await message.reply_text(translate(language, "mysubs.empty"))
        return
    header = translate(language, "mysubs.header", count=len(lines), limit=lookup.MAX_SUBSCRIPTIONS)
    await message.reply_text(Html("\n".join([header, *lines])))


async def confirmation(
    repo: Repository, context: BotContext, language: str, topic: Topic
) -> tuple[Html, InlineKeyboardMarkup]:
    """What `/start topic_<slug>` answers: a question and a button; nothing changes before."""
    translate = context.services.translate
    _, total = await repo.passages_on_topic(topic.slug, limit=0)
    text = translate(language, "subscribe.confirm", name=topic.name(language), count=total)
    button = InlineKeyboardButton(
        translate.plain(language, "button.subscribe_topic", name=topic.name(language)),
        callback_data=render.Callback(render.CONFIRM_TOPIC, topic.slug).encode(),
    )
    return text, InlineKeyboardMarkup([[button]])


async def confirm_button(update: Update, context: BotContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    assert query is not None
    translate = context.services.translate
    callback = render.parse_callback(query.data)
    topic = context.services.library.catalog.by_slug(callback.argument) if callback else None
    user = update.effective_user
    language = language_for(user.language_code if user else None)
    if chat is None or topic is None:
        await query.answer(translate.plain(language, "topics.unknown"))
        return
    async with context.services.store.transaction() as repo:
        language = await enter_chat(repo, update, context)
    if not await may_change_settings(update, context):
        await query.answer(translate.plain(language, "subscribe.not_admin"), show_alert=True)
        return
    async with context.services.store.transaction() as repo:
        count = len(await repo.subscriptions(chat.id))
        line, _ = await _add_one(repo, context, chat.id, language, topic.slug, count)
    await query.answer()
    await query.edit_message_text(Html(f"{line}\n{translate(language, 'subscribe.footer')}"))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("subscribe", subscribe_command),
        CommandHandler("unsubscribe", unsubscribe_command),
        CommandHandler("mysubs", mysubs_command),
        CallbackQueryHandler(confirm_button, pattern=rf"^{render.CONFIRM_TOPIC}:"),
    ]
