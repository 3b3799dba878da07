"""Callback data, the one place that writes and reads it: "<action>:<argument>", at most 64 bytes
(Telegram's limit), ASCII. Every button's action is a member of `Action`; anything that does not
parse is stale, forged or from an older version, and is answered as expired."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CALLBACK_DATA_LIMIT = 64


class Action(StrEnum):
    """The prefix of every button's callback data, and what the button does."""

    # Reading buttons name a document too when the bot has several: sec:<doc>:<n>, toc:<doc>,
    # toc:new:<doc> (<doc> a slug, or a year when the slug is long); without one, the newest.
    OPEN_SECTION = "sec"  # sec:<n>            open section n in place (card, ‹ ›)
    FULL_TEXT = "full"  # full:<n>             send section n verbatim
    CONTENTS = "toc"  # toc: | toc:new          the table of contents in place, or as a new message
    OPEN_CARD = (
        "card"  # card:<n>             section n's card as a new message (briefing, full text)
    )
    TOGGLE_TOPIC = "tg"  # tg:<slug>           subscribe/unsubscribe in place (/topics)
    CONFIRM_TOPIC = "sub"  # sub:<slug>        subscribe after a deep link's confirmation
    TOPIC_PAGE = "pt"  # pt:<slug>:<page>      a page of /topic
    KEYWORD_PAGE = "pk"  # pk:<query id>:<page> a page of /topic with a keyword
    SEARCH_PAGE = "pq"  # pq:<query id>:<page> a page of /search
    SETTINGS = "set"  # set:pause|resume|today|time:HHMM|tz:<zone>|quiet:on|off
    SET_LANGUAGE = "lang"  # lang:<code>
    ONBOARDING = "onb"  # onb:topics | onb:keep | onb:time:HHMM
    BROADCAST = "bc"  # bc:send:<id> | bc:cancel:<id>
    UNSUBSCRIBE_ALL = "ua"  # ua:yes | ua:no    /unsubscribe all, once confirmed (or not)
    FORGET_CHAT = "wipe"  # wipe:ask | wipe:yes:<minute> | wipe:no   delete the chat's data (/stop)
    PAST_BRIEFING = "hist"  # hist:<delivery id>   a briefing of /history again, as a new message
    MORE_ON_TOPIC = "more"  # more:<slug>          /topic's first page (under a briefing)
    DROP_TOPIC = "unsub"  # unsub:<slug>           unsubscribe in one tap (under a briefing)
    UNDO_DROP = "resub"  # resub:<slug>            subscribe again (Undo under its answer)
    OPEN_DOCUMENT = "doc"  # doc:<doc>              a document's table of contents (/documents)
    IMPORT = "imp"  # imp:pub:<token> | imp:no:<token>   publish or cancel an owner's upload


@dataclass(frozen=True)
class Callback:
    action: str
    argument: str = ""

    def encode(self) -> str:
        data = f"{self.action}:{self.argument}"
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
        return data


def encode(action: Action, argument: str = "") -> str:
    return Callback(action.value, argument).encode()


def parse_callback(data: str | None) -> Callback | None:
    """None for anything we did not write (stale, forged, or from an older version)."""
    if not data or len(data.encode()) > CALLBACK_DATA_LIMIT or ":" not in data:
        return None
    action, _, argument = data.partition(":")
    return Callback(action, argument)


def pattern(*actions: Action) -> str:
    """The CallbackQueryHandler pattern that takes these actions' buttons."""
    return rf"^({'|'.join(action.value for action in actions)}):"


def section_number_argument(callback: Callback) -> int | None:
    argument = callback.argument.rpartition(":")[2]
    return (
        int(argument) if argument.isascii() and argument.isdigit() and len(argument) < 4 else None
    )


def document_argument(callback: Callback) -> str:
    """The document a reading button names ("" for the newest): `sec:<doc>:<n>`, `toc:<doc>`,
    `toc:new:<doc>`."""
    argument = callback.argument
    if callback.action == Action.CONTENTS:
        first, _, rest = argument.partition(":")
        return rest if first == "new" else argument
    return argument.rpartition(":")[0]


def in_document(document: str, number: int) -> str:
    """A section button's argument: `<n>`, or `<doc>:<n>` within a named document."""
    return f"{document}:{number}" if document else str(number)


def contents_argument(document: str, *, new_message: bool = False) -> str:
    """The contents button's argument: "", "new", "<doc>" or "new:<doc>"."""
    parts = (["new"] if new_message else []) + ([document] if document else [])
    return ":".join(parts)


def small_number(text: str) -> int | None:
    """An id or page number from callback data: ASCII digits that fit any integer column."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def split_page_argument(callback: Callback) -> tuple[str, int] | None:
    """`<key>:<page>` → (key, page); None for anything malformed."""
    key, _, page = callback.argument.rpartition(":")
    if not key or not page.isascii() or not page.isdigit() or len(page) > 4:
        return None
    return key, int(page)
