"""Finding passages: /search TEXT (best first, ten a page) and inline mode (`@bot 海牙` in any
chat offers passages to share)."""

from __future__ import annotations

from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, InlineQueryHandler

from bot import lookup, render
from bot.context import BotContext
from bot.i18n import Html, escape, language_for
from bot.replies.answering import echo, edit_in_place
from bot.store import Repository
from handlers.topics import answer_listing, saved_query_keyboard

INLINE_RESULTS = 50  # Telegram's maximum per answer
INLINE_CACHE_SECONDS = 300

Reply = tuple[Html, InlineKeyboardMarkup | None]


async def search_page(
    repo: Repository, context: BotContext, language: str, query: str, page: int
) -> Reply | None:
    translate = context.services.translate
    found = await lookup.search(
        repo,
        context.services.library.catalog,
        query,
        (page - 1) * render.PAGE_SIZE,
        render.PAGE_SIZE,
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
    header = translate(
        language, "search.header", query=echo(query), total=found.total, page=page, pages=pages
    )
    if found.topic is not None:  # an English alias such as "Hague": say which topic it found
        topic_note = translate(language, "search.topic_note", name=found.topic.name(language))
        header = Html(f"{header}\n{topic_note}")
    keyboard = await saved_query_keyboard(
        repo, context, language, render.SEARCH_PAGE, query, page, pages
    )
    return render.listing(header, lines), keyboard


async def search_command(update: Update, context: BotContext) -> None:
    await answer_listing(update, context, "search.usage", search_page)


async def search_page_button(update: Update, context: BotContext) -> None:
    """A page button of /search (or of /topic with a keyword): the query is looked up by id."""
    query = update.callback_query
    assert query is not None
    translate = context.services.translate
    callback = render.parse_callback(query.data)
    parsed = render.split_page_argument(callback) if callback else None
    language = context.chat.language
    async with context.services.store.transaction() as repo:
        reply = None
        query_id = render.small_number(parsed[0]) if parsed else None
        if parsed is not None and query_id is not None and parsed[1] >= 1:
            text = await repo.saved_query(query_id)
            if text is not None:
                reply = await search_page(repo, context, language, text, parsed[1])
    if reply is None:
        await query.answer(translate.plain(language, "search.expired"))
        return
    await query.answer()
    await edit_in_place(query, *reply)


async def inline_query(update: Update, context: BotContext) -> None:
    """Passages for what is typed after @bot, each shareable with its section reference."""
    inline = update.inline_query
    assert inline is not None
    translate = context.services.translate
    language = language_for(inline.from_user.language_code)
    query = inline.query.strip()[: lookup.MAX_QUERY_LENGTH]
    async with context.services.store.transaction() as repo:
        content = await context.services.content(repo)
        document = content.document if content else None
        if document is None:
            await inline.answer([], cache_time=5)
            return
        if query:
            found = await lookup.search(
                repo, context.services.library.catalog, query, 0, INLINE_RESULTS
            )
            items = [(p.id, p.section_number, p.text) for p in found.passages]
        else:  # nothing typed yet: offer the sections' headings and summaries
            items = []
            for section in content.sections if content else ():
                points = section.summary_en if language == "en" else section.summary_zh
                items.append(
                    (
                        -section.number - 1,
                        section.number,
                        render.section_title(section) + "\n" + "\n".join(f"• {p}" for p in points),
                    )
                )
    results = []
    for key, number, text in items[:INLINE_RESULTS]:
        reference = render.section_reference(translate, language, number)
        source = translate(
            language, "inline.shared_from", title=document.title, reference=reference
        )
        first_line = text.split("\n", 1)[0]
        results.append(
            InlineQueryResultArticle(
                id=f"p{key}" if key > 0 else f"s{-key - 1}",
                title=f"{reference} {first_line[:60]}",
                description=text[:200],
                input_message_content=InputTextMessageContent(f"{escape(text)}\n\n{source}"),
            )
        )
    # Personal: the results depend on the user's language, which Telegram's cache does not know.
    await inline.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=True)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("search", search_command),
        CallbackQueryHandler(search_page_button, pattern=rf"^{render.SEARCH_PAGE}:"),
        InlineQueryHandler(inline_query),
    ]
