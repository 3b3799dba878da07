"""The owner's picture of the last 30 days, in the chat's language. matplotlib is imported here,
when /stats first needs it, not at start-up (it costs about half a second).

Chinese labels need a CJK font (Debian's `fonts-noto-cjk`: "Noto Sans CJK SC"); without one they
would be drawn as empty boxes, with a warning per missing glyph, so the chart falls back to its
English labels instead. Fonts are given to each text, never set in matplotlib's global rcParams:
charts are drawn in worker threads, and two may be drawn at once."""

from __future__ import annotations

import functools
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import Translator

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

logger = logging.getLogger(__name__)

# Preferred first: Simplified Chinese glyph shapes, then the Japanese face of the same fonts.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC")
_CJK_FILE = re.compile(r"NotoSansCJK|NotoSansSC|SourceHanSans", re.IGNORECASE)
_CJK_TEXT = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")
FALLBACK_LANGUAGE = "en"
SENT_COLOUR, SUBSCRIBED_COLOUR = "#4c72b0", "#dd8452"
TICK_EVERY = 3  # a date label every third day (and on the last): 30 labels do not fit


@dataclass(frozen=True)
class ChartTexts:
    """The chart's words in one language."""

    language: str
    title: str
    sent: str
    subscribed: str


def chart_texts(translate: Translator, language: str) -> ChartTexts:
    return ChartTexts(
        language,
        translate.plain(language, "owner_chart.title"),
        translate.plain(language, "owner_chart.sent"),
        translate.plain(language, "owner_chart.subscribed"),
    )


def _needs_cjk(texts: ChartTexts) -> bool:
    return any(_CJK_TEXT.search(text) for text in (texts.title, texts.sent, texts.subscribed))


@functools.cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font, or None. Asked once per process.

    matplotlib keeps a cache of the system's fonts made on its first run; a font installed since
    (apt-get install fonts-noto-cjk) is not in it, so the font folders are looked through once
    more before giving up."""
    from matplotlib import font_manager

    def known() -> str | None:
        names = {entry.name for entry in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in names), None)

    found = known()
    if found is not None:
        return found
    for path in font_manager.findSystemFonts():
        if _CJK_FILE.search(Path(path).name):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError) as exc:  # a broken file: skip it
                logger.debug("font %s not usable: %s", path, exc)
    return known()


def _font(family: str | None, size: float | None = None) -> FontProperties:
    from matplotlib.font_manager import FontProperties

    # DejaVu Sans (matplotlib's own) is always there; it draws what the CJK font lacks.
    families = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    return FontProperties(family=families, size=size)


def chart_figure(
    days: Sequence[date],
    sent: Sequence[int],
    subscribers: Sequence[int],
    texts: ChartTexts,
    fallback: ChartTexts | None = None,
) -> Figure:
    """Daily briefings sent (bars, left axis) and chats following something (line, right axis).

    `texts` are used when they can be drawn: Chinese needs a CJK font, else `fallback` (English)
    is used. Both axes count whole things: integer ticks, from 0, at least up to 1 (an empty
    month is a flat line on 0, not a ±0.04 axis)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    family = None
    if _needs_cjk(texts):
        family = cjk_font()
        if family is None and fallback is not None:
            texts = fallback
    font, small = _font(family), _font(family, 9)

    figure = Figure(figsize=(9, 4.8), dpi=110, layout="constrained")
    axes = figure.subplots()
    positions = list(range(len(days)))
    bars = axes.bar(positions, sent, color=SENT_COLOUR, width=0.7, label=texts.sent, zorder=2)
    line_axes = axes.twinx()
    (line,) = line_axes.plot(
        positions,
        subscribers,
        color=SUBSCRIBED_COLOUR,
        marker="o",
        markersize=3,
        linewidth=2,
        label=texts.subscribed,
        zorder=3,
    )
    for ax, values, colour, label in (
        (axes, sent, SENT_COLOUR, texts.sent),
        (line_axes, subscribers, SUBSCRIBED_COLOUR, texts.subscribed),
    ):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, max([1, *values]) * 1.1)  # headroom over the highest point
        ax.set_ylabel(label, color=colour, fontproperties=font)
        ax.tick_params(axis="y", colors=colour, labelsize=9)
    axes.grid(axis="y", color="#dddddd", linewidth=0.8, zorder=0)
    axes.set_axisbelow(True)
    axes.spines["top"].set_visible(False)
    line_axes.spines["top"].set_visible(False)

    ticks = [i for i in positions if i % TICK_EVERY == (len(days) - 1) % TICK_EVERY]
    axes.set_xticks(ticks, [days[i].strftime("%m-%d") for i in ticks])
    axes.tick_params(axis="x", labelsize=8)
    axes.set_xlim(-0.6, len(days) - 0.4)

    figure.suptitle(texts.title, fontproperties=_font(family, 13))
    # Above the plot, under the title: never over the bars or the line.
    axes.legend(
        [bars, line],
        [texts.sent, texts.subscribed],
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=2,
        frameon=False,
        prop=small,
    )
    return figure


def activity_chart(
    days: Sequence[date],
    sent: Sequence[int],
    subscribers: Sequence[int],
    translate: Translator,
    language: str,
) -> bytes:
    """The chart as a PNG, labelled in `language` (English when Chinese cannot be drawn)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory
    fallback = chart_texts(translate, FALLBACK_LANGUAGE)
    texts = chart_texts(translate, language)
    figure = chart_figure(days, sent, subscribers, texts, fallback)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
