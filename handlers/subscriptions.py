"""What a chat follows: /subscribe NAME…, /unsubscribe NAME | all (which asks first, and then
says how to undo it), /mysubs, and the confirmation button behind a `topic_<slug>` deep link. In
groups only admins change subscriptions; anyone may look. The rules (names, keywords, the limit)
are bot/usecases/subscriptions.py's; here they are turned into the lines the chat reads."""

from __future__ import annotations

from typing import Any, assert_never

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.callbacks import Action, Callback, parse_callback, pattern
from bot.context import BotContext
from bot.i18n import Html
from bot.replies.answering import echo, edit_in_place
from bot.replies.catalogue import topic_to_change, unknown_topic
from bot.replies.suggestions import joined
from bot.usecases import subscriptions
from bot.usecases.subscriptions import Added, Followed, Kind, Removal, Subscribed


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
        case Added.TOO_SHORT:
            return translate(
                language,
                "subscribe.too_short",
                query=echo(result.name),
                minimum=subscriptions.MIN_KEYWORD_LENGTH,
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
    if outcome.added:  # "the briefing will quote these" only when there is something new
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
    if subscriptions.means_all(text):  # everything at once: ask first
        text, keyboard = await _everything_question(context, chat_id, language)
        await message.reply_text(text, reply_markup=keyboard)
        return
    outcome = await subscriptions.unsubscribe(context.services, chat_id, language, text)
    lines = [_removal_line(context, language, r) for r in outcome.removals]
    if not lines:  # only separators (`/unsubscribe ，`): no name to look for
        await message.reply_text(translate(language, "unsubscribe.usage"))
        return
    await message.reply_text(render.listing(lines[0], lines[1:], separator="\n"))


def _names(context: BotContext, language: str, items: tuple[Followed, ...]) -> str:
    separator = context.services.translate.plain(language, "general.separator")
    return separator.join(_shown(item.kind, item.name) for item in items)


async def _everything_question(
    context: BotContext, chat_id: int, language: str
) -> tuple[Html, InlineKeyboardMarkup | None]:
    """`/unsubscribe all`: what would go, and a button to confirm (none when nothing would)."""
    translate = context.services.translate
    followed = await subscriptions.followed(context.services, chat_id, language)
    if not followed:
        return translate(language, "mysubs.empty"), None
    text = translate(
        language,
        "unsubscribe.confirm_all",
        count=len(followed),
        names=_names(context, language, followed),
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    translate.plain(language, "unsubscribe.confirm_button"),
                    callback_data=Callback(Action.UNSUBSCRIBE_ALL, "yes").encode(),
                ),
                InlineKeyboardButton(
                    translate.plain(language, "unsubscribe.keep_button"),
                    callback_data=Callback(Action.UNSUBSCRIBE_ALL, "no").encode(),
                ),
            ]
        ]
    )
    return text, keyboard


async def everything_button(update: Update, context: BotContext) -> None:
    """The buttons under `/unsubscribe all`'s question (admins only in groups): remove every
    follow and say how to get them back, or keep them; either answer replaces the question."""
    query, chat_id = update.callback_query, context.chat.id
    assert query is not None
    services, language = context.services, context.chat.language
    translate = services.translate
    callback = parse_callback(query.data)
    choice = callback.argument if callback else ""
    if chat_id is None or choice not in {"yes", "no"}:
        await query.answer(translate.plain(language, "callback.expired"))
        return
    if not await context.may_change_settings():
        await query.answer(translate.plain(language, "subscribe.not_admin"), show_alert=True)
        return
    if choice == "no":
        await query.answer()
        await edit_in_place(query, translate(language, "unsubscribe.kept"), None)
        return
    outcome = await subscriptions.unsubscribe(services, chat_id, language, "all")
    await query.answer()
    if not outcome.everything:  # tapped twice, or emptied meanwhile
        await edit_in_place(query, translate(language, "mysubs.empty"), None)
        return
    removed = translate(
        language,
        "unsubscribe.removed_all",
        count=outcome.everything,
        names=_names(context, language, outcome.gone),
    )
    undo = translate(language, "unsubscribe.undo", names=outcome.restore)
    await edit_in_place(query, Html(f"{removed}\n{undo}"), None)


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
    if result.outcome is Added.ADDED_TOPIC:
        line = Html(f"{line}\n{services.translate(language, 'subscribe.footer')}")
    await query.answer()
    await edit_in_place(query, line, None)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("subscribe", subscribe_command),
        CommandHandler("unsubscribe", unsubscribe_command),
        CommandHandler("mysubs", mysubs_command),
        CallbackQueryHandler(confirm_button, pattern=pattern(Action.CONFIRM_TOPIC)),
        CallbackQueryHandler(everything_button, pattern=pattern(Action.UNSUBSCRIBE_ALL)),
    ]
