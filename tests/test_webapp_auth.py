"""The reading view's initData check, as Telegram specifies it: genuine and fresh passes; forged,
tampered, signed for another bot, stale, missing or malformed does not, and says why without
repeating the data."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.webapp_auth import (
    MAX_AGE,
    InitDataError,
    check_init_data,
    from_header,
    sign_init_data,
)

TOKEN = "123456:TEST-secret-token-abcdefghijklmnop"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
USER = {"id": 1001, "first_name": "Li", "language_code": "zh-hans"}


def fields(at: datetime = NOW, **extra: str) -> dict[str, str]:
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(USER, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(at.timestamp())),
        **extra,
    }


def test_genuine_fresh_init_data_names_its_user() -> None:
    user = check_init_data(sign_init_data(fields(), TOKEN), TOKEN, NOW)
    assert (user.id, user.first_name, user.language_code) == (1001, "Li", "zh-hans")
    assert user.auth_date == NOW


def test_the_signature_follows_telegrams_recipe_written_out() -> None:
    """Independently of sign_init_data: the data-check-string, the WebAppData key, hex HMAC."""
    data = fields(signature="abc", chat_type="private")
    check_string = "\n".join(f"{k}={data[k]}" for k in sorted(data))
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    init_data = urlencode({**data, "hash": digest})
    assert check_init_data(init_data, TOKEN, NOW).id == 1001


def _with(init_data: str, **changes: str) -> str:
    pairs = dict(parse_qsl(init_data))
    pairs.update(changes)
    return urlencode(pairs)


@pytest.mark.parametrize(
    ("init_data", "reason"),
    [
        (_with(sign_init_data(fields(), TOKEN), user=json.dumps({**USER, "id": 2002})), "signed"),
        (_with(sign_init_data(fields(), TOKEN), hash="0" * 64), "signed"),
        (_with(sign_init_data(fields(), TOKEN), auth_date=str(int(NOW.timestamp()) + 1)), "signed"),
        (sign_init_data(fields(), "654321:ANOTHER-bot-token-abcdefghijklmn"), "signed"),
        (urlencode(fields()), "no hash"),
        ("", "no hash"),
        ("garbage", "not a query string"),
        (sign_init_data(fields(NOW - MAX_AGE - timedelta(seconds=1)), TOKEN), "too old"),
        (sign_init_data(fields(NOW + timedelta(hours=1)), TOKEN), "future"),
        (sign_init_data({"user": fields()["user"]}, TOKEN), "auth_date"),
        (sign_init_data({**fields(), "auth_date": "yesterday"}, TOKEN), "auth_date"),
        (sign_init_data({**fields(), "user": "{}"}, TOKEN), "id"),
        (sign_init_data({**fields(), "user": json.dumps({"id": "1001"})}, TOKEN), "id"),
        (sign_init_data({k: v for k, v in fields().items() if k != "user"}, TOKEN), "no user"),
        (sign_init_data(fields(), TOKEN) + "&user=x", "repeats"),
        ("a=" + "x" * 5000, "too long"),
    ],
    ids=[
        "another-user", "zero-hash", "moved-date", "other-bot", "unsigned", "empty", "garbage",
        "stale", "future", "no-date", "bad-date", "no-id", "string-id", "no-user", "repeated",
        "oversized",
    ],
)  # fmt: skip
def test_forged_stale_missing_or_malformed_init_data_is_refused(
    init_data: str, reason: str
) -> None:
    with pytest.raises(InitDataError) as refused:
        check_init_data(init_data, TOKEN, NOW)
    assert reason in str(refused.value)
    assert TOKEN not in str(refused.value)


def test_the_age_limit_is_a_day_by_the_callers_clock() -> None:
    signed = sign_init_data(fields(), TOKEN)
    assert check_init_data(signed, TOKEN, NOW + MAX_AGE).id == 1001
    with pytest.raises(InitDataError):
        check_init_data(signed, TOKEN, NOW + MAX_AGE + timedelta(seconds=1))


@pytest.mark.parametrize("header", [None, "", "tma", "tma   ", "Bearer abc", "Basic dG1hOg=="])
def test_the_header_must_be_tma_and_carry_data(header: str | None) -> None:
    with pytest.raises(InitDataError):
        from_header(header)


def test_the_header_gives_its_init_data() -> None:
    assert from_header("tma query_id=1&hash=2") == "query_id=1&hash=2"
    assert from_header("TMA x=1") == "x=1"
