"""The bot's Bot API client (entry/json_request.py) against a plain HTTP server on 127.0.0.1 that
records what arrives and answers as told: calls go as JSON through aiohttp, uploads keep
python-telegram-bot's multipart form, and each way a call can fail reaches bot.delivery as the
exception it expects (a read timeout may have delivered the message; a call that never left
cannot have), with the token in no error's text."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.delivery import may_have_arrived
from entry.json_request import JsonBodyRequest, without_token
from tests.conftest import TEST_TOKEN

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Seen:
    method: str
    content_type: str
    body: bytes


@dataclass
class Server:
    base_url: str
    seen: list[Seen] = field(default_factory=list)
    delay: float = 0.0  # seconds each answer waits
    started: asyncio.Event = field(default_factory=asyncio.Event)


def _message(chat_id: int, text: str) -> dict[str, Any]:
    return {
        "message_id": 7,
        "date": 0,
        "chat": {"id": chat_id, "type": "private"},
        "text": text,
    }


@pytest.fixture
async def server(unused_tcp_port: int) -> AsyncIterator[Server]:
    state = Server(f"http://127.0.0.1:{unused_tcp_port}/bot")

    async def answer(request: web.Request) -> web.Response:
        body = await request.read()
        method = request.match_info["method"]
        state.seen.append(Seen(method, request.content_type, body))
        state.started.set()
        if state.delay:
            await asyncio.sleep(state.delay)
        if method == "getMe":
            result: Any = {"id": 1, "is_bot": True, "first_name": "B", "username": "b_bot"}
        elif request.content_type == "application/json":
            parameters = json.loads(body)
            result = _message(int(parameters["chat_id"]), parameters.get("text", ""))
        else:
            result = {**_message(1, ""), "document": {"file_id": "f", "file_unique_id": "u"}}
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", unused_tcp_port)
    await site.start()
    try:
        yield state
    finally:
        await runner.cleanup()


async def test_a_message_goes_as_json_with_its_chinese_text_intact(server: Server) -> None:
    async with Bot(TEST_TOKEN, base_url=server.base_url, request=JsonBodyRequest()) as bot:
        sent = await bot.send_message(42, "〔四〕推进海牙协定 <b>&</b>", parse_mode="HTML")
    assert sent.message_id == 7
    seen = [s for s in server.seen if s.method == "sendMessage"]
    assert seen[0].content_type == "application/json"
    body = seen[0].body.decode()
    assert "推进海牙协定" in body  # as UTF-8, not \\u escapes nor percent-escapes
    sent_text = "〔四〕推进海牙协定 <b>&</b>"
    assert json.loads(body) == {"chat_id": 42, "text": sent_text, "parse_mode": "HTML"}


async def test_an_upload_keeps_python_telegram_bots_multipart_form(server: Server) -> None:
    async with Bot(TEST_TOKEN, base_url=server.base_url, request=JsonBodyRequest()) as bot:
        await bot.send_document(42, b"chat_id,topic\n42,hague\n", filename="export.csv")
    seen = [s for s in server.seen if s.method == "sendDocument"]
    assert seen[0].content_type == "multipart/form-data"
    assert b"42,hague" in seen[0].body


async def test_a_read_timeout_may_have_delivered_the_message(server: Server) -> None:
    async with Bot(TEST_TOKEN, base_url=server.base_url, request=JsonBodyRequest()) as bot:
        server.delay = 1.0
        with pytest.raises(TimedOut) as raised:
            await bot.send_message(42, "hello", read_timeout=0.2)
    assert may_have_arrived(raised.value)  # the server had it: never sent again
    assert [s.method for s in server.seen].count("sendMessage") == 1


async def test_no_free_connection_in_time_is_a_send_that_never_left(server: Server) -> None:
    # aiohttp has one timeout for waiting for a connection and making one: their sum, 0.2 s.
    request = JsonBodyRequest(connection_pool_size=1, pool_timeout=0.1, connect_timeout=0.1)
    async with Bot(TEST_TOKEN, base_url=server.base_url, request=request) as bot:
        server.delay = 1.0
        server.started.clear()  # set by getMe
        holding = asyncio.ensure_future(bot.send_message(1, "first"))
        await server.started.wait()
        with pytest.raises(TimedOut) as raised:
            await bot.send_message(2, "second")
        await holding
    assert not may_have_arrived(raised.value)  # bot.delivery tries it again
    assert TEST_TOKEN not in str(raised.value)
    sends = [json.loads(s.body)["chat_id"] for s in server.seen if s.method == "sendMessage"]
    assert sends == [1]


async def test_a_refused_connection_is_a_network_error_without_the_token(
    unused_tcp_port: int,
) -> None:
    base_url = f"http://127.0.0.1:{unused_tcp_port}/bot"
    with pytest.raises(NetworkError) as raised:
        async with Bot(TEST_TOKEN, base_url=base_url, request=JsonBodyRequest()):
            pass  # initializing asks getMe: refused
    assert not isinstance(raised.value, TimedOut)
    assert TEST_TOKEN not in str(raised.value)


def test_the_token_is_taken_out_of_an_error_that_quotes_the_url() -> None:
    quoted = f"Connection timeout to host http://127.0.0.1:8081/bot{TEST_TOKEN}/sendMessage"
    assert without_token(quoted) == (
        "Connection timeout to host http://127.0.0.1:8081/bot<token>/sendMessage"
    )


async def test_a_closed_client_refuses_calls_and_opens_again(server: Server) -> None:
    request = JsonBodyRequest()
    url = f"{server.base_url}{TEST_TOKEN}/getMe"
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(url, RequestData([]))
    await request.initialize()
    await request.shutdown()
    await request.initialize()  # python-telegram-bot may initialize a Bot again
    try:
        me = await request.post(url, RequestData([]))
    finally:
        await request.shutdown()
    assert isinstance(me, dict)
    assert me["username"] == "b_bot"
