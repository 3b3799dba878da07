"""Who is asking the reading view's API: Telegram's signed `initData`, checked as Telegram
specifies (core.telegram.org/bots/webapps, "Validating data received via the Mini App").

The Mini App receives `Telegram.WebApp.initData`, a URL-encoded query string (`query_id`, `user`
as JSON, `auth_date`, `hash`, and on newer clients `signature`, `chat_type` …) and sends it with
every request (`Authorization: tma <initData>`). It is genuine when `hash` is the hex
HMAC-SHA256 of the data-check-string (every other field as `key=value`, sorted by key, joined by
"\\n") keyed with HMAC-SHA256(key=b"WebAppData", msg=bot token). A genuine initData can still be
replayed by whoever saw it, so it is honoured for MAX_AGE after `auth_date` only.

Pure: no I/O, the clock is the caller's. `sign_init_data` is the other half (what Telegram's
client does), for tests and tools; it needs the token, so it never runs in a page."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

MAX_AGE = timedelta(hours=24)
CLOCK_SKEW = timedelta(minutes=5)  # an auth_date this far ahead of our clock is still accepted
MAX_INIT_DATA = 4096  # bytes; Telegram's initData is a few hundred
SCHEME = "tma"  # Authorization: tma <initData>


class InitDataError(ValueError):
    """initData is missing, malformed, forged or too old; str() says which (never the data)."""


@dataclass(frozen=True)
class WebAppUser:
    """The Telegram user the initData vouches for; their private chat with the bot has their id."""

    id: int
    first_name: str
    language_code: str | None
    auth_date: datetime


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _data_check_string(fields: Mapping[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def _signature(fields: Mapping[str, str], bot_token: str) -> str:
    message = _data_check_string(fields).encode()
    return hmac.new(_secret_key(bot_token), message, hashlib.sha256).hexdigest()


def sign_init_data(fields: Mapping[str, str], bot_token: str) -> str:
    """initData as Telegram's client hands it to a Mini App: `fields` URL-encoded, `hash` last."""
    return urlencode({**fields, "hash": _signature(fields, bot_token)})


def from_header(value: str | None) -> str:
    """The initData of an `Authorization: tma <initData>` header."""
    scheme, _, data = (value or "").strip().partition(" ")
    if scheme.lower() != SCHEME or not data.strip():
        raise InitDataError("no initData (expected Authorization: tma <initData>)")
    return data.strip()


def check_init_data(
    init_data: str, bot_token: str, now: datetime, max_age: timedelta = MAX_AGE
) -> WebAppUser:
    """The user of a genuine, fresh initData; InitDataError otherwise."""
    if len(init_data.encode()) > MAX_INIT_DATA:
        raise InitDataError("initData is too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise InitDataError("initData is not a query string") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("initData repeats a field")
    given = fields.get("hash", "")
    if not given:
        raise InitDataError("initData has no hash")
    if not hmac.compare_digest(given.encode(), _signature(fields, bot_token).encode()):
        raise InitDataError("initData is not signed by Telegram for this bot")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError) as exc:
        raise InitDataError("initData has no valid auth_date") from exc
    if now - signed_at > max_age:
        raise InitDataError("initData is too old (open the reading view again)")
    if signed_at - now > CLOCK_SKEW:
        raise InitDataError("initData is dated in the future")
    return _user(fields.get("user", ""), signed_at)


def _user(raw: str, signed_at: datetime) -> WebAppUser:
    try:
        user = json.loads(raw)
    except ValueError as exc:
        raise InitDataError("initData has no user") from exc
    if not isinstance(user, dict):
        raise InitDataError("initData has no user")
    user_id, name, language = user.get("id"), user.get("first_name", ""), user.get("language_code")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataError("initData's user has no valid id")
    return WebAppUser(
        user_id,
        name if isinstance(name, str) else "",
        language if isinstance(language, str) else None,
        signed_at,
    )
