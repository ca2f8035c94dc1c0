"""Target R: the request log's data side at a million entries (no Textual).

What the Requests view pays per page, without the view: one ``/api/logs`` page of 1000
entries (about 1.5 KB each, as the demo gateway writes them) through the real client
(``GatewayClient.list_logs``: decoding, the tolerant models), the listing engine (offset
paging, repeats dropped) and the row store (columns, the compressed body). The gateway's
side is left out: the pages are the demo gateway's own bodies, rendered once, and served by
an ``httpx.MockTransport`` that only stamps each page's ids (a bytes replace).

Figures: the median time of a page at the start and once N entries are loaded (is paging
flat?), entries per second over the whole walk, the row store's bytes per entry, and the
process's peak RSS. The yardstick for the page time is ``json.loads`` of the same body: the
least any Python client pays to read it.

    python bench/request_log.py                 # 1,000,000 entries (minutes)
    python bench/request_log.py --rows 100000
    python bench/request_log.py --tiny
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import sys
import time
from typing import Any

import httpx
from _common import base_parser, machine, print_table, verdict

PAGE = 1000
"""Entries a page (the route's maximum)."""
FLAT_RATIO = 1.2
"""Target: a page at N entries loaded costs at most this much more than at the start."""
SAMPLE = 10
"""Pages timed at the start and at the end."""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def demo_bodies() -> list[bytes]:
    """Five 1000-entry pages of the demo gateway, each entry's id made a placeholder."""
    from mpilot_tui.api import ConnectionSettings, GatewayClient
    from mpilot_tui.demo import DemoConfig, create_app

    app = create_app(DemoConfig(requests=5 * PAGE))
    settings = ConnectionSettings(base_url="http://demo.bench", auth="none")
    bodies: list[bytes] = []
    async with GatewayClient(settings, transport=httpx.ASGITransport(app=app)) as client:
        for offset in range(0, 5 * PAGE, PAGE):
            body = json.loads((await client.list_logs({}, PAGE, offset)).raw)
            for index, entry in enumerate(body["logs"]):
                entry["id"] = f"PPPPPPPP-{index:04d}-bench"
            bodies.append(json.dumps(body).encode())
    return bodies


async def walk(rows: int, bodies: list[bytes]) -> dict[str, Any]:
    from mpilot_tui.api import ConnectionSettings, GatewayClient
    from mpilot_tui.listing import Listing, Query

    def handle(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        page = offset // PAGE
        body = bodies[page % len(bodies)].replace(b"PPPPPPPP", b"%08d" % page)
        body = body.replace(b'"total_count": 5000', b'"total_count": %d' % rows)
        if offset + PAGE > rows:  # the last page: only what is left
            data = json.loads(body)
            data["logs"] = data["logs"][: rows - offset]
            body = json.dumps(data).encode()
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    settings = ConnectionSettings(base_url="http://gw.bench", auth="none")
    client = GatewayClient(settings, transport=httpx.MockTransport(handle))
    listing = Listing(Query(kind="requests", page_size=PAGE))
    times: list[float] = []
    started = time.perf_counter()
    async with client:
        ask = listing.restart()
        while ask is not None:
            before = time.perf_counter()
            page = await ask.send(client)
            listing.page_loaded(ask, page)
            times.append((time.perf_counter() - before) * 1000)
            ask = listing.want_more()
    total = time.perf_counter() - started
    store = listing.store
    stored = sum(len(p.compressed) for p in store.pages) + sum(sys.getsizeof(i) for i in store.ids)
    return {
        "rows": len(store),
        "first_ms": statistics.median(times[:SAMPLE]),
        "last_ms": statistics.median(times[-SAMPLE:]),
        "rows_per_s": len(store) / total,
        "stored_b_per_row": stored / max(1, len(store)),
        "peak_rss_mb": peak_rss_mb(),
    }


def yardstick(bodies: list[bytes], runs: int = 10) -> float:
    times = []
    for index in range(runs):
        before = time.perf_counter()
        json.loads(bodies[index % len(bodies)])
        times.append((time.perf_counter() - before) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="entries to page through")
    args = parser.parse_args()
    rows = 20 * PAGE if args.tiny else max(args.rows, 2 * SAMPLE * PAGE)
    print(f"request log, {rows:,} entries in pages of {PAGE}; {machine()}")
    bodies = asyncio.run(demo_bodies())
    floor = yardstick(bodies)
    result = asyncio.run(walk(rows, bodies))
    print_table(
        ["measure", "value"],
        [
            ["entries loaded", result["rows"]],
            ["page of 1000, first pages (median ms)", round(result["first_ms"], 1)],
            ["page of 1000, last pages (median ms)", round(result["last_ms"], 1)],
            ["json.loads of the same body (median ms)", round(floor, 1)],
            ["entries per second (whole walk)", round(result["rows_per_s"])],
            ["row store: compressed body + id (bytes/entry)", round(result["stored_b_per_row"])],
            ["peak RSS (MB)", round(result["peak_rss_mb"])],
        ],
    )
    ratio = result["last_ms"] / result["first_ms"]
    passed = result["rows"] == rows and ratio <= FLAT_RATIO
    verdict(
        "R request-log paging flat",
        passed,
        f"{ratio:.2f}x at {rows:,} vs the first pages (≤ {FLAT_RATIO}x);"
        f" {result['last_ms']:.0f} ms a page vs json.loads {floor:.0f} ms;"
        f" peak RSS {result['peak_rss_mb']:.0f} MB",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
