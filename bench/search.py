"""/search latency over the corpus: the handler's own work (one transaction, the query, rendering
the page), without Telegram. Run by hand:

    .venv/bin/python bench/search.py [queries]

`queries` drawn from the corpus as before (substrings of 2–8 characters of random passages, so
2-character queries take the LIKE path and longer ones FTS5, plus topic names), and as many from
the English translation (content/translations/<slug>.toml, when there is one): a word, two words
of one passage, or a quoted run of 2–3 of its words, plus English topic names; run interleaved.
A query with an English word (bot.english_search.parse_query) counts as English, so the English
topic names of the first set do too. The English index is built once before the run, as the bot
builds it once per content version. Prints median / p90 / p99 / max for each language and writes
bench/results/search.json.
"""

from __future__ import annotations

import asyncio
import json
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot import lookup, render
from bot.english_search import STOP_WORDS, EnglishIndex, parse_query
from bot.i18n import Translator
from bot.store import Store
from bot.store.content_import import sync_content
from content.library import Library, load_library
from content.translation import Translation

ROOT = Path(__file__).resolve().parent.parent
_ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z-]+")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def corpus_queries(library: Library, count: int) -> list[str]:
    """The queries of the first version of this benchmark, same seed: substrings and topic
    names (the names with English words count as English queries)."""
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
    return queries


def english_queries(library: Library, translation: Translation, count: int) -> list[str]:
    words = [
        [w for w in _ENGLISH_WORD.findall(text) if w.casefold() not in STOP_WORDS]
        for text in translation.passages.values()
    ]
    words = [passage for passage in words if len(passage) >= 3]
    names = [
        name
        for topic in library.catalog.topics
        for name in topic.names
        if parse_query(name).is_english
    ]
    rng = random.Random(2027)
    queries = []
    for _ in range(count):
        passage = rng.choice(words)
        draw = rng.random()
        if draw < 0.2:
            queries.append(rng.choice(names))
        elif draw < 0.5:
            queries.append(rng.choice(passage))
        elif draw < 0.8:
            queries.append(" ".join(rng.sample(passage, 2)))
        else:
            size = rng.randint(2, 3)
            start = rng.randrange(0, len(passage) - size + 1)
            queries.append('"' + " ".join(passage[start : start + size]) + '"')
    return queries


def figures(timings: list[float], hits: int) -> dict[str, float]:
    return {
        "queries": len(timings),
        "with_results": hits,
        "median_ms": statistics.median(timings),
        "p90_ms": percentile(timings, 0.90),
        "p99_ms": percentile(timings, 0.99),
        "max_ms": max(timings),
    }


async def run(count: int) -> dict[str, Any]:
    library = load_library()
    translate = Translator.load()
    translation = library.primary.translation
    queries = corpus_queries(library, count)
    if translation is not None:
        queries += english_queries(library, translation, count)
    runs = [("en" if parse_query(q).is_english else "zh", q) for q in queries]
    random.Random(2028).shuffle(runs)
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(f"sqlite+aiosqlite:///{Path(scratch) / 'bench.sqlite3'}")
        await store.migrate()
        await sync_content(store, library)
        english: EnglishIndex | None = None
        if translation is not None:
            started = time.perf_counter()
            async with store.transaction() as repo:
                english = await EnglishIndex.build(repo, translation)
            result["english_index_build_ms"] = (time.perf_counter() - started) * 1000
        timings: dict[str, list[float]] = {"zh": [], "en": []}
        hits = {"zh": 0, "en": 0}
        for language, query in runs:
            started = time.perf_counter()
            async with store.transaction() as repo:
                found = await lookup.search(
                    repo, library.catalog, query, 0, render.PAGE_SIZE, english
                )
                lines = render.passage_lines(
                    translate, "zh", "bot", ((p.section_number, p.text) for p in found.passages)
                )
                render.listing("header", lines)
                if found.total > render.PAGE_SIZE:
                    await repo.save_query(query)
            timings[language].append((time.perf_counter() - started) * 1000)
            hits[language] += found.total > 0
        await store.close()
    for language in ("zh", "en"):
        if timings[language]:
            result[language] = figures(timings[language], hits[language])
    return result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    result = asyncio.run(run(count))
    print(
        f"/search handler time, {count} queries a language from the corpus "
        f"({platform.machine()}, Python {platform.python_version()})"
    )
    if "en" not in result:
        print("no English translation (content/translations/): English queries skipped")
    if "english_index_build_ms" in result:
        print(f"English index built once in {result['english_index_build_ms']:.1f} ms")
    languages = [language for language in ("zh", "en") if language in result]
    print(f"{'':14}" + "".join(f"{language:>10}" for language in languages))
    for key in result[languages[0]]:
        values = [result[language][key] for language in languages]
        cells = "".join(f"{v:10.3f}" if isinstance(v, float) else f"{v:10}" for v in values)
        print(f"{key:14}{cells}")
    (ROOT / "bench" / "results" / "search.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
