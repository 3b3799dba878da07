"""/search latency over the corpus: the handler's own work (one transaction, the query, rendering
the page), without Telegram. Run by hand:

    .venv/bin/python bench/search.py [queries]

Queries are drawn from the corpus (substrings of 2–8 characters of random passages, so 2-character
queries take the LIKE path and longer ones FTS5), plus topic aliases (English ones fall back to the
topic). Prints median / p90 / p99 / max and writes bench/results/search.json.
"""

from __future__ import annotations

import asyncio
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot import lookup, render
from bot.i18n import Translator
from bot.store import Store
from bot.store.content_import import sync_content
from content.library import load_library

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(count: int) -> dict[str, float]:
    library = load_library()
    translate = Translator.load()
    texts = [p.text for s in library.primary.document.sections for p in s.passages]
    names = [name for topic in library.catalog.topics for name in topic.names]
    rng = random.Random(2026)
    queries = []
    for _ in range(count):
        if rng.random() < 0.2:
            queries.append(rng.choice(names))
        else:
            text = rng.choice(texts)
            size = rng.randint(2, 8)
            start = rng.randrange(0, max(1, len(text) - size))
            queries.append(text[start : start + size])
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(f"sqlite+aiosqlite:///{Path(scratch) / 'bench.sqlite3'}")
        await store.migrate()
        await sync_content(store, library)
        timings: list[float] = []
        hits = 0
        for query in queries:
            started = time.perf_counter()
            async with store.transaction() as repo:
                found = await lookup.search(repo, library.catalog, query, 0, render.PAGE_SIZE)
                lines = render.passage_lines(
                    translate, "zh", "bot", ((p.section_number, p.text) for p in found.passages)
                )
                render.listing("header", lines)
                if found.total > render.PAGE_SIZE:
                    await repo.save_query(query)
            timings.append((time.perf_counter() - started) * 1000)
            hits += found.total > 0
        await store.close()
    return {
        "queries": count,
        "with_results": hits,
        "median_ms": statistics.median(timings),
        "p90_ms": percentile(timings, 0.90),
        "p99_ms": percentile(timings, 0.99),
        "max_ms": max(timings),
    }


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    result = asyncio.run(run(count))
    print(
        f"/search handler time, {count} queries from the corpus "
        f"({platform.machine()}, Python {platform.python_version()})"
    )
    for key, value in result.items():
        print(f"{key:14} {value:10.3f}" if isinstance(value, float) else f"{key:14} {value:10}")
    (ROOT / "bench" / "results" / "search.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
