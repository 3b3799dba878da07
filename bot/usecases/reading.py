"""Reading and finding, apart from their Telegram side: the welcome and /help's figures, the table
of contents, a section by number and its full text, the pages of /topic and /search (and the
saved queries their page buttons point to), and what inline mode offers.

Every function opens and closes its own transaction and returns plain data (the content
snapshot's DocumentView and SectionView, lookup's Passage, the catalogue's Topic): the handler
renders it after the store is released. Reading the work plan itself costs no query: the content
snapshot is cached per content version (Services.content)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import lookup, render
from bot.briefing import passage_key
from bot.i18n import DEFAULT_LANGUAGE
from bot.lookup import Found, Passage
from bot.services import Services
from bot.store import Repository
from bot.store.repository import ContentSnapshot, DocumentView, SectionView, Shelf
from bot.usecases import briefing_settings
from content.catalog import Topic
from content.translation import Translation

INLINE_RESULTS = 50  # Telegram's maximum per inline answer: more is refused, not trimmed


async def _content(services: Services) -> ContentSnapshot | None:
    return await services.current_content()


# --- the work plan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Contents:
    """The table of contents: the document and every section, in order. `document_key` is what
    its buttons carry to stay within it ("" while the bot has one document)."""

    document: DocumentView
    sections: tuple[SectionView, ...]
    document_key: str = ""


@dataclass(frozen=True)
class SectionCard:
    """A section found by number, with every section's number (the card's ‹ › buttons), and
    what its buttons carry to stay within its document ("" while there is one)."""

    document: DocumentView
    section: SectionView
    numbers: tuple[int, ...]
    document_key: str = ""


@dataclass(frozen=True)
class SectionMissing:
    """No section has the number asked for; `last` is the highest there is, so that the answer
    can name the valid range."""

    last: int


@dataclass(frozen=True)
class DocumentMissing:
    """No document has the name asked for (`/section 2019 4`): the names there are."""

    name: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class FullText:
    """A section verbatim: its passages in order, and every section's number (for ‹ ›); the
    passages' keys ("S.O") and the document's English translation (None without one), for
    English chats."""

    section: SectionView
    passages: tuple[str, ...]
    numbers: tuple[int, ...]
    keys: tuple[str, ...] = ()
    translation: Translation | None = None
    document_key: str = ""


@dataclass(frozen=True)
class HelpFacts:
    """The figures /help quotes, so that its text never disagrees with the rules."""

    last_section: int  # 0 when no content is imported
    max_subscriptions: int
    min_keyword_length: int = lookup.MIN_KEYWORD_LENGTH
    max_keyword_length: int = lookup.MAX_KEYWORD_LENGTH


@dataclass(frozen=True)
class Welcome:
    """What /start says: the work plan (None until content is imported) and the chat's daily
    briefing as it stands: its local time and zone, and whether it is paused."""

    document: DocumentView | None
    time: str
    timezone: str
    paused: bool
    weekdays: int


async def document(services: Services) -> DocumentView | None:
    """The work plan /start welcomes to; None until content is imported."""
    content = await _content(services)
    return content.document if content else None


async def welcome(services: Services, chat_id: int) -> Welcome:
    """The welcome of a chat (recorded, so it has a schedule)."""
    content = await _content(services)
    briefing = await briefing_settings.settings_view(services, chat_id, DEFAULT_LANGUAGE)
    return Welcome(
        content.document if content else None,
        briefing.time,
        briefing.timezone,
        briefing.paused,
        briefing.weekdays,
    )


async def help_facts(services: Services) -> HelpFacts:
    content = await _content(services)
    last = max(content.numbers, default=0) if content else 0
    return HelpFacts(last, lookup.MAX_SUBSCRIPTIONS)


async def _document(
    services: Services, name: str
) -> tuple[ContentSnapshot, str] | DocumentMissing | None:
    """The document `name` names ("" the newest; a year, slug or button key otherwise) and the
    key its buttons carry ("" while the bot has one document); None until content is imported."""
    shelf = await services.current_shelf()
    if shelf is None:
        return None
    content = shelf.find(name) if name else shelf.newest
    if content is None:
        names = tuple(shelf.token(d.document.slug) for d in shelf.documents)
        return DocumentMissing(name, names)
    return content, button_key(shelf, content)


def button_key(shelf: Shelf, content: ContentSnapshot) -> str:
    """What reading buttons carry to stay within a document: its slug (its year when the slug
    would not fit Telegram's 64 bytes of callback data); "" while the bot has one document, so
    that its buttons read as they always did."""
    if len(shelf.documents) == 1:
        return ""
    token = render.button_document(content.document.slug) or shelf.token(content.document.slug)
    return render.button_document(token)  # "" (the newest) only for a long slug of a shared year


async def names_document(services: Services, name: str) -> bool:
    """Whether `name` (a year or slug) names a document, while the bot has several or names
    it together with a section."""
    shelf = await services.current_shelf()
    return shelf is not None and shelf.find(name) is not None


async def document_count(services: Services) -> int:
    shelf = await services.current_shelf()
    return len(shelf.documents) if shelf is not None else 0


async def contents(services: Services, document: str = "") -> Contents | None:
    """None until content is imported, or for a document name that names none."""
    found = await _document(services, document)
    if found is None or isinstance(found, DocumentMissing):
        return None
    content, key = found
    return Contents(content.document, content.sections, key)


async def find_section(
    services: Services, number: int | None, document: str = ""
) -> SectionCard | SectionMissing | DocumentMissing | None:
    """Section `number` (0 is the introduction, 总体思路) of the newest document, or of the one
    `document` names (a year or slug). None until content is imported.

    `number` None stands for an argument that is not a number at all: missing too, since the
    answer names the valid range either way."""
    found = await _document(services, document)
    if found is None or isinstance(found, DocumentMissing):
        return found
    content, key = found
    section = content.section(number) if number is not None else None
    if section is None:
        return SectionMissing(max(content.numbers, default=0))
    return SectionCard(content.document, section, tuple(content.numbers), key)


async def full_text(services: Services, number: int, document: str = "") -> FullText | None:
    """Section `number` verbatim; None when there is no such section (or no content)."""
    found = await _document(services, document)
    if found is None or isinstance(found, DocumentMissing):
        return None
    content, key = found
    section = content.section(number)
    if section is None:
        return None
    passages = content.passages.get(section.number, ())
    # Ordinals count a section's passages from 1, in order (content.parser.split_passages).
    keys = tuple(passage_key(section.number, i) for i in range(1, len(passages) + 1))
    english = services.translation_of(content.document.slug)
    return FullText(section, passages, tuple(content.numbers), keys, english, key)


def translation(services: Services) -> Translation | None:
    """The newest plan in English (content/translations/<slug>.toml), the one whose passages
    are named "S.O"; None while it has none (an imported plan has none until a file is added).
    Read with the content, so it costs nothing."""
    return services.index.translations.get(services.index.newest)


# --- /topic and /search --------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """A page of /topic or /search.

    `query` is the text the listing is for (as typed, or as saved for page buttons); `topic` is
    the catalogue topic it turned out to name, if any. `key` is what the page buttons carry: the
    topic's slug for /topic by topic, else the saved query's id (callback data holds 64 bytes, a
    query up to 100 characters); None when a single page needs no buttons."""

    query: str
    topic: Topic | None
    passages: tuple[Passage, ...]
    total: int
    page: int
    pages: int
    key: str | None
    # With several documents: each passage's document by its id, and how deep links name it
    # ("" for the newest); empty while the bot has one document (the listing is as before).
    documents: dict[int, tuple[DocumentView, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class QueryTooLong:
    """A query over lookup.MAX_QUERY_LENGTH characters is not looked up at all."""

    limit: int


@dataclass(frozen=True)
class NothingFound:
    """Neither a topic nor in the text: the nearest catalogue topics, to suggest instead."""

    near: tuple[Topic, ...]


FirstPage = Listing | QueryTooLong | NothingFound  # what the command itself (not a button) gets


async def _listing(
    repo: Repository, query: str, found: Found, page: int, by_topic: bool
) -> Listing | None:
    """None for nothing found, or for a page past the last (a stale page button). Free text is
    saved for the page buttons only when there is a second page: one page saves nothing."""
    pages = render.page_count(found.total)
    if found.total == 0 or page > pages:
        return None
    key: str | None = None
    if pages > 1 and by_topic and found.topic is not None:
        key = found.topic.slug
    elif pages > 1:
        key = str(await repo.save_query(query))
    documents = await repo.document_order()
    groups: dict[int, tuple[DocumentView, str]] = {}
    if len(documents) > 1:
        years = [view.published.year for view in documents.values()]
        for position, (document_id, view) in enumerate(documents.items()):
            unique = years.count(view.published.year) == 1
            name = str(view.published.year) if unique else view.slug
            groups[document_id] = (view, "" if position == 0 else name)
    return Listing(query, found.topic, found.passages, found.total, page, pages, key, groups)


def _offset(page: int) -> int:
    return (page - 1) * render.PAGE_SIZE


async def _topic_page(
    repo: Repository, services: Services, query: str, page: int
) -> Listing | None:
    catalog = services.library.catalog
    found = await lookup.passages_for_topic_or_keyword(
        repo, catalog, query, _offset(page), render.PAGE_SIZE
    )
    return await _listing(repo, query, found, page, by_topic=True)


async def _search_page(
    repo: Repository, services: Services, query: str, page: int
) -> Listing | None:
    catalog, english = services.library.catalog, await services.english(repo)
    found = await lookup.search(repo, catalog, query, _offset(page), render.PAGE_SIZE, english)
    return await _listing(repo, query, found, page, by_topic=False)


def _nothing_found(services: Services, query: str) -> NothingFound:
    return NothingFound(tuple(services.library.catalog.suggest(query)))


async def topic_listing(services: Services, query: str) -> FirstPage:
    """The first page of /topic `query`: every passage on the topic it names, in document order,
    else every passage containing it."""
    if len(query) > lookup.MAX_QUERY_LENGTH:
        return QueryTooLong(lookup.MAX_QUERY_LENGTH)
    async with services.store.transaction() as repo:
        listing = await _topic_page(repo, services, query, 1)
    return listing or _nothing_found(services, query)


async def search_listing(services: Services, query: str) -> FirstPage:
    """The first page of /search `query`: passages containing it, best first; when none does
    and it names a topic (an English alias such as "Hague"), the topic's. English words are
    looked for in the translation too (bot.english_search), their passages ranked with these."""
    if len(query) > lookup.MAX_QUERY_LENGTH:
        return QueryTooLong(lookup.MAX_QUERY_LENGTH)
    async with services.store.transaction() as repo:
        listing = await _search_page(repo, services, query, 1)
    return listing or _nothing_found(services, query)


async def topic_page(services: Services, slug: str, page: int) -> Listing | None:
    """A page of /topic by topic (its page buttons carry the slug). None for a slug the
    catalogue no longer knows, or a page that no longer exists."""
    topic = services.library.catalog.by_slug(slug)
    if topic is None or page < 1:
        return None
    async with services.store.transaction() as repo:
        return await _topic_page(repo, services, topic.slug, page)


async def keyword_page(services: Services, query_id: int, page: int) -> Listing | None:
    """A page of /topic by keyword (its page buttons carry the saved query's id)."""
    if page < 1:
        return None
    async with services.store.transaction() as repo:
        query = await repo.saved_query(query_id)
        return await _topic_page(repo, services, query, page) if query else None


async def search_page(services: Services, query_id: int, page: int) -> Listing | None:
    """A page of /search (its page buttons carry the saved query's id)."""
    if page < 1:
        return None
    async with services.store.transaction() as repo:
        query = await repo.saved_query(query_id)
        return await _search_page(repo, services, query, page) if query is not None else None


async def save_query(services: Services, query: str) -> int:
    """The id page buttons carry for a free-text query; the same text always gets the same id."""
    async with services.store.transaction() as repo:
        return await repo.save_query(query)


async def saved_query(services: Services, query_id: int) -> str | None:
    """The text behind a page button's id; None for an id never handed out."""
    async with services.store.transaction() as repo:
        return await repo.saved_query(query_id)


# --- inline mode -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InlineOffer:
    """What `@bot …` offers to share: passages for what is typed, or, while nothing is typed
    yet, the sections (to be shown with their summaries). At most INLINE_RESULTS in all."""

    document_title: str
    passages: tuple[Passage, ...]
    sections: tuple[SectionView, ...]
    # With several documents: each passage's document by its id (its title and translation).
    documents: dict[int, DocumentView] = field(default_factory=dict)

    def title_of(self, passage: Passage) -> str:
        document = self.documents.get(passage.document_id)
        return document.title if document is not None else self.document_title


async def inline_offer(services: Services, typed: str) -> InlineOffer | None:
    """None until content is imported (the answer is then empty). Only the first
    lookup.MAX_QUERY_LENGTH characters of what is typed count: inline queries are not refused."""
    query = typed.strip()[: lookup.MAX_QUERY_LENGTH]
    async with services.store.transaction() as repo:
        content = await services.content(repo)
        if content is None:
            return None
        if not query:
            return InlineOffer(content.document.title, (), content.sections[:INLINE_RESULTS])
        english = await services.english(repo)
        found = await lookup.search(
            repo, services.library.catalog, query, 0, INLINE_RESULTS, english
        )
        documents = await repo.document_order()
    passages = found.passages[:INLINE_RESULTS]
    several = documents if len(documents) > 1 else {}
    return InlineOffer(content.document.title, passages, (), several)
