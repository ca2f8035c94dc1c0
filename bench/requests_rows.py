"""The Requests view's own work on the loaded rows, at 1k, 100k and 1M request-log entries.

Pages of 1000 entries (the request log's largest) are made from one real page of the demo
gateway's request log, each with fresh ids, and put in a :class:`RowStore` as the browser
does; then each step the Requests view takes over the loaded rows is timed:

- ``append``: one more page of 1000 appended (``RowStore.append_page`` and the view);
- ``keep misses``: the "misses" filter on one page as it lands (``keep_items``);
- ``median miss``: the median miss latency of a model for the detail pane, first over every
  row (``MissLatencies``), then again after one more page (incremental);
- ``summary facts``: what ``C`` reads from the loaded rows (latency by hit and miss over
  every row; similarity from the newest 50,000 entries);
- ``live ids``: the set of loaded ids live mode de-duplicates against, built once;
- ``sort latency``: the loaded rows sorted by latency (a column the gateway sorts too).

    python bench/requests_rows.py              # 1k, 100k, 1M
    python bench/requests_rows.py --tiny       # 1k, 10k

Figures are wall-clock milliseconds (median of the runs) on this machine; no verdicts: the
paging targets of the files table are measured by paging.py and interactive.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import replace
from typing import Any

import httpx

from mpilot_tui.api import GatewayClient, Page
from mpilot_tui.api.log_models import LogEntry
from mpilot_tui.api.settings import DEMO_BASE_URL, ConnectionSettings
from mpilot_tui.demo import DemoConfig, create_app
from mpilot_tui.listing.rows import RowStore, RowView
from mpilot_tui.reqlog import LogFilters
from mpilot_tui.ui.screens.request_stats import loaded_facts
from mpilot_tui.ui.screens.requests_view import MissLatencies, keep_items

PAGE = 1000


async def template_page() -> Page[Any]:
    """One real page of 1000 entries from the in-process demo gateway."""
    gateway = create_app(DemoConfig(requests=5000))
    settings = ConnectionSettings(base_url=DEMO_BASE_URL, auth="none", retries=0)
    async with GatewayClient(settings, transport=httpx.ASGITransport(app=gateway)) as client:
        return await client.list_logs({}, PAGE, 0)


def page_number(template: Page[Any], body: dict[str, Any], number: int) -> Page[Any]:
    """The template page with ids of its own (``p<number>-<i>``)."""
    raw_items = body["logs"]
    items = []
    for index, (entry, raw) in enumerate(zip(template.items, raw_items, strict=True)):
        new_id = f"p{number}-{index}"
        raw["id"] = new_id
        items.append(entry.model_copy(update={"id": new_id}))
    raw = json.dumps(body).encode()
    return replace(template, items=items, raw=raw, offset=number * PAGE)


def timed(step: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(rows: int, template: Page[Any], runs: int) -> dict[str, float]:
    body = json.loads(template.raw)
    store = RowStore("requests")
    view = RowView(store)
    pages = rows // PAGE
    for number in range(pages):
        view.extend(store.append_page(page_number(template, body, number)))
    figures: dict[str, float] = {}
    spare = iter([page_number(template, body, pages + n) for n in range(2 * runs + 2)])

    def append() -> None:
        view.extend(store.append_page(next(spare)))

    figures["append"] = timed(append, runs)
    misses = LogFilters(cache="misses")
    one = next(spare)
    figures["keep misses"] = timed(lambda: keep_items(one, misses.keep), runs)
    model = store.text["provider_model"][0]
    figures["median miss (all rows)"] = timed(
        lambda: MissLatencies().median(store, model), max(1, runs // 2)
    )
    latencies = MissLatencies()
    latencies.median(store, model)

    def incremental() -> None:
        latencies.median(store, model)

    times = []
    for _ in range(runs):
        append()
        times.append(timed(incremental, 1))
    figures["median miss (+1 page)"] = statistics.median(times)
    figures["summary facts"] = timed(lambda: loaded_facts(store), max(1, runs // 2))
    figures["live ids"] = timed(lambda: set(store.ids), max(1, runs // 2))

    def sort_latency() -> None:
        store._orders.clear()  # each run sorts from scratch
        view.set_sort("latency_us", reverse=True)

    figures["sort latency"] = timed(sort_latency, max(1, runs // 2))
    figures["rows"] = len(store)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="1k and 10k rows only")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = (1_000, 10_000) if args.tiny else (1_000, 100_000, 1_000_000)
    template = asyncio.run(template_page())
    assert all(isinstance(item, LogEntry) for item in template.items)
    results = {size: run(size, template, args.runs) for size in sizes}
    names = [name for name in next(iter(results.values())) if name != "rows"]
    print(f"{'step (ms, median)':<26}" + "".join(f"{size:>12,}" for size in sizes))
    for name in names:
        print(f"{name:<26}" + "".join(f"{results[size][name]:>12.2f}" for size in sizes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
