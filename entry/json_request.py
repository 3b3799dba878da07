"""Bot API calls with a JSON body.

python-telegram-bot's HTTPXRequest posts every call without files as a urlencoded form, and
`urllib.parse.urlencode` percent-escapes each byte of the text in Python: a briefing of three
passages in Chinese is a few thousand such bytes, the largest single cost of a send after the
HTTP round trip itself (issue 15's profiles: more than the whole ledger). The Bot API takes
`application/json` for every method except uploads, so those calls go as one JSON document,
encoded by the json module's C encoder; calls with files keep python-telegram-bot's multipart
form. Timeouts and errors are python-telegram-bot's: TimedOut (pool timeouts say the request was
not sent) and NetworkError.
"""

from __future__ import annotations

import json

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

JSON_HEADERS = {"User-Agent": BaseRequest.USER_AGENT, "Content-Type": "application/json"}


class JsonBodyRequest(HTTPXRequest):
    """HTTPXRequest whose calls without files carry a JSON body."""

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
        if request_data is None or request_data.contains_files or self._client.is_closed:
            return await super().do_request(
                url, method, request_data,
                read_timeout,  # type: ignore[arg-type]
                write_timeout,  # type: ignore[arg-type]
                connect_timeout,  # type: ignore[arg-type]
                pool_timeout,  # type: ignore[arg-type]
            )  # fmt: skip
        defaults = self._client.timeout
        timeout = httpx.Timeout(
            connect=_given(connect_timeout, defaults.connect),
            read=_given(read_timeout, defaults.read),
            write=_given(write_timeout, defaults.write),
            pool=_given(pool_timeout, defaults.pool),
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":"))
        try:
            answer = await self._client.request(
                method=method,
                url=url,
                headers=JSON_HEADERS,
                timeout=timeout,
                content=body.encode(),
            )
        except httpx.TimeoutException as error:
            if isinstance(error, httpx.PoolTimeout):
                raise TimedOut(
                    "Pool timeout: all connections are busy; the request was not sent"
                ) from error
            raise TimedOut from error
        except httpx.HTTPError as error:
            raise NetworkError(f"httpx.{type(error).__name__}: {error}") from error
        return answer.status_code, answer.content


def _given(value: float | object | None, default: float | None) -> float | None:
    """A timeout the call gave, or the client's own when it left the default."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return value  # type: ignore[return-value]
