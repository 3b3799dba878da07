"""The reading view in a real browser: headless Chromium (Debian's, /usr/bin/chromium) driven
by Playwright, the page served by our aiohttp server on 127.0.0.1 with the real Application
behind it. The page is opened as Telegram opens a Mini App: `window.Telegram.WebApp` as
telegram-web-app.js provides it (signed initData, initDataUnsafe, themeParams, colorScheme,
viewport, ready/expand, onEvent), the script itself unreachable (the network is closed; its
request is aborted). A reader reads a section, searches, follows a topic and sees /mysubs change;
screenshots at 360 px (light and dark) go to bench/results/.

Skipped, loudly, where Chromium or Playwright is missing (.ci/run installs both when it can)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import quote

import pytest

from bot.config import Settings
from bot.webapp_auth import sign_init_data
from entry.standin import TelegramStandIn
from entry.webapp.server import reading_view_app
from entry.webhook import app_runner, serving
from tests.conftest import TEST_TOKEN
from tests.support.clock import Clock
from tests.support.driver import BotDriver, driven_bot, one
from tests.support.library import TITLE_2023, library_dir
from tests.test_webhook import free_port

try:
    from playwright.async_api import Browser, Page, Route, ViewportSize, async_playwright
except ImportError:  # pragma: no cover - the skip below says so
    async_playwright = None  # type: ignore[assignment]

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_SKIP = "BROWSER: headless Chromium or Playwright is missing (.ci/run installs them)"
if async_playwright is None or not Path(CHROMIUM).exists():
    pytest.skip(BROWSER_SKIP, allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PHONE: ViewportSize = {"width": 360, "height": 740}
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# Telegram's own themes, as its clients send them (Android light, Desktop night).
LIGHT = {
    "bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#999999",
    "link_color": "#2481cc", "button_color": "#2481cc", "button_text_color": "#ffffff",
    "secondary_bg_color": "#efeff3", "header_bg_color": "#ffffff",
    "accent_text_color": "#2481cc", "section_bg_color": "#ffffff",
    "section_header_text_color": "#6d6d72", "subtitle_text_color": "#999999",
    "destructive_text_color": "#ff3b30", "section_separator_color": "#e7e7e7",
}  # fmt: skip
DARK = {
    "bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499",
    "link_color": "#6ab3f3", "button_color": "#5288c1", "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c", "header_bg_color": "#17212b",
    "accent_text_color": "#6ab2f2", "section_bg_color": "#17212b",
    "section_header_text_color": "#6ab3f3", "subtitle_text_color": "#708499",
    "destructive_text_color": "#ec3942", "section_separator_color": "#111921",
}  # fmt: skip


def launch_fields(user_id: int, language: str) -> dict[str, str]:
    user = {"id": user_id, "first_name": "Li", "language_code": language}
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":")),
        "auth_date": str(int(NOW.timestamp())),
        "chat_type": "private",
        "chat_instance": "-8134722200314281151",
    }


def telegram_web_app(user_id: int, language: str, theme: dict[str, str], scheme: str) -> str:
    """window.Telegram.WebApp as telegram-web-app.js sets it up (core.telegram.org/bots/webapps
    "Initializing Mini Apps"), with calls recorded on window.__telegram."""
    fields = launch_fields(user_id, language)
    init_data = sign_init_data(fields, TEST_TOKEN)
    unsafe = {
        **{k: v for k, v in fields.items() if k != "user"},
        "user": json.loads(fields["user"]),
        "auth_date": int(fields["auth_date"]),
        "hash": init_data.rsplit("hash=", 1)[1],
    }
    web_app = {
        "initData": init_data, "initDataUnsafe": unsafe, "version": "8.0",
        "platform": "android", "colorScheme": scheme, "themeParams": theme,
        "isExpanded": False, "viewportHeight": PHONE["height"] - 60,
        "viewportStableHeight": PHONE["height"] - 60,
    }  # fmt: skip
    return (
        "window.__telegram = {ready: 0, expand: 0, events: {}};"
        f"window.Telegram = {{WebApp: Object.assign({json.dumps(web_app)}, {{"
        "ready: function () { window.__telegram.ready += 1; },"
        "expand: function () { window.__telegram.expand += 1; this.isExpanded = true; },"
        "onEvent: function (name, callback) {"
        "  (window.__telegram.events[name] = window.__telegram.events[name] || []).push(callback);"
        "},"
        "offEvent: function () {}"
        "})};"
    )


@dataclass
class Served:
    bot: BotDriver
    base: str


@pytest.fixture
async def served(settings: Settings, api: TelegramStandIn) -> AsyncIterator[Served]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/app"
    async with driven_bot(replace(settings, webapp_url=url), api, clock=Clock(NOW)) as bot:
        app = reading_view_app(bot.application, url)
        async with serving(app_runner(app), "127.0.0.1", port):
            yield Served(bot, url)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert async_playwright is not None
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def phone_page(
    browser: Browser, script: str | None, scheme: Literal["light", "dark"] = "light"
) -> tuple[Page, list[str]]:
    """A 360-px phone page; `script` is Telegram's WebApp object (None: opened outside
    Telegram). Returns the page and the console's errors (CSP violations among them)."""
    context = await browser.new_context(
        viewport=PHONE, device_scale_factor=2, color_scheme=scheme, is_mobile=True, has_touch=True
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )

    async def unreachable(route: Route) -> None:  # as telegram.org is from here
        await route.abort("internetdisconnected")

    await page.route("https://telegram.org/**", unreachable)
    if script is not None:
        await page.add_init_script(script)
    return page, errors


def own_errors(errors: list[str]) -> list[str]:
    """Console errors but the aborted telegram-web-app.js."""
    return [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e]


async def test_a_reader_reads_searches_and_follows_a_topic(
    served: Served, browser: Browser
) -> None:
    bot = served.bot
    await bot.say("/subscribe 商标")  # highlighted on the page
    page, errors = await phone_page(browser, telegram_web_app(1001, "zh-hans", LIGHT, "light"))
    await page.goto(f"{served.base}?s=4")
    section = page.locator("#s-cnipa-2022-work-plan-4")
    await section.locator(".passage").first.wait_for()

    # Opened at the section, its heading, key points and full text.
    assert await section.locator(".section-title").inner_text() == (
        "四、建设一流专利商标审查机构，全面打赢审查提质增效攻坚战。"
    )
    assert await section.locator(".points li").count() >= 2
    box = await section.bounding_box()
    assert box is not None
    assert abs(box["y"]) < 120  # scrolled to it, just under the sticky search bar
    telegram = await page.evaluate("window.__telegram")
    assert telegram["ready"] == 1
    assert telegram["expand"] == 1
    assert sorted(telegram["events"]) == ["themeChanged", "viewportChanged"]

    # Telegram's theme, and nothing wider than the phone.
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(239, 239, 243)"  # secondary_bg_color
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The reader's topic highlighted.
    highlighted = section.locator(".passage.hl")
    assert await highlighted.count() >= 1
    assert "商标" in (await highlighted.first.get_attribute("data-follows") or "")
    await screenshot(page, "webapp-light.png")

    # Search as you type.
    await page.locator("#search").press_sequentially("海牙")
    results = page.locator("#results")
    await results.locator(".result").first.wait_for()
    assert "段含“海牙”" in await results.locator(".results-count").inner_text()
    assert await results.locator("mark").first.inner_text() == "海牙"
    await results.locator(".result").first.click()
    await page.locator("#search").fill("")
    await results.wait_for(state="hidden")

    # Follow a topic: the bot's /mysubs shows it; unfollow: gone again.
    if not await page.locator("#topics details").evaluate("(details) => details.open"):
        await page.locator("#topics summary").click()
    chip = page.locator('.chip[data-slug="hague"]')
    assert await chip.get_attribute("aria-pressed") == "false"
    await chip.click()
    await page.locator('.chip[data-slug="hague"][aria-pressed="true"]').wait_for()
    assert await page.locator("#toast").inner_text() == "已订阅：海牙协定"
    assert "海牙协定" in await one(bot, "/mysubs")
    assert await page.locator(".passage.hl[data-follows*='海牙协定']").count() >= 1
    await page.locator('.chip[data-slug="hague"]').click()
    await page.locator('.chip[data-slug="hague"][aria-pressed="false"]').wait_for()
    assert "海牙协定" not in await one(bot, "/mysubs")
    await chip.click()
    await page.locator('.chip[data-slug="hague"][aria-pressed="true"]').wait_for()
    await page.locator("#toast").wait_for(state="hidden")
    await page.evaluate("window.scrollTo(0, 0)")
    await screenshot(page, "webapp-topics-light.png")
    assert own_errors(errors) == []  # no CSP violation, no script error


async def test_an_english_reader_in_the_dark_theme_reads_english_with_the_original(
    served: Served, browser: Browser
) -> None:
    await served.bot.say("/subscribe Hague", chat_id=2002)
    page, errors = await phone_page(browser, telegram_web_app(2002, "en", DARK, "dark"), "dark")
    await page.goto(f"{served.base}?s=4")
    section = page.locator("#s-cnipa-2022-work-plan-4")
    await section.locator(".passage").first.wait_for()
    title = await section.locator(".section-title").inner_text()
    assert title.startswith("4. Building first-class patent and trademark examination")
    original = section.locator(".section-original")
    assert (await original.inner_text()).startswith("四、建设一流专利商标审查机构")
    first = section.locator(".passage").first
    assert await first.locator(".en").count() == 1
    assert await first.locator("details.original .zh").count() == 1  # collapsed beneath
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(35, 46, 60)"  # Telegram's dark secondary_bg_color
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert await page.locator("#contents .panel-title").inner_text() == "Contents"
    await screenshot(page, "webapp-dark.png")
    # A theme change in Telegram is followed at once.
    await page.evaluate(
        "(theme) => { Telegram.WebApp.themeParams = theme; Telegram.WebApp.colorScheme = 'light';"
        " window.__telegram.events.themeChanged.forEach((f) => f()); }",
        LIGHT,
    )
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(239, 239, 243)"
    assert own_errors(errors) == []


async def test_without_telegram_the_page_says_where_to_open_it_and_asks_nothing(
    served: Served, browser: Browser
) -> None:
    page, errors = await phone_page(browser, None)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    await page.goto(served.base)
    notice = page.locator("#notice")
    await notice.wait_for()
    assert "请在 Telegram 中" in await notice.inner_text()
    assert not [url for url in asked if "/api/" in url]
    assert own_errors(errors) == []


async def test_without_telegrams_script_the_launch_parameters_in_the_url_suffice(
    served: Served, browser: Browser
) -> None:
    """Telegram passes initData and the theme in the URL's fragment too; the page reads them
    when telegram-web-app.js could not be loaded."""
    page, errors = await phone_page(browser, None)
    init_data = sign_init_data(launch_fields(1001, "zh-hans"), TEST_TOKEN)
    fragment = (
        f"tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=ios"
        f"&tgWebAppThemeParams={quote(json.dumps(DARK), safe='')}"
    )
    await page.goto(f"{served.base}#{fragment}")
    await page.locator(".passage").first.wait_for()
    assert await page.locator("#contents .toc li").count() == 9
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(35, 46, 60)"
    assert own_errors(errors) == []


async def screenshot(page: Page, name: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(RESULTS / name), animations="disabled")


async def test_with_several_plans_the_contents_name_each_and_a_link_opens_the_older_one(
    settings: Settings, api: TelegramStandIn, browser: Browser, tmp_path: Path
) -> None:
    """A made-up 2023 plan beside 2022 (NOT real CNIPA text, tests/support/library.py): the
    table of contents lists each plan's sections under its title, newest first, and the page
    opened from /section 2022 4's button (?d=2022&s=4) lands on 2022's section 四."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/app"
    content = library_dir(tmp_path)
    async with (
        driven_bot(replace(settings, webapp_url=url), api, Clock(NOW), content) as bot,
        serving(app_runner(reading_view_app(bot.application, url)), "127.0.0.1", port),
    ):
        page, errors = await phone_page(browser, telegram_web_app(1001, "zh-hans", LIGHT, "light"))
        await page.goto(f"{url}?d=2022&s=4")
        older = page.locator("#s-cnipa-2022-work-plan-4")
        await older.locator(".passage").first.wait_for()
        box = await older.bounding_box()
        assert box is not None
        assert abs(box["y"]) < 120  # opened at 2022's 四, not the newest plan's
        assert await page.locator("#title").inner_text() == "国家知识产权局 2022 年工作要点"
        titles = await page.locator(".toc-doc").all_inner_texts()
        assert titles == [TITLE_2023, "国家知识产权局 2022 年工作要点"]
        await screenshot(page, "webapp-two-plans-light.png")
        assert own_errors(errors) == []
