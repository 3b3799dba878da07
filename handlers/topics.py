"""Browsing by subject: /topics (the catalogue, with subscribe buttons that toggle in place) and
/topic NAME (every passage on a topic, ten a page)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import lookup, render
from bot.context import BotContext
from bot.i18n import Html
from bot.replies.answering import echo, edit_in_place
from bot.store import Repository
from bot.store.repository import TOPIC
from handlers.subscriptions import suggestions

Reply = tuple[Html, InlineKeyboardMarkup | None]


async def topics_reply(repo: Repository, context: BotContext, chat_id: int, language: str) -> Reply:
    translate = context.services.translate
    catalog = context.services.library.catalog
    counts = await repo.topic_counts()
    subscribed = {s.value for s in await repo.subscriptions(chat_id) if s.kind == TOPIC}
    rows = []
    for row, count in counts:
        topic = catalog.by_slug(row.slug)
        name = topic.name(language) if topic else (row.en if language == "en" else row.zh)
        rows.append((row.slug, name, count))
    text = translate(language, "topics.header")
    return text, render.topics_keyboard(language, rows, subscribed)


async def topics_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        text, keyboard = await topics_reply(repo, context, chat.id, language)
    await message.reply_text(text, reply_markup=keyboard)


async def toggle_topic(update: Update, context: BotContext) -> None:
    """A /topics button: subscribe or unsubscribe, then redraw the keyboard's ✅ marks."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None
    translate = context.services.translate
    callback = render.parse_callback(query.data)
    topic = context.services.library.catalog.by_slug(callback.argument) if callback else None
    if chat is None or topic is None:
        await query.answer(translate.plain(_language_of(update), "topics.unknown"))
        return
    language = context.chat.language
    if not await context.may_change_settings():
        await query.answer(translate.plain(language, "subscribe.not_admin"), show_alert=True)
        return
    async with context.services.store.transaction() as repo:
        if await repo.unsubscribe(chat.id, TOPIC, topic.slug):
            notice = translate.plain(language, "topics.toggled_off", name=topic.name(language))
        elif len(await repo.subscriptions(chat.id)) >= lookup.MAX_SUBSCRIPTIONS:
            notice = translate.plain(
                language,
                "subscribe.limit",
                limit=lookup.MAX_SUBSCRIPTIONS,
                query=topic.name(language),
            )
        else:
            await repo.subscribe(chat.id, TOPIC, topic.slug, topic.zh, context.services.clock())
            notice = translate.plain(language, "topics.toggled_on", name=topic.name(language))
        _, keyboard = await topics_reply(repo, context, chat.id, language)
    await query.answer(notice)
    await edit_in_place(query, None, keyboard)


def _language_of(update: Update) -> str:
    from bot.i18n import language_for

    user = update.effective_user
    return language_for(user.language_code if user else None)


async def topic_page(
    repo: Repository, context: BotContext, language: str, query: str, page: int
) -> Reply | None:
    """A page of /topic: None when the query is neither a topic nor found in the text."""
    translate = context.services.translate
    catalog = context.services.library.catalog
    found = await lookup.passages_for_topic_or_keyword(
        repo, catalog, query, (page - 1) * render.PAGE_SIZE, render.PAGE_SIZE
    )
    pages = render.page_count(found.total)
    if found.total == 0 or page > pages:  # nothing, or a stale page button
        return None
    lines = render.passage_lines(
        translate,
        language,
        context.bot.username,
        ((p.section_number, p.text) for p in found.passages),
    )
    if found.topic is not None:
        header = translate(
            language,
            "topic.header",
            name=found.topic.name(language),
            total=found.total,
            page=page,
            pages=pages,
        )
        keyboard = render.page_keyboard(
            translate, language, render.TOPIC_PAGE, found.topic.slug, page, pages
        )
    else:
        header = translate(
            language,
            "topic.keyword_header",
            query=echo(query),
            total=found.total,
            page=page,
            pages=pages,
        )
        keyboard = await saved_query_keyboard(
            repo, context, language, render.KEYWORD_PAGE, query, page, pages
        )
    return render.listing(header, lines), keyboard


async def saved_query_keyboard(
    repo: Repository,
    context: BotContext,
    language: str,
    action: str,
    query: str,
    page: int,
    pages: int,
) -> InlineKeyboardMarkup | None:
    """Page buttons for a listing of free text: the buttons carry the saved query's id (callback
    data holds 64 bytes); a single page needs no buttons and saves nothing."""
    if pages <= 1:
        return None
    query_id = await repo.save_query(query)
    return render.page_keyboard(
        context.services.translate, language, action, str(query_id), page, pages
    )


PageMaker = Callable[[Repository, BotContext, str, str, int], Awaitable[Reply | None]]


async def answer_listing(
    update: Update, context: BotContext, usage_key: str, first_page: PageMaker
) -> None:
    """/topic and /search: usage for no text, a short answer for too much, the first page, or
    "nothing found" with the nearest topics."""
    message = update.effective_message
    assert message is not None
    translate = context.services.translate
    query = " ".join(context.args or []).strip()
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        if not query:
            reply: Reply = (translate(language, usage_key), None)
        elif len(query) > lookup.MAX_QUERY_LENGTH:
            reply = (translate(language, "topic.too_long", limit=lookup.MAX_QUERY_LENGTH), None)
        else:
            page = await first_page(repo, context, language, query, 1)
            reply = page or (nothing_found(context, language, query), None)
    await message.reply_text(reply[0], reply_markup=reply[1])


async def topic_command(update: Update, context: BotContext) -> None:
    await answer_listing(update, context, "topic.usage", topic_page)


def nothing_found(context: BotContext, language: str, query: str) -> Html:
    """Neither a topic nor in the text: say so, and name the nearest topics."""
    translate = context.services.translate
    text = translate(language, "topic.nothing", query=echo(query))
    near = suggestions(context, language, query)
    if near:
        text = Html(f"{text}\n{translate(language, 'topic.suggest', names=near)}")
    return text


async def topic_page_button(update: Update, context: BotContext) -> None:
    """‹ › of a /topic listing: by topic slug, or by the saved id of a keyword."""
    query = update.callback_query
    assert query is not None
    translate = context.services.translate
    callback = render.parse_callback(query.data)
    parsed = render.split_page_argument(callback) if callback else None
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        name: str | None = None
        if callback is not None and parsed is not None and parsed[1] >= 1:
            if callback.action == render.TOPIC_PAGE:
                topic = context.services.library.catalog.by_slug(parsed[0])
                name = topic.slug if topic else None
            elif (query_id := render.small_number(parsed[0])) is not None:
                name = await repo.saved_query(query_id)
        reply = (
            await topic_page(repo, context, language, name, parsed[1]) if name and parsed else None
        )
    if reply is None:
        await query.answer(translate.plain(language, "callback.expired"))
        return
    await query.answer()
    await edit_in_place(query, *reply)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("topics", topics_command),
        CommandHandler("topic", topic_command),
        CallbackQueryHandler(toggle_topic, pattern=rf"^{render.TOGGLE_TOPIC}:"),
        CallbackQueryHandler(
            topic_page_button, pattern=rf"^({render.TOPIC_PAGE}|{render.KEYWORD_PAGE}):"
        ),
    ]
