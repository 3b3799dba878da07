"""A local stand-in for the Telegram Bot API, served on 127.0.0.1 with aiohttp.

It answers the way Telegram does where the bot can tell: the `{"ok": …, "result": …}` envelope,
errors with a non-2xx status (python-telegram-bot maps the status, not the `ok` field), long-polled
`getUpdates` with offsets, and Telegram's checks on what the bot sends: HTML with only the allowed
tags, balanced and escaped; text of 1–4096 characters; callback data of 1–64 bytes; "message is not
modified" for an edit that changes nothing; command names and descriptions in setMyCommands.

The other side drives it like a Telegram user would (`send_text`, `press_button`, `add_member`…) and
observes what the bot did (`messages`, `calls`, `wait_for`). Faults are injected per method
(`fail`). Used by the console sandbox, the tests and the benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, TypeVar
from urllib.parse import unquote

from aiohttp import web

JSON = dict[str, Any]
T = TypeVar("T")

MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
}
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?")
INLINE_ROW_LIMIT, INLINE_BUTTON_LIMIT = 8, 100
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
# Parameters that python-telegram-bot sends as raw strings; every other value is JSON.
_RAW_FIELDS = {
    "text",
    "parse_mode",
    "callback_query_id",
    "language_code",
    "inline_message_id",
    "caption",
    "url",
    "secret_token",
    "inline_query_id",
    "next_offset",
    "description",
    "short_description",
    "name",
    "query",
    "button",
    "file_id",
}


def decode_form_value(key: str, value: str) -> Any:
    """A form field as python-telegram-bot encodes it: raw for a few fields, JSON otherwise."""
    if key in _RAW_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class TelegramRefusal(Exception):
    """What Telegram answers with a non-2xx status: raised inside a method, sent as the envelope."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


def bad_request(description: str) -> TelegramRefusal:
    return TelegramRefusal(400, f"Bad Request: {description}")


class _TelegramHtml(HTMLParser):
    """Telegram's HTML parse mode: a few tags, balanced, and <, >, & escaped everywhere else."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.plain: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise bad_request(f'can\'t parse entities: Unsupported start tag "{tag}"')
        if tag == "a" and not dict(attrs).get("href"):
            raise bad_request("can't parse entities: a tag needs an href")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            raise bad_request('can\'t parse entities: Unsupported start tag "span"')
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            raise bad_request(f'can\'t parse entities: Unmatched end tag "{tag}"')
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for char in "<>&":
            if char in data:
                raise bad_request(f"can't parse entities: unescaped {char!r} in text")
        self.plain.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _ENTITIES:
            raise bad_request(f'can\'t parse entities: Unsupported entity "&{name};"')
        self.plain.append(_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self.plain.append(chr(code))
        except (ValueError, OverflowError) as exc:
            raise bad_request(f"can't parse entities: bad character reference {name}") from exc

    def unknown_decl(self, data: str) -> None:
        raise bad_request("can't parse entities: unsupported markup")

    def handle_comment(self, data: str) -> None:
        self.unknown_decl(data)

    def handle_decl(self, decl: str) -> None:
        self.unknown_decl(decl)

    def handle_pi(self, data: str) -> None:
        self.unknown_decl(data)


def parse_telegram_html(text: str) -> str:
    """The plain text Telegram would show for `text` in HTML mode; TelegramRefusal if invalid."""
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag {parser.open[-1]}"
        )
    return "".join(parser.plain)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class StoredMessage:
    """A message in a chat, as the stand-in keeps it."""

    chat_id: int
    message_id: int
    text: str
    from_bot: bool
    html: str | None = None
    reply_markup: JSON | None = None
    thread_id: int | None = None
    edits: int = 0
    date: int = 0
    user_id: int | None = None
    document: JSON | None = None  # a file the user sent (send_document): Telegram's Document

    @property
    def buttons(self) -> list[JSON]:
        """Inline buttons in reading order (rows, then columns)."""
        if not self.reply_markup:
            return []
        return [button for row in self.reply_markup.get("inline_keyboard", []) for button in row]


@dataclass
class Call:
    method: str
    params: JSON
    status: int
    at: float


@dataclass
class Fault:
    """Make the next `times` calls of `method` fail (status ≥ 400) or stall for `delay` seconds."""

    method: str
    status: int = 500
    description: str = "Internal Server Error"
    parameters: JSON | None = None
    times: int = 1
    delay: float = 0.0
    chat_id: int | None = None

    def matches(self, method: str, params: JSON) -> bool:
        return (
            self.times > 0
            and self.method.lower() == method.lower()
            and (self.chat_id is None or params.get("chat_id") == self.chat_id)
        )


@dataclass
class Chat:
    id: int
    type: str = "private"
    title: str | None = None
    is_forum: bool = False

    def to_json(self, user: JSON | None = None) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.type == "private" and user is not None:
            data["first_name"] = user.get("first_name", "User")
        if self.title:
            data["title"] = self.title
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class StandInEvent:
    """Something the bot did that a watcher (the console) may want to show."""

    kind: str  # "message", "edit", "answer", "photo"
    chat_id: int | None
    message: StoredMessage | None = None
    text: str | None = None


@dataclass
class TelegramStandIn:
    token: str = "123456:STANDIN-token-for-local-tests-only"
    bot_username: str = "policy_briefing_bot"
    bot_first_name: str = "Policy Briefing"
    clock: Callable[[], float] = time.time

    host: str = "127.0.0.1"
    port: int = 0
    updates: list[JSON] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    chats: dict[int, Chat] = field(default_factory=dict)
    users: dict[int, JSON] = field(default_factory=dict)
    messages: dict[int, list[StoredMessage]] = field(default_factory=lambda: defaultdict(list))
    commands: dict[tuple[str, str], list[JSON]] = field(default_factory=dict)
    callback_answers: list[JSON] = field(default_factory=list)
    menu_buttons: dict[int | None, JSON] = field(default_factory=dict)  # chat id (None: default)
    inline_answers: list[JSON] = field(default_factory=list)
    members: dict[tuple[int, int], str] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)
    watchers: list[Callable[[StandInEvent], None]] = field(default_factory=list)
    deliver: Callable[[JSON], None] | None = None  # set: updates skip getUpdates (in-memory tests)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id → (path, bytes)

    def __post_init__(self) -> None:
        self.bot_id = int(self.token.split(":", 1)[0])
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._query_ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._polls_released = False
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Callable[[JSON], Awaitable[Any]]] = {
            "getme": self._get_me,
            "deletewebhook": self._true,
            "setwebhook": self._true,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._true,
            "getchatmember": self._get_chat_member,
            "getchat": self._get_chat,
            "sendchataction": self._true,
            "deletemessage": self._true,
            "sendphoto": self._send_photo,
            "answerinlinequery": self._answer_inline_query,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": self._get_chat_menu_button,
            "getfile": self._get_file,
            "close": self._true,
            "logout": self._true,
        }

    # --- server --------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What to pass to ApplicationBuilder().base_url(): the token is appended to it."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Where files are downloaded from (Telegram's https://api.telegram.org/file/bot<token>/
        <file_path>): ApplicationBuilder().base_file_url()."""
        return f"http://{self.host}:{self.port}/file/bot"

    def download(self, token: str, file_path: str) -> tuple[int, bytes]:
        """A file's bytes by the path getFile gave, as the file URL serves them (python-telegram-
        bot quotes the token's colon in file URLs)."""
        if unquote(token) != self.token:
            return 401, b"Unauthorized"
        found = next((data for path, data in self.files.values() if path == file_path), None)
        return (404, b"Not Found") if found is None else (200, found)

    async def _serve_file(self, request: web.Request) -> web.Response:
        status, body = self.download(request.match_info["token"], request.match_info["path"])
        return web.Response(status=status, body=body)

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        app.router.add_get("/file/bot{token}/{path:.+}", self._serve_file)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramStandIn:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            status, body = 401, self._body(401, None, "Unauthorized")
        else:
            status, body = await self.call(
                request.match_info["method"], await self._params(request)
            )
        return web.json_response(
            body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False)
        )

    async def call(self, method: str, params: JSON) -> tuple[int, JSON]:
        """One Bot API call, as over HTTP but without it: the status and the JSON body. The
        in-memory request of the fast tests (tests/support/offline.py) calls this directly."""
        call = Call(method, params, 200, self.clock())
        self.calls.append(call)
        fault = next((f for f in self.faults if f.matches(method, params)), None)
        if fault is not None:
            fault.times -= 1
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status >= 400:
                call.status = fault.status
                return fault.status, self._body(
                    fault.status, None, fault.description, fault.parameters
                )
        handler = self._methods.get(method.lower())
        if handler is None:
            call.status = 404
            return 404, self._body(404, None, "Not Found: method not found")
        try:
            result = await handler(params)
        except TelegramRefusal as refusal:
            call.status = refusal.status
            return refusal.status, self._body(
                refusal.status, None, refusal.description, refusal.parameters
            )
        self._notify()
        return 200, self._body(200, result)

    @staticmethod
    def _body(
        status: int, result: Any, description: str = "", parameters: JSON | None = None
    ) -> JSON:
        if status < 300:
            return {"ok": True, "result": result}
        body: JSON = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return body

    @staticmethod
    async def _params(request: web.Request) -> JSON:
        if request.content_type == "application/json":
            data = await request.json()
            return dict(data) if isinstance(data, dict) else {}
        form = await request.post()
        params: JSON = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):  # an uploaded file: keep its name and bytes
                params[key] = {"filename": value.filename, "content": value.file.read()}
            elif not isinstance(value, str):
                params[key] = {"filename": "", "content": bytes(value)}
            else:
                params[key] = decode_form_value(key, value)
        for key, value in request.query.items():
            params.setdefault(key, value)
        return params

    def _notify(self, event: StandInEvent | None = None) -> None:
        self._changed.set()
        if event is not None:
            for watcher in list(self.watchers):
                watcher(event)

    def hold_polls(self) -> None:
        """Long-poll again (after `release_polls`), for a bot started anew."""
        self._polls_released = False

    def release_polls(self) -> None:
        """Answer long polls at once from now on, so a bot that is stopping need not wait out
        its getUpdates timeout (Telegram may also answer a long poll early)."""
        self._polls_released = True
        self._notify()

    # --- the user's side -------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        language_code: str | None = "zh-hans",
        username: str | None = None,
    ) -> JSON:
        """Register (or update) a Telegram user."""
        data: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            data["language_code"] = language_code
        if username:
            data["username"] = username
        self.users[user_id] = data
        return data

    def chat(
        self, chat_id: int, type: str = "private", title: str | None = None, is_forum: bool = False
    ) -> Chat:
        """Register (or update) a chat the bot can write to."""
        chat = Chat(chat_id, type, title, is_forum)
        self.chats[chat_id] = chat
        return chat

    def _ensure(self, chat_id: int, user_id: int) -> tuple[Chat, JSON]:
        user = self.users.get(user_id) or self.user(user_id)
        chat = self.chats.get(chat_id) or self.chat(
            chat_id, "private" if chat_id > 0 else "group", None if chat_id > 0 else "Group"
        )
        return chat, user

    def add_update(self, payload: JSON) -> int:
        """Queue a raw update (the update_id is filled in) and return its id: for getUpdates, or
        straight to `deliver` when a bot in the same process takes its updates without polling."""
        update_id = next(self._update_ids)
        if self.deliver is not None:
            self.deliver({"update_id": update_id, **payload})
            return update_id
        self.updates.append({"update_id": update_id, **payload})
        self._notify()
        return update_id

    def send_text(
        self,
        text: str,
        chat_id: int = 1001,
        user_id: int | None = None,
        thread_id: int | None = None,
        edited: bool = False,
        reply_to: StoredMessage | None = None,
    ) -> int:
        """A user types `text` in a chat (`reply_to`: as a reply to that message). Returns the
        update id."""
        chat, user = self._ensure(chat_id, user_id if user_id is not None else chat_id)
        message = StoredMessage(
            chat.id,
            next(self._message_ids[chat.id]),
            text,
            False,
            thread_id=thread_id,
            date=int(self.clock()),
            user_id=user["id"],
        )
        self.messages[chat.id].append(message)
        payload: JSON = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": chat.to_json(user),
            "from": user,
            "text": text,
        }
        if edited:
            payload["edit_date"] = message.date
        if reply_to is not None:
            payload["reply_to_message"] = self._message_json(reply_to, chat)
        command = _COMMAND.match(text)
        if command:
            payload["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_length(command.group())}
            ]
        if thread_id is not None and chat.is_forum:
            payload["message_thread_id"] = thread_id
            payload["is_topic_message"] = True
        return self.add_update({"edited_message" if edited else "message": payload})

    def send_document(
        self,
        content: bytes,
        file_name: str,
        caption: str | None = None,
        chat_id: int = 1001,
        user_id: int | None = None,
        mime_type: str = "application/octet-stream",
        file_size: int | None = None,
    ) -> tuple[int, StoredMessage]:
        """A user sends a file, with a caption or none (`file_size`: what Telegram says it
        weighs, when a test wants it to differ). Returns the update id and the message (to
        reply to). getFile and the file URL serve its bytes afterwards."""
        chat, user = self._ensure(chat_id, user_id if user_id is not None else chat_id)
        file_id = f"doc{len(self.files) + 1}"
        self.files[file_id] = (f"documents/file_{len(self.files)}{_suffix(file_name)}", content)
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content) if file_size is None else file_size,
        }
        message = StoredMessage(
            chat.id,
            next(self._message_ids[chat.id]),
            caption or "",
            False,
            date=int(self.clock()),
            user_id=user["id"],
            document=document,
        )
        self.messages[chat.id].append(message)
        payload = self._message_json(message, chat)
        if caption:
            command = _COMMAND.match(caption)
            if command:
                payload["caption_entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_length(command.group())}
                ]
        return self.add_update({"message": payload}), message

    def press_button(
        self,
        message: StoredMessage,
        index: int = 0,
        user_id: int | None = None,
        data: str | None = None,
    ) -> int:
        """A user taps an inline button of a bot message (by index, or forged `data`)."""
        chat, user = self._ensure(
            message.chat_id, user_id if user_id is not None else message.chat_id
        )
        if data is None:
            data = message.buttons[index]["callback_data"]
        query = {
            "id": str(next(self._query_ids)),
            "from": user,
            "chat_instance": f"ci{chat.id}",
            "data": data,
            "message": self._message_json(message, chat),
        }
        return self.add_update({"callback_query": query})

    def member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """Set what getChatMember answers: creator, administrator, member, left, kicked."""
        self.members[(chat_id, user_id)] = status

    def fail(
        self,
        method: str,
        status: int = 500,
        description: str | None = None,
        *,
        times: int = 1,
        parameters: JSON | None = None,
        delay: float = 0.0,
        chat_id: int | None = None,
    ) -> Fault:
        """Inject a fault into the next `times` calls of `method`."""
        fault = Fault(
            method,
            status,
            description or _default_description(status),
            parameters,
            times,
            delay,
            chat_id,
        )
        self.faults.append(fault)
        return fault

    # --- observing -----------------------------------------------------------------------------

    def bot_messages(self, chat_id: int) -> list[StoredMessage]:
        return [m for m in self.messages.get(chat_id, []) if m.from_bot]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10.0) -> T:
        """Wait until `predicate()` returns something truthy (re-checked whenever the bot acts)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._changed.clear()
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError("the stand-in did not see what was expected in time")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))

    async def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 10.0
    ) -> list[StoredMessage]:
        """Wait until the bot has sent at least `count` messages to the chat; return them all."""

        def enough() -> list[StoredMessage] | None:
            sent = self.bot_messages(chat_id)
            return sent if len(sent) >= count else None

        return await self.wait_for(enough, timeout)

    # --- Bot API methods -----------------------------------------------------------------------

    def _bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    async def _true(self, params: JSON) -> bool:
        return True

    async def _get_me(self, params: JSON) -> JSON:
        return self._bot_user()

    async def _get_updates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.updates and not self._polls_released and loop.time() < deadline:
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), deadline - loop.time())
        return self.updates[:limit]

    def _chat_for_send(self, params: JSON) -> Chat:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise bad_request("chat not found")
        if chat_id in self.blocked:
            raise TelegramRefusal(403, "Forbidden: bot was blocked by the user")
        return self.chats[chat_id]

    @staticmethod
    def _checked_text(params: JSON, field_name: str = "text", limit: int = MESSAGE_LIMIT) -> str:
        text = params.get(field_name)
        if not isinstance(text, str) or not text.strip():
            raise bad_request("message text is empty")
        plain = parse_telegram_html(text) if params.get("parse_mode") == "HTML" else text
        if not plain.strip():
            raise bad_request("message text is empty")
        if utf16_length(plain) > limit:
            raise bad_request("message is too long")
        return plain

    @staticmethod
    def _checked_markup(params: JSON, chat: Chat | None = None) -> JSON | None:
        """`chat`: where the keyboard goes; Telegram allows web_app buttons only in private
        chats (elsewhere 400 BUTTON_TYPE_INVALID)."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard", [])
        # Telegram's limits for inline keyboards: 8 buttons a row, 100 in all.
        if any(len(row) > INLINE_ROW_LIMIT for row in rows):
            raise bad_request("too many buttons in a row of the inline keyboard")
        if sum(len(row) for row in rows) > INLINE_BUTTON_LIMIT:
            raise bad_request("reply markup is too long")
        for row in rows:
            for button in row:
                if not button.get("text"):
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                if "web_app" in button and (chat is None or chat.type != "private"):
                    raise bad_request("BUTTON_TYPE_INVALID")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
                    raise bad_request("BUTTON_DATA_INVALID")
        return markup

    def _message_json(self, message: StoredMessage, chat: Chat) -> JSON:
        sender = self._bot_user() if message.from_bot else self.users.get(message.user_id or 0)
        data: JSON = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": chat.to_json(sender),
        }
        if message.document is None:
            data["text"] = message.text
        else:
            data["document"] = message.document
            if message.text:
                data["caption"] = message.text
        if sender:
            data["from"] = sender
        if message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.thread_id is not None and chat.is_forum:
            data["message_thread_id"] = message.thread_id
            data["is_topic_message"] = True
        if message.edits:
            data["edit_date"] = message.date
        return data

    async def _send_message(self, params: JSON) -> JSON:
        chat = self._chat_for_send(params)
        plain = self._checked_text(params)
        markup = self._checked_markup(params, chat)
        thread_id = params.get("message_thread_id")
        message = StoredMessage(
            chat.id,
            next(self._message_ids[chat.id]),
            plain,
            True,
            html=params["text"],
            reply_markup=markup,
            thread_id=thread_id if isinstance(thread_id, int) else None,
            date=int(self.clock()),
        )
        self.messages[chat.id].append(message)
        self._notify(StandInEvent("message", chat.id, message))
        return self._message_json(message, chat)

    async def _send_photo(self, params: JSON) -> JSON:
        chat = self._chat_for_send(params)
        caption = params.get("caption")
        plain = ""
        if isinstance(caption, str) and caption:
            plain = self._checked_text(params, "caption", limit=1024)
        message = StoredMessage(
            chat.id,
            next(self._message_ids[chat.id]),
            plain,
            True,
            html=caption if isinstance(caption, str) else None,
            reply_markup=self._checked_markup(params, chat),
            date=int(self.clock()),
        )
        self.messages[chat.id].append(message)
        self._notify(StandInEvent("photo", chat.id, message))
        data = self._message_json(message, chat)
        data.pop("text", None)
        data["photo"] = [
            {
                "file_id": f"photo{message.message_id}",
                "file_unique_id": "u",
                "width": 800,
                "height": 600,
            }
        ]
        if plain:
            data["caption"] = plain
        return data

    def _find(self, params: JSON) -> tuple[Chat, StoredMessage]:
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        if isinstance(chat_id, int):
            for message in self.messages.get(chat_id, []):
                if message.message_id == message_id and message.from_bot:
                    return self.chats[chat_id], message
        raise bad_request("message to edit not found")

    async def _edit_message_text(self, params: JSON) -> JSON:
        chat, message = self._find(params)
        plain = self._checked_text(params)
        markup = self._checked_markup(params, chat)
        if (
            plain == message.text
            and params["text"] == message.html
            and markup == message.reply_markup
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message.text, message.html, message.reply_markup = plain, params["text"], markup
        message.edits += 1
        self._notify(StandInEvent("edit", chat.id, message))
        return self._message_json(message, chat)

    async def _edit_reply_markup(self, params: JSON) -> JSON:
        chat, message = self._find(params)
        markup = self._checked_markup(params, chat)
        if markup == message.reply_markup:
            raise bad_request("message is not modified")
        message.reply_markup = markup
        message.edits += 1
        self._notify(StandInEvent("edit", chat.id, message))
        return self._message_json(message, chat)

    async def _answer_callback_query(self, params: JSON) -> bool:
        self.callback_answers.append(params)
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        if text:
            self._notify(StandInEvent("answer", None, text=text))
        return True

    async def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100")
        for command in commands:
            if not _COMMAND_NAME.match(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        scope = params.get("scope") or {"type": "default"}
        key = (json.dumps(scope, sort_keys=True), str(params.get("language_code") or ""))
        self.commands[key] = commands
        return True

    async def _get_my_commands(self, params: JSON) -> list[JSON]:
        scope = params.get("scope") or {"type": "default"}
        key = (json.dumps(scope, sort_keys=True), str(params.get("language_code") or ""))
        return self.commands.get(key, [])

    async def _set_chat_menu_button(self, params: JSON) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        kind = button.get("type") if isinstance(button, dict) else None
        if kind not in ("commands", "web_app", "default"):
            raise bad_request("can't parse menu button")
        if kind == "web_app":
            url = str((button.get("web_app") or {}).get("url", ""))
            if not button.get("text"):
                raise bad_request("BUTTON_TEXT_INVALID")
            if not url:
                raise bad_request("BUTTON_URL_INVALID")
        chat_id = params.get("chat_id")
        self.menu_buttons[chat_id if isinstance(chat_id, int) else None] = button
        return True

    async def _get_chat_menu_button(self, params: JSON) -> JSON:
        chat_id = params.get("chat_id")
        key = chat_id if isinstance(chat_id, int) else None
        return self.menu_buttons.get(key) or self.menu_buttons.get(None) or {"type": "commands"}

    def menu(self, language_code: str = "", scope_type: str = "default") -> list[str]:
        """The command names set for a scope and language, as a client would show them."""
        key = (json.dumps({"type": scope_type}, sort_keys=True), language_code)
        return [command["command"] for command in self.commands.get(key, [])]

    async def _get_chat_member(self, params: JSON) -> JSON:
        chat_id, user_id = params.get("chat_id"), params.get("user_id")
        if not isinstance(chat_id, int) or not isinstance(user_id, int):
            raise bad_request("chat not found")
        status = self.members.get((chat_id, user_id), "member")
        user = self.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "User"}
        member: JSON = {"status": status, "user": user}
        if status == "administrator":
            member.update(
                {
                    key: True
                    for key in (
                        "can_be_edited",
                        "can_manage_chat",
                        "can_change_info",
                        "can_delete_messages",
                        "can_invite_users",
                        "can_restrict_members",
                        "can_pin_messages",
                        "can_promote_members",
                        "can_manage_video_chats",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    )
                }
            )
            member["is_anonymous"] = False
        if status == "creator":
            member["is_anonymous"] = False
        if status == "restricted":
            member.update({"is_member": True, "until_date": 0})
        if status == "kicked":
            member["until_date"] = 0
        return member

    async def _get_chat(self, params: JSON) -> JSON:
        chat_id = params.get("chat_id")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        data = chat.to_json({"first_name": "User"})
        data.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                },
            }
        )
        return data

    async def _get_file(self, params: JSON) -> JSON:
        file_id = str(params.get("file_id") or "")
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": path,
        }

    async def _answer_inline_query(self, params: JSON) -> bool:
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [str(r.get("id")) for r in results]
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        for result in results:  # the text each result shares: HTML and length as a message's
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                self._checked_text(content, "message_text")
        self.inline_answers.append(params)
        return True


def _suffix(file_name: str) -> str:
    """The file's extension, as Telegram keeps it in file paths (documents/file_3.docx)."""
    _, dot, extension = file_name.rpartition(".")
    return f".{extension}" if dot and extension.isalnum() and len(extension) <= 8 else ""


def _default_description(status: int) -> str:
    return {
        400: "Bad Request",
        403: "Forbidden: bot was blocked by the user",
        429: "Too Many Requests: retry after 1",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }.get(status, "Error")
