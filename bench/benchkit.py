"""Helpers shared by bench/updates.py, bench/cold_start.py and bench/push_scale.py: which code was
measured, CPU accounting from /proc (the machine is shared), and a summary of a pyinstrument
session. Not a benchmark; imported by them (bench/ is on sys.path when they run as scripts).
"""

from __future__ import annotations

import asyncio
import os
import platform
import signal
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from entry.standin import TelegramStandIn

ROOT = Path(__file__).resolve().parent.parent


def code_state() -> dict[str, Any]:
    """The commit measured, and whether files outside bench/ differed from it."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout

    changed = [
        line[3:]
        for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
        if line[3:] and not line[3:].startswith("bench/")
    ]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "uncommitted_changes": changed}


def machine() -> dict[str, Any]:
    return {
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def system_busy_seconds() -> float:
    """CPU seconds all processes have used, summed over cores (/proc/stat: all but idle, iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


_LIBRARY_ENTRY_POINTS = {
    "Message.reply_text": "sending the answer (PTB → httpx → socket, and the reply parsed back)",
    "ExtBot.get_updates": "fetching updates (getUpdates and Update.de_json)",
    "Application.process_update": "dispatching an update to its handler, handler included",
    "greenlet_spawn": "SQLAlchemy's async → sync bridge (the awaiting side)",
    "ExtBot.send_message": "sendMessage, end to end (request built, sent, reply parsed)",
}


def _frame(identifier: str) -> tuple[str, str]:
    """A pyinstrument frame identifier → (Class.function, file path)."""
    name, _, rest = identifier.partition("\x00")
    path = rest.split("\x00", 1)[0]
    owner = next((a[1:] for a in identifier.split("\x01")[1:] if a.startswith("c")), "")
    return (f"{owner}.{name}" if owner else name), path


def _package(path: str) -> str:
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0]
    if path.startswith(str(ROOT) + "/"):
        return path[len(str(ROOT)) + 1 :].split("/", 1)[0] + " (project)"
    if "/lib/python3" in path:
        return "stdlib " + path.rsplit("/lib/python3", 1)[1].split("/", 2)[1].removesuffix(".py")
    return path


def profile_summary(session_file: Path, per: int, unit: str, top: int = 25) -> str:
    """Self time by package and by function, inclusive time of the project's functions and of a
    few library entry points, each as a share of the profile and in ms per `unit` (the profile's
    seconds divided by `per`, e.g. the number of updates or messages). pyinstrument
    samples the main thread only; SQLAlchemy's ORM work runs in greenlets, whose stacks start at
    the greenlet (e.g. `Session.scalar`), so it shows as separate roots beside the event loop."""
    from pyinstrument.renderers import ConsoleRenderer
    from pyinstrument.session import Session

    session = Session.load(session_file)
    total = sum(t for _, t in session.frame_records)
    by_package: defaultdict[str, float] = defaultdict(float)
    by_function: defaultdict[str, float] = defaultdict(float)
    inclusive: defaultdict[str, float] = defaultdict(float)
    for stack, seconds in session.frame_records:
        name, path = _frame(stack[-1])
        by_package["idle (epoll.poll)" if name == "epoll.poll" else _package(path)] += seconds
        by_function[f"{name}  ({_package(path)})"] += seconds
        seen = set()
        for identifier in stack:
            function, where = _frame(identifier)
            key = f"{function}  ({_package(where)})"
            if key not in seen and (
                (where.startswith(str(ROOT) + "/") and "/.venv/" not in where)
                or function in _LIBRARY_ENTRY_POINTS
            ):
                seen.add(key)
                inclusive[key] += seconds
        # The main thread's own stack starts at the script (<module>) or at runpy; a greenlet's
        # starts wherever SQLAlchemy switched into it.
        if len(stack) > 1 and _frame(stack[1])[0] not in ("<module>", "_run_module_as_main"):
            inclusive[f"(greenlet root) {_frame(stack[1])[0]}"] += seconds

    def most(counts: dict[str, float], n: int) -> list[tuple[str, float]]:
        return sorted(counts.items(), key=lambda item: -item[1])[:n]

    def row(label: str, seconds: float) -> str:
        return f"{100 * seconds / total:6.1f} % {1000 * seconds / per:7.3f} ms/{unit}  {label}"

    lines = [
        f"samples {len(session.frame_records)}, {session.duration:.1f} s wall, "
        f"{session.cpu_time:.1f} s CPU; ms/{unit} = profile seconds / {per}",
        "",
        "self time by package:",
        *(row(k, v) for k, v in most(by_package, 15)),
        "",
        "self time by function:",
        *(row(k, v) for k, v in most(by_function, top)),
        "",
        "inclusive time (project code, greenlet roots, library entry points):",
        *(row(k, v) for k, v in most(inclusive, top)),
        "",
        "call tree:",
        ConsoleRenderer(unicode=True, time="percent_of_total").render(session),
    ]
    return "\n".join(lines)


def log_tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


async def stop_bot(process: asyncio.subprocess.Process, api: TelegramStandIn) -> None:
    api.release_polls()
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 60)
    except TimeoutError:
        process.kill()
        await process.wait()
