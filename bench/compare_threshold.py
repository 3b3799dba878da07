"""Measure how well two similarities separate reworded passages from different ones (Chinese),
for bot.compare's threshold: `python bench/compare_threshold.py`. The pairs are made up
(tests/support/library.py): rewordings of 2022 passages, and different commitments on a shared
topic. Prints each measure's range on both sets and the gap between them."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.compare import SIMILAR_AT, bigram_jaccard, sequence_ratio
from tests.support.library import DIFFERENT, REWORDED


def main() -> None:
    results = {}
    print(f"{len(REWORDED)} reworded pairs, {len(DIFFERENT)} different pairs")
    print(
        f"{'measure':<16} {'reworded min–max':>18} {'different min–max':>18} {'gap':>6} {'d′':>6}"
    )
    for name, measure in (("bigram Jaccard", bigram_jaccard), ("difflib ratio", sequence_ratio)):
        same = [measure(a, b) for a, b in REWORDED]
        other = [measure(a, b) for a, b in DIFFERENT]
        gap = min(same) - max(other)
        spread = ((statistics.pstdev(same) ** 2 + statistics.pstdev(other) ** 2) / 2) ** 0.5
        d_prime = (statistics.mean(same) - statistics.mean(other)) / spread
        print(
            f"{name:<16} {min(same):>8.2f}–{max(same):.2f}      {min(other):>8.2f}–"
            f"{max(other):.2f}      {gap:>5.2f} {d_prime:>6.2f}"
        )
        results[name] = {
            "reworded": sorted(same), "different": sorted(other), "gap": gap, "d_prime": d_prime,
        }  # fmt: skip
    chosen = results["difflib ratio"]  # bot.compare.similarity
    missed = sum(1 for s in chosen["reworded"] if s < SIMILAR_AT)
    wrong = sum(1 for s in chosen["different"] if s >= SIMILAR_AT)
    print(f"threshold {SIMILAR_AT}: {missed} reworded missed, {wrong} different paired")
    out = Path(__file__).resolve().parent / "results" / "compare_threshold.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
