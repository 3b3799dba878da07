"""Pages of passages as replies: /topic (by topic or keyword), /search, and "more on this topic"
under a briefing — ten a page, each passage with its section reference, ‹ › when there are more.
English chats read each passage in English with its original collapsed beneath (render)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import render
from bot.callbacks import Action
from bot.context import BotContext
from bot.i18n import Html
from bot.replies.answering import echo
from bot.replies.reading import Reply
from bot.usecases import reading
from bot.usecases.reading import Listing


def _page(context: BotContext, header: Html, listing: Listing) -> Html:
    """The header and the page's passages, fitted to one message."""
    translate, language = context.services.translate, context.chat.language
    if listing.documents:
        return _grouped_page(context, header, listing)
    if language == render.ENGLISH:
        return render.english_listing(
            translate,
            language,
            context.bot.username,
            header,
            ((p.section_number, p.key, p.text) for p in listing.passages),
            reading.translation(context.services),
        )
    lines = render.passage_lines(
        translate,
        language,
        context.bot.username,
        ((p.section_number, p.text) for p in listing.passages),
    )
    return render.listing(header, lines)


def _keyboard(context: BotContext, action: Action, listing: Listing) -> InlineKeyboardMarkup | None:
    """‹ › under a listing of more than one page."""
    if listing.key is None:
        return None
    translate, language = context.services.translate, context.chat.language
    return render.page_keyboard(
        translate, language, action, listing.key, listing.page, listing.pages
    )


def topic_page(context: BotContext, listing: Listing) -> Reply:
    """A page of /topic: by topic (its name in the header), or by keyword (quoted)."""
    translate, language = context.services.translate, context.chat.language
    counts = {"total": listing.total, "page": listing.page, "pages": listing.pages}
    if listing.topic is not None:
        header = translate(language, "topic.header", name=listing.topic.name(language), **counts)
        action = Action.TOPIC_PAGE
    else:
        header = translate(language, "topic.keyword_header", query=echo(listing.query), **counts)
        action = Action.KEYWORD_PAGE
    keyboard = _keyboard(context, action, listing)
    return _page(context, header, listing), keyboard


def search_page(context: BotContext, listing: Listing) -> Reply:
    """A page of /search; when the text was found as a topic's name, the header says which."""
    translate, language = context.services.translate, context.chat.language
    header = translate(
        language,
        "search.header",
        query=echo(listing.query),
        total=listing.total,
        page=listing.page,
        pages=listing.pages,
    )
    if listing.topic is not None:  # an English alias such as "Hague": say which topic it found
        topic_note = translate(language, "search.topic_note", name=listing.topic.name(language))
        header = Html(f"{header}\n{topic_note}")
    keyboard = _keyboard(context, Action.SEARCH_PAGE, listing)
    return _page(context, header, listing), keyboard


def _grouped_page(context: BotContext, header: Html, listing: Listing) -> Html:
    """With several documents: the page's passages under their document's title (newest first,
    as the store orders them), each reference a link into its own document; English chats read
    each passage in its own document's translation."""
    translate, language = context.services.translate, context.chat.language
    english = language == render.ENGLISH
    items: list[render.Quoted] = []
    shown: int | None = None
    for passage in listing.passages:
        view, name = listing.documents.get(passage.document_id, (None, ""))
        lead = ""
        if view is not None and passage.document_id != shown:
            title = view.title_en if english and view.title_en else view.title
            lead = translate(language, "documents.group", title=title, year=view.published.year)
            lead += "\n"
            shown = passage.document_id
        reference = render.section_reference(translate, language, passage.section_number)
        link = render.section_link(
            context.bot.username, passage.section_number, reference, document=name
        )
        translation = context.services.translation_of(view.slug) if english and view else None
        text = render.english_of(translation, passage.key) if english else None
        if text is not None:
            items.append(render.Quoted(f"{lead}{link} · ", text, passage.text))
        else:
            items.append(render.Quoted(f"{lead}{link} ", passage.text))
    return render.fitted(header, items)
