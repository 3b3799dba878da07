"""The reading view over HTTP, on the bot's own aiohttp server: the page at the path of
WEBAPP_URL (index.html, app.css, app.js from static/) and its API under `<path>/api/`.

    GET  <path>/api/documents      every document, section, summary and passage (zh, en)
    GET  <path>/api/me             the reader: language, follows, highlighted passages, topics,
                                   and the page's words in their language
    POST <path>/api/subscriptions  {"topic": slug, "follow": true|false} → the reader afterwards

Every API request carries `Authorization: tma <initData>`, checked as Telegram specifies
(bot.webapp_auth) against the bot's token and the bot's clock; anything else is 401 and reads or
changes nothing. The reader is the user the initData names: there is no parameter that could
name another. Bodies are JSON of at most API_BODY_LIMIT bytes with exactly the fields above.
A reader gets API_BURST requests in any API_WINDOW seconds (a page load takes two, a topic
toggle one); past that, 429 with Retry-After until the window has passed, before any store work.

Every answer carries security headers: a CSP without inline script or style (scripts from here
and Telegram's telegram-web-app.js only; framed only by Telegram's web clients), nosniff, no
referrer. The page holds no secret: the token never leaves the server."""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from aiohttp import web

from bot.i18n import LANGUAGES, Translator
from bot.services import Services
from bot.usecases import reading_view
from bot.usecases.reading_view import DocumentText, Reader
from bot.webapp_auth import InitDataError, WebAppUser, check_init_data, from_header
from content.numerals import to_chinese_numeral
from handlers.flood import MAX_TRACKED, Budgets

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
API_BODY_LIMIT = 1024  # bytes: the largest body the API takes ({"topic": …, "follow": …})
BODY_TIMEOUT = 10.0  # seconds a request body may take to arrive (as the webhook's)
SLUG_LIMIT = 64
API_BURST = 60  # requests one reader may make in API_WINDOW seconds
API_WINDOW = 10.0
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors https://web.telegram.org"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript"}
PAGE_KEYS = (
    "title", "contents", "search", "search_results", "search_none", "summary", "full_text",
    "original", "intro", "section", "topics", "topics_hint", "followed", "follow", "keywords",
    "highlighted", "limit", "expired", "failed", "saved_on", "saved_off", "loading", "top",
)  # fmt: skip

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def webapp_path(url: str) -> str:
    """The path the reading view is served at, without a trailing slash ("" for the root)."""
    return urlparse(url).path.rstrip("/")


@dataclass(frozen=True)
class _Asset:
    body: bytes
    content_type: str
    etag: str


def _asset(body: bytes, suffix: str) -> _Asset:
    return _Asset(body, _TYPES[suffix], hashlib.sha256(body).hexdigest()[:16])


def _answer(request: web.Request, asset: _Asset, cache: str = "no-cache") -> web.Response:
    """An asset, or 304 when the client has this version; compressed when it may be."""
    headers = {"ETag": f'"{asset.etag}"', "Cache-Control": cache}
    if request.headers.get("If-None-Match") == headers["ETag"]:
        return web.Response(status=304, headers=headers)
    response = web.Response(body=asset.body, content_type=asset.content_type, headers=headers)
    if asset.content_type != "text/html":
        response.charset = "utf-8"
    response.enable_compression()
    return response


def _error(status: int, error: str, reason: str = "") -> web.Response:
    body: dict[str, str] = {"error": error}
    if reason:
        body["reason"] = reason
    headers = {"WWW-Authenticate": "tma"} if status == 401 else {}
    return web.json_response(body, status=status, headers=headers)


def _secured(handler: Handler) -> Handler:
    async def with_headers(request: web.Request) -> web.StreamResponse:
        response = await handler(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    return with_headers


class ReadingView:
    """The page and its API for one Application; `add_routes` puts them on an aiohttp app (the
    webhook server's, or the polling mode's own). Files are read here, when the server is set
    up, never at import."""

    def __init__(
        self, application: Any, url: str, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self.application = application
        self.timer = timer
        self.readers = Budgets(API_BURST, API_WINDOW, extend=False, max_tracked=MAX_TRACKED)
        self.path = webapp_path(url)
        css = (STATIC_DIR / "app.css").read_bytes()
        script = (STATIC_DIR / "app.js").read_bytes()
        self.css, self.script = _asset(css, ".css"), _asset(script, ".js")
        self._page: _Asset | None = None
        self._documents: tuple[str, _Asset] | None = None

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data.services
        return services

    def add_routes(self, app: web.Application) -> None:
        base = self.path
        app.router.add_get(base or "/", _secured(self.page))
        if base:
            app.router.add_get(f"{base}/", _secured(self.page))
        app.router.add_get(f"{base}/app.css", _secured(self.stylesheet))
        app.router.add_get(f"{base}/app.js", _secured(self.javascript))
        app.router.add_get(f"{base}/api/documents", _secured(self._authorized(self.documents)))
        app.router.add_get(f"{base}/api/me", _secured(self._authorized(self.me)))
        app.router.add_post(
            f"{base}/api/subscriptions", _secured(self._authorized(self.subscriptions))
        )

    # --- the page ------------------------------------------------------------------------------

    def _page_asset(self) -> _Asset:
        """index.html with the base path, the assets' versions and the words shown outside
        Telegram (in both languages: without initData the page cannot know the reader's)."""
        if self._page is None:
            translate: Translator = self.services.translate
            notice = " / ".join(
                html.escape(translate.plain(language, "webapp.not_in_telegram"))
                for language in LANGUAGES
            )
            template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
            page = (
                template.replace("{{base}}", html.escape(self.path))
                .replace("{{css}}", self.css.etag)
                .replace("{{js}}", self.script.etag)
                .replace("{{notice}}", notice)
                .replace("{{telegram}}", TELEGRAM_SCRIPT)
            )
            self._page = _asset(page.encode(), ".html")
        return self._page

    async def page(self, request: web.Request) -> web.StreamResponse:
        response = _answer(request, self._page_asset())
        response.charset = "utf-8"
        return response

    async def stylesheet(self, request: web.Request) -> web.StreamResponse:
        return _answer(request, self.css, _cache_for(request, self.css))

    async def javascript(self, request: web.Request) -> web.StreamResponse:
        return _answer(request, self.script, _cache_for(request, self.script))

    # --- the API -------------------------------------------------------------------------------

    def _authorized(
        self, handler: Callable[[web.Request, WebAppUser], Awaitable[web.StreamResponse]]
    ) -> Handler:
        async def checked(request: web.Request) -> web.StreamResponse:
            services = self.services
            try:
                init_data = from_header(request.headers.get("Authorization"))
                user = check_init_data(init_data, self.application.bot.token, services.clock())
            except InitDataError as exc:
                return _error(401, "unauthorized", str(exc))
            if self.readers.admit(user.id, self.timer()) != "pass":
                refused = _error(429, "too_many_requests", "too many requests; try again soon")
                refused.headers["Retry-After"] = str(int(API_WINDOW))
                return refused
            response = await handler(request, user)
            response.headers["Cache-Control"] = response.headers.get("Cache-Control", "no-store")
            return response

        return checked

    async def documents(self, request: web.Request, user: WebAppUser) -> web.StreamResponse:
        """The same for every reader of a content version: built once per version."""
        version = self.services.version  # content/ and the owner's imports
        if self._documents is None or self._documents[0] != version:
            found = await reading_view.documents(self.services)
            body = json.dumps(
                {"documents": [_document_json(d) for d in found]},
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode()
            tag = hashlib.sha256(version.encode()).hexdigest()[:16]  # changes with an import too
            self._documents = (version, _Asset(body, "application/json", tag))
        return _answer(request, self._documents[1], "private, no-cache")

    async def me(self, request: web.Request, user: WebAppUser) -> web.StreamResponse:
        reader = await reading_view.reader(self.services, user)
        return _json(self._reader_json(reader))

    async def subscriptions(self, request: web.Request, user: WebAppUser) -> web.StreamResponse:
        body = await _json_body(request)
        if isinstance(body, web.Response):
            return body
        topic, follow = body.get("topic"), body.get("follow")
        if set(body) != {"topic", "follow"} or not isinstance(follow, bool):
            return _error(400, "bad_request", 'expected {"topic": "<slug>", "follow": true|false}')
        if not isinstance(topic, str) or not 0 < len(topic) <= SLUG_LIMIT:
            return _error(400, "bad_request", "topic must be a topic's slug")
        toggled = await reading_view.set_topic(self.services, user, topic, follow)
        if toggled is None:
            return _error(400, "unknown_topic", "no such topic")
        answer = {
            "outcome": toggled.outcome,
            "name": toggled.name,
            "me": self._reader_json(toggled.reader),
        }
        return _json(answer)

    def _reader_json(self, reader: Reader) -> dict[str, Any]:
        translate: Translator = self.services.translate
        language = reader.language
        return {
            "user": reader.user_id,
            "language": language,
            "limit": reader.limit,
            "follows": [
                {"kind": f.kind.value, "name": f.name, "slug": f.slug, "passages": f.passages}
                for f in reader.follows
            ],
            "highlighted": reader.highlighted,
            "topics": [
                {"slug": t.slug, "name": t.name, "count": t.count, "followed": t.followed}
                for t in reader.topics
            ],
            "strings": {key: translate.raw(language, f"webapp.page.{key}") for key in PAGE_KEYS},
        }


def _cache_for(request: web.Request, asset: _Asset) -> str:
    """Versioned URLs (`app.js?v=<etag>`, as index.html links them) are kept a year."""
    if request.query.get("v") == asset.etag:
        return "public, max-age=31536000, immutable"
    return "no-cache"


def _json(value: Any) -> web.Response:
    """JSON, compressed when the client accepts it (a reader's /api/me is a few KB)."""
    response = web.json_response(
        value, dumps=lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    )
    response.enable_compression()
    return response


async def _json_body(request: web.Request) -> dict[str, Any] | web.Response:
    """The request's JSON object, read up to API_BODY_LIMIT bytes; an error answer otherwise."""
    if request.content_type != "application/json":
        return _error(415, "unsupported_media_type", "send application/json")
    if request.content_length is not None and request.content_length > API_BODY_LIMIT:
        return _error(413, "too_large", f"at most {API_BODY_LIMIT} bytes")
    raw = bytearray()
    try:
        async with asyncio.timeout(BODY_TIMEOUT):  # a trickled body is not waited for
            while chunk := await request.content.read(API_BODY_LIMIT + 1 - len(raw)):
                raw += chunk
                if len(raw) > API_BODY_LIMIT:  # chunked, or a Content-Length that lied
                    return _error(413, "too_large", f"at most {API_BODY_LIMIT} bytes")
    except TimeoutError:
        return _error(408, "too_slow", "the body came too slowly")
    try:
        body = json.loads(bytes(raw))
    except (ValueError, UnicodeDecodeError):
        return _error(400, "bad_request", "not JSON")
    if not isinstance(body, dict):
        return _error(400, "bad_request", "expected a JSON object")
    return body


def _document_json(found: DocumentText) -> dict[str, Any]:
    document = found.document
    return {
        "slug": document.slug,
        "title": document.title,
        "title_en": found.title_en,
        "published": document.published.isoformat(),
        "source": document.source_url,
        "sections": [
            {
                "number": s.section.number,
                "numeral": to_chinese_numeral(s.section.number) if s.section.number else "",
                "heading": s.section.heading,
                "heading_en": s.heading_en or s.section.heading_en,
                "summary_zh": s.section.summary_zh,
                "summary_en": s.section.summary_en,
                "passages": [{"key": p.key, "zh": p.zh, "en": p.en} for p in s.passages],
            }
            for s in found.sections
        ],
    }


def reading_view_app(
    application: Any,
    url: str,
    app: web.Application | None = None,
    timer: Callable[[], float] = time.monotonic,
) -> web.Application:
    """`app` with the reading view's routes (a new app when None); `timer` is the clock of the
    readers' request budgets (tests inject theirs)."""
    app = app if app is not None else web.Application(client_max_size=64 * 1024)
    ReadingView(application, url, timer).add_routes(app)
    return app
