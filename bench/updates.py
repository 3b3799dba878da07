"""Per-update cost against the floor: `/section N` updates through the stand-in, ours vs a bare bot.

Run by hand:
    .venv/bin/python bench/updates.py [repeats]     # default 3
    .venv/bin/python bench/updates.py --profile     # ours and bare under pyinstrument, 5 000 each:
                                                    # bench/results/updates_profile_{ours,bare}.txt

This process hosts the local Bot API stand-in (entry/standin.py) on 127.0.0.1; the bot runs
in a separate process, so the two share the machine's cores the way a bot and Telegram never share
one interpreter:

* ours: `python run_bot.py` with BOT_TOKEN / TELEGRAM_BASE_URL / DATABASE_URL (a temporary SQLite
  file, content imported by the first launch) / RATE_LIMIT=off;
* bare: `python bench/bare_bot.py`, one CommandHandler("section") replying a fixed text.

Each measurement launches the bot against a fresh stand-in, waits until it polls (its first
getUpdates, after setMyCommands for ours), warms it up with one `/section` per chat (untimed: the
chats get recorded, first-call costs are paid), then queues all N updates at once (the stand-in's
getUpdates hands out up to 100 a call) — `/section 1` … `/section 8` in turn, spread round-robin
over CHATS private chats — and times from the first update queued until the N-th answer has
arrived at the stand-in. N is 1 000 (a sanity check) and 5 000; ours and bare take turns, and each
figure is the median of the repeats. ratio = bare updates/s ÷ ours updates/s (how many times
slower ours is; target ≤ 1.5). Prints a table and writes bench/results/updates.json.

Each run also reports the bot process's CPU time per update (all its threads, from /proc), the
stand-in's, and how many cores other processes used meanwhile: on a shared 2-core machine the
wall-clock figures move with that, the CPU ones much less.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bare_bot import REPLY as REPLY_OF_BARE
from benchkit import (
    code_state,
    log_tail,
    machine,
    process_cpu_seconds,
    profile_summary,
    stop_bot,
    system_busy_seconds,
)

from content.numerals import to_chinese_numeral
from entry.standin import StandInEvent, TelegramStandIn

ROOT = Path(__file__).resolve().parent.parent
BARE_BOT = ROOT / "bench" / "bare_bot.py"
SIZES = (1000, 5000)
# Private chats the updates are spread over, round-robin. 500 keeps every user under the bot's
# flood gate (handlers/flood.py: 20 updates in 10 s): 5 000 updates are 10 per chat.
CHATS = 500
FIRST_CHAT = 10_001
SECTIONS = 8
KINDS = ("ours", "bare")
_HEADINGS = tuple(f"{to_chinese_numeral(n)}、" for n in range(1, SECTIONS + 1))


def bot_command(kind: str, profile: Path | None = None) -> list[str]:
    script = ROOT / "run_bot.py" if kind == "ours" else BARE_BOT
    if profile is None:
        return [sys.executable, str(script)]
    return [
        sys.executable, "-m", "pyinstrument", "-r", "session", "-o", str(profile), str(script)
    ]  # fmt: skip


def bot_env(api: TelegramStandIn, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"LOG_LEVEL", "OWNER_IDS"}}
    env.update(
        BOT_TOKEN=api.token,
        TELEGRAM_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        RATE_LIMIT="off",
        PYTHONPATH=str(ROOT),
    )
    return env


class Answers:
    """Counts the bot's answers as the stand-in stores them; `reached(n)` wakes at the n-th."""

    def __init__(self, is_right: Callable[[str], bool]) -> None:
        self.count = 0
        self.right = 0
        self.last_at = 0.0
        self._is_right = is_right
        self._target = 0
        self._done = asyncio.Event()

    def __call__(self, event: StandInEvent) -> None:
        if event.kind != "message" or event.message is None:
            return
        self.count += 1
        self.right += self._is_right(event.message.text)
        self.last_at = time.perf_counter()
        if self.count >= self._target:
            self._done.set()

    async def reached(self, target: int, timeout: float) -> None:
        self._target = target
        self._done.clear()
        if self.count >= target:
            return
        await asyncio.wait_for(self._done.wait(), timeout)


def is_right_for(kind: str) -> Callable[[str], bool]:
    if kind == "bare":
        return lambda text: text == REPLY_OF_BARE
    return lambda text: text.startswith(_HEADINGS)


async def started_polling(
    api: TelegramStandIn, process: asyncio.subprocess.Process, log: Path
) -> None:
    """Wait for the bot's first getUpdates (it has started); fail with its log if it exits."""

    def polling_or_gone() -> bool:
        return process.returncode is not None or any(
            call.method.lower() == "getupdates" for call in api.calls
        )

    await api.wait_for(polling_or_gone, timeout=120)
    if process.returncode is not None:
        raise RuntimeError("the bot exited before polling:\n" + log_tail(log))


async def measure(
    kind: str, count: int, database: Path, log: Path, profile: Path | None = None
) -> dict[str, Any]:
    """One run: a fresh stand-in, the bot launched against it, `count` updates timed."""
    async with TelegramStandIn() as api:
        answers = Answers(is_right_for(kind))
        api.watchers.append(answers)
        with log.open("ab") as handle:
            process = await asyncio.create_subprocess_exec(
                *bot_command(kind, profile),
                env=bot_env(api, database),
                stdout=handle,
                stderr=handle,
                cwd=ROOT,
            )
        try:
            await started_polling(api, process, log)
            for i in range(CHATS):  # warm-up, untimed
                api.send_text(f"/section {i % SECTIONS + 1}", chat_id=FIRST_CHAT + i)
            await answers.reached(CHATS, timeout=120)
            warm = answers.count
            right_before = answers.right
            calls_before = len(api.calls)
            bot_cpu, standin_cpu = process_cpu_seconds(process.pid), time.process_time()
            busy = system_busy_seconds()
            started = time.perf_counter()
            for i in range(count):
                api.send_text(f"/section {i % SECTIONS + 1}", chat_id=FIRST_CHAT + i % CHATS)
            queued = time.perf_counter() - started
            await answers.reached(warm + count, timeout=max(600.0, count / 5))
            elapsed = answers.last_at - started
            bot_cpu = process_cpu_seconds(process.pid) - bot_cpu
            standin_cpu = time.process_time() - standin_cpu
            others = system_busy_seconds() - busy - bot_cpu - standin_cpu
        finally:
            await stop_bot(process, api)
        polls = sum(1 for c in api.calls[calls_before:] if c.method.lower() == "getupdates")
        refused = sum(1 for c in api.calls if c.status != 200)
    return {
        "bot": kind,
        "updates": count,
        "seconds": elapsed,
        "updates_per_second": count / elapsed,
        "queueing_seconds": queued,
        "bot_cpu_ms_per_update": 1000 * bot_cpu / count,
        "bot_cpu_share": bot_cpu / elapsed,
        "standin_cpu_ms_per_update": 1000 * standin_cpu / count,
        "other_processes_cores": max(0.0, others / elapsed),
        "right_answers": answers.right - right_before,
        "get_updates_calls": polls,
        "refused_calls": refused,
    }


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(run[key] for run in runs))


async def run(repeats: int) -> dict[str, Any]:
    measured = code_state()
    machine_before = machine()
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / "updates.sqlite3"  # ours: the same database every launch
        log = Path(scratch) / "bots.log"
        for repeat in range(repeats):
            for count in SIZES:
                for kind in KINDS:
                    result = await measure(kind, count, database, log)
                    runs.setdefault((kind, count), []).append(result)
                    print(
                        f"  run {repeat + 1}/{repeats}  {kind:4}  {count:5} updates  "
                        f"{result['seconds']:7.2f} s  {result['updates_per_second']:7.0f} upd/s  "
                        f"bot CPU {result['bot_cpu_ms_per_update']:5.2f} ms/upd "
                        f"({100 * result['bot_cpu_share']:3.0f} %)  stand-in CPU "
                        f"{result['standin_cpu_ms_per_update']:5.2f} ms/upd  "
                        f"others {result['other_processes_cores']:4.2f} cores  "
                        f"right {result['right_answers']}/{count}  "
                        f"getUpdates {result['get_updates_calls']}  "
                        f"refused {result['refused_calls']}",
                        flush=True,
                    )
        errors = [
            line
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
            if " ERROR " in line or "Traceback" in line
        ]
    table = []
    for count in SIZES:
        ours = median_of(runs[("ours", count)], "updates_per_second")
        bare = median_of(runs[("bare", count)], "updates_per_second")
        table.append(
            {
                "updates": count,
                "ours_updates_per_second": ours,
                "bare_updates_per_second": bare,
                "ours_ms_per_update": 1000 / ours,
                "bare_ms_per_update": 1000 / bare,
                "ours_bot_cpu_ms_per_update": median_of(
                    runs[("ours", count)], "bot_cpu_ms_per_update"
                ),
                "bare_bot_cpu_ms_per_update": median_of(
                    runs[("bare", count)], "bot_cpu_ms_per_update"
                ),
                "ratio_bare_over_ours": bare / ours,
                "target_ratio": 1.5,
                "meets_target": bare / ours <= 1.5,
            }
        )
    return {
        "code": measured,
        "machine": machine_before,
        "chats": CHATS,
        "queueing": "all N updates queued at once; getUpdates returns up to 100 a call",
        "repeats": repeats,
        "table": table,
        "runs": [r for key in sorted(runs) for r in runs[key]],
        "bot_log_errors": errors[:20],
    }


async def profile(kind: str, count: int) -> None:
    """One more run under pyinstrument (the bot's main thread: where its time goes)."""
    out = ROOT / "bench" / "results" / f"updates_profile_{kind}.txt"
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / "updates.sqlite3"
        log = Path(scratch) / "bots.log"
        session_file = Path(scratch) / f"{kind}.pyisession"
        result = await measure(kind, count, database, log, profile=session_file)
        out.write_text(profile_summary(session_file, count + CHATS, "upd"), encoding="utf-8")
    print(
        f"{kind} under pyinstrument: {count} updates, {result['updates_per_second']:.0f} upd/s "
        f"(profiler overhead included); report in {out.relative_to(ROOT)}",
        flush=True,
    )


def main() -> None:
    if "--profile" in sys.argv:
        for kind in KINDS:
            asyncio.run(profile(kind, 5000))
        return
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(
        f"/section N updates through the stand-in (separate process), {CHATS} chats, all queued "
        f"at once, median of {repeats} ({platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, commit {code_state()['commit']})",
        flush=True,
    )
    result = asyncio.run(run(repeats))
    print(
        f"{'updates':>7} {'ours upd/s':>10} {'bare upd/s':>10} {'ours ms':>8} {'bare ms':>8} "
        f"{'ours CPU ms':>11} {'bare CPU ms':>11} {'bare/ours':>9}  target ≤ 1.5"
    )
    for row in result["table"]:
        print(
            f"{row['updates']:7} {row['ours_updates_per_second']:10.0f} "
            f"{row['bare_updates_per_second']:10.0f} {row['ours_ms_per_update']:8.2f} "
            f"{row['bare_ms_per_update']:8.2f} {row['ours_bot_cpu_ms_per_update']:11.2f} "
            f"{row['bare_bot_cpu_ms_per_update']:11.2f} {row['ratio_bare_over_ours']:9.2f}  "
            f"{'met' if row['meets_target'] else 'MISSED'}"
        )
    if result["bot_log_errors"]:
        print("errors in the bots' logs:", *result["bot_log_errors"], sep="\n  ")
    out = ROOT / "bench" / "results" / "updates.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
