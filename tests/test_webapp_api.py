"""The reading view's API over HTTP (aiohttp's test server on 127.0.0.1, the real Application
behind it): signed requests only, each reader sees and changes only their own subscriptions, the
same ones /mysubs shows; input checked as strictly as the commands; security headers; and the
page and its assets served without a secret in them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.store import Store
from bot.usecases import importing
from bot.webapp_auth import sign_init_data
from content.importing import read_work_plan
from content.library import load_library
from entry.application import CONTENT_REFRESH_JOB
from entry.standin import TelegramStandIn
from entry.webapp.server import API_BODY_LIMIT, API_BURST, API_WINDOW, reading_view_app
from tests.conftest import TEST_TOKEN
from tests.support import made_up_plans
from tests.support.clock import Clock
from tests.support.driver import BotDriver, driven_bot, one

URL = "https://bot.example.org/app"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
BACKENDS = ("sqlite", "postgresql")  # subscriptions are the store's: both must agree


def init_data(user_id: int = 1001, language: str = "zh-hans", at: datetime = NOW) -> str:
    user = {"id": user_id, "first_name": "Li", "language_code": language}
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":")),
        "auth_date": str(int(at.timestamp())),
    }
    return sign_init_data(fields, TEST_TOKEN)


def auth(user_id: int = 1001, language: str = "zh-hans", at: datetime = NOW) -> dict[str, str]:
    return {"Authorization": f"tma {init_data(user_id, language, at)}"}


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def viewed(
    settings: Settings, api: TelegramStandIn, clock: Clock
) -> AsyncIterator[tuple[BotDriver, TestClient[Any, Any]]]:
    async with driven_bot(replace(settings, webapp_url=URL), api, clock=clock) as bot:
        app = reading_view_app(bot.application, URL)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            yield bot, client


async def test_me_needs_a_genuine_fresh_signature(
    viewed: tuple[BotDriver, TestClient[Any, Any]], clock: Clock
) -> None:
    _, client = viewed
    stale = NOW - timedelta(hours=24, seconds=1)
    forged = init_data().replace("Li", "Lu")
    for headers in (
        {},
        {"Authorization": "Bearer x"},
        {"Authorization": f"tma {forged}"},
        auth(at=stale),
    ):
        response = await client.get("/app/api/me", headers=headers)
        assert response.status == 401, headers
        assert response.headers["WWW-Authenticate"] == "tma"
        body = await response.json()
        assert body["error"] == "unauthorized"
    assert (await client.get("/app/api/me", headers=auth())).status == 200
    clock.now = NOW + timedelta(hours=25)  # the bot's clock decides what is stale
    assert (await client.get("/app/api/me", headers=auth())).status == 401
    response = await client.post("/app/api/subscriptions", json={"topic": "hague", "follow": True})
    assert response.status == 401


async def test_a_toggle_changes_what_mysubs_shows_and_only_for_that_reader(
    viewed: tuple[BotDriver, TestClient[Any, Any]],
) -> None:
    bot, client = viewed
    await bot.say("/subscribe 商标", chat_id=1001)
    me = await (await client.get("/app/api/me", headers=auth())).json()
    assert me["language"] == "zh"
    assert [(f["kind"], f["name"], f["slug"]) for f in me["follows"]] == [
        ("topic", "商标", "trademark")
    ]
    assert all(me["highlighted"][key] == ["商标"] for key in me["follows"][0]["passages"])
    hague = next(t for t in me["topics"] if t["slug"] == "hague")
    assert hague["followed"] is False
    assert hague["count"] > 0

    response = await client.post(
        "/app/api/subscriptions", json={"topic": "hague", "follow": True}, headers=auth()
    )
    assert response.status == 200
    answer = await response.json()
    assert answer["outcome"] == "on"
    assert answer["name"] == "海牙协定"
    assert [f["slug"] for f in answer["me"]["follows"]] == ["trademark", "hague"]
    mysubs = await one(bot, "/mysubs", chat_id=1001)
    assert "海牙协定" in mysubs
    assert "商标" in mysubs

    # Again: nothing more changes (the page says what it wants, not "toggle").
    again = await client.post(
        "/app/api/subscriptions", json={"topic": "hague", "follow": True}, headers=auth()
    )
    assert (await again.json())["outcome"] == "already"

    # Another reader (an English one, who never wrote to the bot) sees only their own.
    other = await (await client.get("/app/api/me", headers=auth(2002, "en"))).json()
    assert other["language"] == "en"
    assert other["follows"] == []
    assert other["strings"]["contents"] == "Contents"
    off = await client.post(
        "/app/api/subscriptions", json={"topic": "hague", "follow": False},
        headers=auth(2002, "en"),
    )  # fmt: skip
    assert (await off.json())["outcome"] == "not_followed"
    assert "海牙协定" in await one(bot, "/mysubs", chat_id=1001)  # 1001's are untouched

    response = await client.post(
        "/app/api/subscriptions", json={"topic": "hague", "follow": False}, headers=auth()
    )
    assert (await response.json())["outcome"] == "off"
    assert "海牙协定" not in await one(bot, "/mysubs", chat_id=1001)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "error"),
    [
        ({"topic": "no-such-topic", "follow": True}, "application/json", 400, "unknown_topic"),
        ({"topic": "hague", "follow": "yes"}, "application/json", 400, "bad_request"),
        ({"topic": "hague"}, "application/json", 400, "bad_request"),
        ({"topic": "hague", "follow": True, "chat": 2002}, "application/json", 400, "bad_request"),
        ({"topic": ["hague"], "follow": True}, "application/json", 400, "bad_request"),
        ({"topic": "x" * 65, "follow": True}, "application/json", 400, "bad_request"),
        (["hague"], "application/json", 400, "bad_request"),
        ("not json", "application/json", 400, "bad_request"),
        ({"topic": "hague", "follow": True}, "text/plain", 415, "unsupported_media_type"),
        ({"topic": "h" * API_BODY_LIMIT, "follow": True}, "application/json", 413, "too_large"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    viewed: tuple[BotDriver, TestClient[Any, Any]],
    body: object,
    content_type: str,
    status: int,
    error: str,
) -> None:
    _, client = viewed
    data = body if isinstance(body, str) else json.dumps(body)
    response = await client.post(
        "/app/api/subscriptions",
        data=data,
        headers={**auth(), "Content-Type": content_type},
    )
    assert response.status == status
    assert (await response.json())["error"] == error
    me = await (await client.get("/app/api/me", headers=auth())).json()
    assert me["follows"] == []


async def test_documents_hold_every_section_with_summary_and_english(
    viewed: tuple[BotDriver, TestClient[Any, Any]],
) -> None:
    _, client = viewed
    response = await client.get("/app/api/documents", headers=auth())
    assert response.status == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    [document] = (await response.json())["documents"]
    assert document["title"].startswith("国家知识产权局")
    assert [s["number"] for s in document["sections"]] == list(range(9))
    four = document["sections"][4]
    assert four["numeral"] == "四"
    assert four["heading"].startswith("建设一流专利商标审查机构")
    assert four["heading_en"].startswith("Building first-class patent and trademark examination")
    assert 2 <= len(four["summary_zh"]) == len(four["summary_en"]) <= 4
    assert four["passages"][0]["key"] == "4.1"
    assert all(p["zh"] and p["en"] for p in four["passages"])
    etag = response.headers["ETag"]
    again = await client.get(
        "/app/api/documents", headers={**auth(), "If-None-Match": etag}
    )  # fmt: skip
    assert again.status == 304
    assert (await client.get("/app/api/documents")).status == 401


async def test_the_page_and_its_assets_carry_security_headers_and_no_secret(
    viewed: tuple[BotDriver, TestClient[Any, Any]],
) -> None:
    _, client = viewed
    for path in ("/app", "/app/", "/app/app.js", "/app/app.css", "/app/api/me"):
        response = await client.get(path)
        assert response.status in (200, 401), path
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self' https://telegram.org;" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        text = await response.text()
        assert TEST_TOKEN not in text
        assert TEST_TOKEN.split(":")[1] not in text
    page = await (await client.get("/app")).text()
    assert 'data-base="/app"' in page
    assert "<script>" not in page
    assert "style=" not in page
    assert "https://telegram.org/js/telegram-web-app.js" in page
    assert "请在 Telegram 中" in page
    assert "Open this page in Telegram" in page
    assert (await client.get("/app/nothing")).status == 404


async def test_the_reading_view_can_be_served_at_the_root(
    settings: Settings, api: TelegramStandIn
) -> None:
    async with driven_bot(settings, api) as bot:
        app = reading_view_app(bot.application, "https://bot.example.org/", web.Application())
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            page = await (await client.get("/")).text()
            assert 'data-base=""' in page
            assert 'href="/app.css?v=' in page
            assert (await client.get("/api/me")).status == 401


async def test_keywords_followed_by_command_highlight_their_passages(
    viewed: tuple[BotDriver, TestClient[Any, Any]],
) -> None:
    bot, client = viewed
    await bot.say("/subscribe 乡村振兴 海牙", chat_id=1001)
    me = await (await client.get("/app/api/me", headers=auth())).json()
    keyword, topic = me["follows"]
    assert (keyword["kind"], keyword["name"], keyword["slug"]) == ("keyword", "乡村振兴", None)
    assert topic["slug"] == "hague"
    assert keyword["passages"]
    assert all("乡村振兴" in me["highlighted"][key] for key in keyword["passages"])
    assert all("海牙协定" in me["highlighted"][key] for key in topic["passages"])
    assert [t["slug"] for t in me["topics"] if t["followed"]] == ["hague"]


async def test_a_chunked_body_over_the_limit_is_refused_without_reading_it_all(
    viewed: tuple[BotDriver, TestClient[Any, Any]],
) -> None:
    _, client = viewed

    async def endless() -> AsyncIterator[bytes]:
        yield b'{"topic": "'
        for _ in range(1000):
            yield b"h" * 64

    response = await client.post(
        "/app/api/subscriptions",
        data=endless(),
        headers={**auth(), "Content-Type": "application/json"},
    )
    assert response.status == 413


async def test_the_view_reads_every_plan_newest_first_with_follows_marked_in_each(
    viewed: tuple[BotDriver, TestClient[Any, Any]], settings: Settings
) -> None:
    """After the owner imports a newer plan (another process, then the minute's refresh), the
    page's documents are both plans, the new one first; a follow's passages are marked in each
    plan by the keys the page gives them, and the old document list's ETag no longer holds."""
    bot, client = viewed
    await bot.say("/subscribe 海牙", chat_id=1001)
    first = await client.get("/app/api/documents", headers=auth())
    etag = first.headers["ETag"]
    assert [d["slug"] for d in (await first.json())["documents"]] == ["cnipa-2022-work-plan"]

    other = Store(settings.database_url)  # `run_bot.py import` in another process
    try:
        candidate = read_work_plan(made_up_plans.markdown().encode(), "plan.md")
        await importing.add(other, load_library().catalog, [candidate], NOW)
    finally:
        await other.close()
    job_queue = bot.application.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name(CONTENT_REFRESH_JOB)
    await job.run(bot.application)

    again = await client.get("/app/api/documents", headers={**auth(), "If-None-Match": etag})
    assert again.status == 200
    documents = (await again.json())["documents"]
    assert [d["title"] for d in documents] == [
        made_up_plans.TITLE,
        "国家知识产权局 2022 年工作要点",
    ]
    keys = {
        d["slug"]: {p["key"]: p["zh"] for s in d["sections"] for p in s["passages"]}
        for d in documents
    }
    me = await (await client.get("/app/api/me", headers=auth())).json()
    marked = set(me["highlighted"])
    new, old = (keys[d["slug"]] for d in documents)
    assert any(new[key] == made_up_plans.BROKEN for key in marked & new.keys())
    assert any("海牙协定" in old[key] for key in marked & old.keys())


async def test_a_reader_who_floods_the_api_waits_and_others_do_not(
    settings: Settings, api: TelegramStandIn, clock: Clock
) -> None:
    now = [0.0]
    async with driven_bot(replace(settings, webapp_url=URL), api, clock=clock) as bot:
        app = reading_view_app(bot.application, URL, timer=lambda: now[0])
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            for _ in range(API_BURST):
                assert (await client.get("/app/api/me", headers=auth())).status == 200
            refused = await client.post(
                "/app/api/subscriptions",
                json={"topic": "hague", "follow": True},
                headers=auth(),
            )
            assert refused.status == 429
            assert refused.headers["Retry-After"] == str(int(API_WINDOW))
            assert (await refused.json())["error"] == "too_many_requests"
            # Nothing was changed by the refused toggle; another reader is not held up.
            assert (await client.get("/app/api/me", headers=auth(2002))).status == 200
            now[0] += API_WINDOW + 1
            me = await (await client.get("/app/api/me", headers=auth())).json()
            assert me["follows"] == []
