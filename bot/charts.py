"""The owner's picture of the last 30 days. matplotlib is imported here, when /stats first needs
it, not at start-up (it costs about half a second)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date


def activity_chart(days: Sequence[date], sent: Sequence[int], subscribers: Sequence[int]) -> bytes:
    """Daily briefings sent (bars) and chats following something (line), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=100)
    axes = figure.subplots()
    labels = [day.strftime("%m-%d") for day in days]
    axes.bar(labels, sent, color="#4c72b0", label="briefings sent")
    axes.set_ylabel("briefings sent")
    axes.tick_params(axis="x", labelrotation=90, labelsize=7)
    line_axes = axes.twinx()
    line_axes.plot(labels, subscribers, color="#dd8452", marker=".", label="subscribed chats")
    line_axes.set_ylabel("subscribed chats")
    axes.set_title("Last 30 days")
    figure.legend(loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
