"""Cold start against the floor: from launching the bot to its answer to a `/section 4` that is
already waiting in the local Bot API stand-in.

Run by hand:
    .venv/bin/python bench/cold_start.py [runs]          # default 5
    .venv/bin/python bench/cold_start.py --profile       # one start of ours under pyinstrument:
                                                         # bench/results/cold_start_profile.txt

This process hosts the stand-in (entry/standin.py) on 127.0.0.1; every run gets a fresh one
with `/section 4` queued before the bot is launched as a subprocess:

* ours: `python run_bot.py` with BOT_TOKEN / TELEGRAM_BASE_URL / DATABASE_URL / RATE_LIMIT=off,
  once with an empty database (the first start imports the content) and then again with that
  database (the normal restart);
* ours again with an existing database and the project's bytecode cached (PYTHONPYCACHEPREFIX in
  a scratch directory, warmed once, untimed): where PYTHONDONTWRITEBYTECODE is set, as on the
  development machine, every start otherwise compiles the project's ~40 modules;
* bare: `python bench/bare_bot.py`, one CommandHandler("section") replying a fixed text, launched
  the same way.

The four take turns, `runs` times. The clock runs from just before the launch until the answer
arrives at the stand-in; "polling" is when the first getUpdates arrived (start-up done). Target:
ours with an existing database ≤ 2× bare. Prints a table and writes bench/results/cold_start.json.
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
from pathlib import Path
from typing import Any

from bare_bot import REPLY as REPLY_OF_BARE
from benchkit import code_state, log_tail, machine, stop_bot

from entry.standin import StandInEvent, TelegramStandIn

ROOT = Path(__file__).resolve().parent.parent
BARE_BOT = ROOT / "bench" / "bare_bot.py"
OURS_ANSWER = "四、"  # the card for section 4 starts with its heading
CHAT = 1001
CASES = (
    "ours, empty database (first import)",
    "ours, existing database",
    "ours, existing database, .pyc cached",
    "bare bot",
)
CACHED = "ours, existing database, .pyc cached"
TARGET = 2.0


def bot_env(api: TelegramStandIn, database: Path, pycache: Path | None = None) -> dict[str, str]:
    """The bot's environment; with `pycache`, bytecode is cached there (PYTHONPYCACHEPREFIX) even
    where PYTHONDONTWRITEBYTECODE is set, as on a machine where the project's .pyc files exist."""
    env = {k: v for k, v in os.environ.items() if k not in {"LOG_LEVEL", "OWNER_IDS"}}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.update(
        BOT_TOKEN=api.token,
        TELEGRAM_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        RATE_LIMIT="off",
        PYTHONPATH=str(ROOT),
    )
    return env


async def time_to_answer(
    script: Path,
    database: Path,
    log: Path,
    profile: Path | None = None,
    pycache: Path | None = None,
) -> dict[str, Any]:
    """Launch `script` against a fresh stand-in holding `/section 4`; seconds to its answer."""
    async with TelegramStandIn() as api:
        api.send_text("/section 4", chat_id=CHAT)
        answered: list[tuple[float, str]] = []

        def watch(event: StandInEvent) -> None:
            if event.kind == "message" and event.chat_id == CHAT and event.message is not None:
                answered.append((time.perf_counter(), event.message.text))

        api.watchers.append(watch)
        command = [sys.executable, str(script)]
        if profile is not None:
            command[1:1] = ["-m", "pyinstrument", "-r", "session", "-o", str(profile)]
        with log.open("ab") as handle:
            wall_started = time.time()
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                *command,
                env=bot_env(api, database, pycache),
                stdout=handle,
                stderr=handle,
                cwd=ROOT,
            )
        try:
            await api.wait_for(lambda: answered or process.returncode is not None, timeout=120)
        finally:
            await stop_bot(process, api)
        if not answered:
            raise RuntimeError(f"{script.name} exited without answering:\n{log_tail(log)}")
        polls = [c.at for c in api.calls if c.method.lower() == "getupdates"]
        at, text = answered[0]
    return {
        "seconds": at - started,
        "polling_after_s": polls[0] - wall_started,
        "answer": text.splitlines()[0][:40],
    }


async def run(runs: int) -> dict[str, Any]:
    measured = code_state()
    machine_before = machine()
    results: dict[str, list[dict[str, Any]]] = {case: [] for case in CASES}
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "bots.log"
        pycache = Path(scratch) / "pycache"
        # Untimed: fill the bytecode cache (and import the content) once.
        warm = Path(scratch) / "warm.sqlite3"
        await time_to_answer(ROOT / "run_bot.py", warm, log, None, pycache)
        for i in range(runs):
            database = Path(scratch) / f"run{i}.sqlite3"
            for case in CASES:
                script = BARE_BOT if case == "bare bot" else ROOT / "run_bot.py"
                cache = pycache if case == CACHED else None
                result = await time_to_answer(script, database, log, None, cache)
                expected = REPLY_OF_BARE if case == "bare bot" else OURS_ANSWER
                if not result["answer"].startswith(expected):
                    raise RuntimeError(f"{case}: unexpected answer {result['answer']!r}")
                results[case].append(result)
                print(
                    f"  run {i + 1}/{runs}  {case:38} {result['seconds']:6.3f} s  "
                    f"(polling after {result['polling_after_s']:6.3f} s)",
                    flush=True,
                )
    table = {}
    for case, values in results.items():
        seconds = [v["seconds"] for v in values]
        polling = [v["polling_after_s"] for v in values]
        table[case] = {
            "median_s": statistics.median(seconds),
            "min_s": min(seconds),
            "max_s": max(seconds),
            "polling_median_s": statistics.median(polling),
            "runs_s": seconds,
        }
    ratio = table["ours, existing database"]["median_s"] / table["bare bot"]["median_s"]
    cached_ratio = table[CACHED]["median_s"] / table["bare bot"]["median_s"]
    return {
        "code": measured,
        "machine": machine_before,
        "runs": runs,
        "table": table,
        "ratio_ours_existing_over_bare": ratio,
        "ratio_ours_existing_pyc_cached_over_bare": cached_ratio,
        "bytecode": "PYTHONDONTWRITEBYTECODE="
        + os.environ.get("PYTHONDONTWRITEBYTECODE", "")
        + " is inherited except in the .pyc cached case (PYTHONPYCACHEPREFIX in a scratch dir)",
        "target_ratio": TARGET,
        "meets_target": ratio <= TARGET,
    }


async def profile() -> None:
    """Ours (existing database) once under pyinstrument: what start-up spends its time on."""
    from pyinstrument.renderers import ConsoleRenderer
    from pyinstrument.session import Session

    out = ROOT / "bench" / "results" / "cold_start_profile.txt"
    with tempfile.TemporaryDirectory() as scratch:
        database, log = Path(scratch) / "db.sqlite3", Path(scratch) / "bot.log"
        await time_to_answer(ROOT / "run_bot.py", database, log)  # create and import
        session_file = Path(scratch) / "start.pyisession"
        result = await time_to_answer(ROOT / "run_bot.py", database, log, session_file)
        session = Session.load(session_file)
        renderer = ConsoleRenderer(
            unicode=True, time="seconds", processor_options={"filter_threshold": 0.005}
        )
        out.write_text(renderer.render(session), encoding="utf-8")
    print(
        f"ours (existing database) under pyinstrument: answer after {result['seconds']:.3f} s "
        f"(profiler overhead included); report in {out.relative_to(ROOT)}"
    )


def main() -> None:
    if "--profile" in sys.argv:
        asyncio.run(profile())
        return
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(
        f"launch → answer to a waiting /section 4, stand-in in this process, {runs} runs in turns "
        f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"commit {code_state()['commit']})",
        flush=True,
    )
    result = asyncio.run(run(runs))
    print(f"{'case':38} {'median s':>9} {'min s':>7} {'max s':>7} {'polling s':>10}")
    for case, row in result["table"].items():
        print(
            f"{case:38} {row['median_s']:9.3f} {row['min_s']:7.3f} {row['max_s']:7.3f} "
            f"{row['polling_median_s']:10.3f}"
        )
    print(
        f"ours (existing database) / bare = {result['ratio_ours_existing_over_bare']:.2f}  "
        f"(target ≤ {TARGET}: {'met' if result['meets_target'] else 'MISSED'}); "
        f"with .pyc cached {result['ratio_ours_existing_pyc_cached_over_bare']:.2f}"
    )
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("(PYTHONDONTWRITEBYTECODE is set here: the project's modules compile at every start)")
    out = ROOT / "bench" / "results" / "cold_start.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
