"""Bot API calls with a JSON body, over aiohttp's client.

Two costs of python-telegram-bot's HTTPXRequest, measured in issue 15's profiles of the push:

* It posts every call without files as a urlencoded form, and `urllib.parse.urlencode`
  percent-escapes each byte of the text in Python: a briefing of three passages in Chinese is a
  few thousand such bytes. The Bot API takes `application/json` for every method except uploads,
  so those calls go as one JSON document, encoded by the json module's C encoder.
* httpx's own stack (httpx → httpcore → anyio → h11, all in Python) costs about 1.3 ms of CPU a
  call on the bench machine: python-telegram-bot alone sends 534 messages a second through the
  local stand-in with it, and 1 800 with aiohttp's client (C parser, one layer). aiohttp is
  already the bot's web server (webhook, reading view), so it adds no dependency.

So every call without files goes as JSON through one aiohttp ClientSession, opened in
`initialize` and closed in `shutdown` (python-telegram-bot calls both from the Bot's own).
Uploads (multipart) and file downloads keep python-telegram-bot's httpx path: they are rare and
need its multipart encoder. Timeouts and errors are python-telegram-bot's: TimedOut (caused by
aiohttp's ConnectionTimeoutError when the request never left: no free connection, no connection
made; bot.delivery tells the two apart) and NetworkError, with the bot token taken out of every
message.
"""

from __future__ import annotations

import json
import re
import ssl
from typing import Any

import aiohttp
import certifi
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

JSON_HEADERS = {"User-Agent": BaseRequest.USER_AGENT, "Content-Type": "application/json"}
_TOKEN_IN_URL = re.compile(r"/bot[^/\s]+")  # …/bot<token>/sendMessage, …/file/bot<token>/…


def without_token(text: str) -> str:
    """`text` (an aiohttp error quotes the URL, which holds the token) with the token out."""
    return _TOKEN_IN_URL.sub("/bot<token>", text)


class JsonBodyRequest(HTTPXRequest):
    """HTTPXRequest whose calls without files go as JSON through aiohttp."""

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        super().__init__(
            connection_pool_size=connection_pool_size,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        self._connections = connection_pool_size
        self._session: aiohttp.ClientSession | None = None

    async def initialize(self) -> None:
        await super().initialize()
        if self._session is None or self._session.closed:
            # The same certificates as httpx (certifi's), not whatever the system has.
            tls = ssl.create_default_context(cafile=certifi.where())
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections, ssl=tls),
                cookie_jar=aiohttp.DummyCookieJar(),
                headers=JSON_HEADERS,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        await super().shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is None or request_data.contains_files:
            return await super().do_request(
                url, method, request_data,
                read_timeout,  # type: ignore[arg-type]
                write_timeout,  # type: ignore[arg-type]
                connect_timeout,  # type: ignore[arg-type]
                pool_timeout,  # type: ignore[arg-type]
            )  # fmt: skip
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This JsonBodyRequest is not initialized!")
        defaults = self._client.timeout
        connect = _given(connect_timeout, defaults.connect)
        pool = _given(pool_timeout, defaults.pool)
        # aiohttp's `connect` covers waiting for a free connection and making one; it has no
        # write timeout (a message is a few KB, written at once).
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=_given(read_timeout, defaults.read),
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":"))
        try:
            async with session.request(
                method, url, data=body.encode(), timeout=timeout, allow_redirects=False
            ) as answer:
                return answer.status, await answer.read()
        except aiohttp.ConnectionTimeoutError as error:
            raise TimedOut("Timed out before the request was sent") from error
        except TimeoutError as error:  # reading the answer: the message may have arrived
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(
                f"aiohttp.{type(error).__name__}: {without_token(str(error))}"
            ) from error


def _given(value: Any, default: float | None) -> float | None:
    """A timeout the call gave, or the client's own when it left the default."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return value
