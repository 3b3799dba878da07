"""The reading view (the Mini App) apart from HTTP: the documents to read, what a reader follows
and which passages that highlights, and the topic toggles.

A reader is a Telegram user, known by a checked initData (bot.webapp_auth); what they follow is
what their private chat with the bot follows (the chat's id is the user's id), so a toggle here
and /subscribe, /unsubscribe, /topics and /mysubs all change and show the same subscriptions.
The rules are those of the commands, reused from bot.usecases.subscriptions and .reading: the
limit, the catalogue, the replanning of a briefing not yet sent. Reading changes nothing; a
toggle records the private chat first, as a message to the bot would."""

from __future__ import annotations

from dataclasses import dataclass

from bot.briefing import qualified
from bot.services import PRIVATE, Services
from bot.store.repository import DocumentView, SectionView
from bot.usecases import chats, reading, subscriptions
from bot.usecases.subscriptions import Added, Kind
from bot.webapp_auth import WebAppUser

# --- the documents -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PassageText:
    """A passage: its key ("S.O"), its original, and its English (None without a translation)."""

    key: str
    zh: str
    en: str | None


@dataclass(frozen=True)
class SectionText:
    """A section with its curated summary and its full text, passage by passage."""

    section: SectionView
    heading_en: str | None  # the translation's heading, else None
    passages: tuple[PassageText, ...]


@dataclass(frozen=True)
class DocumentText:
    document: DocumentView
    title_en: str
    sections: tuple[SectionText, ...]


async def documents(services: Services) -> tuple[DocumentText, ...]:
    """Every document the bot reads, whole, newest first: the same for every reader of this
    content version (the server caches it by `services.version`). () until content is imported.

    Passage keys are the briefing index's: "S.O" in the newest document, "<slug>:S.O" in older
    ones, so a follow's passages (Reader.highlighted) mark the right document's text."""
    shelf = await services.current_shelf()
    if shelf is None:
        return ()
    index = services.index
    found_documents: list[DocumentText] = []
    for content in shelf.documents:
        slug = content.document.slug
        sections: list[SectionText] = []
        for section in content.sections:
            found = await reading.full_text(services, section.number, slug)
            if found is None:
                continue
            translation = found.translation
            passages = tuple(
                PassageText(
                    index.from_stored(qualified(key, slug)),  # the index's name for it
                    zh,
                    translation.passage(key) if translation else None,
                )
                for key, zh in zip(found.keys, found.passages, strict=True)
            )
            heading_en = translation.heading(section.number) if translation else None
            sections.append(SectionText(section, heading_en, passages))
        title_en = content.document.title_en
        translation = services.translation_of(slug)
        if translation is not None and translation.title:
            title_en = translation.title
        found_documents.append(DocumentText(content.document, title_en, tuple(sections)))
    return tuple(found_documents)


# --- the reader ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Follow:
    """One thing the reader follows, as /mysubs lists it, with the slug of a topic (None for a
    keyword) and the passages it highlights."""

    kind: Kind
    name: str
    slug: str | None
    passages: tuple[str, ...]


@dataclass(frozen=True)
class TopicChoice:
    """A catalogue topic as a toggle: its name in the reader's language, its passage count,
    and whether the reader follows it."""

    slug: str
    name: str
    count: int
    followed: bool


@dataclass(frozen=True)
class Reader:
    user_id: int
    language: str
    follows: tuple[Follow, ...]
    topics: tuple[TopicChoice, ...]
    limit: int

    @property
    def highlighted(self) -> dict[str, tuple[str, ...]]:
        """Passage key → the names of the follows that find it, in the order followed."""
        found: dict[str, list[str]] = {}
        for follow in self.follows:
            for key in follow.passages:
                found.setdefault(key, []).append(follow.name)
        return {key: tuple(names) for key, names in found.items()}


async def language_of(services: Services, user: WebAppUser) -> str:
    """Their private chat's language; before they ever wrote to the bot, their client's (the
    rule of a first message)."""
    stored = await chats.stored_language(services, user.id)
    return stored or chats.first_language(PRIVATE, user.language_code)


async def reader(services: Services, user: WebAppUser) -> Reader:
    """The reader's language, what they follow (what /mysubs shows) and every topic as a toggle.
    Reads only: a user who never wrote to the bot follows nothing and is not recorded."""
    language = await language_of(services, user)
    followed = await subscriptions.followed(services, user.id, language)
    catalogue = await subscriptions.catalogue(services, user.id, language)
    index = services.index
    follows = tuple(
        Follow(item.kind, item.name, item.value, index.topics.get(item.value, ()))
        if item.kind is Kind.TOPIC
        else Follow(item.kind, item.name, None, index.keyword(item.value))
        for item in followed
    )
    topics = tuple(
        TopicChoice(entry.slug, entry.name, entry.count, entry.slug in catalogue.followed)
        for entry in catalogue.entries
    )
    return Reader(user.id, language, follows, topics, subscriptions.MAX_SUBSCRIPTIONS)


# --- the toggles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Toggled:
    """What a toggle did: `outcome` is "on", "off", "already", "not_followed" or "limit"."""

    outcome: str
    name: str
    reader: Reader


async def set_topic(
    services: Services, user: WebAppUser, slug: str, follow: bool
) -> Toggled | None:
    """Follow or stop following a catalogue topic, as /subscribe and /unsubscribe do; None for a
    slug the catalogue does not know. Idempotent: the page says what it wants, not "toggle", so
    a request repeated (a double tap, a retry) changes nothing more."""
    topic = services.library.catalog.by_slug(slug)
    if topic is None:
        return None
    chat = await chats.resolve(services, user.id, PRIVATE, user.language_code)
    language = chat.language
    name = topic.name(language)
    if follow:
        added = await subscriptions.confirm_topic(services, user.id, language, topic.slug)
        assert added is not None  # the slug is a catalogue topic
        outcome = {Added.ADDED_TOPIC: "on", Added.LIMIT: "limit"}.get(added.outcome, "already")
    else:
        result = await subscriptions.unsubscribe(services, user.id, language, topic.slug)
        removed = any(removal.removed is Kind.TOPIC for removal in result.removals)
        outcome = "off" if removed else "not_followed"
    return Toggled(outcome, name, await reader(services, user))
