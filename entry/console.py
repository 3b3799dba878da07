"""The console sandbox: the stand-in and the bot in one process, and a chat in the terminal.

Each typed line is a message from a private chat; `#2` presses the second button of the latest
message that has buttons. Replies print as readable text with their buttons numbered. Works with
piped input too: it answers every line, then exits at the end of input.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import sys
import threading
from dataclasses import replace
from html.parser import HTMLParser
from typing import TextIO

from bot.config import Settings
from entry.application import build_application
from entry.lifecycle import running
from entry.standin import StandInEvent, StoredMessage, TelegramStandIn
from entry.tracking import TrackedApplication

SANDBOX_TOKEN = "100000001:SANDBOX-local-console-token-not-secret"
SANDBOX_CHAT_ID = 1001
_BUTTON_PRESS = re.compile(r"^#(\d+)$")


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


class ConsoleChat:
    """Prints what the bot does and turns typed lines into updates."""

    def __init__(self, api: TelegramStandIn, out: TextIO) -> None:
        self.api = api
        self.out = out
        self.last_with_buttons: StoredMessage | None = None
        api.watchers.append(self.show)

    def show(self, event: StandInEvent) -> None:
        if event.kind == "answer":
            self._print(f"  (notice) {event.text}")
            return
        message = event.message
        if message is None:
            return
        label = {"edit": "bot (edited) ›", "photo": "bot (picture) ›"}.get(event.kind, "bot ›")
        body = readable(message.html) if message.html else message.text
        lines = body.splitlines() or [""]
        self._print(f"{label} {lines[0]}")
        for line in lines[1:]:
            self._print(f"  {line}" if line else "")
        if message.buttons:
            self.last_with_buttons = message
            number = 0
            for row in (message.reply_markup or {}).get("inline_keyboard", []):
                labels = []
                for button in row:
                    number += 1
                    labels.append(f"[{number}] {button['text']}")
                self._print("  " + "  ".join(labels))
            self._print("  (type #N to press button N)")

    def _print(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def submit(self, line: str) -> int | None:
        """Turn one typed line into an update; None when there is nothing to send."""
        press = _BUTTON_PRESS.match(line)
        if press:
            target = self.last_with_buttons
            index = int(press.group(1))
            if target is None or not 1 <= index <= len(target.buttons):
                count = len(target.buttons) if target else 0
                self._print(f"  (no button #{index}: the latest message has {count} buttons)")
                return None
            return self.api.press_button(target, index - 1)
        return self.api.send_text(line, chat_id=SANDBOX_CHAT_ID)


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
    api = TelegramStandIn(token=SANDBOX_TOKEN)
    api.user(SANDBOX_CHAT_ID, "You", language_code="zh-hans")
    await api.start()
    try:
        out.write(
            f"Sandbox: no BOT_TOKEN is set, so this is a local chat with the bot through a "
            f"Telegram "
            f"stand-in on 127.0.0.1:{api.port} (type /help; #N presses button N; Ctrl-D quits). "
            f"To connect to Telegram instead, set BOT_TOKEN from @BotFather in .env.\n"
        )
        out.flush()
        chat = ConsoleChat(api, out)
        application = build_application(
            replace(settings, rate_limit=False),
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
                    out.write("you › ")
                    out.flush()
                line = await lines.get()
                if line is None:
                    api.release_polls()
                    break
                if not line.strip():
                    continue
                if not interactive:  # show what was piped in, so the transcript reads as a chat
                    out.write(f"you › {line.strip()}\n")
                update_id = chat.submit(line.strip())
                if update_id is not None:
                    with contextlib.suppress(TimeoutError):
                        await application.wait_processed(update_id)
    finally:
        await api.stop()
