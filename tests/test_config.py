"""Settings: defaults, .env, the environment winning over it, and one clear line for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL, ConfigError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_defaults_without_anything_set(tmp_path: Path) -> None:
    settings = load_settings({}, env_file=tmp_path / "missing.env")
    assert settings.sandbox
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.telegram_base_url == "https://api.telegram.org/bot"
    assert str(settings.briefing_timezone) == "Asia/Shanghai"
    assert settings.owner_ids == frozenset()
    assert settings.rate_limit is True


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"BOT_TOKEN={TOKEN}\nOWNER_IDS=1, 2\nRATE_LIMIT=off\n", encoding="utf-8")
    settings = load_settings({"OWNER_IDS": "3"}, env_file=env_file)
    assert settings.bot_token == TOKEN
    assert not settings.sandbox
    assert settings.owner_ids == frozenset({3})
    assert settings.rate_limit is False


def test_plain_sqlite_and_postgres_urls_get_async_drivers(tmp_path: Path) -> None:
    none = tmp_path / "none"
    assert load_settings({"DATABASE_URL": "sqlite:///x.db"}, none).database_url == (
        "sqlite+aiosqlite:///x.db"
    )
    url = load_settings({"DATABASE_URL": "postgresql://u:p@h/db"}, none).database_url
    assert url == "postgresql+asyncpg://u:p@h/db"


@pytest.mark.parametrize(
    ("environ", "fragment"),
    [
        ({"BOT_TOKEN": "123:short"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "not a token at all, secret-ish"}, "BOT_TOKEN"),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://h/db"}, "unsupported database"),
        ({"OWNER_IDS": "12,abc"}, "OWNER_IDS"),
        ({"BRIEFING_TIMEZONE": "Mars/Olympus"}, "BRIEFING_TIMEZONE"),
        ({"RATE_LIMIT": "sometimes"}, "RATE_LIMIT"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_bad_values_stop_with_one_clear_line(
    tmp_path: Path, environ: dict[str, str], fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ, env_file=tmp_path / "none")
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message
    if "BOT_TOKEN" in environ:
        assert environ["BOT_TOKEN"] not in message


def test_settings_repr_hides_the_token(tmp_path: Path) -> None:
    settings = load_settings({"BOT_TOKEN": TOKEN}, env_file=tmp_path / "none")
    assert TOKEN not in repr(settings)


def test_a_short_webhook_secret_is_refused_without_echoing_it(tmp_path: Path) -> None:
    short = "abc123-short"
    environ = {"WEBHOOK_URL": "https://bot.example.org/tg", "WEBHOOK_SECRET": short}
    with pytest.raises(ConfigError) as caught:
        load_settings(environ, env_file=tmp_path / "none")
    message = str(caught.value)
    assert message.startswith("WEBHOOK_SECRET is too short (12 characters; at least 16")
    assert "\n" not in message
    assert short not in message
    sixteen = load_settings({**environ, "WEBHOOK_SECRET": "a" * 16}, tmp_path / "none")
    assert sixteen.webhook_secret == "a" * 16


@pytest.mark.parametrize(
    "url", ["http://bot.example.org/tg", "http://10.0.0.5:8080/tg", "ftp://bot.example.org/tg"]
)
def test_a_webhook_url_that_is_not_https_is_refused(tmp_path: Path, url: str) -> None:
    environ = {"WEBHOOK_URL": url, "WEBHOOK_SECRET": "s" * 32}
    with pytest.raises(ConfigError) as caught:
        load_settings(environ, env_file=tmp_path / "none")
    message = str(caught.value)
    assert message.startswith("WEBHOOK_URL must")
    assert "https://" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8443/tg", "http://localhost/tg", "https://bot.example.org/tg"]
)
def test_https_or_a_local_http_webhook_url_is_accepted(tmp_path: Path, url: str) -> None:
    settings = load_settings({"WEBHOOK_URL": url, "WEBHOOK_SECRET": "s" * 32}, tmp_path / "none")
    assert settings.webhook_url == url


def test_health_port_is_optional_and_checked(tmp_path: Path) -> None:
    none = tmp_path / "none"
    assert load_settings({}, none).health_port is None
    assert load_settings({"HEALTH_PORT": "8081"}, none).health_port == 8081
    with pytest.raises(ConfigError, match=r"^HEALTH_PORT must be a port number"):
        load_settings({"HEALTH_PORT": "99999"}, none)
