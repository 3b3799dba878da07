"""Logging that can never leak the bot token.

httpx logs every request URL at INFO and python-telegram-bot logs its API URL at DEBUG; both contain
the token. Silencing httpx is not enough (a DEBUG run, an exception that quotes a URL), so every
record is redacted as it is created, whichever handler later sees it.

What Python would print past logging goes through it too: warnings (logging.captureWarnings),
uncaught exceptions in the main thread (sys.excepthook), in other threads (threading.excepthook),
unraisable ones (sys.unraisablehook). asyncio's loop reports its unhandled exceptions through the
"asyncio" logger already (its default exception handler, which nothing here replaces).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any
from urllib.parse import quote

REDACTED = "[REDACTED]"
# httpx/httpcore: request URLs hold the token. aiosqlite: every statement with its parameters.
_QUIET_LOGGERS = (
    "httpx",
    "httpcore",
    "aiosqlite",
    "apscheduler.executors.default",
    "aiohttp.access",
)

_secrets: tuple[str, ...] = ()
_base_factory: Callable[..., logging.LogRecord] | None = None


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    assert _base_factory is not None
    record = _base_factory(*args, **kwargs)
    if not _secrets:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a malformed format string: let logging report it as usual
        return record
    redacted = redact(message)
    if redacted != message:
        record.msg, record.args = redacted, None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def protect_secrets(secrets: Iterable[str | None]) -> None:
    """Redact these strings (and their URL-encoded forms) from every log record from now on."""
    global _secrets, _base_factory
    forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))}
    _secrets = tuple(sorted(forms, key=len, reverse=True))
    if _base_factory is None:
        _base_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_redacting_factory)


def configure_logging(level: str, secrets: Iterable[str | None] = ()) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    protect_secrets(secrets)
    route_uncaught_through_logging()


_uncaught = logging.getLogger("uncaught")


def _log_uncaught(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):  # Ctrl-C prints as Python prints it
        sys.__excepthook__(kind, error, trace)
        return
    _uncaught.critical("uncaught exception", exc_info=(kind, error, trace))


def _log_thread_uncaught(arguments: threading.ExceptHookArgs) -> None:
    if arguments.exc_type is SystemExit or arguments.exc_value is None:
        return
    name = arguments.thread.name if arguments.thread else "?"
    trace = (arguments.exc_type, arguments.exc_value, arguments.exc_traceback)
    _uncaught.error("uncaught exception in thread %s", name, exc_info=trace)


def _log_unraisable(unraisable: Any) -> None:
    error = unraisable.exc_value
    message = unraisable.err_msg or "Exception ignored in"
    _uncaught.error(
        "%s: %r",
        message,
        unraisable.object,
        exc_info=(unraisable.exc_type, error, unraisable.exc_traceback) if error else None,
    )


def route_uncaught_through_logging() -> None:
    """Warnings and every traceback Python would print itself go through logging instead."""
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_thread_uncaught
    sys.unraisablehook = _log_unraisable
