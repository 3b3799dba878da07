"""What a chat follows, apart from its Telegram side: /subscribe NAME…, /unsubscribe NAME | all,
/mysubs, the /topics catalogue and its toggle buttons, and the deep link that offers a topic.

A name is a catalogue topic (any of its names, aliases or its slug, whatever the case or width)
or else a free keyword, which must be 2–30 characters and occur in the text: following a word
that never occurs would only ever produce empty briefings. A chat follows at most
MAX_SUBSCRIPTIONS topics and keywords together, and one command handles at most
MAX_NAMES_PER_COMMAND names.

Who may change a chat's subscriptions (in groups, admins only) is checked by the caller before
any of the changing functions here is called."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot import lookup
from bot.lookup import (
    MAX_KEYWORD_LENGTH,
    MAX_NAMES_PER_COMMAND,
    MAX_SUBSCRIPTIONS,
    MIN_KEYWORD_LENGTH,
)
from bot.scheduler import replan
from bot.services import Services
from bot.store import Repository, repository
from bot.store.repository import KEYWORD, TOPIC
from content.catalog import Catalog, fold

# `/unsubscribe all`, in every spelling a reader may use (compared folded: ALL, Ａｌｌ …).
ALL = frozenset({"all", "全部", "所有"})


class Kind(StrEnum):
    """What a subscription follows; the values are the store's kinds."""

    TOPIC = repository.TOPIC
    KEYWORD = repository.KEYWORD


# --- /subscribe and the deep-link button -----------------------------------------------------


class Added(StrEnum):
    """What subscribing one name did."""

    ADDED_TOPIC = "added_topic"
    ADDED_KEYWORD = "added_keyword"
    ALREADY = "already"  # the chat follows it already (also at the limit)
    LIMIT = "limit"  # the chat follows MAX_SUBSCRIPTIONS things: not added
    UNKNOWN = "unknown"  # neither a topic nor a keyword that occurs in the text
    TOO_LONG = "too_long"  # not a topic, and longer than a keyword may be
    TOO_SHORT = "too_short"  # not a topic; one letter, digit or hanzi that occurs in the text


@dataclass(frozen=True)
class Subscribed:
    """One name of /subscribe and what became of it.

    `name` is the name as typed (quoted back for UNKNOWN, TOO_LONG and TOO_SHORT). `kind` and
    `display` say what it turned out to be: a topic, shown by its name in the chat's language,
    or a keyword, shown as typed without surrounding blanks; `kind` is None when it is neither.
    `count` is how many passages contain an added keyword; `suggestions` are the names of the
    nearest topics for an UNKNOWN name, nearest first."""

    name: str
    outcome: Added
    kind: Kind | None
    display: str
    count: int = 0
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubscribeResult:
    """The outcome of a /subscribe: a line per handled name, in the order typed (a name that
    means the same as one before it, `海牙 Hague`, gets none), and the names beyond
    MAX_NAMES_PER_COMMAND that were not handled at all."""

    results: tuple[Subscribed, ...]
    skipped: tuple[str, ...]

    @property
    def added(self) -> bool:
        """Whether the command made the chat follow anything new."""
        return any(r.outcome in (Added.ADDED_TOPIC, Added.ADDED_KEYWORD) for r in self.results)


def names_in(services: Services, text: str) -> list[str]:
    """The names in what a reader typed (`海牙 GI`, `Hague Agreement, 商标`): blanks, commas and
    、 separate them, except inside a topic name that contains them."""
    return lookup.split_names(text, services.library.catalog)


def is_topic(services: Services, slug: str) -> bool:
    """Whether a button's slug names a catalogue topic (buttons outlive /reload and can be
    forged): such buttons are answered before asking Telegram whether the user is an admin."""
    return services.library.catalog.by_slug(slug) is not None


async def subscribe(
    services: Services, chat_id: int, language: str, names: Sequence[str]
) -> SubscribeResult:
    """Subscribe the chat to each name, in order. The limit counts what the command itself
    added, and a name the chat follows already is "already" even at the limit. A name that
    means what an earlier one of the same command meant (`海牙 海牙`, `海牙 Hague`) is left out:
    one line says what became of both."""
    taken, skipped = names[:MAX_NAMES_PER_COMMAND], names[MAX_NAMES_PER_COMMAND:]
    catalog = services.library.catalog
    async with services.store.transaction() as repo:
        following = await _following(repo, chat_id)
        results: list[Subscribed] = []
        seen: set[tuple[str, str]] = set()
        for name in taken:
            key = _meaning(catalog, name)
            if key in seen:
                continue
            seen.add(key)
            # Fuzzy suggestions cost milliseconds each: the first few unknown names get them.
            unknown = sum(result.outcome is Added.UNKNOWN for result in results)
            suggest = unknown < SUGGESTED_NAMES
            results.append(await _add(services, repo, chat_id, language, name, following, suggest))
        outcome = SubscribeResult(tuple(results), tuple(skipped))
        if outcome.added:  # a briefing planned and not yet sent is chosen again
            await replan(repo, services, chat_id)
    return outcome


SUGGESTED_NAMES = 3  # unknown names of one /subscribe that get suggestions; the rest do not


def _meaning(catalog: Catalog, name: str) -> tuple[str, str]:
    """What a name stands for, as the store keeps it: (topic, slug) or (keyword, folded)."""
    topic = catalog.resolve(name)
    return (TOPIC, topic.slug) if topic is not None else (KEYWORD, fold(name))


async def confirm_topic(
    services: Services, chat_id: int, language: str, slug: str
) -> Subscribed | None:
    """The tap on a deep link's "Subscribe" button: ADDED_TOPIC, ALREADY or LIMIT; None when
    the slug is not (or no longer) a catalogue topic."""
    if not is_topic(services, slug):
        return None
    async with services.store.transaction() as repo:
        following = await _following(repo, chat_id)
        result = await _add(services, repo, chat_id, language, slug, following)
        if result.outcome is Added.ADDED_TOPIC:
            await replan(repo, services, chat_id)
        return result


async def _following(repo: Repository, chat_id: int) -> set[tuple[str, str]]:
    return {(s.kind, s.value) for s in await repo.subscriptions(chat_id)}


async def _add(
    services: Services,
    repo: Repository,
    chat_id: int,
    language: str,
    name: str,
    following: set[tuple[str, str]],
    suggest: bool = True,
) -> Subscribed:
    """Subscribe the chat to one name (topic or keyword). `following` is what the chat
    follows, kept up to date so that one command's additions count towards the limit.
    `suggest`: an unknown name gets the nearest topics (else only "not found")."""
    catalog = services.library.catalog
    topic = catalog.resolve(name)
    hits = 0
    if topic is not None:
        kind, value, display, label = Kind.TOPIC, topic.slug, topic.name(language), topic.zh
    else:
        if len(name.strip()) > MAX_KEYWORD_LENGTH:
            return Subscribed(name, Added.TOO_LONG, None, name)
        hits = await repo.count_containing(name) if lookup.is_keyword_shaped(name) else 0
        if hits == 0 and _too_short(name) and await repo.count_containing(name):
            # "not in the text" would be untrue: it is, but one character matches too much.
            return Subscribed(name, Added.TOO_SHORT, None, name)
        if hits == 0:
            nearest = _nearest(catalog, language, name) if suggest else ()
            return Subscribed(name, Added.UNKNOWN, None, name, 0, nearest)
        kind, value, display, label = Kind.KEYWORD, fold(name), name.strip(), name.strip()
    if (kind.value, value) in following:
        return Subscribed(name, Added.ALREADY, kind, display)
    if len(following) >= MAX_SUBSCRIPTIONS:
        return Subscribed(name, Added.LIMIT, kind, display)
    await repo.subscribe(chat_id, kind.value, value, label, services.clock())
    following.add((kind.value, value))
    if kind is Kind.TOPIC:
        return Subscribed(name, Added.ADDED_TOPIC, kind, display)
    return Subscribed(name, Added.ADDED_KEYWORD, kind, display, hits)


def _too_short(name: str) -> bool:
    """A letter, digit or hanzi short of MIN_KEYWORD_LENGTH (`的`): a keyword but for its length."""
    folded = fold(name)
    return 0 < len(folded) < MIN_KEYWORD_LENGTH and any(char.isalnum() for char in folded)


def _nearest(catalog: Catalog, language: str, name: str) -> tuple[str, ...]:
    return tuple(topic.name(language) for topic in catalog.suggest(name))


# --- /unsubscribe --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Removal:
    """One name of /unsubscribe. `removed` is what it removed (None: the chat did not follow
    it); `display` is a removed topic's name in the chat's language, else the name as typed."""

    name: str
    removed: Kind | None
    display: str


@dataclass(frozen=True)
class UnsubscribeResult:
    """The outcome of an /unsubscribe: for `all`, how many subscriptions went (`everything`,
    possibly 0), what they were (`gone`, oldest first) and the names that give them back to
    /subscribe (`restore`); otherwise a line per name, none when the text held no name at all."""

    everything: int | None
    removals: tuple[Removal, ...] = ()
    gone: tuple[Followed, ...] = ()
    restore: str = ""


def means_all(text: str) -> bool:
    """Whether /unsubscribe's text is `all` (in any spelling), which asks before it removes."""
    return fold(text.strip()) in ALL


async def unsubscribe(
    services: Services, chat_id: int, language: str, text: str
) -> UnsubscribeResult:
    """`all` removes everything (the /unsubscribe handler asks the chat first, see means_all).
    Otherwise the whole text is tried first as a keyword (one typed with blanks, `乡村 振兴`),
    then name by name, each as a topic and else as a keyword."""
    catalog = services.library.catalog
    text = text.strip()
    async with services.store.transaction() as repo:
        if means_all(text):
            gone = await _followed(repo, catalog, chat_id, language, counted=False)
            restore = " ".join(_restoring(item) for item in gone)
            count = await repo.unsubscribe_all(chat_id)
            if count:
                await replan(repo, services, chat_id)
            return UnsubscribeResult(count, (), tuple(gone), restore)
        if catalog.resolve(text) is None and await repo.unsubscribe(chat_id, KEYWORD, fold(text)):
            await replan(repo, services, chat_id)
            return UnsubscribeResult(None, (Removal(text, Kind.KEYWORD, text),))
        removals = [
            await _remove(repo, catalog, chat_id, language, name)
            for name in lookup.split_names(text, catalog)[:MAX_NAMES_PER_COMMAND]
        ]
        if any(removal.removed is not None for removal in removals):
            await replan(repo, services, chat_id)
    return UnsubscribeResult(None, tuple(removals))


async def _remove(
    repo: Repository, catalog: Catalog, chat_id: int, language: str, name: str
) -> Removal:
    topic = catalog.resolve(name)
    if topic is not None and await repo.unsubscribe(chat_id, TOPIC, topic.slug):
        return Removal(name, Kind.TOPIC, topic.name(language))
    if await repo.unsubscribe(chat_id, KEYWORD, fold(name)):
        return Removal(name, Kind.KEYWORD, name)
    return Removal(name, None, name)


# --- /mysubs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Followed:
    """One subscription as /mysubs lists it: a topic by its name in the chat's language (its
    stored label once it left the catalogue), a keyword as it was typed; and how many passages
    it finds today. `value` is what the store keeps (a topic's slug, a keyword folded), for
    callers that look passages up by it (the reading view's highlights)."""

    kind: Kind
    name: str
    count: int
    value: str = field(default="", compare=False)


async def followed(services: Services, chat_id: int, language: str) -> tuple[Followed, ...]:
    """What the chat follows, oldest first."""
    async with services.store.transaction() as repo:
        listing = await _followed(repo, services.library.catalog, chat_id, language)
    return tuple(listing)


async def _followed(
    repo: Repository, catalog: Catalog, chat_id: int, language: str, counted: bool = True
) -> list[Followed]:
    """What the chat follows, oldest first; counts 0 unless `counted`."""
    listing: list[Followed] = []
    subscriptions = await repo.subscriptions(chat_id)
    counts = {row.slug: count for row, count in await repo.topic_counts()} if counted else {}
    for subscription in subscriptions:
        if subscription.kind == TOPIC:
            topic = catalog.by_slug(subscription.value)
            name = topic.name(language) if topic else subscription.label
            count = counts.get(subscription.value, 0)
            listing.append(Followed(Kind.TOPIC, name, count, subscription.value))
        else:
            count = await repo.count_containing(subscription.value) if counted else 0
            listing.append(Followed(Kind.KEYWORD, subscription.label, count, subscription.value))
    return listing


def _restoring(item: Followed) -> str:
    """A name /subscribe reads back as the same follow: a topic by its name; a keyword without
    blanks, which would split it (the store matches keywords without blanks anyway)."""
    if item.kind is Kind.TOPIC:
        return item.name
    return "".join(item.name.split())


# --- /topics -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueEntry:
    """A topic of the catalogue: its name in the chat's language and how many passages it tags."""

    slug: str
    name: str
    count: int


@dataclass(frozen=True)
class Catalogue:
    """Every imported topic in catalogue order, and the slugs of those the chat follows."""

    entries: tuple[CatalogueEntry, ...]
    followed: frozenset[str]


async def catalogue(services: Services, chat_id: int, language: str) -> Catalogue:
    async with services.store.transaction() as repo:
        return await _catalogue(repo, services.library.catalog, chat_id, language)


async def _catalogue(repo: Repository, catalog: Catalog, chat_id: int, language: str) -> Catalogue:
    entries = []
    for row, count in await repo.topic_counts():
        topic = catalog.by_slug(row.slug)
        name = topic.name(language) if topic else (row.en if language == "en" else row.zh)
        entries.append(CatalogueEntry(row.slug, name, count))
    subscribed = frozenset(s.value for s in await repo.subscriptions(chat_id) if s.kind == TOPIC)
    return Catalogue(tuple(entries), subscribed)


class Toggled(StrEnum):
    ON = "on"
    OFF = "off"
    LIMIT = "limit"  # not followed, and the chat follows MAX_SUBSCRIPTIONS things already


@dataclass(frozen=True)
class Toggle:
    """A /topics button's effect: the topic's name in the chat's language, and the catalogue as
    it stands afterwards (to redraw the ✅ marks)."""

    outcome: Toggled
    name: str
    catalogue: Catalogue


async def toggle_topic(services: Services, chat_id: int, language: str, slug: str) -> Toggle | None:
    """Unsubscribe a followed topic, else subscribe to it (within the limit); None when the
    slug is not (or no longer) a catalogue topic."""
    catalog = services.library.catalog
    topic = catalog.by_slug(slug)
    if topic is None:
        return None
    async with services.store.transaction() as repo:
        if await repo.unsubscribe(chat_id, TOPIC, topic.slug):
            outcome = Toggled.OFF
        elif len(await repo.subscriptions(chat_id)) >= MAX_SUBSCRIPTIONS:
            outcome = Toggled.LIMIT
        else:
            await repo.subscribe(chat_id, TOPIC, topic.slug, topic.zh, services.clock())
            outcome = Toggled.ON
        if outcome is not Toggled.LIMIT:
            await replan(repo, services, chat_id)
        after = await _catalogue(repo, catalog, chat_id, language)
    return Toggle(outcome, topic.name(language), after)


# --- deep links ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicOffer:
    """What a `topic_<slug>` deep link offers: the topic, named in the chat's language, and how
    many passages of the text it tags. Nothing is subscribed before the reader taps."""

    slug: str
    name: str
    passages: int


async def topic_offer(services: Services, language: str, slug: str) -> TopicOffer | None:
    """None for a slug the catalogue does not know (old or mistyped links)."""
    topic = services.library.catalog.by_slug(slug)
    if topic is None:
        return None
    async with services.store.transaction() as repo:
        _, total = await repo.passages_on_topic(topic.slug, limit=0)
    return TopicOffer(topic.slug, topic.name(language), total)
