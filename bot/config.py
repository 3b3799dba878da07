"""Settings from the environment (and an optional .env file).

The names are a public contract: BOT_TOKEN, TELEGRAM_BASE_URL, DATABASE_URL, OWNER_IDS,
BRIEFING_TIMEZONE, RATE_LIMIT, PAID_BROADCAST, LOG_LEVEL, WEBHOOK_URL, WEBHOOK_SECRET,
WEBHOOK_LISTEN, WEBHOOK_PORT, HEALTH_PORT, WEBAPP_URL, WEBAPP_PORT. A bad value stops the start
with one clear line (ConfigError), and no message ever repeats the token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/briefing.sqlite3"
DEFAULT_TIMEZONE = "Asia/Shanghai"
_TOKEN_SHAPE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_TRUE = {"1", "on", "true", "yes"}
_FALSE = {"0", "off", "false", "no"}
_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MIN_SECRET_LENGTH = 16  # Telegram allows 1; anything shorter is guessable by a patient stranger
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}  # plain http allowed (local stand-in, tests)


class ConfigError(ValueError):
    """A setting is missing or malformed; str() is the one line printed before exiting."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = field(default=None, repr=False)
    telegram_base_url: str = DEFAULT_BASE_URL
    database_url: str = DEFAULT_DATABASE_URL
    owner_ids: frozenset[int] = frozenset()
    briefing_timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    rate_limit: bool = True
    # PAID_BROADCAST: the push's sends (briefings, broadcasts) as paid broadcasts, up to 1 000 a
    # second for Telegram Stars (README: Paid broadcasts).
    paid_broadcast: bool = False
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8080
    health_port: int | None = None  # polling mode: serve GET /healthz here (webhook: WEBHOOK_PORT)
    webapp_url: str | None = None  # the reading view (Mini App): its public https:// address
    webapp_port: int = 8080  # polling mode: the reading view is served here (webhook: WEBHOOK_PORT)

    @property
    def sandbox(self) -> bool:
        """No token: run the console sandbox instead of talking to Telegram."""
        return self.bot_token is None


def _token(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    if not _TOKEN_SHAPE.match(raw):
        # Never echo the value: a token pasted with a typo is still mostly a secret.
        raise ConfigError(
            "BOT_TOKEN does not look like a bot token (expected digits, a colon and the secret, "
            "as @BotFather gives it); unset it to start the console sandbox"
        )
    return raw


def _database_url(raw: str) -> str:
    try:
        url: URL = make_url(raw.strip())
    except ArgumentError as exc:
        raise ConfigError(f"DATABASE_URL is not a database URL ({exc})") from exc
    backend = url.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ConfigError(
            f"DATABASE_URL: unsupported database '{backend}' (use sqlite or postgresql)"
        )
    if url.drivername != _ASYNC_DRIVERS[backend]:
        url = url.set(drivername=_ASYNC_DRIVERS[backend])
    return url.render_as_string(hide_password=False)


def _owner_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"-?\d{1,20}", part):
            raise ConfigError(f"OWNER_IDS must be comma-separated numeric user ids, not {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _timezone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"BRIEFING_TIMEZONE: unknown time zone {raw.strip()!r} (use an IANA name such as "
            "Asia/Shanghai)"
        ) from exc


def _switch(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be on or off, not {raw.strip()!r}")


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(sorted(_LOG_LEVELS))}")
    return level


def _webhook_url(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in {"https", "http"} or not parsed.netloc:
        raise ConfigError("WEBHOOK_URL must be the public https:// address Telegram posts to")
    if parsed.scheme == "http" and (parsed.hostname or "") not in _LOOPBACK_HOSTS:
        raise ConfigError(
            "WEBHOOK_URL must start with https:// (plain http only for 127.0.0.1 or localhost)"
        )
    return raw


def _webhook_secret(raw: str, url: str | None) -> str | None:
    raw = raw.strip()
    if url is None:
        return raw or None
    if not raw:
        raise ConfigError(
            f"WEBHOOK_SECRET is required with WEBHOOK_URL ({MIN_SECRET_LENGTH}–256 of "
            "A-Z a-z 0-9 _ -)"
        )
    if not _SECRET_SHAPE.match(raw):
        raise ConfigError("WEBHOOK_SECRET may hold only A-Z a-z 0-9 _ - (at most 256)")
    if len(raw) < MIN_SECRET_LENGTH:
        # The length only, never the value.
        raise ConfigError(
            f"WEBHOOK_SECRET is too short ({len(raw)} characters; at least "
            f"{MIN_SECRET_LENGTH}, e.g. from `openssl rand -hex 32`)"
        )
    return raw


def _webapp_url(raw: str, webhook_url: str | None) -> str | None:
    """The reading view's address: https (Telegram opens Mini Apps over HTTPS only; plain http
    only on a loopback host, for tests), no query or fragment (Telegram adds its own launch
    parameters to the fragment), and a path apart from the webhook's and /healthz."""
    raw = raw.strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in {"https", "http"} or not parsed.netloc:
        raise ConfigError(
            "WEBAPP_URL must be the public https:// address of the reading view, "
            "e.g. https://bot.example.org/app"
        )
    if parsed.scheme == "http" and (parsed.hostname or "") not in _LOOPBACK_HOSTS:
        raise ConfigError(
            "WEBAPP_URL must start with https:// (Telegram opens Mini Apps over HTTPS only; "
            "plain http only for 127.0.0.1 or localhost)"
        )
    if parsed.query or parsed.fragment or parsed.params:
        raise ConfigError("WEBAPP_URL must not carry a query or a fragment (#…), only a path")
    path = parsed.path.rstrip("/")
    hook = urlparse(webhook_url).path.rstrip("/") if webhook_url else None
    if path == "/healthz" or (hook is not None and (path == hook or hook.startswith(path + "/"))):
        raise ConfigError("WEBAPP_URL needs a path of its own (not /healthz or WEBHOOK_URL's)")
    return raw


def _port(raw: str, name: str = "WEBHOOK_PORT") -> int:
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"{name} must be a port number, not {raw.strip()!r}")
    return int(raw)


def _optional_port(raw: str, name: str) -> int | None:
    return _port(raw, name) if raw.strip() else None


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings; the process environment wins over the .env file."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str, default: str) -> str:
        value = values.get(name, "")
        return value if value.strip() else default

    webhook_url = _webhook_url(values.get("WEBHOOK_URL", ""))
    return Settings(
        bot_token=_token(values.get("BOT_TOKEN", "")),
        telegram_base_url=get("TELEGRAM_BASE_URL", DEFAULT_BASE_URL).strip(),
        database_url=_database_url(get("DATABASE_URL", DEFAULT_DATABASE_URL)),
        owner_ids=_owner_ids(values.get("OWNER_IDS", "")),
        briefing_timezone=_timezone(get("BRIEFING_TIMEZONE", DEFAULT_TIMEZONE)),
        rate_limit=_switch("RATE_LIMIT", get("RATE_LIMIT", "on")),
        paid_broadcast=_switch("PAID_BROADCAST", get("PAID_BROADCAST", "off")),
        log_level=_log_level(get("LOG_LEVEL", "INFO")),
        webhook_url=webhook_url,
        webhook_secret=_webhook_secret(values.get("WEBHOOK_SECRET", ""), webhook_url),
        webhook_listen=get("WEBHOOK_LISTEN", "0.0.0.0").strip(),
        webhook_port=_port(get("WEBHOOK_PORT", "8080")),
        health_port=_optional_port(values.get("HEALTH_PORT", ""), "HEALTH_PORT"),
        webapp_url=_webapp_url(values.get("WEBAPP_URL", ""), webhook_url),
        webapp_port=_port(get("WEBAPP_PORT", "8080"), "WEBAPP_PORT"),
    )
