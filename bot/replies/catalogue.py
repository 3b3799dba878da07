"""The topic catalogue as a reply, shared by /topics, the group welcome and deep links."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import render
from bot.callbacks import Action, Callback, parse_callback
from bot.context import BotContext
from bot.i18n import Html, language_for
from bot.usecases import subscriptions
from bot.usecases.subscriptions import Catalogue


def catalogue_keyboard(language: str, catalogue: Catalogue) -> InlineKeyboardMarkup:
    """A toggle button per topic with its passage count, ✅ on those the chat follows."""
    rows = [(entry.slug, entry.name, entry.count) for entry in catalogue.entries]
    return render.topics_keyboard(language, rows, set(catalogue.followed))


async def topics_reply(context: BotContext) -> tuple[Html, InlineKeyboardMarkup]:
    """The catalogue with a toggle button per topic, ✅ on those the resolved chat follows."""
    chat_id, language = context.chat.id, context.chat.language
    assert chat_id is not None
    catalogue = await subscriptions.catalogue(context.services, chat_id, language)
    text = context.services.translate(language, "topics.header")
    return text, catalogue_keyboard(language, catalogue)


async def topic_confirmation(
    context: BotContext, slug: str
) -> tuple[Html, InlineKeyboardMarkup] | None:
    """What `/start topic_<slug>` answers: a question and a button; nothing changes before.
    None for a slug the catalogue does not know."""
    translate = context.services.translate
    language = context.chat.language
    offer = await subscriptions.topic_offer(context.services, language, slug)
    if offer is None:
        return None
    text = translate(language, "subscribe.confirm", name=offer.name, count=offer.passages)
    button = InlineKeyboardButton(
        translate.plain(language, "button.subscribe_topic", name=offer.name),
        callback_data=Callback(Action.CONFIRM_TOPIC, offer.slug).encode(),
    )
    return text, InlineKeyboardMarkup([[button]])


def unknown_topic(update: Update, context: BotContext) -> str:
    """The notice for a topic button whose slug is no topic (forged, or from before a /reload
    dropped it), in the tapping user's own language: such a button may sit under a message in
    any chat, or in none (inline messages)."""
    user = update.effective_user
    language = language_for(user.language_code if user else None)
    return context.services.translate.plain(language, "topics.unknown")


async def topic_to_change(update: Update, context: BotContext) -> tuple[int, str] | None:
    """The (chat, topic slug) a subscribe or toggle button may change, or None once the tap has
    been answered: a forged or stale slug before asking Telegram who the user is, then a
    non-admin in a group."""
    query = update.callback_query
    assert query is not None
    services = context.services
    callback = parse_callback(query.data)
    slug = callback.argument if callback else ""
    chat_id = context.chat.id
    if chat_id is None or not subscriptions.is_topic(services, slug):
        await query.answer(unknown_topic(update, context))
        return None
    if not await context.may_change_settings():
        language = context.chat.language
        await query.answer(
            services.translate.plain(language, "subscribe.not_admin"), show_alert=True
        )
        return None
    return chat_id, slug
