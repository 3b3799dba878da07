"""One day's push to N chats through the local Bot API stand-in, over loopback HTTP.

Run by hand:
    .venv/bin/python bench/push.py 1000              # rate limiter off, then on
    .venv/bin/python bench/push.py 10000 30000 100000 --off-only

The store is filled with a realistic mix (1–5 topics or keywords per chat, varied times and zones,
5 % of chats have blocked the bot), every chat due now. Reports messages per second end to end,
time choosing briefings versus sending, and peak RSS; writes bench/results/push.json.
"""

from __future__ import annotations

import asyncio
import json
import platform
import random
import resource
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.clock import format_time_of_day, zone
from bot.config import Settings
from bot.scheduler import push
from bot.store.models import ChatRow, ScheduleRow, SubscriptionRow
from entry.application import build_application
from entry.lifecycle import running
from entry.standin import TelegramStandIn

ROOT = Path(__file__).resolve().parent.parent
ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "UTC+05:30"]
KEYWORDS = ["质押", "乡村振兴", "审查", "数据", "高校"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def fill(application: object, count: int, api: TelegramStandIn, now: datetime) -> None:
    services = application.bot_data.services  # type: ignore[attr-defined]
    slugs = [topic.slug for topic in services.library.catalog.topics]
    rng = random.Random(count)
    for start in range(0, count, 5000):
        chats, schedules, subscriptions = [], [], []
        for chat_id in range(start + 1, min(count, start + 5000) + 1):
            api.chat(chat_id)
            if rng.random() < 0.05:
                api.blocked.add(chat_id)
            chats.append(
                {"id": chat_id, "kind": "private", "language": rng.choice(["zh", "en"]),
                 "active": True, "created_at": now, "last_seen_at": now}
            )  # fmt: skip
            # Due within the last hour, at a whole minute of the chat's own local time.
            zone_name = rng.choice(ZONES)
            due = (now - timedelta(seconds=rng.randrange(60, 3600))).replace(
                second=0, microsecond=0
            )
            schedules.append(
                {"chat_id": chat_id, "timezone": zone_name, "paused": False, "thread_id": None,
                 "briefing_time": format_time_of_day(due.astimezone(zone(zone_name)).time()),
                 "next_due_at": due}
            )  # fmt: skip
            for _ in range(rng.randint(1, 5)):
                if rng.random() < 0.8:
                    kind, value = "topic", rng.choice(slugs)
                else:
                    kind, value = "keyword", rng.choice(KEYWORDS)
                subscriptions.append(
                    {"chat_id": chat_id, "kind": kind, "value": value, "label": value,
                     "created_at": now}
                )  # fmt: skip
        async with services.store.transaction() as repo:
            await repo.session.execute(insert(ChatRow), chats)
            await repo.session.execute(insert(ScheduleRow), schedules)
            await repo.session.execute(
                insert(SubscriptionRow).prefix_with("OR IGNORE"), subscriptions
            )


async def run(count: int, rate_limit: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{Path(scratch) / 'push.sqlite3'}",
            rate_limit=rate_limit,
        )
        async with TelegramStandIn() as api:
            application = build_application(
                replace(settings, bot_token=api.token, telegram_base_url=api.base_url)
            )
            async with running(application):
                # The bench runs the push itself: no scheduled tick may start one beside it.
                assert application.job_queue is not None
                for job in application.job_queue.jobs():
                    job.schedule_removal()
                async with application.bot_data.services.push_lock:
                    pass
                now = datetime.now(UTC)
                await fill(application, count, api, now)
                services = application.bot_data.services
                rss_before = peak_rss_mb()
                started = time.perf_counter()
                report = await push(services, application.bot, now, wait=True)
                elapsed = time.perf_counter() - started
                api.release_polls()
    sent = report.sent
    return {
        "chats": count,
        "rate_limiter": rate_limit,
        "sent": sent,
        "outcomes": report.outcomes,  # type: ignore[dict-item]
        "seconds": elapsed,
        "messages_per_second": sent / elapsed,
        "choosing_seconds": report.choosing_seconds,
        "sending_seconds": report.sending_seconds,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_push_mb": rss_before,
    }


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    counts = [int(a) for a in args] or [1000]
    modes = [False] if "--off-only" in sys.argv else [False, True]
    results = []
    for count in counts:
        for rate_limit in modes:
            result = asyncio.run(run(count, rate_limit))
            results.append(result)
            print(
                f"{count:>7} chats  limiter {'on ' if rate_limit else 'off'}  "
                f"{result['messages_per_second']:8.0f} msg/s  {result['seconds']:7.1f} s  "
                f"choosing {result['choosing_seconds']:6.1f} s  "
                f"sending {result['sending_seconds']:6.1f} s  "
                f"peak RSS {result['peak_rss_mb']:6.0f} MB  outcomes {result['outcomes']}",
                flush=True,
            )
    print(f"({platform.machine()}, Python {platform.python_version()})")
    (ROOT / "bench" / "results" / "push.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
