"""The fast tier: python-telegram-bot's request interface answered by the stand-in in the same
process, without sockets or HTTP (as python-telegram-bot's own tests/auxil OfflineRequest does),
and updates handed straight to the Application's queue instead of long-polled.

The stand-in's rules (Telegram's HTML, lengths, "not modified", faults) apply exactly as over
HTTP, so a handler test here sees what a user would; what only the wire shows (polling, webhook,
the process as a whole) stays in the end-to-end tests."""

from __future__ import annotations

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

from entry.standin import JSON, TelegramStandIn, decode_form_value


class StandInRequest(BaseRequest):
    """Every Bot API call goes to `standin.call(method, params)`; the answer comes back as the
    bytes and status an HTTP server would have sent."""

    def __init__(self, standin: TelegramStandIn) -> None:
        self.standin = standin

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a file's bytes (File.download_*), not a method
            token, _, path = url.split("/file/bot", 1)[1].partition("/")
            return self.standin.download(token, path)
        token_and_method = url.rsplit("/bot", 1)[-1]
        token, _, api_method = token_and_method.rpartition("/")
        if token != self.standin.token:
            return 401, json.dumps({"ok": False, "error_code": 401}).encode()
        params: JSON = {}
        if request_data is not None:
            for key, value in request_data.json_parameters.items():
                params[key] = decode_form_value(key, value)
            for name, part in request_data.multipart_data.items():
                filename, content = part[0], part[1]
                data = content if isinstance(content, bytes) else content.read()
                params[name] = {"filename": filename, "content": data}
        status, body = await self.standin.call(api_method, params)
        return status, json.dumps(body, ensure_ascii=False).encode()
