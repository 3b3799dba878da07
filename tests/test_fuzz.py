"""Property-based fuzzing: updates the bot can receive, generated with hypothesis, run through the
real Application polling the stand-in.

Generated: every command (the menu, the owners' commands, unknown ones, `/section@otherbot`) with
arguments mixing the empty string, 10 000 characters, RTL and zero-width marks, emoji, HTML and
Markdown markers, NUL and other control characters; plain text; edited messages; channel posts;
messages with no text (location, sticker, photo with a caption, service messages, migrations);
updates from chats the stand-in does not know; group messages from strangers, anonymous admins
and a linked channel; forum topics; forged and stale callback data on real, missing, inaccessible
and inline messages; inline queries; membership changes; reactions, poll answers, join requests.
Before the drawn updates, every command is sent with every edge text (explicit cases).

Checked for every update: nothing raised out of a handler (no ERROR record); every call the bot
made is what Telegram accepts (HTML with allowed tags only, balanced and escaped, at most 4096
characters shown; callback data of 1–64 bytes; callback answers of at most 200 characters; inline
results Telegram takes); no call was refused except by Telegram's rules for what the case forged
(a send to an unknown chat, an edit of a missing message, an edit that changes nothing); commands
for another bot and channel posts get no answer; every menu command in a known private chat gets
one; answers in a forum topic stay in it. Afterwards `/section 1` still answers with its heading,
and an owner's broadcast reaches every chat the run created.

Starting the Application per example is slow, so one Application serves a whole run: hypothesis
only draws the updates (deterministically: derandomize), then they are fed one by one, each
awaited until handled. Shrinking is lost that way; a failure names the update's number and its
exact payload instead. Run with -s to see what was drawn, what Telegram refused, the slowest
updates. The long run: `pytest -m slow tests/test_fuzz.py`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from telegram.error import BadRequest

import handlers
from bot.callbacks import Action
from bot.config import Settings
from bot.i18n import LANGUAGES, Translator
from entry.standin import (
    JSON,
    Call,
    StoredMessage,
    TelegramRefusal,
    TelegramStandIn,
    parse_telegram_html,
    utf16_length,
)
from tests.support.driver import BotDriver, driven_bot

BACKENDS = ("sqlite", "postgresql")  # PostgreSQL when TEST_POSTGRES_URL is set (conftest)
CI_EXAMPLES = 2_000
LONG_EXAMPLES = 20_000

HEADING_1 = "一、坚持政治引领，不断加强党建和党风廉政建设。"
ME = "policy_briefing_bot"
LI, EN_USER, OWNER, ADMIN = 1001, 2002, 42, 3003
GROUP = -100123  # a supergroup the stand-in knows
FORUM = -100456  # a forum supergroup
OLD_GROUP = -555  # a basic group, about to become a supergroup
CHANNEL = -100777
UNKNOWN_PRIVATE = 5005  # chats the stand-in does not know: every send there is "chat not found"
UNKNOWN_GROUP = -100999
UNKNOWN_CHATS = frozenset({UNKNOWN_PRIVATE, UNKNOWN_GROUP})
NEW_SUPERGROUP = -100888  # what OLD_GROUP may become
FORGED_MESSAGE_ID = 7_777_777
# 11:00 in Shanghai, and it stays so: no daily briefing falls due while the fuzzer runs.
NOW = datetime(2024, 3, 5, 3, 0, tzinfo=UTC)
DATE = int(NOW.timestamp())
PROCESS_TIMEOUT = 15.0
TRANSLATE = Translator.load()

SENDS = {"sendMessage", "sendPhoto", "sendChatAction"}
EDITS = {"editMessageText", "editMessageReplyMarkup"}
# The Bot API's method names are case-insensitive; the push calls "sendmessage" (bot/delivery.py).
_CANONICAL = {name.lower(): name for name in SENDS | EDITS}


def method_of(call: Call) -> str:
    """The call's method as the Bot API documents it, however the bot spelled it."""
    return _CANONICAL.get(call.method.lower(), call.method)


_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?")  # as Telegram marks it

BOT_USER: JSON = {"id": 123456, "is_bot": True, "first_name": "Policy Briefing", "username": ME}
CHANNEL_BOT: JSON = {
    "id": 136817688,
    "is_bot": True,
    "first_name": "Channel",
    "username": "Channel_Bot",
}
ANONYMOUS_ADMIN: JSON = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


# --- what a case is and how it is checked --------------------------------------------------------


@dataclass
class Case:
    """One update and what may legitimately go wrong with it."""

    payload: JSON
    kind: str
    unknown_chat: bool = False  # involves a chat the stand-in does not know: sends are refused
    forged_message: bool = False  # a button on a message that does not exist (to edit)
    silent: bool = False  # the bot must not say anything (another bot's command, a channel)
    must_answer: int | None = None  # a menu command: this chat must get an answer


def _menu() -> tuple[str, ...]:
    return tuple(handlers.MENU)


def _owner_commands() -> tuple[str, ...]:
    return tuple(handlers.OWNER)


def _shown(payload: JSON) -> str:
    text = json.dumps(payload, ensure_ascii=True)
    return text if len(text) <= 1500 else text[:1500] + f"… ({len(text)} characters)"


def _plain_of(params: JSON, field_name: str) -> tuple[str | None, str | None]:
    """(plain text, problem) of an HTML field the way Telegram would read it."""
    text = params.get(field_name)
    if not isinstance(text, str):
        return None, f"{field_name} is not a string: {text!r}"
    try:
        plain = parse_telegram_html(text) if params.get("parse_mode") == "HTML" else text
    except TelegramRefusal as refusal:
        return None, f"{refusal.description} in {text[:300]!r}"
    return plain, None


def _markup_problems(markup: object) -> list[str]:
    if markup is None:
        return []
    if not isinstance(markup, dict):
        return [f"reply_markup is not an object: {markup!r}"]
    problems = []
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                problems.append(f"a button without text: {button!r}")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                problems.append(f"callback data of {len(str(data).encode())} bytes: {data!r}")
    return problems


def call_problems(call: Call) -> list[str]:
    """What Telegram would refuse in a call, whatever the stand-in answered."""
    params, method = call.params, method_of(call)
    problems: list[str] = []
    if method in {"sendMessage", "editMessageText"}:
        plain, problem = _plain_of(params, "text")
        if problem:
            problems.append(problem)
        elif plain is not None and not plain.strip():
            problems.append("empty message text")
        elif plain is not None and utf16_length(plain) > 4096:
            problems.append(f"{utf16_length(plain)} characters shown, over 4096")
    if method == "sendPhoto" and isinstance(params.get("caption"), str):
        plain, problem = _plain_of(params, "caption")
        if problem:
            problems.append(problem)
        elif plain is not None and utf16_length(plain) > 1024:
            problems.append(f"a caption of {utf16_length(plain)} characters")
    if method in SENDS | EDITS:
        problems += _markup_problems(params.get("reply_markup"))
    if method == "answerCallbackQuery":
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            problems.append(f"callback answer of {len(text)} characters")
    if method == "answerInlineQuery":
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            problems.append("inline results: not a list of at most 50")
        else:
            ids = [str(r.get("id")) for r in results]
            if len(set(ids)) != len(ids):
                problems.append(f"duplicate inline result ids: {ids}")
            for result in results:
                if not 1 <= len(str(result.get("id")).encode()) <= 64:
                    problems.append(f"inline result id {result.get('id')!r}")
                if not result.get("title"):
                    problems.append(f"inline result {result.get('id')!r} without a title")
                content = result.get("input_message_content") or {}
                content = {"parse_mode": params.get("parse_mode"), **content}
                plain, problem = _plain_of(content, "message_text")
                if problem:
                    problems.append(f"inline result {result.get('id')!r}: {problem}")
                elif plain is not None and not 1 <= utf16_length(plain.strip()) <= 4096:
                    problems.append(f"inline result {result.get('id')!r}: {len(plain)} chars")
    return problems


def _existing_bot_message(api: TelegramStandIn, params: JSON) -> StoredMessage | None:
    chat_id, message_id = params.get("chat_id"), params.get("message_id")
    if not isinstance(chat_id, int):
        return None
    for message in api.messages.get(chat_id, []):
        if message.from_bot and message.message_id == message_id:
            return message
    return None


def _not_modified(api: TelegramStandIn, call: Call) -> bool:
    message = _existing_bot_message(api, call.params)
    if message is None:
        return False
    markup = call.params.get("reply_markup")
    if method_of(call) == "editMessageReplyMarkup":
        return markup == message.reply_markup
    return call.params.get("text") == message.html and markup == message.reply_markup


def refusal_problems(api: TelegramStandIn, case: Case, call: Call) -> tuple[list[str], str | None]:
    """(problems, the refusal Telegram gives for what we forged) for a call refused by the
    stand-in."""
    chat_id = call.params.get("chat_id")
    if case.unknown_chat and method_of(call) in SENDS and chat_id in UNKNOWN_CHATS:
        return [], "chat not found"
    if method_of(call) in EDITS:
        if _existing_bot_message(api, call.params) is None:
            if case.forged_message:
                return [], "message to edit not found"
            return [f"{method_of(call)} of a message that does not exist: {call.params!r}"], None
        if _not_modified(api, call):
            return [], "message is not modified"
    shown = {k: (v[:200] if isinstance(v, str) else v) for k, v in call.params.items()}
    return [f"{method_of(call)} refused ({call.status}): {shown!r}"], None


def _text_of(case: Case) -> str:
    message = case.payload.get("message") or case.payload.get("edited_message") or {}
    return str(message.get("text") or "")


def _data_of(case: Case) -> str:
    return str((case.payload.get("callback_query") or {}).get("data") or "")


APOLOGIES = {TRANSLATE(language, "error.generic") for language in LANGUAGES}


def record_problems(records: Sequence[logging.LogRecord], excused: set[str]) -> list[str]:
    problems = []
    for record in records:
        if record.levelno < logging.ERROR:
            continue
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, BadRequest) and any(
            reason in error.message.lower() for reason in excused
        ):
            continue  # Telegram's answer to what the case forged, reported by the error handler
        problems.append(f"{record.name}: {record.getMessage()} ({error!r})")
    return problems


def case_problems(
    api: TelegramStandIn,
    case: Case,
    calls: Sequence[Call],
    records: Sequence[logging.LogRecord],
) -> list[str]:
    problems: list[str] = []
    excused: set[str] = set()
    for call in calls:
        problems += call_problems(call)
        if call.status >= 400:
            found, reason = refusal_problems(api, case, call)
            problems += found
            if reason:
                excused.add(reason)
    problems += record_problems(records, excused)
    said = [c for c in calls if method_of(c) in {"sendMessage", "sendPhoto"} | EDITS]
    if case.silent and said:
        problems.append(f"answered what was not for it: {[c.params.get('text') for c in said]!r}")
    if case.must_answer is not None and not any(
        method_of(c) == "sendMessage"
        and c.status < 300
        and c.params.get("chat_id") == case.must_answer
        for c in calls
    ):
        problems.append("a menu command got no answer")
    message = case.payload.get("message") or case.payload.get("edited_message") or {}
    if message.get("is_topic_message"):  # a forum topic: answers stay in it
        chat_id, thread = message["chat"]["id"], message["message_thread_id"]
        strays = [
            c.params.get("text")
            for c in said
            if method_of(c) in SENDS
            and c.params.get("chat_id") == chat_id
            and c.params.get("message_thread_id") != thread
        ]
        problems += [f"answered outside forum topic {thread}: {text!r}" for text in strays]
    return problems


# --- strategies -----------------------------------------------------------------------------------

EDGE_TEXTS = [
    "",
    " ",
    "a" * 10_000,
    "四" * 10_000,
    "<b>" * 3_334,
    "&amp;" * 2_000,
    "\u200b" * 10_000,
    "👨‍👩‍👧‍👦" * 1_429,
    "\u202e4" * 5_000,
    "\x00" * 10_000,
    "4 " * 5_000,
    "海牙 " * 2_500,
    "a" * 4_096,  # Telegram's limit exactly
    "👍" * 2_100,  # 2 100 characters, 4 200 UTF-16 code units (what Telegram counts)
    "专利\x00",
    "\x00",
    "\u202e\u200f\u200b\u200d\ufeff",
    "<b>&amp;</a><script>",
    "*_[]()~`>#+-=|{}.!",
    "👨‍👩‍👧‍👦🇨🇳👍🏽",
    "４",
]
FRAGMENTS = [
    # numbers and sections
    "4", "四", "第四部分", "第4部分", "４", "𝟒", "٤", "Ⅳ", "0", "-1", "8", "9", "十一", "〇",
    "999999999999999999999", "1e3", "4.", "四、", "section 4", "§4", "#4", "no.4", "总体思路",
    # times and zones
    "08:30", "８：３０", "24:00", "23:59", "2400", "8.30", "UTC+14", "UTC-12", "+05:30", "GMT-3",
    "UTC+15", "UTC+14:30", "Asia/Tokyo", "asia/shanghai", "Etc/GMT+12", "Europe/Kyiv", "UTC",
    # topics, keywords, deep links, languages
    "海牙", "GI", "hague", "全部", "all", "所有", "知识产权", "专利", "商标", "地理标志",
    "section_4", "section_999", "section_", "section_-1", "topic_hague", "topic_", "topic_nosuch",
    "en", "zh", "English", "中文", "fr",
    # markup
    "<b>", "</b>", "&amp;", "&", "</a>", '<a href="https://t.me">', "<script>alert(1)</script>",
    "<", ">", "&lt;", "&#0;", "&#xD800;", "&#1114112;", "&nosuch;", "<!--", "<![CDATA[", "<?x?>",
    "*bold*", "_it_", "[link](http://x)", "`code`", "```", "~~", ">quote", "#", "+", "-", "=",
    "|", "{}", "{name}", "{0}", "%s", "%(x)s", ".", "!", "\\", "'", '"', "“", "”", "、", "，",
    # invisible, directional, control
    "\x00", "\x01", "\x1c", "\x1f", "\x7f", "\x85", "\u202e", "\u200f", "\u200b", "\u200d",
    "\ufeff", "\u2028", "\u3000", "\t", "\n", "\r\n", "\u00ad", "\u0301",
    # emoji and scripts
    "👍", "👨‍👩‍👧‍👦", "🇨🇳", "🏳️‍🌈", "👍🏽", "e\u0301", "中华人民共和国", "עברית", "العربية", "ﷺ",
]  # fmt: skip
SEPARATORS = ["", " ", " ", "  ", "\n", "\u3000", "\t", "\u200b", ","]
LANGUAGE_CODES = [None, "zh-hans", "zh-hant", "zh", "en", "en-US", "de", "ar", "he", "ZH", "xx"]
CALLBACK_PREFIXES = [action.value for action in Action]  # every button the bot can make
CALLBACK_SUFFIXES = [
    "", "0", "4", "8", "9", "999", "-1", "00004", "４", "٤", "四", "1e3", " 4", "4 ", "abc",
    "abc:1", "1:99999", "1:0", "1:-1", "1:1", "1:2", "2:1", "2:2", "3:3", "5:1", ":", "::",
    "hague", "hague:0", "hague:1", "hague:2", "hague:99999", "protection:2", "nosuch:1",
    "999999999999999999999:1", "1:99999999999999999999", "pause", "resume", "today", "en", "zh",
    "fr", "<b>", "&amp;", "\x00", "🇨🇳", "sec:4", "topics", "keep", "time:0700", "time:2400",
    "time:9999", "time:", "time:ab", "time:07", "send:1", "send:2", "cancel:1", "cancel:2",
    "send:999", "send:", "cancel:-1", "²:1", "9223372036854775808:1", "send:²",
    "send:9223372036854775808",
]  # fmt: skip
CHARACTERS = st.characters(exclude_categories=["Cs"])  # Telegram never sends lone surrogates


def long_texts() -> st.SearchStrategy[str]:
    pieces = st.sampled_from(
        ["a", "四", "👍", "<b>", "&amp;", "\u200b", "*_", "\u202e", "4 ", "海牙 "]
    )
    return st.builds(
        lambda piece, length: (piece * (length // len(piece) + 1))[:length],
        pieces,
        st.sampled_from([4_000, 4_096, 4_097, 9_999, 10_000]),
    )


def joined(draw: st.DrawFn, parts: list[str]) -> str:
    return "".join(part + draw(st.sampled_from(SEPARATORS)) for part in parts)


@st.composite
def mixed_texts(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(
            st.one_of(st.sampled_from(FRAGMENTS), st.text(CHARACTERS, max_size=12)), max_size=8
        )
    )
    return joined(draw, parts)


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(""),
        st.sampled_from(FRAGMENTS),
        st.sampled_from(EDGE_TEXTS),
        mixed_texts(),
        mixed_texts(),
        st.text(CHARACTERS, max_size=64),
        long_texts(),
    )


def _bytes_limited(text: str, limit: int = 64) -> str:
    return text.encode()[:limit].decode(errors="ignore")


@st.composite
def users(draw: st.DrawFn, user_id: int | None = None) -> JSON:
    user: JSON = {
        "id": user_id if user_id is not None else draw(st.integers(10_000, 2**40)),
        "is_bot": False,
        "first_name": draw(st.one_of(st.just("U"), st.text(CHARACTERS, min_size=1, max_size=64))),
    }
    language = draw(st.sampled_from(LANGUAGE_CODES))
    if language:
        user["language_code"] = language
    if draw(st.booleans()):
        user["username"] = draw(st.from_regex(r"[a-z][a-z0-9_]{4,31}", fullmatch=True))
    return user


KNOWN_USERS: dict[int, JSON] = {
    LI: {"id": LI, "is_bot": False, "first_name": "Li", "language_code": "zh-hans"},
    EN_USER: {"id": EN_USER, "is_bot": False, "first_name": "Alice", "language_code": "en"},
    OWNER: {"id": OWNER, "is_bot": False, "first_name": "Owner", "language_code": "en"},
    ADMIN: {"id": ADMIN, "is_bot": False, "first_name": "Admin", "language_code": "zh-hans"},
}


def private_chat(user: JSON) -> JSON:
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


def group_chat(chat_id: int) -> JSON:
    if chat_id == FORUM:
        return {"id": chat_id, "type": "supergroup", "title": "Forum", "is_forum": True}
    if chat_id == OLD_GROUP:
        return {"id": chat_id, "type": "group", "title": "Old group"}
    return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}


@dataclass
class Place:
    """Where an update comes from and who sends it."""

    chat: JSON
    sender: JSON
    unknown: bool = False
    private: bool = False
    extra: JSON = field(default_factory=dict)


@st.composite
def places(draw: st.DrawFn) -> Place:
    where = draw(
        st.sampled_from(
            [  # known private chats take about half: most commands answer there
                *("li", "li", "li", "en", "en", "owner", "unknown_private", "group", "group"),
                *("forum", "anonymous", "old_group", "unknown_group", "linked_channel"),
            ]
        )
    )
    if where in {"li", "en", "owner"}:
        user = KNOWN_USERS[{"li": LI, "en": EN_USER, "owner": OWNER}[where]]
        return Place(private_chat(user), user, private=True)
    if where == "unknown_private":
        user = draw(users(UNKNOWN_PRIVATE))
        return Place(private_chat(user), user, unknown=True, private=True)
    chat_id = {"forum": FORUM, "old_group": OLD_GROUP, "unknown_group": UNKNOWN_GROUP}.get(
        where, GROUP
    )
    chat = group_chat(chat_id)
    sender = draw(st.one_of(st.sampled_from(list(KNOWN_USERS.values())), users()))
    extra: JSON = {}
    if where == "anonymous":
        sender, extra = ANONYMOUS_ADMIN, {"sender_chat": chat}
    elif where == "linked_channel":  # a post of the group's linked channel, forwarded into it
        channel = {"id": CHANNEL, "type": "channel", "title": "Channel"}
        sender, extra = CHANNEL_BOT, {"sender_chat": channel, "is_automatic_forward": True}
    elif where == "forum" and draw(st.booleans()):
        extra = {
            "message_thread_id": draw(st.sampled_from([1, 7, 99999])),
            "is_topic_message": True,
        }
    return Place(chat, sender, unknown=chat_id in UNKNOWN_CHATS, extra=extra)


@st.composite
def command_texts(draw: st.DrawFn) -> str:
    """A command as a user types it: any name, perhaps addressed, any argument."""
    names = (*_menu(), *_owner_commands(), "nosuch", "SECTION", "Start", "s" * 32, "section_4")
    name = draw(st.sampled_from(names))
    addressee = draw(
        st.sampled_from(["", "", "", f"@{ME}", "@Policy_Briefing_Bot", "@otherbot", "@" + "x" * 64])
    )
    argument = draw(texts())
    separator = draw(st.sampled_from([" ", " ", " ", "\n", "  ", "\u3000", "\t", "", "\u200b "]))
    return f"/{name}{addressee}{separator if argument else ''}{argument}"


def with_entities(message: JSON, field_name: str = "text") -> JSON:
    """Mark a leading /command the way Telegram does (a bot_command entity at offset 0)."""
    command = _COMMAND.match(message[field_name])
    if command:
        entities = "entities" if field_name == "text" else "caption_entities"
        message[entities] = [
            {"type": "bot_command", "offset": 0, "length": utf16_length(command.group())}
        ]
    return message


_message_ids = itertools.count(100_000)


def base_message(place: Place) -> JSON:
    message: JSON = {
        "message_id": next(_message_ids),
        "date": DATE,
        "chat": place.chat,
        "from": place.sender,
    }
    message.update(place.extra)
    return message


def message_case(place: Place, text: str, kind: str, edited: bool = False) -> Case:
    """A message (or its edit) with `text`, and what the bot owes it: a menu command in a known
    private chat gets an answer; a command for another bot gets none."""
    message = base_message(place)
    message["text"] = text
    with_entities(message)
    if edited:
        message["edit_date"] = DATE + 1
    marked = _COMMAND.match(text)
    name, _, addressee = (marked.group()[1:] if marked else "").partition("@")
    elsewhere = bool(addressee) and addressee.lower() != ME
    must_answer = (
        marked is not None
        and not edited
        and place.private
        and not place.unknown
        and name.lower() in _menu()
        and not elsewhere
    )
    return Case(
        {"edited_message" if edited else "message": message},
        f"{'edited ' if edited else ''}{kind}",
        unknown_chat=place.unknown,
        silent=elsewhere,
        must_answer=place.chat["id"] if must_answer else None,
    )


@st.composite
def text_messages(draw: st.DrawFn) -> Case:
    place = draw(places())
    edited = draw(st.integers(0, 4)) == 0
    command = draw(st.integers(0, 3)) > 0
    text = draw(command_texts()) if command else draw(texts())
    text = text or draw(st.sampled_from(["/", ".", "\u200b"]))
    return message_case(place, text, "command" if command else "text", edited)


@st.composite
def textless_messages(draw: st.DrawFn) -> Case:
    place = draw(places())
    message = base_message(place)
    kind = draw(
        st.sampled_from(
            [
                *("location", "sticker", "photo", "contact", "dice", "new_members", "left"),
                *("title", "migrate_to", "migrate_from", "pinned"),
            ]
        )
    )
    if kind == "location":
        message["location"] = {"latitude": 1.0, "longitude": 2.0}
    elif kind == "sticker":
        message["sticker"] = {
            "file_id": "s1",
            "file_unique_id": "s",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": "👍",
        }
    elif kind == "photo":
        message["photo"] = [{"file_id": "p1", "file_unique_id": "p", "width": 1, "height": 1}]
        caption = draw(st.one_of(texts(), command_texts()))
        if caption:
            message["caption"] = caption
            with_entities(message, "caption")
    elif kind == "contact":
        message["contact"] = {"phone_number": "+10000", "first_name": "C"}
    elif kind == "dice":
        message["dice"] = {"emoji": "🎲", "value": 3}
    elif kind == "new_members":
        message["new_chat_members"] = [BOT_USER, draw(users())]
    elif kind == "left":
        message["left_chat_member"] = draw(st.sampled_from([BOT_USER, KNOWN_USERS[ADMIN]]))
    elif kind == "title":
        message["new_chat_title"] = draw(texts()) or "T"
    elif kind == "pinned":
        message["pinned_message"] = {"message_id": 1, "date": 0, "chat": place.chat}
    else:  # a basic group became a supergroup: the old group's id, then the new one's
        old = {"id": OLD_GROUP, "type": "group", "title": "Old group"}
        new_id = draw(st.sampled_from([GROUP, NEW_SUPERGROUP, UNKNOWN_GROUP]))
        message["chat"] = old if kind == "migrate_to" else group_chat(new_id)
        message.pop("message_thread_id", None)
        message.pop("is_topic_message", None)
        message.pop("sender_chat", None)
        if kind == "migrate_to":
            message["migrate_to_chat_id"] = new_id
        else:
            message["migrate_from_chat_id"] = OLD_GROUP
        place = Place(message["chat"], place.sender, unknown=new_id in UNKNOWN_CHATS)
    return Case({"message": message}, f"no text: {kind}", unknown_chat=place.unknown)


@st.composite
def channel_posts(draw: st.DrawFn) -> Case:
    chat = {"id": CHANNEL, "type": "channel", "title": "Channel"}
    post: JSON = {"message_id": next(_message_ids), "date": DATE, "chat": chat}
    if draw(st.booleans()):
        post["sender_chat"] = chat
    post["text"] = draw(st.one_of(texts(), command_texts())) or "/start"
    with_entities(post)
    edited = draw(st.booleans())
    if edited:
        post["edit_date"] = DATE + 1
    kind = "edited_channel_post" if edited else "channel_post"
    return Case({kind: post}, kind, silent=True)


@dataclass(frozen=True)
class Target:
    """A message the bot sent during setup, that buttons can be pressed on."""

    chat_id: int
    message_id: int
    text: str
    markup: JSON | None


def _chat_json(chat_id: int) -> JSON:
    if chat_id > 0:
        return private_chat(KNOWN_USERS.get(chat_id) or {"id": chat_id, "first_name": "U"})
    return group_chat(chat_id)


@st.composite
def callback_data(draw: st.DrawFn, real: Sequence[str]) -> str | None:
    data = draw(
        st.one_of(
            st.sampled_from(list(real)),
            st.builds(
                lambda prefix, suffix: f"{prefix}:{suffix}",
                st.sampled_from(CALLBACK_PREFIXES),
                st.one_of(st.sampled_from(CALLBACK_SUFFIXES), st.text(CHARACTERS, max_size=20)),
            ),
            st.builds(
                lambda prefix, number, page: f"{prefix}:{number}:{page}",
                st.sampled_from(["pq", "pk", "pt"]),
                st.integers(-2, 12),
                st.integers(-2, 12),
            ),
            st.sampled_from([*CALLBACK_PREFIXES, "", ":", "x:", "sec:" + "9" * 60]),
            st.text(CHARACTERS, max_size=64),
            st.sampled_from(FRAGMENTS),
        )
    )
    limited = _bytes_limited(data)
    return limited or None  # Telegram's callback data is 1–64 bytes, or none (a game button)


@st.composite
def callback_queries(draw: st.DrawFn, targets: Sequence[Target], real: Sequence[str]) -> Case:
    data = draw(callback_data(real))
    where = draw(
        st.sampled_from(
            ["real", "real", "real", "missing", "unknown_chat", "inaccessible", "inline"]
        )
    )
    target = draw(st.sampled_from(list(targets)))
    query: JSON = {"id": str(draw(st.integers(1, 2**62))), "chat_instance": "ci"}
    if target.chat_id > 0:
        sender = KNOWN_USERS[target.chat_id]
    else:
        sender = draw(st.one_of(st.sampled_from(list(KNOWN_USERS.values())), users()))
    unknown_chat = forged = False
    if where == "inline":
        query["inline_message_id"] = draw(st.sampled_from(["AAAA", "BQAAA" + "x" * 20]))
        sender = draw(st.one_of(st.sampled_from(list(KNOWN_USERS.values())), users()))
        forged = True  # no inline message of ours has buttons: there is nothing to edit
    else:
        chat = _chat_json(target.chat_id)
        message_id = target.message_id
        if where == "missing":
            message_id, forged = FORGED_MESSAGE_ID, True
        elif where == "unknown_chat":
            sender = draw(users(UNKNOWN_PRIVATE))
            chat, message_id = private_chat(sender), FORGED_MESSAGE_ID
            unknown_chat = forged = True
        if where == "inaccessible":  # Telegram's InaccessibleMessage: date 0, no content
            query["message"] = {"message_id": message_id, "date": 0, "chat": chat}
        else:
            message: JSON = {
                "message_id": message_id,
                "date": DATE,
                "chat": chat,
                "from": BOT_USER,
                "text": target.text or ".",
            }
            if target.markup:
                message["reply_markup"] = target.markup
            query["message"] = message
    query["from"] = sender
    if data is None:
        query["game_short_name"] = "game"
    else:
        query["data"] = data
    return Case(
        {"callback_query": query},
        f"callback on {where} message",
        unknown_chat=unknown_chat,
        forged_message=forged,
    )


@st.composite
def inline_queries(draw: st.DrawFn) -> Case:
    query: JSON = {
        "id": str(draw(st.integers(1, 2**62))),
        "from": draw(st.one_of(st.sampled_from(list(KNOWN_USERS.values())), users())),
        "query": draw(texts())[:256],
        "offset": draw(st.sampled_from(["", "", "1", "50", "abc"])),
    }
    chat_type = draw(st.sampled_from([None, "sender", "private", "group", "supergroup", "channel"]))
    if chat_type:
        query["chat_type"] = chat_type
    return Case({"inline_query": query}, "inline query")


@st.composite
def other_updates(draw: st.DrawFn) -> Case:
    """Membership changes (the bot's and others'), and updates no handler is for."""
    kind = draw(
        st.sampled_from(
            [
                *("my_chat_member", "my_chat_member", "chat_member", "chosen_inline_result"),
                *("message_reaction", "poll_answer", "chat_join_request"),
            ]
        )
    )
    someone = draw(st.one_of(st.sampled_from(list(KNOWN_USERS.values())), users()))
    if kind == "chosen_inline_result":
        result = {
            "result_id": draw(st.sampled_from(["p1", "s4", "x"])),
            "from": someone,
            "query": draw(texts())[:256],
        }
        return Case({kind: result}, kind)
    if kind == "poll_answer":
        answer = {"poll_id": "1", "user": someone, "option_ids": [0]}
        answer["option_persistent_ids"] = ["0"]  # required since Bot API 9.6
        return Case({kind: answer}, kind)
    place = draw(places())
    if kind == "message_reaction":
        reaction = {
            "chat": place.chat,
            "message_id": draw(st.sampled_from([1, 2, FORGED_MESSAGE_ID])),
            "user": someone,
            "date": DATE,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        }
        return Case({kind: reaction}, kind, unknown_chat=place.unknown)
    if kind == "chat_join_request":
        request = {"chat": place.chat, "from": someone, "user_chat_id": someone["id"], "date": DATE}
        return Case({kind: request}, kind, unknown_chat=place.unknown)
    status = draw(st.sampled_from(["member", "left", "kicked"]))
    old_status = draw(st.sampled_from(["member", "left", "kicked"]))
    user = BOT_USER if kind == "my_chat_member" else someone

    def member(status: str) -> JSON:
        data: JSON = {"status": status, "user": user}
        if status == "kicked":
            data["until_date"] = 0
        return data

    change = {
        "chat": place.chat,
        "from": place.sender,
        "date": DATE,
        "old_chat_member": member(old_status),
        "new_chat_member": member(status),
    }
    return Case({kind: change}, f"{kind} {old_status} → {status}", unknown_chat=place.unknown)


@st.composite
def updates(draw: st.DrawFn, targets: Sequence[Target], real: Sequence[str]) -> Case:
    """Any update; text messages (mostly commands) take about half, buttons a fifth."""
    strategies: dict[str, st.SearchStrategy[Case]] = {
        "message": text_messages(),
        "callback": callback_queries(targets, real),
        "textless": textless_messages(),
        "channel": channel_posts(),
        "inline": inline_queries(),
        "other": other_updates(),
    }
    kind = draw(st.sampled_from(["message"] * 5 + ["callback"] * 2 + list(strategies)[2:]))
    return draw(strategies[kind])


def draw_cases(count: int, targets: Sequence[Target], real: Sequence[str]) -> list[Case]:
    """`count` updates drawn by hypothesis, the same on every run (derandomize)."""
    drawn: list[Case] = []

    @hypothesis_settings(
        max_examples=count,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=updates(targets, real))
    def collect(case: Case) -> None:
        drawn.append(case)

    collect()
    return drawn


# --- the run -------------------------------------------------------------------------------------


@pytest.fixture
async def fuzz_bot(settings: Settings, api: TelegramStandIn) -> AsyncIterator[BotDriver]:
    """The real Application with a clock that stands still (no briefing falls due)."""
    async with driven_bot(settings, api, clock=lambda: NOW) as driver:
        yield driver


SETUP_COMMANDS = [
    "/sections",
    "/section 4",
    "/section 8",
    "/section 0",
    "/topics",
    "/search 知识产权",
    "/topic 知识产权",
    "/topic 专利",
    "/settings",
    "/start topic_hague",
    "/today",
    "/lang",
]


async def setup_world(api: TelegramStandIn, bot: BotDriver) -> list[Target]:
    """Chats and users the stand-in knows, and real bot messages with buttons to press."""
    for user in KNOWN_USERS.values():
        api.user(user["id"], user["first_name"], user.get("language_code"))
    for chat_id in (LI, EN_USER, OWNER):
        api.chat(chat_id)
    for chat_id in (GROUP, FORUM, OLD_GROUP, NEW_SUPERGROUP):
        chat = group_chat(chat_id)
        api.chat(chat_id, chat["type"], chat["title"], is_forum=chat_id == FORUM)
        api.member_status(chat_id, ADMIN, "administrator")
    api.chat(CHANNEL, "channel", "Channel")
    targets: list[Target] = []
    for chat_id, user_id in ((LI, LI), (EN_USER, EN_USER), (GROUP, ADMIN)):
        for text in SETUP_COMMANDS:
            if text.split()[0][1:] not in _menu():
                continue
            for message in await bot.say(text, chat_id=chat_id, user_id=user_id):
                targets.append(
                    Target(chat_id, message.message_id, message.text, message.reply_markup)
                )
    return targets


def button_press(target: Target, sender: JSON, data: str) -> Case:
    """A tap on a real message of the bot, with whatever data."""
    message: JSON = {
        "message_id": target.message_id,
        "date": DATE,
        "chat": _chat_json(target.chat_id),
        "from": BOT_USER,
        "text": target.text or ".",
    }
    query = {"id": "1", "chat_instance": "ci", "from": sender, "message": message, "data": data}
    return Case({"callback_query": query}, "explicit button")


def explicit_cases(targets: Sequence[Target]) -> list[Case]:
    """Every command with every edge text (10 000 characters, NUL, markup…) in a Chinese and an
    English private chat and in a group; /section addressed to us and to another bot; every
    button prefix with every suffix."""
    li, en, owner = KNOWN_USERS[LI], KNOWN_USERS[EN_USER], KNOWN_USERS[OWNER]
    private = [Place(private_chat(user), user, private=True) for user in (li, en)]
    owners = Place(private_chat(owner), owner, private=True)
    group = Place(group_chat(GROUP), KNOWN_USERS[ADMIN])
    cases = []
    for name in (*_menu(), *_owner_commands()):
        places_for = [owners, group] if name in _owner_commands() else [*private, group]
        for place, edge in itertools.product(places_for, EDGE_TEXTS):
            cases.append(message_case(place, f"/{name} {edge}".rstrip(" "), "explicit command"))
    for place in (private[0], group):
        for addressee in (f"@{ME}", "@otherbot", "@Policy_Briefing_Bot", ""):
            cases.append(message_case(place, f"/section{addressee} 4", "explicit command"))
    in_private = next(t for t in targets if t.chat_id == LI)
    in_group = next(t for t in targets if t.chat_id == GROUP)
    for prefix, suffix in itertools.product(CALLBACK_PREFIXES, CALLBACK_SUFFIXES):
        data = _bytes_limited(f"{prefix}:{suffix}")
        if prefix == "bc":  # the owner's buttons, pressed by the owner in a group
            cases.append(button_press(in_group, owner, data))
        else:
            cases.append(button_press(in_private, li, data))
    return cases


async def settle(timeout: float = PROCESS_TIMEOUT) -> None:
    """Wait for what a handler left running in the background (a broadcast's sending), so that
    its calls are not taken for the next update's."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while any(
        task.get_name().startswith("broadcast-") and not task.done() for task in asyncio.all_tasks()
    ):
        if loop.time() > deadline:
            raise TimeoutError("a broadcast is still sending")
        await asyncio.sleep(0.02)


async def feed_all(
    api: TelegramStandIn,
    bot: BotDriver,
    caplog: pytest.LogCaptureFixture,
    cases: Sequence[Case],
    slowest: list[tuple[float, int, str]],
) -> list[str]:
    """Feed the cases one by one; the failures, each with its exact update."""
    failures: list[str] = []
    for number, case in enumerate(cases, start=1):
        calls_before, records_before = len(api.calls), len(caplog.records)
        started = time.perf_counter()
        update_id = api.add_update(case.payload)
        try:
            await bot.application.wait_processed(update_id, timeout=PROCESS_TIMEOUT)
            await settle()
        except TimeoutError:
            failures.append(f"#{number} ({case.kind}) not handled in time: {_shown(case.payload)}")
            break  # the Application is stuck: what follows would say nothing more
        slowest.append((time.perf_counter() - started, number, case.kind))
        problems = case_problems(
            api, case, api.calls[calls_before:], caplog.records[records_before:]
        )
        if problems:
            failures.append(
                f"#{number} ({case.kind}): {'; '.join(problems)}\n"
                f"    update: {_shown(case.payload)}"
            )
    return failures


async def broadcast_to_everyone(
    api: TelegramStandIn,
    bot: BotDriver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The owner broadcasts to every chat the run made the bot know: removed, migrated and
    unknown ones too. Sends to unknown chats are refused; nothing else goes wrong."""
    calls_before, records_before = len(api.calls), len(caplog.records)
    [preview] = await bot.say("/broadcast <b>fuzz</b> &amp; \u202e\x01 👨‍👩‍👧‍👦", chat_id=OWNER)
    await bot.press(preview, 0, user_id=OWNER)
    await settle()
    calls = api.calls[calls_before:]
    sent_to = {c.params.get("chat_id") for c in calls if method_of(c) == "sendMessage"}
    assert {LI, EN_USER, GROUP} <= sent_to
    refused = sorted(str(c.params.get("chat_id")) for c in calls if c.status >= 400)
    print(f"broadcast: sent to {len(sent_to)} chats; refused by Telegram for {refused}")
    case = Case({"broadcast": preview.text}, "broadcast", unknown_chat=True)
    assert case_problems(api, case, calls, caplog.records[records_before:]) == []


async def fuzz(
    api: TelegramStandIn, bot: BotDriver, caplog: pytest.LogCaptureFixture, count: int
) -> None:
    targets = await setup_world(api, bot)
    assert len(targets) > 20
    real = sorted(
        {
            button["callback_data"]
            for target in targets
            for row in (target.markup or {}).get("inline_keyboard", [])
            for button in row
            if "callback_data" in button
        }
    )
    started = time.perf_counter()
    drawn = draw_cases(count, targets, real)
    assert len(drawn) >= count
    drawn_in = time.perf_counter() - started
    cases = [*explicit_cases(targets), *drawn]
    slowest: list[tuple[float, int, str]] = []
    first_case_call = len(api.calls)
    failures = await feed_all(api, bot, caplog, cases, slowest)
    last_case_call = len(api.calls)
    assert not failures or "not handled in time" not in failures[-1], failures[-1]
    fed_in = time.perf_counter() - started - drawn_in
    kinds = Counter(case.kind for case in cases)
    answered = sum(case.must_answer is not None for case in cases)
    silent = sum(case.silent for case in cases)
    refused = Counter(method_of(c) for c in api.calls if c.status >= 400)
    print(
        f"\nfuzz: {len(drawn)} drawn in {drawn_in:.1f}s + {len(cases) - len(drawn)} explicit, "
        f"fed in {fed_in:.1f}s; {answered} owed an answer, {silent} owed silence; "
        f"refused as Telegram would: {dict(refused)}; "
        f"{dict(kinds)}; slowest: {sorted(slowest, reverse=True)[:5]}"
    )

    assert not failures, f"{len(failures)} of {len(cases)} updates went wrong:\n" + "\n".join(
        failures[:25]
    )

    # It still reads the plan, in every chat it read it in before.
    for chat_id in (LI, EN_USER, GROUP):
        user_id = ADMIN if chat_id == GROUP else chat_id
        replies = await bot.say("/section 1", chat_id=chat_id, user_id=user_id)
        assert [r.text.split("\n", 1)[0] for r in replies] == [HEADING_1]
    [card] = await bot.say(f"/section@{ME} 4", chat_id=LI)
    assert card.text.startswith("四、建设一流专利商标审查机构")
    assert await bot.say("/section@otherbot 4", chat_id=LI) == []
    if "broadcast" in _owner_commands():
        await broadcast_to_everyone(api, bot, caplog)

    # What the bot said outside the cases (setup, the checks above) is what Telegram accepts too.
    outside = api.calls[:first_case_call] + api.calls[last_case_call:]
    assert [problem for call in outside for problem in call_problems(call)] == []
    said = [c for c in api.calls if method_of(c) in {"sendMessage", "editMessageText"}]
    assert len(said) >= answered
    assert all(len(a.get("text") or "") <= 200 for a in api.callback_answers)


async def test_fuzz_updates(
    api: TelegramStandIn, fuzz_bot: BotDriver, caplog: pytest.LogCaptureFixture
) -> None:
    await fuzz(api, fuzz_bot, caplog, CI_EXAMPLES)


@pytest.mark.slow
async def test_fuzz_updates_long_run(
    api: TelegramStandIn, fuzz_bot: BotDriver, caplog: pytest.LogCaptureFixture
) -> None:
    await fuzz(api, fuzz_bot, caplog, LONG_EXAMPLES)


# --- the checks themselves, and the bugs found ---------------------------------------------------


def _call(method: str, **params: object) -> Call:
    return Call(method, dict(params), 200, 0.0)


def test_the_checks_catch_what_telegram_refuses() -> None:
    keyboard = {"inline_keyboard": [[{"text": "b", "callback_data": "x" * 65}]]}
    inline = {"id": "1", "title": "t", "input_message_content": {"message_text": "<i>a"}}
    assert call_problems(_call("sendMessage", text="<b>ok</b> &amp; …", parse_mode="HTML")) == []
    refused = [
        _call("sendMessage", text="<b>open", parse_mode="HTML"),
        _call("sendMessage", text="a < b", parse_mode="HTML"),
        _call("sendMessage", text="<script>x</script>", parse_mode="HTML"),
        _call("sendMessage", text="&nosuch;", parse_mode="HTML"),
        _call("sendMessage", text="<b></b> ", parse_mode="HTML"),
        _call("editMessageText", text="x" * 4097, parse_mode="HTML"),
        _call("sendMessage", text="ok", reply_markup=keyboard),
        _call("answerCallbackQuery", text="x" * 201),
        _call("answerInlineQuery", results=[inline], parse_mode="HTML"),
        _call("answerInlineQuery", results=[{**inline, "id": "1"}] * 2),
    ]
    for call in refused:
        assert call_problems(call), call


def test_draws_are_the_same_on_every_run() -> None:
    target = Target(LI, 1, "x", None)
    first = [case.payload for case in draw_cases(30, [target], ["sec:4"])]
    again = [case.payload for case in draw_cases(30, [target], ["sec:4"])]
    strip = re.compile(r'"message_id": \d+')
    assert strip.sub("", json.dumps(first)) == strip.sub("", json.dumps(again))


GENERIC_ERROR = parse_telegram_html(TRANSLATE("zh", "error.generic"))


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("text", ["/search 专利\x00", "/topic 专利\x00", "/subscribe 专利\x00"])
async def test_a_nul_in_a_search(
    bot: BotDriver, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    [reply] = await bot.say(text)
    assert reply.text != GENERIC_ERROR
    assert _errors(caplog) == []


async def test_a_nul_in_an_inline_query(
    bot: BotDriver, api: TelegramStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    query = {"id": "1", "from": api.users[LI], "query": "专利\x00", "offset": ""}
    await bot.feed({"inline_query": query})
    assert _errors(caplog) == []
    assert len(api.inline_answers) == 1


@pytest.mark.parametrize(
    ("text", "chat_id"),
    [("/unsubscribe 专利\x00", LI), ("/topic \x00", LI), ("/broadcast 专利\x00", OWNER)],
)
async def test_a_nul_in_stored_text(
    bot: BotDriver,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
    backend: str,
    text: str,
    chat_id: int,
) -> None:
    """Fine on SQLite; on PostgreSQL the same NUL bug."""
    [reply] = await bot.say(text, chat_id=chat_id)
    assert reply.text != GENERIC_ERROR
    assert _errors(caplog) == []


async def test_an_apology_in_a_forum_topic(bot: BotDriver, api: TelegramStandIn) -> None:
    api.chat(FORUM, "supergroup", "Forum", is_forum=True)
    api.fail("sendMessage", 500)  # the answer fails once: the error handler apologises
    await bot.say("/section 4", chat_id=FORUM, user_id=ADMIN, thread_id=7)
    apology = api.bot_messages(FORUM)[-1]
    assert apology.text == GENERIC_ERROR
    assert apology.thread_id == 7


@pytest.mark.parametrize("text", ["a" * 4_096, "👍" * 2_100], ids=["4096 a", "2100 emoji"])
async def test_a_long_broadcast(
    bot: BotDriver, api: TelegramStandIn, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    [reply] = await bot.say(f"/broadcast {text}", chat_id=OWNER)
    assert reply.text != GENERIC_ERROR
    assert _errors(caplog) == []


async def test_a_long_subscribe_answer(bot: BotDriver, caplog: pytest.LogCaptureFixture) -> None:
    [reply] = await bot.say("/subscribe " + "4 " * 30, chat_id=EN_USER)
    assert reply.text != parse_telegram_html(TRANSLATE("en", "error.generic"))
    assert _errors(caplog) == []


@pytest.mark.parametrize(
    "data",
    [
        "pq:²:1",
        "pk:²:1",
        "bc:send:²",
        "pq:9223372036854775808:1",
        "pk:9223372036854775808:1",
        "bc:send:9223372036854775808",
    ],
)
async def test_an_unchecked_button_id(
    bot: BotDriver, api: TelegramStandIn, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    [contents] = await bot.say("/sections", chat_id=OWNER)
    await bot.press(contents, data=data, user_id=OWNER)
    assert _errors(caplog) == []
    assert len(api.callback_answers) == 1
