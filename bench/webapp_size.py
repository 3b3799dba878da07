"""What the reading view costs a phone to load: each response's bytes as served (gzip when the
client accepts it, as Telegram's WebViews do) and uncompressed, and the time our server takes.

Run by hand:  .venv/bin/python bench/webapp_size.py
Serves the page from the real Application (in memory, the shipped content, a throwaway database)
on 127.0.0.1 and asks for it as the page does. Prints a table and writes
bench/results/webapp_size.json.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.webapp_auth import sign_init_data  # noqa: E402
from entry.standin import TelegramStandIn  # noqa: E402
from entry.webapp.server import reading_view_app  # noqa: E402
from entry.webhook import app_runner, serving  # noqa: E402
from tests.support.driver import driven_bot  # noqa: E402

TOKEN = "123456:BENCH-secret-token-abcdefghijklmnop"
PORT = 18765


async def measure() -> list[dict[str, object]]:
    url = f"http://127.0.0.1:{PORT}/app"
    now = datetime.now(UTC)
    fields = {
        "user": json.dumps({"id": 1001, "first_name": "Li", "language_code": "zh"}),
        "auth_date": str(int(now.timestamp())),
    }
    headers = {"Authorization": f"tma {sign_init_data(fields, TOKEN)}"}
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            bot_token=TOKEN,
            database_url=f"sqlite+aiosqlite:///{folder}/bench.sqlite3",
            rate_limit=False,
            webapp_url=url,
        )
        async with (
            TelegramStandIn(token=TOKEN) as api,
            driven_bot(settings, api) as bot,
            serving(app_runner(reading_view_app(bot.application, url)), "127.0.0.1", PORT),
            aiohttp.ClientSession(auto_decompress=False) as session,
        ):
            async with session.get(url, headers={"Accept-Encoding": "identity"}) as response:
                page = await response.text()
            css = page.split('href="/app/app.css', 1)[1].split('"', 1)[0]
            js = page.split('src="/app/app.js', 1)[1].split('"', 1)[0]
            paths = [
                ("index.html", "", {}),
                ("app.css", f"/app.css{css}", {}),
                ("app.js", f"/app.js{js}", {}),
                ("api/documents", "/api/documents", headers),
                ("api/me", "/api/me", headers),
            ]
            for name, path, extra in paths:
                sizes = {}
                for encoding in ("gzip", "identity"):
                    started = time.perf_counter()
                    async with session.get(
                        url + path, headers={**extra, "Accept-Encoding": encoding}
                    ) as response:
                        body = await response.read()
                        assert response.status == 200, (name, response.status)
                    sizes[encoding] = (len(body), (time.perf_counter() - started) * 1000)
                rows.append(
                    {
                        "what": name,
                        "gzip_bytes": sizes["gzip"][0],
                        "bytes": sizes["identity"][0],
                        "ms": round(sizes["identity"][1], 1),
                    }
                )
    return rows


def main() -> None:
    rows = asyncio.run(measure())
    print(f"{'what':<15} {'gzip':>8} {'raw':>8} {'ms':>6}")
    for row in rows:
        print(f"{row['what']:<15} {row['gzip_bytes']:>8} {row['bytes']:>8} {row['ms']:>6}")
    total_gzip = sum(int(str(r["gzip_bytes"])) for r in rows)
    total = sum(int(str(r["bytes"])) for r in rows)
    print(f"{'total':<15} {total_gzip:>8} {total:>8}")
    out = ROOT / "bench" / "results" / "webapp_size.json"
    out.write_text(
        json.dumps({"rows": rows, "total_gzip": total_gzip, "total": total}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
