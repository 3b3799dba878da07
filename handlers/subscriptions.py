"""What a chat follows: /subscribe NAME…, /unsubscribe NAME | all, /mysubs, and the confirmation
button behind a `topic_<slug>` deep link. In groups only admins change subscriptions; anyone may
look. The rules (names, keywords, the limit) are bot/usecases/subscriptions.py's; here they are
turned into the lines the chat reads."""

from __future__ import annotations

from typing import Any, assert_never

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.callbacks import Action, pattern
from bot.context import BotContext
from bot.i18n import Html
from bot.replies.answering import echo, edit_in_place
from bot.replies.catalogue import topic_to_change, unknown_topic
from bot.replies.suggestions import joined
from bot.usecases import subscriptions
from bot.usecases.subscriptions import Added, Kind, Removal, Subscribed


def _subscribed_line(context: BotContext, language: str, result: Subscribed) -> Html:
    """The line that reports one name of /subscribe (or the deep link's button)."""
    translate = context.services.translate
    match result.outcome:
        case Added.ADDED_TOPIC:
            return translate(language, "subscribe.added_topic", name=result.display)
        case Added.ADDED_KEYWORD:
            return translate(
                language, "subscribe.added_keyword", keyword=result.display, count=result.count
            )
        case Added.ALREADY:
            return translate(
                language, "subscribe.already", name=_shown(result.kind, result.display)
            )
        case Added.LIMIT:
            return translate(
                language,
                "subscribe.limit",
                limit=subscriptions.MAX_SUBSCRIPTIONS,
                query=echo(result.display),
            )
        case Added.TOO_LONG:
            return translate(
                language,
                "subscribe.too_long",
                query=echo(result.name),
                limit=subscriptions.MAX_KEYWORD_LENGTH,
            )
        case Added.UNKNOWN:
            line = translate(language, "subscribe.unknown", query=echo(result.name))
            if not result.suggestions:
                return line
            near = translate(language, "topic.suggest", names=joined(result.suggestions))
            return Html(f"{line} {near}")
        case _:
            assert_never(result.outcome)


def _shown(kind: Kind | None, display: str) -> str:
    """A topic by its name; a keyword in quotes, as the reader typed it."""
    return display if kind is Kind.TOPIC else f"“{display}”"


def _removal_line(context: BotContext, language: str, removal: Removal) -> Html:
    translate = context.services.translate
    if removal.removed is None:
        return translate(language, "unsubscribe.not_subscribed", query=echo(removal.name))
    return translate(language, "unsubscribe.removed", name=_shown(removal.removed, removal.display))


async def subscribe_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    chat_id, language = context.chat.id, context.chat.language
    assert message is not None and chat_id is not None
    services = context.services
    translate = services.translate
    names = subscriptions.names_in(services, " ".join(context.args or []))
    if not names:  # usage costs no question to Telegram about the user's standing
        await message.reply_text(translate(language, "subscribe.usage"))
        return
    if not await context.may_change_settings():
        await message.reply_text(translate(language, "subscribe.not_admin"))
        return
    outcome = await subscriptions.subscribe(services, chat_id, language, names)
    lines: list[str] = [_subscribed_line(context, language, r) for r in outcome.results]
    if outcome.skipped:
        lines.append(
            translate(
                language, "subscribe.too_many", limit=subscriptions.MAX_NAMES_PER_COMMAND,
                names=echo(" ".join(outcome.skipped)),
            )
        )  # fmt: skip
    lines.append(translate(language, "subscribe.footer"))
    await message.reply_text(render.listing(lines[0], lines[1:], separator="\n"))


async def unsubscribe_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    chat_id, language = context.chat.id, context.chat.language
    assert message is not None and chat_id is not None
    translate = context.services.translate
    text = " ".join(context.args or []).strip()
    if not text:
        await message.reply_text(translate(language, "unsubscribe.usage"))
        return
    if not await context.may_change_settings():
        await message.reply_text(translate(language, "subscribe.not_admin"))
        return
    outcome = await subscriptions.unsubscribe(context.services, chat_id, language, text)
    lines: list[str]
    if outcome.everything is not None:
        key = "unsubscribe.removed_all" if outcome.everything else "mysubs.empty"
        lines = [translate(language, key, count=outcome.everything)]
    else:
        lines = [_removal_line(context, language, r) for r in outcome.removals]
    if not lines:  # only separators (`/unsubscribe ，`): no name to look for
        await message.reply_text(translate(language, "unsubscribe.usage"))
        return
    await message.reply_text(render.listing(lines[0], lines[1:], separator="\n"))


async def mysubs_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    chat_id, language = context.chat.id, context.chat.language
    assert message is not None and chat_id is not None
    translate = context.services.translate
    followed = await subscriptions.followed(context.services, chat_id, language)
    if not followed:
        await message.reply_text(translate(language, "mysubs.empty"))
        return
    header = translate(
        language, "mysubs.header", count=len(followed), limit=subscriptions.MAX_SUBSCRIPTIONS
    )
    lines = [
        translate(language, "mysubs.topic_line", name=item.name, count=item.count)
        if item.kind is Kind.TOPIC
        else translate(language, "mysubs.keyword_line", keyword=item.name, count=item.count)
        for item in followed
    ]
    await message.reply_text(Html("\n".join([header, *lines])))


async def confirm_button(update: Update, context: BotContext) -> None:
    """The button under a deep link's question: subscribe, and say so in place of the question."""
    query = update.callback_query
    assert query is not None
    target = await topic_to_change(update, context)
    if target is None:
        return
    chat_id, slug = target
    services, language = context.services, context.chat.language
    result = await subscriptions.confirm_topic(services, chat_id, language, slug)
    if result is None:  # /reload dropped the topic meanwhile
        await query.answer(unknown_topic(update, context))
        return
    line = _subscribed_line(context, language, result)
    footer = services.translate(language, "subscribe.footer")
    await query.answer()
    await edit_in_place(query, Html(f"{line}\n{footer}"), None)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("subscribe", subscribe_command),
        CommandHandler("unsubscribe", unsubscribe_command),
        CommandHandler("mysubs", mysubs_command),
        CallbackQueryHandler(confirm_button, pattern=pattern(Action.CONFIRM_TOPIC)),
    ]
