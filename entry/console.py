"""The console sandbox: the stand-in and the bot in one process, and a chat in the terminal.

Each typed line is a message; `#2` presses the second button of the latest message with buttons
in the chat you speak in. Replies print as readable text with their buttons numbered; a picture
the bot sends (/stats) is written to a PNG file and its path printed. Works with piped input too:
it answers every line, then exits at the end of input.

Who speaks is switched with `/as` (a line the console keeps, the bot never sees it):

    /as group        a group chat with you as its admin (the bot is added to it the first time)
    /as user N [en]  another private user, id N (their Telegram client in English with `en`)
    /as owner        the owner: the first of OWNER_IDS, or SANDBOX_OWNER_ID when none is set
    /as me           back to your own private chat

The sandbox keeps its own database (data/sandbox.sqlite3, unless DATABASE_URL names another), so
playing never touches the bot's real one; `python run_bot.py --reset-sandbox` starts afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

from bot.config import DEFAULT_DATABASE_URL, Settings
from entry.application import build_application
from entry.lifecycle import running
from entry.standin import StandInEvent, StoredMessage, TelegramStandIn
from entry.tracking import TrackedApplication

SANDBOX_TOKEN = "100000001:SANDBOX-local-console-token-not-secret"
SANDBOX_CHAT_ID = 1001  # you
SANDBOX_GROUP_ID = -1001  # your group, where you are an admin
SANDBOX_OWNER_ID = 1000  # the owner when OWNER_IDS is not set
SANDBOX_DATABASE_URL = "sqlite+aiosqlite:///./data/sandbox.sqlite3"
PICTURES_FOLDER = "sandbox-pictures"
_BUTTON_PRESS = re.compile(r"^#(\d+)$")
_SWITCH = re.compile(r"^/as(?:\s+(?P<who>.*))?$", re.IGNORECASE)
SWITCH_HELP = (
    "/as group · /as user N [en] · /as owner · /as me: who speaks next (the bot never sees it)"
)


class SandboxError(Exception):
    """The sandbox cannot do what was asked (a reset of a database that is not its own)."""


def sandbox_settings(settings: Settings) -> Settings:
    """The settings the sandbox runs with: no rate limiter, its own database unless DATABASE_URL
    names one, and an owner (SANDBOX_OWNER_ID) when OWNER_IDS names none, so that /as owner
    can try /stats and /broadcast."""
    database_url = settings.database_url
    if database_url == DEFAULT_DATABASE_URL:
        database_url = SANDBOX_DATABASE_URL
    owners = settings.owner_ids or frozenset({SANDBOX_OWNER_ID})
    return replace(settings, rate_limit=False, database_url=database_url, owner_ids=owners)


def _sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for an in-memory one or another database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def data_folder(settings: Settings) -> Path:
    """Where the sandbox keeps its files: beside its SQLite database, or in the temp folder."""
    database = _sqlite_file(sandbox_settings(settings).database_url)
    if database is not None:
        return database.parent
    return Path(tempfile.gettempdir()) / "policy-briefing-sandbox"


def reset_sandbox(settings: Settings) -> list[Path]:
    """Delete the sandbox's database (with its -wal/-shm/-journal files) and its saved pictures,
    so that the next start is a first one. Only the sandbox's own database (data/sandbox.sqlite3
    when DATABASE_URL is not set): a database named in DATABASE_URL may be a real one, and is
    never deleted by a switch. Returns what was removed."""
    if settings.database_url != DEFAULT_DATABASE_URL:
        raise SandboxError(
            "it deletes only the sandbox's own database (data/sandbox.sqlite3, when "
            "DATABASE_URL is not set); DATABASE_URL is set, so remove that database yourself"
        )
    database = _sqlite_file(SANDBOX_DATABASE_URL)
    assert database is not None
    removed: list[Path] = []
    for path in [
        database,
        *(Path(f"{database}{suffix}") for suffix in ("-wal", "-shm", "-journal")),
    ]:
        if path.exists():
            path.unlink()
            removed.append(path)
    pictures = data_folder(settings) / PICTURES_FOLDER
    if pictures.is_dir():
        shutil.rmtree(pictures)
        removed.append(pictures)
    return removed


class _PlainText(HTMLParser):
    """Telegram HTML → what a chat client shows, with links as 'text (url)'."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        # Deep links back into the bot (t.me/<bot>?start=…) would only clutter the terminal.
        if tag == "a" and self._href and not self._href.startswith("https://t.me/"):
            self.parts.append(f" ({self._href})")
        self._href = None

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def readable(text_html: str) -> str:
    parser = _PlainText()
    parser.feed(text_html)
    parser.close()
    return html.unescape("".join(parser.parts))


@dataclass(frozen=True)
class Speaker:
    """Who the next typed line comes from, and in which chat."""

    chat_id: int
    user_id: int
    name: str  # as the prompt shows it: "you", "you in the group", "user 2002", "owner"


class ConsoleChat:
    """Prints what the bot does and turns typed lines into updates."""

    def __init__(
        self,
        api: TelegramStandIn,
        out: TextIO,
        owner_id: int = SANDBOX_OWNER_ID,
        pictures: Path | None = None,
    ) -> None:
        self.api = api
        self.out = out
        self.owner_id = owner_id
        self.pictures = pictures or Path(tempfile.gettempdir()) / PICTURES_FOLDER
        self.me = Speaker(SANDBOX_CHAT_ID, SANDBOX_CHAT_ID, "you")
        self.speaker = self.me
        self.last_with_buttons: dict[int, StoredMessage] = {}
        self._group_joined = False
        api.user(SANDBOX_CHAT_ID, "You", language_code="zh-hans")
        api.user(owner_id, "Owner", language_code="zh-hans")
        api.chat(owner_id)  # reachable before the owner writes: error reports go there
        api.watchers.append(self.show)

    @property
    def prompt(self) -> str:
        return f"{self.speaker.name} › "

    def _tag(self, chat_id: int | None) -> str:
        """ " [group]" after "bot" for a message that is not in your own chat."""
        if chat_id is None or chat_id == SANDBOX_CHAT_ID:
            return ""
        if chat_id == SANDBOX_GROUP_ID:
            return " [group]"
        if chat_id == self.owner_id:
            return " [owner]"
        return f" [user {chat_id}]" if chat_id > 0 else f" [chat {chat_id}]"

    def show(self, event: StandInEvent) -> None:
        if event.kind == "answer":
            self._print(f"  (notice) {event.text}")
            return
        message = event.message
        if message is None:
            return
        tag = self._tag(event.chat_id)
        label = {"edit": f"bot{tag} (edited) ›", "photo": f"bot{tag} (picture) ›"}.get(
            event.kind, f"bot{tag} ›"
        )
        body = readable(message.html) if message.html else message.text
        lines = body.splitlines() or [""]
        self._print(f"{label} {lines[0]}")
        for line in lines[1:]:
            self._print(f"  {line}" if line else "")
        if event.kind == "photo":
            self._save_picture(message)
        if message.buttons:
            self.last_with_buttons[message.chat_id] = message
            number = 0
            for row in (message.reply_markup or {}).get("inline_keyboard", []):
                labels = []
                for button in row:
                    number += 1
                    labels.append(f"[{number}] {button['text']}")
                self._print("  " + "  ".join(labels))
            self._print("  (type #N to press button N)")

    def _save_picture(self, message: StoredMessage) -> None:
        """The photo's bytes, as the bot uploaded them, into a PNG file; its path printed."""
        calls = self.api.calls_of("sendPhoto")
        photo = calls[-1].params.get("photo") if calls else None
        content = photo.get("content") if isinstance(photo, dict) else None
        if not isinstance(content, bytes):  # sent by file_id or URL: nothing to save
            self._print("  (picture not saved: it was sent by reference, not uploaded)")
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.pictures / f"{stamp}-chat{message.chat_id}-{message.message_id}.png"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        except OSError as exc:
            self._print(f"  (picture not saved: {exc})")
            return
        self._print(f"  picture saved: {path.resolve()}")

    def _print(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def switch(self, who: str) -> int | None:
        """/as …: change who speaks next. Returns the id of an update to wait for (the bot
        being added to the group, the first time), or None."""
        words = who.lower().split()
        if words == ["group"]:
            self.api.chat(SANDBOX_GROUP_ID, "group", "Sandbox group")
            self.api.member_status(SANDBOX_GROUP_ID, SANDBOX_CHAT_ID, "administrator")
            self.speaker = Speaker(SANDBOX_GROUP_ID, SANDBOX_CHAT_ID, "you in the group")
            self._print(f"  (now you speak in a group, chat {SANDBOX_GROUP_ID}, as its admin)")
            if not self._group_joined:
                self._group_joined = True
                return self._add_bot_to_group()
            return None
        if words == ["owner"]:
            self.speaker = Speaker(self.owner_id, self.owner_id, "owner")
            self._print(f"  (now the owner speaks, user {self.owner_id}, in a private chat)")
            return None
        if words in (["me"], ["you"]):
            self.speaker = self.me
            self._print("  (now you speak again, in your private chat)")
            return None
        if len(words) in (2, 3) and words[0] == "user" and re.fullmatch(r"[1-9]\d{0,11}", words[1]):
            user_id = int(words[1])
            language = words[2] if len(words) == 3 else None
            if language not in (None, "en", "zh"):
                self._print("  (a language is en or zh: /as user 2002 en)")
                return None
            if user_id not in self.api.users or language is not None:
                code = "en" if language == "en" else "zh-hans"
                self.api.user(user_id, f"User {user_id}", language_code=code)
            self.speaker = Speaker(user_id, user_id, f"user {user_id}")
            self._print(f"  (now user {user_id} speaks, in their private chat)")
            return None
        self._print(f"  ({SWITCH_HELP}; now speaking: {self.speaker.name})")
        return None

    def _add_bot_to_group(self) -> int:
        bot = {"id": self.api.bot_id, "is_bot": True, "first_name": self.api.bot_first_name}
        return self.api.add_update(
            {
                "my_chat_member": {
                    "chat": {"id": SANDBOX_GROUP_ID, "type": "group", "title": "Sandbox group"},
                    "from": self.api.users[SANDBOX_CHAT_ID],
                    "date": 0,
                    "old_chat_member": {"status": "left", "user": bot},
                    "new_chat_member": {"status": "member", "user": bot},
                }
            }
        )

    def submit(self, line: str) -> int | None:
        """Turn one typed line into an update; None when there is nothing to send."""
        switch = _SWITCH.match(line)
        if switch:
            return self.switch(switch.group("who") or "")
        speaker = self.speaker
        press = _BUTTON_PRESS.match(line)
        if press:
            target = self.last_with_buttons.get(speaker.chat_id)
            index = int(press.group(1))
            if target is None or not 1 <= index <= len(target.buttons):
                count = len(target.buttons) if target else 0
                self._print(f"  (no button #{index}: the latest message has {count} buttons)")
                return None
            pressed = target.buttons[index - 1]
            if "callback_data" not in pressed:  # the reading view: a page, not an update
                opened = (pressed.get("web_app") or {}).get("url") or pressed.get("url", "")
                self._print(f"  (Telegram opens this as a page: {opened})")
                return None
            return self.api.press_button(target, index - 1, user_id=speaker.user_id)
        return self.api.send_text(line, chat_id=speaker.chat_id, user_id=speaker.user_id)


def _read_lines(
    source: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]
) -> None:
    """Runs in a daemon thread: a blocked read must not keep the process alive at exit."""
    try:
        for line in source:
            loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\r\n"))
    finally:
        loop.call_soon_threadsafe(queue.put_nowait, None)


async def run_console(
    settings: Settings, source: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> None:
    interactive = source.isatty()
    settings = sandbox_settings(settings)
    owner_id = min(settings.owner_ids)
    api = TelegramStandIn(token=SANDBOX_TOKEN)
    await api.start()
    try:
        out.write(
            f"Sandbox: no BOT_TOKEN is set, so this is a local chat with the bot through a "
            f"Telegram "
            f"stand-in on 127.0.0.1:{api.port} (type /help; #N presses button N; Ctrl-D quits). "
            f"To connect to Telegram instead, set BOT_TOKEN from @BotFather in .env.\n"
            f"  {SWITCH_HELP}.\n"
        )
        out.flush()
        chat = ConsoleChat(api, out, owner_id, data_folder(settings) / PICTURES_FOLDER)
        application = build_application(
            settings,
            token=SANDBOX_TOKEN,
            base_url=api.base_url,
            application_class=TrackedApplication,
        )
        assert isinstance(application, TrackedApplication)
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        threading.Thread(
            target=_read_lines, args=(source, asyncio.get_running_loop(), lines), daemon=True
        ).start()
        async with running(application):
            while True:
                if interactive:
                    out.write(chat.prompt)
                    out.flush()
                line = await lines.get()
                if line is None:
                    api.release_polls()
                    break
                if not line.strip():
                    continue
                if not interactive:  # show what was piped in, so the transcript reads as a chat
                    out.write(f"{chat.prompt}{line.strip()}\n")
                update_id = chat.submit(line.strip())
                if update_id is not None:
                    with contextlib.suppress(TimeoutError):
                        await application.wait_processed(update_id)
    finally:
        await api.stop()
