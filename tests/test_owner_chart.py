"""The owner's /stats in the owner's language: the text (ledger states named, "1 group") and the
chart (labels in the chat's language when a CJK font is installed, English when not; integer
axes from 0; the legend clear of the data; no warnings)."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from bot import charts
from bot.i18n import Translator
from bot.usecases.owner_tools import Stats, TopicFollowing
from entry.standin import TelegramStandIn
from handlers.owner import stats_text
from tests.support.driver import BotDriver

OWNER_ID, ZH_USER, GROUP, ADMIN = 42, 1001, -700, 7
TRANSLATE = Translator.load()
DAYS = tuple(date(2026, 3, 10) - timedelta(days=29 - i) for i in range(30))


class Complaints:
    """Warnings and matplotlib's log records of WARNING or above, seen while a test ran."""

    def __init__(self) -> None:
        self.logged: list[str] = []
        self.warned: list[warnings.WarningMessage] = []

    def __eq__(self, other: object) -> bool:
        return [*self.logged, *(str(w.message) for w in self.warned)] == other

    def __repr__(self) -> str:
        return repr([*self.logged, *(str(w.message) for w in self.warned)])


@pytest.fixture
def quiet() -> Iterator[Complaints]:
    complaints = Complaints()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            complaints.logged.append(record.getMessage())

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("matplotlib")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            complaints.warned = caught
            yield complaints
    finally:
        logger.removeHandler(handler)


def _figure(language: str, sent: tuple[int, ...], subscribed: tuple[int, ...]):  # type: ignore[no-untyped-def]
    return charts.chart_figure(
        DAYS,
        sent,
        subscribed,
        charts.chart_texts(TRANSLATE, language),
        charts.chart_texts(TRANSLATE, charts.FALLBACK_LANGUAGE),
    )


def _y_ticks(axes) -> list[float]:  # type: ignore[no-untyped-def]
    low, high = axes.get_ylim()
    return [tick for tick in axes.get_yticks() if low <= tick <= high]


def test_an_empty_month_has_integer_axes_from_zero_to_at_least_one(quiet: Complaints) -> None:
    figure = _figure("en", (0,) * 30, (0,) * 30)
    figure.canvas.draw()
    for axes in figure.axes:
        low, high = axes.get_ylim()
        assert low == 0
        assert high >= 1
        assert _y_ticks(axes) == [0, 1]
    assert quiet == []


def test_ticks_count_whole_briefings_and_chats() -> None:
    sent = (0,) * 27 + (1, 2, 3)
    figure = _figure("en", sent, (0,) * 25 + (1,) * 5)
    figure.canvas.draw()
    for axes in figure.axes:
        ticks = _y_ticks(axes)
        assert ticks
        assert all(float(tick).is_integer() for tick in ticks)
    assert figure.axes[0].get_ylim()[1] >= 3


def test_the_legend_is_clear_of_the_data() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = _figure("en", (5,) * 30, (5,) * 30)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    legend = figure.axes[0].get_legend()
    assert legend is not None
    plot = figure.axes[0].get_window_extent(renderer)
    box = legend.get_window_extent(renderer)
    assert box.y0 >= plot.y1 - 1  # above the plotting area, not over the bars


def test_without_a_cjk_font_chinese_falls_back_to_english(
    monkeypatch: pytest.MonkeyPatch, quiet: Complaints
) -> None:
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    figure = _figure("zh", (0,) * 29 + (1,), (1,) * 30)
    png = _png(figure)
    assert figure.get_suptitle() == TRANSLATE.plain("en", "owner_chart.title")
    assert figure.axes[0].get_ylabel() == TRANSLATE.plain("en", "owner_chart.sent")
    assert png.startswith(b"\x89PNG")
    assert quiet == []  # no "Glyph … missing" for every character


def test_with_a_cjk_font_the_labels_are_chinese(quiet: Complaints) -> None:
    family = charts.cjk_font()
    if family is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    assert family in charts.CJK_FAMILIES
    figure = _figure("zh", (0,) * 29 + (1,), (1,) * 30)
    _png(figure)
    assert figure.get_suptitle() == TRANSLATE.plain("zh", "owner_chart.title")
    labels = [axes.get_ylabel() for axes in figure.axes]
    assert labels == [
        TRANSLATE.plain("zh", "owner_chart.sent"),
        TRANSLATE.plain("zh", "owner_chart.subscribed"),
    ]
    assert quiet == []


def test_activity_chart_is_a_png_in_either_language() -> None:
    for language in ("zh", "en"):
        png = charts.activity_chart(DAYS, (0,) * 30, (0,) * 30, TRANSLATE, language)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")


def _png(figure) -> bytes:  # type: ignore[no-untyped-def]
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


# --- the text ------------------------------------------------------------------------------------


def _stats(**changes: object) -> Stats:
    figures = {
        "today": date(2026, 3, 10),
        "private_chats": 2,
        "group_chats": 1,
        "active_chats": 3,
        "briefings_today": {"sent": 2, "planned": 1, "uncertain": 1, "gave_up": 1},
        "failures": {"failed": 1, "gave_up": 2},
        "topics": (TopicFollowing("海牙协定", 2),),
        "keyword_subscriptions": 1,
        "uptime": timedelta(days=1, hours=2, minutes=3, seconds=4),
        "content_version": "0123456789abcdef",
        "chart_days": DAYS,
        "sent_per_day": (0,) * 30,
        "subscribers_per_day": (0,) * 30,
    }
    figures.update(changes)
    return Stats(**figures)  # type: ignore[arg-type]


def test_stats_text_names_the_ledger_states_in_chinese() -> None:
    text = stats_text(TRANSLATE, "zh", _stats())
    assert "聊天：私聊 2，群组 1（活跃 3，不活跃 0）" in text
    assert "今天（2026-03-10）的简报：已计划 1，已发送 2，不确定 1，已放弃 1" in text
    assert "近 7 天的失败：失败 1，已放弃 2" in text
    assert "运行时间：1 天 2:03:04" in text
    assert "• 海牙协定: 2" in text
    assert not any(word in text for word in ("planned", "sent", "gave_up", "day"))


def test_stats_text_in_english_counts_one_group_and_many() -> None:
    one = stats_text(TRANSLATE, "en", _stats(uptime=timedelta(seconds=5)))
    assert "Chats: 2 private, 1 group (3 active, 0 inactive)" in one
    assert "Today's briefings (2026-03-10): planned 1, sent 2, uncertain 1, gave up 1" in one
    assert "Uptime: 0:00:05" in one
    two = stats_text(TRANSLATE, "en", _stats(group_chats=2, uptime=timedelta(days=2)))
    assert "2 private, 2 groups" in two
    assert "Uptime: 2 days 0:00:00" in two
    empty = stats_text(TRANSLATE, "en", _stats(briefings_today={}, topics=()))
    assert "Today's briefings (2026-03-10): —" in empty
    assert empty.endswith("Subscriptions per topic:\n—")


async def test_stats_answers_in_the_owners_language(bot: BotDriver, api: TelegramStandIn) -> None:
    api.user(OWNER_ID, "Owner", language_code="en")
    api.chat(GROUP, "group", "IP team")
    api.user(ADMIN, "admin")
    api.member_status(GROUP, ADMIN, "administrator")
    await bot.say("/subscribe 海牙", chat_id=GROUP, user_id=ADMIN)
    await bot.say("/today", chat_id=ZH_USER)
    text, photo = await bot.say("/stats", chat_id=OWNER_ID)
    assert "Chats: 2 private, 1 group (3 active, 0 inactive)" in text.text
    assert re.search(r"Today's briefings \([\d-]+\): planned 1\n", text.text)
    assert photo.text == TRANSLATE.plain("en", "stats.chart")
    upload = api.calls_of("sendPhoto")[-1].params["photo"]
    assert upload["content"].startswith(b"\x89PNG\r\n\x1a\n")

    await bot.say("/lang zh", chat_id=OWNER_ID)
    text, photo = await bot.say("/stats", chat_id=OWNER_ID)
    assert "聊天：私聊 2，群组 1（活跃 3，不活跃 0）" in text.text
    assert re.search(r"今天（[\d-]+）的简报：已计划 1\n", text.text)
    assert photo.text == TRANSLATE.plain("zh", "stats.chart")
