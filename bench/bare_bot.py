"""The floor for the benchmarks: a bare python-telegram-bot bot, one CommandHandler("section") that
replies a fixed text — no store, no rendering, no job queue work, no rate limiter.

Not a benchmark itself: bench/updates.py and bench/cold_start.py launch it as a subprocess,
the way they launch run_bot.py:

    BOT_TOKEN=… TELEGRAM_BASE_URL=http://127.0.0.1:PORT/bot .venv/bin/python bench/bare_bot.py
"""

from __future__ import annotations

import os
import sys

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

REPLY = "第四部分 · a fixed answer"


async def section(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(REPLY)


def build() -> Application:
    application = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_BASE_URL"])
        .build()
    )
    application.add_handler(CommandHandler("section", section))
    return application


def main() -> int:
    build().run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
