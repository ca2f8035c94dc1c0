"""Issue 15's interactive targets (1-5) in the Requests view, at a size (target 6).

One headless app (120x36) opens on the Requests view of the in-process demo; ``--rows``
request-log entries are then paged in through the listing as pages of 1000 (the route's
largest), to the end, untimed: pages made from real pages of the demo's log (fetched by the
real client in a child process, so that the demo's own memory is not counted), each with
fresh ids and times (newest first, as the log comes), each parsed by the client's page
parser. Then, driven through the screen's own handlers:

- ``filter_first_char`` / ``filter_next_char`` / ``filter_max_block``: the filter box set to
  ``claude`` one character at a time (the filter looks in the id and provider/model), until
  every match is shown and painted, and the longest the event loop went without a turn;
- ``sort``: a header click on each column sorted on the loaded rows (status, provider/model,
  type, cache), then a frame (time, latency, tokens and cost are sorted by the gateway: the
  listing restarts, which is not the table's work);
- ``sorted_append``: a page of 1000 arriving in a view filtered and sorted by provider/model;
- ``scroll_max_pause``: page-down with a frame, 200 times, the collector on;
- ``summary_max_block``: ``C``'s facts from the loaded rows (latency by hit/miss, similarity),
  the longest the event loop went without a turn until they are there;
- ``live_first_tick``: ``L`` turned on (the view put in time order, the loaded ids indexed),
  the longest block of the event loop until the first newest page is merged;
- ``peak_rss_mb``: the process's peak RSS at the end (rows loaded, filtered, sorted).

    python bench/requests_interactive.py --rows 1000000     # a table and PASS/FAIL lines
    python bench/requests_interactive.py --rows 10000 --json
    python bench/requests_interactive.py --tiny
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import (
    APP_SIZE,
    base_parser,
    install_output_sink,
    machine,
    packed_ahead,
    page_landing,
    render_frame,
    settle,
)
from _subjects import OursSubject, measure, wait_for
from interactive import (
    LIMITS_MS,
    MAX_OPS,
    Results,
    click_header,
    report,
    run_filter,
    run_scroll,
    run_sort,
    type_filter,
    wait_turns,
)

from mpilot_tui.config.session import demo_session
from mpilot_tui.demo import DemoConfig
from mpilot_tui.ui.app import create_app
from mpilot_tui.ui.screens.browser import BrowserScreen

PAGE = 1000
"""Entries a page (the request log's largest)."""
TEMPLATES = 4
"""Real pages of the demo's log the others are made from."""
WORD = "claude"
"""Typed into the filter one character at a time (a provider/model of the demo's log)."""
SORT_COLUMNS = ("status", "provider_model", "object", "cache")
"""The columns the Requests view sorts on the loaded rows (the others ask the gateway)."""
PLACEHOLDER = "PPPPPPPP"
TIME_PLACEHOLDER = "TTTTTTTTTTTTTTTTTTTT"
TIME_PLACE = re.compile(b'"' + TIME_PLACEHOLDER.encode() + rb'(\d{4})"')
NEWEST = datetime(2026, 12, 1, 12, tzinfo=UTC)
"""The newest entry's time (each page's are older than the page before's)."""
STEP_MS = 1_500
"""Milliseconds between two entries: a million span ~17 days."""
LIMITS = {**LIMITS_MS, "summary_max_block": 50.0, "live_first_tick": 50.0}
MAX = MAX_OPS | {"summary_max_block", "live_first_tick"}


def template_pages(templates: int) -> list[tuple[Any, bytes]]:
    """Real pages of the demo's log, fetched by the real client from an in-process demo,
    each as its page without items and its body with placeholder ids. Run in a child
    process (see :meth:`RequestPages.from_demo`)."""
    from mpilot_tui.api import GatewayClient
    from mpilot_tui.demo import create_app as demo_app

    async def fetch() -> list[tuple[Any, bytes]]:
        demo = demo_app(DemoConfig(files=0, requests=templates * PAGE))
        made = []
        async with GatewayClient.for_demo(demo) as client:
            for number in range(templates):
                page = await client.list_logs({}, PAGE, number * PAGE)
                body = json.loads(page.raw)
                for index, entry in enumerate(body["logs"]):
                    entry["id"] = f"{PLACEHOLDER}-{index:04d}-{entry['id'][:12]}"
                    for name in ("timestamp", "created_at"):
                        if entry.get(name):
                            entry[name] = f"{TIME_PLACEHOLDER}{index:04d}"
                made.append((replace(page, items=[], raw=b""), json.dumps(body).encode()))
        return made

    return asyncio.run(fetch())


def stamp_times(raw: bytes, number: int) -> bytes:
    """Page ``number``'s body with its entries' times, newest first across every page as
    the gateway's log comes (``STEP_MS`` apart): the templates' own times would repeat every
    few pages, which no request log does."""
    first = number * PAGE

    def stamp(match: re.Match[bytes]) -> bytes:
        at = NEWEST - timedelta(milliseconds=STEP_MS * (first + int(match[1])))
        return b'"%s.%03dZ"' % (at.strftime("%Y-%m-%dT%H:%M:%S").encode(), at.microsecond // 1000)

    return TIME_PLACE.sub(stamp, raw)


class RequestPages:
    """Pages of 1000 request-log entries with unique ids, from a few real pages: each body
    stamped with its page number and parsed by the client's own page parser, as the app
    parses each page it fetches (the entries are the page's, not shared templates)."""

    def __init__(self, templates: list[tuple[Any, bytes]]) -> None:
        self.templates = templates
        self.made = 0
        self.newer = 0

    @classmethod
    async def from_demo(cls, templates: int = TEMPLATES) -> RequestPages:
        """The templates, made in a child process: the demo's generated log and its
        models are not this process's, so they are not in its peak RSS (the app holds
        only what its pages leave in the store)."""
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            made = await asyncio.wrap_future(pool.submit(template_pages, templates))
        return cls(made)

    def page(self, newer: bool = False) -> Any:
        """The next page of the listing, or (``newer``) one of entries newer than any so
        far (as live mode's first look finds)."""
        from mpilot_tui.api.log_models import LOG_PAGE_FAST

        if newer:
            self.newer += 1
            number = -self.newer
        else:
            number = self.made
            self.made += 1
        template, raw = self.templates[number % len(self.templates)]
        raw = stamp_times(raw.replace(PLACEHOLDER.encode(), b"%08d" % number), number)
        return replace(
            template,
            items=LOG_PAGE_FAST.validate_json(raw).logs or [],
            raw=raw,
            has_more=True,
            offset=max(number, 0) * PAGE,
            next_offset=max(number + 1, 0) * PAGE,
        )


class RequestsSubject(OursSubject):
    """The browser app on the Requests view, holding ``size`` request-log entries."""

    fill_s = 0.0
    """Seconds the entries took to page in."""

    @classmethod
    async def open(cls, stack: AsyncExitStack, factory: Any, size: int) -> Any:
        session = demo_session(DemoConfig(files=0, requests=0), default_mode="requests")
        app = create_app(session)
        pilot = await stack.enter_async_context(app.run_test(size=APP_SIZE))
        with app._context():
            install_output_sink(app)
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            await wait_for(lambda: screen.in_requests and screen.inflight is None, pilot)
            screen.send = lambda ask: None  # type: ignore[method-assign]
            screen.listing.restart()
            screen.table.show_listing()
            subject = cls(app, pilot, factory)
            started = time.perf_counter()
            subject.fill(size)
            subject.fill_s = time.perf_counter() - started
            await settle(pilot)
        return subject

    def fill(self, size: int) -> None:
        listing = self.screen.listing
        while len(listing.store) < size:
            ask = listing.inflight or listing.want_more()
            assert ask is not None
            page = self.factory.page()
            listing.page_loaded(ask, page, packed_ahead(page))
        self.table.rows_appended()


async def run_sorted_append(subject: Any, results: Results, steps: int) -> None:
    screen = subject.screen
    with subject.app._context():
        await type_filter(subject, WORD[:2])
        await click_header(subject, "provider_model")
        await subject.pilot.pause()
    for _ in range(steps):
        with subject.app._context():
            # The filter pauses paging; the page answers a request as if one were in flight.
            ask = screen.listing.inflight or screen.listing._ask()
            assert ask is not None
            message = page_landing(ask, subject.factory.page())

            def step(message: BrowserScreen.PageLoaded = message) -> None:
                screen.on_listing_screen_page_loaded(message)
                render_frame(subject.app)

            results.add("sorted_append", *await measure(step))
            await subject.pilot.pause()
    with subject.app._context():
        await click_header(subject, None)
        await type_filter(subject, "")
        await subject.pilot.pause()


def summary_ready(screen: Any) -> bool:
    from mpilot_tui.ui.screens.request_stats import RequestStatsScreen

    return isinstance(screen, RequestStatsScreen) and screen.is_mounted and screen.facts is not None


async def run_summary(subject: Any, results: Results, runs: int) -> None:
    """``C``: the longest block of the event loop until the summary has its loaded facts."""
    for _ in range(runs):
        with subject.app._context():
            started = time.perf_counter()
            subject.screen.action_cache_summary()
            block = (time.perf_counter() - started) * 1000  # the key's own handler
            block = max(block, await wait_turns(lambda: summary_ready(subject.app.screen)))
            results.add("summary_ms", (time.perf_counter() - started) * 1000)
            results.add("summary_max_block", block)
            subject.app.screen.dismiss(None)
            await subject.pilot.pause()


async def run_live(subject: Any, results: Results) -> None:
    """``L``: the view put in time order and the ids indexed, then the first page merged."""
    screen = subject.screen
    with subject.app._context():
        newest = subject.factory.page(newer=True)
        started = time.perf_counter()
        screen.action_live()
        block = (time.perf_counter() - started) * 1000  # the key's own handler
        block = max(block, await wait_turns(lambda: screen.live_run != 0))
        screen.workers.cancel_group(screen, "live")  # the benchmark answers instead
        screen._live_busy = False

        def land() -> None:
            screen.post_message(screen.LivePage(screen.live_run, [replace(newest, offset=0)]))

        land()
        block = max(block, await wait_turns(lambda: screen.live_new > 0))
        results.add("live_first_tick", block)
        results.add("live_first_tick_ms", (time.perf_counter() - started) * 1000)
        screen.action_live()
        await subject.pilot.pause()


async def run(rows: int, runs: int, tiny: bool = False) -> tuple[Results, float]:
    factory = await RequestPages.from_demo(1 if tiny else TEMPLATES)
    results = Results(rows)
    async with AsyncExitStack() as stack:
        subject = await RequestsSubject.open(stack, factory, rows)
        await run_scroll(subject, results, 20 if tiny else 200)
        await run_filter(subject, results, runs, WORD)
        await run_sort(subject, results, runs, SORT_COLUMNS)
        await run_sorted_append(subject, results, max(5, runs * 2))
        await run_summary(subject, results, max(1, runs // 2))
        await run_live(subject, results)
        with subject.app._context():
            await type_filter(subject, WORD[:2])
            await click_header(subject, "provider_model")
    return results, subject.fill_s


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="entries loaded (1,000,000)")
    parser.add_argument("--runs", type=int, default=None, help="runs of each op (3)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args()
    rows = args.rows or (2 * PAGE if args.tiny else 1_000_000)
    runs = args.runs or (1 if args.tiny else 3)
    results, fill_s = asyncio.run(run(rows, runs, args.tiny))
    title = f"Requests view at {rows:,} entries (paged in {fill_s:.0f} s); {machine()}"
    target = "RV the Requests view within targets 1-5 at its size"
    passed = report(results, title, target, LIMITS, MAX, as_json=args.json)
    return 0 if passed or args.tiny or args.json else 1


if __name__ == "__main__":
    sys.exit(main())
