"""Bulk paging over a real network: End to the end of a long listing against a plain loop.

One ``mpilot-tui demo-server --files N --latency-ms L --keys 1`` on loopback (one request at
a time, as the gateway's cursors force). The yardstick is the best plain ``httpx`` loop: it
asks for pages of 10,000 (the route's largest), parses each body with ``json.loads`` and
sends the next request at once. Ours is the real app, headless (120x36), on the same server:
once its first page is on screen, End (``FileTable.action_last_row``) follows to the end;
the clock stops when the last page is in and nothing is in flight. Both gaps are from an
answer's last byte to the next request (the client's request history gives ours).

    python bench/bulk_paging.py                       # 200,000 files, 100 ms latency
    python bench/bulk_paging.py --files 50000 --latency-ms 50
    python bench/bulk_paging.py --tiny
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from typing import Any

import httpx
from _common import base_parser, machine, median, print_table, verdict
from headless_listing import start_server

RATIO_LIMIT = 1.3
GAP_LIMIT_MS = 5.0
LOOP_LIMIT = 10_000


async def plain_loop(base: str, limit: int) -> tuple[float, int, list[float], int]:
    """Seconds, items, gaps (ms) and requests of a plain httpx loop."""
    gaps: list[float] = []
    items = requests = 0
    after: str | None = None
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        started = time.perf_counter()
        answered: float | None = None
        while True:
            params: dict[str, Any] = {"provider": "openai", "limit": limit}
            if after:
                params["after"] = after
            sent = time.perf_counter()
            if answered is not None:
                gaps.append((sent - answered) * 1000)
            response = await client.get("/openai/v1/files", params=params)
            answered = time.perf_counter()
            body = response.json()
            requests += 1
            items += len(body["data"])
            if not body.get("has_more"):
                break
            after = body.get("after") or body["data"][-1]["id"]
        return time.perf_counter() - started, items, gaps, requests


async def ours(base: str, files: int) -> tuple[float, int, list[float], list[int]]:
    """Seconds from End to the end, rows, gaps (ms) and the page sizes asked for."""
    from urllib.parse import parse_qs, urlsplit

    from mpilot_tui.api.settings import ConnectionSettings
    from mpilot_tui.config.session import Session
    from mpilot_tui.ui.app import create_app
    from mpilot_tui.ui.screens.browser import BrowserScreen
    from mpilot_tui.ui.widgets.file_table import FileTable

    session = Session(settings=ConnectionSettings(base_url=base, auth="none", timeout=120))
    app = create_app(session)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        deadline = time.monotonic() + 120
        while not (isinstance(screen, BrowserScreen) and screen.store.pages):
            if time.monotonic() > deadline:
                raise SystemExit("the first page did not come")
            await pilot.pause(0.01)
            screen = app.screen
        assert isinstance(screen, BrowserScreen)
        while screen.inflight is not None:
            await pilot.pause(0.01)
        first = len(app.client.history)
        started = time.perf_counter()
        screen.query_one(FileTable).action_last_row()
        while screen.has_more or screen.inflight is not None:
            await asyncio.sleep(0.005)  # not pilot.pause: its idle waits cost the app time
        elapsed = time.perf_counter() - started
        records = [r for r in list(app.client.history)[first:] if "/files" in r.url]
        gaps = [
            (b.started_at - (a.started_at + a.elapsed_ms / 1000)) * 1000
            for a, b in itertools.pairwise(records)
        ]
        sizes = [int(parse_qs(urlsplit(r.url).query).get("limit", ["0"])[0]) for r in records]
        rows = len(screen.store)
    assert rows == files, (rows, files)
    return elapsed, rows, gaps, sizes


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=None, help="files on the server (200000)")
    parser.add_argument("--latency-ms", type=int, default=None, help="added latency (100)")
    parser.add_argument("--runs", type=int, default=None, help="runs of each (1)")
    args = parser.parse_args()
    files = args.files or (3_000 if args.tiny else 200_000)
    latency = args.latency_ms if args.latency_ms is not None else (10 if args.tiny else 100)
    runs = args.runs or 1
    print(f"bulk paging: {files:,} files, {latency} ms latency, loopback; {machine()}")
    server, base = start_server(files, latency)
    try:
        loops: list[float] = []
        apps: list[float] = []
        loop_gaps: list[float] = []
        app_gaps: list[float] = []
        sizes: list[int] = []
        requests = 0
        for _ in range(runs):
            seconds, items, gaps, requests = asyncio.run(plain_loop(base, LOOP_LIMIT))
            assert items == files, (items, files)
            loops.append(seconds)
            loop_gaps.extend(gaps)
            seconds, _rows, gaps, sizes = asyncio.run(ours(base, files))
            apps.append(seconds)
            app_gaps.extend(gaps)
    finally:
        server.terminate()
        server.wait()
    loop_s, app_s = median(loops), median(apps)
    ratio = app_s / loop_s
    gap = median(app_gaps) if app_gaps else 0.0
    print_table(
        ["measure", "plain loop", "ours (End)"],
        [
            ("seconds to the end", round(loop_s, 3), round(app_s, 3)),
            ("requests", requests, len(sizes)),
            ("gap median ms", round(median(loop_gaps), 2) if loop_gaps else "-", round(gap, 2)),
            ("gap max ms", round(max(loop_gaps), 2) if loop_gaps else "-",
             round(max(app_gaps), 2) if app_gaps else "-"),
        ],
    )  # fmt: skip
    print("page sizes asked for after End:", ", ".join(f"{s:,}" for s in sizes))
    passed = verdict(
        f"9. End to the end within {RATIO_LIMIT}x the plain loop, gap < {GAP_LIMIT_MS} ms",
        ratio <= RATIO_LIMIT and gap < GAP_LIMIT_MS,
        f"{ratio:.2f}x ({app_s:.2f} s vs {loop_s:.2f} s); median gap {gap:.2f} ms",
    )
    return 0 if passed or args.tiny else 1


if __name__ == "__main__":
    sys.exit(main())
