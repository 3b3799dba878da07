"""Looking back, and the buttons under a briefing.

/history lists the chat's last ten briefings, newest first: each one's local date and the section
references of the passages it quoted, and a button per date that sends that briefing again (as it
was, re-rendered from the ledger). Under every briefing, for each topic it quotes: "more" (the
first page of /topic for it, whose ‹ › buttons are /topic's own) and "unsubscribe" in one tap,
answered with an Undo button that subscribes again. Anyone may look; in groups only admins
unsubscribe or undo."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.callbacks import Action, Callback, parse_callback, pattern, small_number
from bot.context import BotContext
from bot.replies.answering import edit_in_place, thread_of
from bot.replies.catalogue import topic_to_change, unknown_topic
from bot.replies.listings import topic_page
from bot.replies.reading import Reply
from bot.usecases import chat_data, reading, subscriptions
from bot.usecases.chat_data import PastBriefing
from bot.usecases.subscriptions import Added, Kind

BUTTONS_PER_ROW = 2


# --- /history ------------------------------------------------------------------------------------


def _history_reply(context: BotContext, past: tuple[PastBriefing, ...]) -> Reply:
    translate, language = context.services.translate, context.chat.language
    if not past:
        return translate(language, "history.empty"), None
    lines = []
    for briefing in past:
        references = translate.plain(language, "english.reference_separator").join(
            render.section_reference(translate, language, number)
            for number in briefing.section_numbers
        )
        lines.append(
            translate(
                language,
                "history.line",
                day=briefing.day.isoformat(),
                references=references or translate.plain(language, "history.no_passages"),
            )
        )
    buttons = [
        InlineKeyboardButton(
            translate.plain(language, "history.button", day=briefing.day.isoformat()),
            callback_data=Callback(Action.PAST_BRIEFING, str(briefing.delivery_id)).encode(),
        )
        for briefing in past
    ]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    header = translate(language, "history.header")
    return render.listing(header, lines, separator="\n"), InlineKeyboardMarkup(rows)


async def history_command(update: Update, context: BotContext) -> None:
    message, chat_id = update.effective_message, context.chat.id
    assert message is not None and chat_id is not None
    past = await chat_data.last_briefings(context.services, chat_id)
    text, keyboard = _history_reply(context, past)
    await message.reply_text(text, reply_markup=keyboard)


async def past_briefing_button(update: Update, context: BotContext) -> None:
    """A date of /history: that briefing again, as a new message in the same topic."""
    query, chat_id = update.callback_query, context.chat.id
    assert query is not None
    services, language = context.services, context.chat.language
    translate = services.translate
    callback = parse_callback(query.data)
    delivery_id = small_number(callback.argument) if callback else None
    past = None
    if chat_id is not None and delivery_id is not None:
        past = await chat_data.past_briefing(services, chat_id, delivery_id)
    if chat_id is None or past is None:
        await query.answer(translate.plain(language, "callback.expired"))
        return
    if not past.current:
        await query.answer(translate.plain(language, "history.gone"), show_alert=True)
        return
    text, keyboard = render.briefing_message(
        translate,
        language,
        past.title,
        past.day.isoformat(),
        past.picks,
        services.index.texts,
        reading.translation(services),
        translations=services.index.translations,
    )
    await query.answer()
    await context.bot.send_message(
        chat_id, text, reply_markup=keyboard, message_thread_id=thread_of(query.message)
    )


# --- the topic buttons under a briefing ----------------------------------------------------------


async def more_on_topic_button(update: Update, context: BotContext) -> None:
    """Under a briefing, "more on <topic>": /topic's first page for it, as a new message."""
    query, chat_id = update.callback_query, context.chat.id
    assert query is not None
    callback = parse_callback(query.data)
    listing = None
    if chat_id is not None and callback is not None:
        listing = await reading.topic_page(context.services, callback.argument, 1)
    if chat_id is None or listing is None:
        await query.answer(unknown_topic(update, context))
        return
    text, keyboard = topic_page(context, listing)
    await query.answer()
    await context.bot.send_message(
        chat_id, text, reply_markup=keyboard, message_thread_id=thread_of(query.message)
    )


def _undo_keyboard(context: BotContext, slug: str) -> InlineKeyboardMarkup:
    label = context.services.translate.plain(context.chat.language, "briefing_buttons.undo")
    button = InlineKeyboardButton(label, callback_data=Callback(Action.UNDO_DROP, slug).encode())
    return InlineKeyboardMarkup([[button]])


async def drop_topic_button(update: Update, context: BotContext) -> None:
    """Under a briefing, "unsubscribe from <topic>": done at once, and said in a new message with
    an Undo button (the briefing itself stays as it was)."""
    query = update.callback_query
    assert query is not None
    target = await topic_to_change(update, context)
    if target is None:
        return
    chat_id, slug = target
    services, language = context.services, context.chat.language
    translate = services.translate
    outcome = await subscriptions.unsubscribe(services, chat_id, language, slug)
    removed = next((r for r in outcome.removals if r.removed is Kind.TOPIC), None)
    if removed is None:
        topic = services.library.catalog.by_slug(slug)
        name = topic.name(language) if topic else slug
        await query.answer(translate.plain(language, "briefing_buttons.not_following", name=name))
        return
    await query.answer(translate.plain(language, "topics.toggled_off", name=removed.display))
    await context.bot.send_message(
        chat_id,
        translate(language, "briefing_buttons.unsubscribed", name=removed.display),
        reply_markup=_undo_keyboard(context, slug),
        message_thread_id=thread_of(query.message),
    )


async def undo_drop_button(update: Update, context: BotContext) -> None:
    """Undo under an unsubscription: subscribe again (within the limit), said in place."""
    query = update.callback_query
    assert query is not None
    target = await topic_to_change(update, context)
    if target is None:
        return
    chat_id, slug = target
    services, language = context.services, context.chat.language
    translate = services.translate
    result = await subscriptions.confirm_topic(services, chat_id, language, slug)
    if result is None:  # /reload dropped the topic meanwhile
        await query.answer(unknown_topic(update, context))
        return
    if result.outcome is Added.LIMIT:
        text = translate.plain(
            language, "subscribe.limit", limit=subscriptions.MAX_SUBSCRIPTIONS, query=result.display
        )
        await query.answer(text[:200], show_alert=True)
        return
    await query.answer()
    answer = translate(language, "briefing_buttons.resubscribed", name=result.display)
    await edit_in_place(query, answer, None)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("history", history_command),
        CallbackQueryHandler(past_briefing_button, pattern=pattern(Action.PAST_BRIEFING)),
        CallbackQueryHandler(more_on_topic_button, pattern=pattern(Action.MORE_ON_TOPIC)),
        CallbackQueryHandler(drop_topic_button, pattern=pattern(Action.DROP_TOPIC)),
        CallbackQueryHandler(undo_drop_button, pattern=pattern(Action.UNDO_DROP)),
    ]
