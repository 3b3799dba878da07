"""What a chat follows: /subscribe NAME…, /unsubscribe NAME | all, /mysubs, and the confirmation
button behind a `topic_<slug>` deep link. In groups only admins change subscriptions."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import lookup, render
from bot.context import BotContext
from bot.i18n import Html, language_for
from bot.replies.answering import echo, edit_in_place
from bot.store import Repository
from bot.store.repository import KEYWORD, TOPIC
from content.catalog import Topic, fold

ALL = {"all", "全部", "所有"}


def suggestions(context: BotContext, language: str, query: str) -> str:
    """The nearest catalogue topics, as names to type (names may contain 、 or commas)."""
    near = context.services.library.catalog.suggest(query)
    return " / ".join(topic.name(language) for topic in near)


def _unknown(context: BotContext, language: str, name: str) -> Html:
    translate = context.services.translate
    line = translate(language, "subscribe.unknown", query=echo(name))
    near = suggestions(context, language, name)
    return Html(f"{line} {translate(language, 'topic.suggest', names=near)}") if near else line


async def _add_one(
    repo: Repository,
    context: BotContext,
    chat_id: int,
    language: str,
    name: str,
    followed: set[tuple[str, str]],
) -> str:
    """Subscribe the chat to one name (topic or keyword); the line that reports it. `followed`
    is what the chat follows, kept up to date."""
    translate = context.services.translate
    topic = context.services.library.catalog.resolve(name)
    hits = 0
    if topic is not None:
        key, label, stored_label = (TOPIC, topic.slug), topic.name(language), topic.zh
    else:
        if len(name.strip()) > lookup.MAX_KEYWORD_LENGTH:
            return translate(
                language, "subscribe.too_long", query=echo(name), limit=lookup.MAX_KEYWORD_LENGTH
            )
        hits = await repo.count_containing(name) if lookup.is_keyword_shaped(name) else 0
        if hits == 0:
            return _unknown(context, language, name)
        key, label, stored_label = (KEYWORD, fold(name)), f"“{name.strip()}”", name.strip()
    if key in followed:
        return translate(language, "subscribe.already", name=label)
    if len(followed) >= lookup.MAX_SUBSCRIPTIONS:
        shown = topic.name(language) if topic is not None else name.strip()
        return translate(
            language, "subscribe.limit", limit=lookup.MAX_SUBSCRIPTIONS, query=echo(shown)
        )
    await repo.subscribe(chat_id, key[0], key[1], stored_label, context.services.clock())
    followed.add(key)
    if topic is not None:
        return translate(language, "subscribe.added_topic", name=label)
    return translate(language, "subscribe.added_keyword", keyword=name.strip(), count=hits)


async def _followed(repo: Repository, chat_id: int) -> set[tuple[str, str]]:
    return {(s.kind, s.value) for s in await repo.subscriptions(chat_id)}


async def subscribe_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    translate = context.services.translate
    names = lookup.split_names(" ".join(context.args or []), context.services.library.catalog)
    language = context.chat.language
    if not names:
        await message.reply_text(translate(language, "subscribe.usage"))
        return
    if not await context.may_change_settings():
        await message.reply_text(translate(language, "subscribe.not_admin"))
        return
    taken, skipped = names[: lookup.MAX_NAMES_PER_COMMAND], names[lookup.MAX_NAMES_PER_COMMAND :]
    lines: list[str] = []
    async with context.services.store.transaction() as repo:
        followed = await _followed(repo, chat.id)
        for name in taken:
            lines.append(await _add_one(repo, context, chat.id, language, name, followed))
    if skipped:
        lines.append(
            translate(
                language, "subscribe.too_many", limit=lookup.MAX_NAMES_PER_COMMAND,
                names=echo(" ".join(skipped)),
            )
        )  # fmt: skip
    lines.append(translate(language, "subscribe.footer"))
    await message.reply_text(render.listing(lines[0], lines[1:], separator="\n"))


async def unsubscribe_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    translate = context.services.translate
    catalog = context.services.library.catalog
    text = " ".join(context.args or []).strip()
    language = context.chat.language
    if not text:
        await message.reply_text(translate(language, "unsubscribe.usage"))
        return
    if not await context.may_change_settings():
        await message.reply_text(translate(language, "subscribe.not_admin"))
        return
    lines: list[str] = []
    async with context.services.store.transaction() as repo:
        if fold(text) in ALL:
            removed = await repo.unsubscribe_all(chat.id)
            key = "unsubscribe.removed_all" if removed else "mysubs.empty"
            lines.append(translate(language, key, count=removed))
        else:
            # The whole text first (a keyword typed with blanks), then name by name.
            whole = catalog.resolve(text) is None and await repo.unsubscribe(
                chat.id, KEYWORD, fold(text)
            )
            if whole:
                lines.append(translate(language, "unsubscribe.removed", name=f"“{text}”"))
            names = [] if whole else lookup.split_names(text, catalog)
            for name in names[: lookup.MAX_NAMES_PER_COMMAND]:
                topic = catalog.resolve(name)
                if topic is not None and await repo.unsubscribe(chat.id, TOPIC, topic.slug):
                    lines.append(
                        translate(language, "unsubscribe.removed", name=topic.name(language))
                    )
                elif await repo.unsubscribe(chat.id, KEYWORD, fold(name)):
                    lines.append(translate(language, "unsubscribe.removed", name=f"“{name}”"))
                else:
                    lines.append(
                        translate(language, "unsubscribe.not_subscribed", query=echo(name))
                    )
    await message.reply_text(render.listing(lines[0], lines[1:], separator="\n"))


async def mysubs_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    translate = context.services.translate
    catalog = context.services.library.catalog
    language = context.chat.language
    async with context.services.store.transaction() as repo:
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
    language = context.chat.language
    if not await context.may_change_settings():
        await query.answer(translate.plain(language, "subscribe.not_admin"), show_alert=True)
        return
    async with context.services.store.transaction() as repo:
        line = await _add_one(
            repo, context, chat.id, language, topic.slug, await _followed(repo, chat.id)
        )
    await query.answer()
    await edit_in_place(query, Html(f"{line}\n{translate(language, 'subscribe.footer')}"), None)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("subscribe", subscribe_command),
        CommandHandler("unsubscribe", unsubscribe_command),
        CommandHandler("mysubs", mysubs_command),
        CallbackQueryHandler(confirm_button, pattern=rf"^{render.CONFIRM_TOPIC}:"),
    ]
