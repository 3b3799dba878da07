"""How long `python run_bot.py` (the console sandbox) takes from launch to its first answer.

Run by hand:  .venv/bin/python bench/first_answer.py [runs]
Pipes `/section 4` into a fresh process, with an existing database and with an empty one, and times
until the answer's first line is printed. Prints a table and writes bench/results/first_answer.json.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "bot › 四、"


def time_to_first_answer(database: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "run_bot.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write("/section 4\n")
    process.stdin.close()
    elapsed = float("nan")
    for line in process.stdout:
        if line.startswith(MARKER):
            elapsed = time.perf_counter() - started
            break
    process.stdout.read()
    process.wait(timeout=60)
    return elapsed


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rows: dict[str, list[float]] = {"empty database (first import)": [], "existing database": []}
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(runs):
            database = Path(scratch) / f"run{i}.sqlite3"
            rows["empty database (first import)"].append(time_to_first_answer(database))
            rows["existing database"].append(time_to_first_answer(database))
    print(
        f"python run_bot.py → first answer to /section 4, {runs} runs ({platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()})"
    )
    print(f"{'case':34} {'median s':>9} {'min s':>7} {'max s':>7}")
    result = {}
    for name, values in rows.items():
        result[name] = {
            "median_s": statistics.median(values),
            "min_s": min(values),
            "max_s": max(values),
            "runs": values,
        }
        print(f"{name:34} {statistics.median(values):9.3f} {min(values):7.3f} {max(values):7.3f}")
    out = ROOT / "bench" / "results" / "first_answer.json"
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
