"""The one way in.

python run_bot.py            with BOT_TOKEN: poll Telegram; without: the console sandbox
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

# RetryAfter.retry_after as a timedelta (python-telegram-bot's future default); the delivery code
# reads either form. Set before telegram is imported.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import Update

from bot.config import ConfigError, load_settings
from bot.logs import configure_logging


def main(argv: list[str] | None = None) -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if settings.sandbox:
        # The terminal is the chat: only warnings and errors go to stderr.
        configure_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
        from bot.sandbox.console import run_console

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_console(settings))
        return 0

    configure_logging(settings.log_level, secrets=[settings.bot_token])
    from bot.app import build_application

    application = build_application(settings)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
