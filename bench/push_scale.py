"""One day's push at scale: 10 000, 30 000 and 100 000 chats, rate limiter off — is it fast, and is
memory flat in the number of chats?

Run by hand:
    .venv/bin/python bench/push_scale.py                    # 10 000 30 000 100 000
    .venv/bin/python bench/push_scale.py 10000 30000 --force
    .venv/bin/python bench/push_scale.py 100000 --force --merge   # add to the earlier results
    .venv/bin/python bench/push_scale.py --profile 10000    # the push under pyinstrument:
                                                            # bench/results/push_scale_profile.txt
    .venv/bin/python bench/push_scale.py 10000 --answers    # and a reader during the push

Reuses bench/push.py (loaded from its file: bench/ is not a package): its `fill` gives the store
the same realistic mix (1–5 topics or keywords per chat, varied times and zones, 5 % of chats
have blocked the bot, every chat due now). Every measurement runs in a fresh worker process, so
each peak RSS is that run's own:

* separate: the worker is the bot (Application, store, push) and the local Bot API stand-in runs
  in a process of its own (this file with --standin), as Telegram would — the stand-in's stored
  messages are not in the bot's memory. Run for every count.
* in-process: the stand-in inside the bot's process, the way bench/push.py runs it. 10 000 only,
  for comparison with bench/push.py's figures.
* floor: no bot, no store — a plain python-telegram-bot `Bot` sending a fixed briefing-sized
  message (HTML, two buttons) to every chat, CONCURRENCY at a time, to the separate stand-in:
  what python-telegram-bot and httpx alone manage on this machine (issue 15's "bare send rate").
  10 000 only.
* floor-aio: the same sends through the bot's own Bot API client (entry/json_request.py: JSON
  over aiohttp). The push's CPU a message minus this one's is the push's own work. 10 000 only.
* polling+reader, webhook+reader (with --answers, 10 000 only): as separate, while a reader in
  another chat sends /section 4 every PROBE_EVERY seconds all through the push, through the
  bot's getUpdates or posted to its webhook; the stand-in process times each answer.

Reports messages per second (sent ÷ push seconds) and its ratio to the floor, the bot's CPU a
message (event loop and store threads), choosing vs sending seconds and per-chat cost,
and memory: the worker's peak RSS (fill included), its RSS just before the push, and the peak
during the push alone (VmHWM reset at the push's start). 100 000 is skipped when the 30 000 run
projects it over MAX_SECONDS (override with --force). Writes bench/results/push_scale.json.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from benchkit import code_state, machine, system_busy_seconds

from bot.config import Settings
from bot.scheduler import CONCURRENCY, push
from entry.application import build_application
from entry.lifecycle import running
from entry.standin import TelegramStandIn

THIS = Path(__file__).resolve()
ROOT = THIS.parent.parent
COUNTS = (10_000, 30_000, 100_000)
MAX_SECONDS = 600.0  # a run projected to take longer is skipped without --force
PROBE_EVERY = (
    0.6  # seconds between a reader's /section 4 in a push (under the flood gate's 20 in 10 s)
)
PROBE_CHAT = 999_999_999
TARGET_RATIO = 0.7  # of the floor's rate
TARGET_ANSWER_P95_SECONDS = 1.0
TARGET_PEAK_RSS_MB = 200
# The floor's message: about the size and shape of a briefing (HTML, a passage, two buttons).
FLOOR_TEXT = (
    "<b>今日简报 · 2026-01-01</b>\n\n"
    + "<b>知识产权保护</b> 〔四〕\n"
    + "加强知识产权保护工作体系建设，完善知识产权保护政策，健全知识产权保护标准体系。" * 6
    + "\n\n/section 查看全文"
)
FLOOR_KEYBOARD = {
    "inline_keyboard": [
        [
            {"text": "打开〔四〕", "callback_data": "card:4"},
            {"text": "打开〔五〕", "callback_data": "card:5"},
        ]
    ]
}


def load_push_bench() -> ModuleType:
    """bench/push.py as a module (its `fill` and `peak_rss_mb`)."""
    spec = importlib.util.spec_from_file_location("bench_push", ROOT / "bench" / "push.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- memory ------------------------------------------------------------------------------------


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    return _status_mb("VmRSS")


def reset_peak_rss() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux: clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float:
    """Peak RSS since the start, or since reset_peak_rss()."""
    return _status_mb("VmHWM")


def thread_cpu_seconds() -> dict[int, float]:
    """CPU seconds of each of this process's threads (Linux /proc): the main thread runs the
    event loop, the others are aiosqlite's (the store) and the resolver's."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds: dict[int, float] = {}
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            seconds[int(task.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


def lifetime_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the stand-in in a process of its own ------------------------------------------------------


async def serve_standin() -> None:
    """--standin: serve a stand-in; talk JSON lines over stdin/stdout with the worker.

    Prints {"base_url", "token"}; then reads {"chats": n, "blocked": [...]} (registers chats
    1..n) and answers {"ready": true}; reads {"release": true} (answer long polls at once, the
    bot is stopping) and answers with what it saw; exits when stdin closes."""
    latencies: list[float] = []
    stop = asyncio.Event()
    probing: asyncio.Task[None] | None = None
    async with TelegramStandIn() as api:
        print(json.dumps({"base_url": api.base_url, "token": api.token}), flush=True)
        while line := await asyncio.to_thread(sys.stdin.readline):
            command = json.loads(line)
            if "chats" in command:
                for chat_id in range(1, int(command["chats"]) + 1):
                    api.chat(chat_id)
                api.blocked.update(int(chat_id) for chat_id in command["blocked"])
                print(json.dumps({"ready": True, "cpu_seconds": time.process_time()}), flush=True)
            elif "probe" in command:
                probing = asyncio.create_task(probe(api, command["probe"], latencies, stop))
                print(json.dumps({"probing": True}), flush=True)
            elif command.get("stop_probe"):
                stop.set()
                if probing is not None:
                    await probing
                print(json.dumps({"latencies": latencies}), flush=True)
            elif command.get("release"):
                api.release_polls()
                sends = [c for c in api.calls if c.method.lower() == "sendmessage"]
                print(
                    json.dumps(
                        {
                            "send_message_calls": len(sends),
                            "refused": sum(1 for c in sends if c.status != 200),
                            "peak_rss_mb": lifetime_peak_rss_mb(),
                            "cpu_seconds": time.process_time(),
                        }
                    ),
                    flush=True,
                )


async def probe(
    api: TelegramStandIn, how: dict[str, Any], latencies: list[float], stop: asyncio.Event
) -> None:
    """A reader in another chat while the push runs: `/section 4`, wait for the answer, rest
    PROBE_EVERY seconds, again. Delivered as Telegram would: queued for the bot's getUpdates
    (polling), or posted to its webhook with the secret (webhook)."""
    import aiohttp

    chat_id = int(how["chat"])
    api.chat(chat_id)
    session = aiohttp.ClientSession()
    posts: set[asyncio.Task[None]] = set()
    if how.get("webhook"):
        url, secret = how["webhook"], how["secret"]

        async def post(payload: dict[str, Any]) -> None:
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            async with session.post(url, json=payload, headers=headers) as answer:
                await answer.read()

        def deliver(payload: dict[str, Any]) -> None:
            task = asyncio.ensure_future(post(payload))
            posts.add(task)
            task.add_done_callback(posts.discard)

        api.deliver = deliver
    try:
        while not stop.is_set():
            before = len(api.bot_messages(chat_id))
            asked = time.perf_counter()
            api.send_text("/section 4", chat_id=chat_id)
            answered = functools.partial(_more_than, api, chat_id, before)
            await api.wait_for(answered, timeout=60)
            latencies.append(time.perf_counter() - asked)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PROBE_EVERY)
    finally:
        api.deliver = None
        await session.close()


def _more_than(api: TelegramStandIn, chat_id: int, count: int) -> bool:
    return len(api.bot_messages(chat_id)) > count


class RemoteStandIn:
    """The worker's handle on a stand-in process; records what bench/push.py's `fill` registers
    (`chat`, `blocked`) and hands it over in one message."""

    def __init__(self, process: asyncio.subprocess.Process, base_url: str, token: str) -> None:
        self.process, self.base_url, self.token = process, base_url, token
        self.chat_ids: list[int] = []
        self.blocked: set[int] = set()

    def chat(self, chat_id: int, *_: object, **__: object) -> None:
        self.chat_ids.append(chat_id)

    async def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        await self.process.stdin.drain()
        answer: dict[str, Any] = json.loads(await self.process.stdout.readline())
        return answer

    async def register(self) -> float:
        """Hand over the chats; the stand-in's CPU seconds so far."""
        assert self.chat_ids == list(range(1, len(self.chat_ids) + 1))
        answer = await self.ask({"chats": len(self.chat_ids), "blocked": sorted(self.blocked)})
        return float(answer["cpu_seconds"])

    def release_polls(self) -> None:
        """Sync like TelegramStandIn.release_polls; the asking is done in `release`."""

    async def release(self) -> dict[str, Any]:
        return await self.ask({"release": True})


@contextlib.asynccontextmanager
async def remote_standin() -> AsyncIterator[RemoteStandIn]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(THIS), "--standin",
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdin is not None
    hello = json.loads(await process.stdout.readline())
    try:
        yield RemoteStandIn(process, hello["base_url"], hello["token"])
    finally:
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


# --- one measurement (a worker process) --------------------------------------------------------


async def measure(
    count: int, mode: str, profile_to: Path | None = None, probe_via: str | None = None
) -> dict[str, Any]:
    """One push to `count` chats. `probe_via` (polling, webhook): a reader in another chat asks
    /section 4 all through the push, its answers timed by the stand-in process."""
    bench_push = load_push_bench()
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{Path(scratch) / 'push.sqlite3'}",
            rate_limit=False,
        )
        async with contextlib.AsyncExitStack() as stack:
            api: TelegramStandIn | RemoteStandIn
            if mode == "separate":
                api = await stack.enter_async_context(remote_standin())
            else:
                api = await stack.enter_async_context(TelegramStandIn())
            application = build_application(
                replace(settings, bot_token=api.token, telegram_base_url=api.base_url)
            )
            if probe_via == "webhook":
                from entry.webhook import app_runner, serving, webhook_app

                port, secret = _free_port(), "bench-webhook-secret-0123456789"
                server = webhook_app(application, secret, "/tg")
                await stack.enter_async_context(serving(app_runner(server), "127.0.0.1", port))
            async with running(application, poll=probe_via != "webhook"):
                # The bench runs the push itself: no scheduled tick may start one beside it.
                assert application.job_queue is not None
                for job in application.job_queue.jobs():
                    job.schedule_removal()
                services = application.bot_data.services
                async with services.push_lock:
                    pass
                now = datetime.now(UTC)
                fill_started = time.perf_counter()
                await bench_push.fill(application, count, api, now)
                standin_cpu = 0.0
                if isinstance(api, RemoteStandIn):
                    standin_cpu = await api.register()
                fill_seconds = time.perf_counter() - fill_started
                rss_before = rss_mb()
                peak_reset = reset_peak_rss()
                profiler: Any = None
                if profile_to is not None:
                    from pyinstrument import Profiler

                    profiler = Profiler(async_mode="disabled")
                    profiler.start()
                latencies: list[float] = []
                if probe_via is not None:
                    assert isinstance(api, RemoteStandIn)
                    how: dict[str, Any] = {"chat": PROBE_CHAT}
                    if probe_via == "webhook":
                        how |= {"webhook": f"http://127.0.0.1:{port}/tg", "secret": secret}
                    await api.ask({"probe": how})
                busy = system_busy_seconds()
                threads_before = thread_cpu_seconds()
                cpu_started, started = time.process_time(), time.perf_counter()
                report = await push(services, application.bot, now, wait=True)
                elapsed = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                threads = thread_cpu_seconds()
                main_cpu = threads.get(os.getpid(), 0.0) - threads_before.get(os.getpid(), 0.0)
                if probe_via is not None:
                    assert isinstance(api, RemoteStandIn)
                    latencies = (await api.ask({"stop_probe": True}))["latencies"]
                busy = system_busy_seconds() - busy
                if profiler is not None:
                    profiler.stop()
                    profiler.last_session.save(profile_to)
                push_peak = peak_rss_mb() if peak_reset else float("nan")
                rss_after = rss_mb()
                standin: dict[str, Any] = {}
                if isinstance(api, RemoteStandIn):
                    standin = await api.release()
                    standin_cpu = standin["cpu_seconds"] - standin_cpu
                else:
                    api.release_polls()
    sent = report.sent
    handled = sum(report.outcomes.values())
    ordered = sorted(latencies)
    return {
        "chats": count,
        "stand_in": mode if probe_via is None else f"{probe_via}+reader",
        "answers": len(ordered),
        "answer_p50_ms": 1000 * ordered[len(ordered) // 2] if ordered else None,
        "answer_p95_ms": 1000 * ordered[int(len(ordered) * 0.95)] if ordered else None,
        "answer_max_ms": 1000 * ordered[-1] if ordered else None,
        "rate_limiter": False,
        "sent": sent,
        "outcomes": report.outcomes,
        "fill_seconds": fill_seconds,
        "seconds": elapsed,
        "messages_per_second": sent / elapsed,
        "chats_per_second": handled / elapsed,
        "choosing_seconds": report.choosing_seconds,
        "sending_seconds": report.sending_seconds,
        "choosing_ms_per_chat": 1000 * report.choosing_seconds / count,
        "sending_ms_per_chat": 1000 * report.sending_seconds / count,
        "ms_per_chat": 1000 * elapsed / count,
        "bot_cpu_seconds": cpu,
        "bot_cpu_share": cpu / elapsed,
        "bot_cpu_ms_per_message": 1000 * cpu / max(sent, 1),
        "event_loop_cpu_ms_per_message": 1000 * main_cpu / max(sent, 1),
        "store_threads_cpu_ms_per_message": 1000 * (cpu - main_cpu) / max(sent, 1),
        "ledger_commits": report.commits,
        "standin_cpu_seconds": standin_cpu,
        "other_processes_cores": max(0.0, (busy - cpu - standin_cpu) / elapsed),
        "peak_rss_mb": lifetime_peak_rss_mb(),
        "rss_before_push_mb": rss_before,
        "push_peak_rss_mb": push_peak,
        "rss_after_push_mb": rss_after,
        "standin_process": standin,
        "profiled": profile_to is not None,
        "load_average_after": os.getloadavg(),
    }


async def measure_floor(count: int, own_client: bool = False) -> dict[str, Any]:
    """A plain Bot sending FLOOR_TEXT to `count` chats, CONCURRENCY at a time; no store.
    `own_client`: through the bot's own Bot API client (entry/json_request.py: JSON over aiohttp)
    instead of python-telegram-bot's default HTTPXRequest."""
    from telegram import Bot, InlineKeyboardMarkup

    from entry.json_request import JsonBodyRequest

    keyboard = InlineKeyboardMarkup.de_json(FLOOR_KEYBOARD, None)
    async with remote_standin() as api:
        api.chat_ids = list(range(1, count + 1))
        standin_cpu = await api.register()
        client = JsonBodyRequest() if own_client else None
        async with Bot(api.token, base_url=api.base_url, request=client) as bot:
            rss_before = rss_mb()
            peak_reset = reset_peak_rss()
            semaphore = asyncio.Semaphore(CONCURRENCY)

            async def send(chat_id: int) -> None:
                async with semaphore:
                    await bot.send_message(
                        chat_id, FLOOR_TEXT, parse_mode="HTML", reply_markup=keyboard
                    )

            busy = system_busy_seconds()
            cpu_started, started = time.process_time(), time.perf_counter()
            await asyncio.gather(*(send(chat_id) for chat_id in api.chat_ids))
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            busy = system_busy_seconds() - busy
        push_peak = peak_rss_mb() if peak_reset else float("nan")
        standin = await api.release()
        standin_cpu = standin["cpu_seconds"] - standin_cpu
    return {
        "chats": count,
        "stand_in": "floor-aio" if own_client else "floor",
        "rate_limiter": False,
        "sent": count,
        "outcomes": {"sent": count},
        "fill_seconds": 0.0,
        "seconds": elapsed,
        "messages_per_second": count / elapsed,
        "chats_per_second": count / elapsed,
        "choosing_seconds": 0.0,
        "sending_seconds": elapsed,
        "choosing_ms_per_chat": 0.0,
        "sending_ms_per_chat": 1000 * elapsed / count,
        "ms_per_chat": 1000 * elapsed / count,
        "bot_cpu_seconds": cpu,
        "bot_cpu_share": cpu / elapsed,
        "bot_cpu_ms_per_message": 1000 * cpu / count,
        "event_loop_cpu_ms_per_message": 1000 * cpu / count,
        "store_threads_cpu_ms_per_message": 0.0,
        "ledger_commits": 0,
        "standin_cpu_seconds": standin_cpu,
        "other_processes_cores": max(0.0, (busy - cpu - standin_cpu) / elapsed),
        "peak_rss_mb": lifetime_peak_rss_mb(),
        "rss_before_push_mb": rss_before,
        "push_peak_rss_mb": push_peak,
        "rss_after_push_mb": rss_mb(),
        "standin_process": standin,
        "profiled": False,
        "load_average_after": os.getloadavg(),
    }


def _free_port() -> int:
    import socket

    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return int(probe_socket.getsockname()[1])


def run_worker(count: int, mode: str, timeout: float) -> dict[str, Any]:
    """One measurement in a fresh process; its result is the last line it prints."""
    done = subprocess.run(
        [sys.executable, str(THIS), "--worker", mode, str(count)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"worker {mode} {count} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["code"] = code_state()["commit"]
    lines = done.stderr.splitlines()
    result["worker_warnings"] = sum(1 for line in lines if line.startswith("WARNING "))
    result["worker_errors"] = [line for line in lines if line.startswith("ERROR ")][:5]
    return result


def show(result: dict[str, Any]) -> None:
    print(
        f"{result['chats']:>7} {result['stand_in']:>10}  {result['messages_per_second']:7.0f} "
        f"{result['seconds']:8.1f} {result['choosing_seconds']:9.1f} "
        f"{result['sending_seconds']:8.1f} {result['choosing_ms_per_chat']:8.2f} "
        f"{result['sending_ms_per_chat']:8.2f} {result['peak_rss_mb']:8.0f} "
        f"{result['rss_before_push_mb']:8.0f} {result['push_peak_rss_mb']:8.0f} "
        f"{100 * result['bot_cpu_share']:5.0f}% {result['other_processes_cores']:6.2f}  "
        f"{result['outcomes']}"
        + (
            f"  reader: {result['answers']} answers, p50 {result['answer_p50_ms']:.0f} ms, "
            f"p95 {result['answer_p95_ms']:.0f} ms, max {result['answer_max_ms']:.0f} ms"
            if result.get("answers")
            else ""
        ),
        flush=True,
    )


def main() -> None:
    if "--standin" in sys.argv:
        asyncio.run(serve_standin())
        return
    if "--worker" in sys.argv:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        mode, count = sys.argv[2], int(sys.argv[3])
        if mode in ("floor", "floor-aio"):
            job = measure_floor(count, own_client=mode == "floor-aio")
        elif mode.endswith("+reader"):  # polling+reader, webhook+reader
            job = measure(count, "separate", probe_via=mode.removesuffix("+reader"))
        else:
            job = measure(count, mode)
        print(json.dumps(asyncio.run(job)), flush=True)
        return
    if "--profile" in sys.argv:
        count = int(sys.argv[sys.argv.index("--profile") + 1])
        profile(count)
        return
    force = "--force" in sys.argv
    measured = code_state()
    machine_before = machine()
    counts = [int(a) for a in sys.argv[1:] if not a.startswith("--")] or list(COUNTS)
    print(
        f"a day's push, rate limiter off, fresh worker per run ({platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, load "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, commit {measured['commit']})",
        flush=True,
    )
    print(
        f"{'chats':>7} {'stand-in':>10}  {'msg/s':>7} {'push s':>8} {'choose s':>9} "
        f"{'send s':>8} {'ch ms/c':>8} {'se ms/c':>8} {'peak MB':>8} {'pre MB':>8} "
        f"{'push MB':>8} {'botCPU':>6} {'others':>6}  outcomes"
    )
    results: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    plan = [(count, "separate") for count in counts]
    if 10_000 in counts:
        at = plan.index((10_000, "separate")) + 1
        plan[at:at] = [(10_000, "in-process"), (10_000, "floor"), (10_000, "floor-aio")]
        if "--answers" in sys.argv:  # a reader's /section 4 timed all through the push
            plan[at + 3 : at + 3] = [(10_000, "polling+reader"), (10_000, "webhook+reader")]
    for count, mode in plan:
        separate = [r for r in results if r["stand_in"] == "separate"]
        if separate and not force:
            largest = max(separate, key=lambda r: r["chats"])
            projected = (largest["seconds"] + largest["fill_seconds"]) * count / largest["chats"]
            if projected > MAX_SECONDS:
                skipped.append({"chats": count, "stand_in": mode, "projected_seconds": projected})
                print(
                    f"{count:>7} {mode:>10}  skipped: projected {projected:.0f} s from "
                    f"{largest['chats']} chats (> {MAX_SECONDS:.0f} s; --force to run it)",
                    flush=True,
                )
                continue
        result = run_worker(count, mode, timeout=4 * MAX_SECONDS + count / 10)
        results.append(result)
        show(result)
    out = ROOT / "bench" / "results" / "push_scale.json"
    if "--merge" in sys.argv and out.exists():
        # Keep the earlier file's runs of the other counts and modes (e.g. add 100 000 later).
        earlier = json.loads(out.read_text(encoding="utf-8"))
        fresh = {(r["chats"], r["stand_in"]) for r in results}
        kept = [r for r in earlier["results"] if (r["chats"], r["stand_in"]) not in fresh]
        for result in kept:
            show(result)
        results = sorted(kept + results, key=lambda r: (r["chats"], r["stand_in"]))
        skipped += [
            s for s in earlier.get("skipped", []) if (s["chats"], s["stand_in"]) not in fresh
        ]
    separate = sorted((r for r in results if r["stand_in"] == "separate"), key=lambda r: r["chats"])
    flat = None
    if len(separate) >= 2:
        first, last = separate[0], separate[-1]
        flat = {
            "from_chats": first["chats"],
            "to_chats": last["chats"],
            "push_peak_rss_growth_mb": last["push_peak_rss_mb"] - first["push_peak_rss_mb"],
            "peak_rss_growth_mb": last["peak_rss_mb"] - first["peak_rss_mb"],
            "kb_per_extra_chat": 1024
            * (last["push_peak_rss_mb"] - first["push_peak_rss_mb"])
            / (last["chats"] - first["chats"]),
        }
        print(
            f"memory {first['chats']} → {last['chats']} chats (separate): push peak "
            f"{first['push_peak_rss_mb']:.0f} → {last['push_peak_rss_mb']:.0f} MB, "
            f"{flat['kb_per_extra_chat']:.2f} KB per extra chat"
        )
    floor = next((r for r in results if r["stand_in"] == "floor"), None)
    ratios: dict[str, float] = {}
    if floor is not None:
        for result in separate:
            result["ratio_to_floor"] = result["messages_per_second"] / floor["messages_per_second"]
            ratios[str(result["chats"])] = result["ratio_to_floor"]
        print(
            f"ratio to the floor ({floor['messages_per_second']:.0f} msg/s, "
            f"{floor['bot_cpu_ms_per_message']:.2f} ms CPU a message): "
            + ", ".join(
                f"{r['chats']} chats {r['ratio_to_floor']:.2f}× "
                f"({r['bot_cpu_ms_per_message']:.2f} ms CPU a message)"
                for r in separate
            )
        )
    own = next((r for r in results if r["stand_in"] == "floor-aio"), None)
    if own is not None:
        # The same sends with the bot's own client: what is left is the push's own work.
        for result in separate:
            result["ratio_to_own_client_floor"] = (
                result["messages_per_second"] / own["messages_per_second"]
            )
            result["own_work_cpu_ms_per_message"] = (
                result["bot_cpu_ms_per_message"] - own["bot_cpu_ms_per_message"]
            )
        print(
            f"with the bot's own client (JSON over aiohttp) the bare send does "
            f"{own['messages_per_second']:.0f} msg/s, {own['bot_cpu_ms_per_message']:.2f} ms CPU "
            "a message; the push's own work on top: "
            + ", ".join(
                f"{r['chats']} chats {r['own_work_cpu_ms_per_message']:.2f} ms CPU a message "
                f"({r['ratio_to_own_client_floor']:.2f}× that floor)"
                for r in separate
            )
        )
    print(
        f"targets: ≥ {TARGET_RATIO}× the floor, peak RSS ≤ {TARGET_PEAK_RSS_MB} MB and flat "
        f"from 10k to 100k; a reader's answer p95 ≤ {TARGET_ANSWER_P95_SECONDS:.0f} s"
    )
    document = {
        "code": measured,
        "machine": machine_before,
        "results": results,
        "skipped": skipped,
        "memory_growth": flat,
        "ratio_to_floor": ratios,
        "targets": {
            "ratio_to_floor": TARGET_RATIO,
            "peak_rss_mb": TARGET_PEAK_RSS_MB,
            "answer_p95_seconds": TARGET_ANSWER_P95_SECONDS,
        },
    }
    out.write_text(json.dumps(document, indent=2), encoding="utf-8")


def profile(count: int) -> None:
    """The push alone (separate stand-in) under pyinstrument, summarised per message sent."""
    from benchkit import profile_summary

    logging.basicConfig(level=logging.ERROR)  # not the 5 % blocked chats' warnings
    out = ROOT / "bench" / "results" / "push_scale_profile.txt"
    with tempfile.TemporaryDirectory() as scratch:
        session_file = Path(scratch) / "push.pyisession"
        result = asyncio.run(measure(count, "separate", profile_to=session_file))
        summary = profile_summary(session_file, max(1, result["sent"]), "msg")
    header = (
        f"push to {count} chats (stand-in in its own process), rate limiter off, under "
        f"pyinstrument: {result['messages_per_second']:.0f} msg/s, choosing "
        f"{result['choosing_seconds']:.1f} s, sending {result['sending_seconds']:.1f} s, "
        f"outcomes {result['outcomes']} (profiler overhead included)\n\n"
    )
    out.write_text(header + summary, encoding="utf-8")
    print(header.strip(), f"\nreport in {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
