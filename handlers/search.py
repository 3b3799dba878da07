"""Finding passages: /topic NAME (every passage on a topic or keyword, in document order),
/search TEXT (best first), ten a page, and inline mode (`@bot 海牙` in any
chat offers passages to share)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, InlineQueryHandler

from bot import render
from bot.callbacks import Action, parse_callback, pattern, small_number, split_page_argument
from bot.context import BotContext
from bot.i18n import Html, Translator, escape, language_for
from bot.replies.answering import echo, edit_in_place
from bot.replies.listings import search_page, topic_page
from bot.replies.reading import Reply
from bot.replies.suggestions import joined
from bot.services import Services
from bot.usecases import reading
from bot.usecases.reading import FirstPage, Listing, NothingFound, QueryTooLong
from content.translation import Translation

INLINE_CACHE_SECONDS = 300
NO_CONTENT_CACHE_SECONDS = 5  # content may be imported any moment: ask again soon

FirstPageOf = Callable[[Services, str], Awaitable[FirstPage]]
PageRenderer = Callable[[BotContext, Listing], Reply]


def nothing_found(context: BotContext, query: str, found: NothingFound) -> Html:
    """Neither a topic nor in the text: say so, and name the nearest topics."""
    translate, language = context.services.translate, context.chat.language
    text = translate(language, "topic.nothing", query=echo(query))
    near = joined(topic.name(language) for topic in found.near)
    if near:
        text = Html(f"{text}\n{translate(language, 'topic.suggest', names=near)}")
    return text


async def _answer_listing(
    update: Update,
    context: BotContext,
    usage_key: str,
    first_page: FirstPageOf,
    render_page: PageRenderer,
) -> None:
    """/topic and /search: usage for no text, a short answer for too much, the first page, or
    "nothing found" with the nearest topics."""
    message = update.effective_message
    assert message is not None
    translate, language = context.services.translate, context.chat.language
    query = " ".join(context.args or []).strip()
    reply: Reply
    if not query:
        reply = (translate(language, usage_key), None)
    else:
        found = await first_page(context.services, query)
        if isinstance(found, QueryTooLong):
            reply = (translate(language, "topic.too_long", limit=found.limit), None)
        elif isinstance(found, NothingFound):
            reply = (nothing_found(context, query, found), None)
        else:
            reply = render_page(context, found)
    await message.reply_text(reply[0], reply_markup=reply[1])


async def topic_command(update: Update, context: BotContext) -> None:
    await _answer_listing(update, context, "topic.usage", reading.topic_listing, topic_page)


async def search_command(update: Update, context: BotContext) -> None:
    await _answer_listing(update, context, "search.usage", reading.search_listing, search_page)


def _page_of(data: str | None) -> tuple[str, str, int] | None:
    """(action, key, page) of a page button; None for anything malformed."""
    callback = parse_callback(data)
    parsed = split_page_argument(callback) if callback else None
    if callback is None or parsed is None:
        return None
    return callback.action, parsed[0], parsed[1]


async def topic_page_button(update: Update, context: BotContext) -> None:
    """‹ › of a /topic listing: by topic slug, or by the saved id of a keyword."""
    query = update.callback_query
    assert query is not None
    button = _page_of(query.data)
    listing: Listing | None = None
    if button is not None:
        action, key, page = button
        if action == Action.TOPIC_PAGE:
            listing = await reading.topic_page(context.services, key, page)
        elif (query_id := small_number(key)) is not None:
            listing = await reading.keyword_page(context.services, query_id, page)
    if listing is None:
        text = context.services.translate.plain(context.chat.language, "callback.expired")
        await query.answer(text)
        return
    await query.answer()
    await edit_in_place(query, *topic_page(context, listing))


async def search_page_button(update: Update, context: BotContext) -> None:
    """A page button of /search: the query is looked up by its saved id."""
    query = update.callback_query
    assert query is not None
    button = _page_of(query.data)
    query_id = small_number(button[1]) if button else None
    listing: Listing | None = None
    if button is not None and query_id is not None:
        listing = await reading.search_page(context.services, query_id, button[2])
    if listing is None:
        text = context.services.translate.plain(context.chat.language, "search.expired")
        await query.answer(text)
        return
    await query.answer()
    await edit_in_place(query, *search_page(context, listing))


async def inline_query(update: Update, context: BotContext) -> None:
    """Passages for what is typed after @bot, each shareable with its section reference; while
    nothing is typed, the sections' headings and summaries."""
    inline = update.inline_query
    assert inline is not None
    translate = context.services.translate
    language = language_for(inline.from_user.language_code)
    offer = await reading.inline_offer(context.services, inline.query)
    if offer is None:
        await inline.answer([], cache_time=NO_CONTENT_CACHE_SECONDS)
        return
    if language == render.ENGLISH:
        results = _english_results(
            translate,
            language,
            offer,
            reading.translation(context.services),
            context.services.index.translations,
        )
        await inline.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=True)
        return
    items = [(f"p{p.id}", p.section_number, p.text, offer.title_of(p)) for p in offer.passages]
    for section in offer.sections:
        points = section.summary_zh  # English clients are answered above
        summary = "\n".join(f"• {point}" for point in points)
        text = f"{render.section_title(section)}\n{summary}"
        items.append((f"s{section.number}", section.number, text, offer.document_title))
    results = []
    for result_id, number, text, title in items:
        reference = render.section_reference(translate, language, number)
        source = translate(language, "inline.shared_from", title=title, reference=reference)
        first_line = text.split("\n", 1)[0]
        results.append(
            InlineQueryResultArticle(
                id=result_id,
                title=f"{reference} {first_line[:60]}",
                description=text[:200],
                input_message_content=InputTextMessageContent(f"{escape(text)}\n\n{source}"),
            )
        )
    # Personal: the results depend on the user's language, which Telegram's cache does not know.
    await inline.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=True)


def _english_results(
    translate: Translator,
    language: str,
    offer: reading.InlineOffer,
    translation: Translation | None,
    translations: dict[str, Translation] | None = None,
) -> list[InlineQueryResultArticle]:
    """Inline results for an English client: each passage in English with its original
    collapsed beneath (in Chinese, with a line saying so, while the document has no
    translation); the sections as "Section 4: <English heading>" with their English points.
    With several plans, each passage in its own plan's translation (`translations`, by slug)."""
    translations = translations or {}
    title = translation.title if translation is not None and translation.title else ""
    results = []
    for passage in offer.passages:
        reference = render.section_reference(translate, language, passage.section_number)
        own = offer.documents.get(passage.document_id)  # with several plans: the passage's own
        own_translation = translation if own is None else translations.get(own.slug)
        own_title = (own_translation.title if own_translation else "") or offer.title_of(passage)
        source = translate(
            language,
            "english.shared_from",
            title=(title or offer.document_title) if own is None else own_title,
            reference=reference,
        )
        english = render.english_of(own_translation, passage.key)
        shown = english or passage.text
        if english is not None:
            text = f"{render.with_original(english, passage.text)}\n\n{source}"
        else:
            text = f"{escape(passage.text)}\n\n{source}"
            if own_translation is None:
                text += f"\n{render.untranslated_note(translate, language)}"
        results.append(
            InlineQueryResultArticle(
                id=f"p{passage.id}",
                title=f"{reference} · {shown[:60]}",
                description=shown[:200],
                input_message_content=InputTextMessageContent(text),
            )
        )
    for section in offer.sections:
        number = section.number
        heading = (translation.heading(number) if translation is not None else None) or (
            section.heading_en or render.section_title(section)
        )
        label = render.section_label(translate, language, number)
        headline = translate.plain(language, "inline.section_result", label=label, heading=heading)
        summary = "\n".join(f"• {point}" for point in section.summary_en)
        source = translate(
            language,
            "english.shared_from",
            title=title or offer.document_title,
            reference=render.section_reference(translate, language, number),
        )
        original = escape(render.section_title(section))
        results.append(
            InlineQueryResultArticle(
                id=f"s{number}",
                title=headline[:80],
                description=summary[:200],
                input_message_content=InputTextMessageContent(
                    f"<b>{escape(headline)}</b>\n{escape(summary)}\n"
                    f"{render.ORIGINAL_OPEN}{original}{render.ORIGINAL_CLOSE}\n\n{source}"
                ),
            )
        )
    return results


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("topic", topic_command),
        CallbackQueryHandler(
            topic_page_button, pattern=pattern(Action.TOPIC_PAGE, Action.KEYWORD_PAGE)
        ),
        CommandHandler("search", search_command),
        CallbackQueryHandler(search_page_button, pattern=pattern(Action.SEARCH_PAGE)),
        InlineQueryHandler(inline_query),
    ]
