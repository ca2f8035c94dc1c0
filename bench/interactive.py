"""Interactive operations at a size: filter, sort, a page into a sorted view, export, scroll.

One headless app (120x36) holds ``--rows`` rows (filled as ``paging.py`` does, untimed) and
each operation is driven through the screen's own handlers, as a user's key or click would:

- ``filter_first_char`` / ``filter_next_char``: the filter box's value set to one character,
  then to each further character of a word, until the table shows every match and a frame is
  painted; ``filter_max_block`` is the longest the event loop went without a turn meanwhile
  (a key typed then waits that long);
- ``sort``: a header click on ``id``, ``filename`` and ``bytes`` in turn, then a frame
  (``sort_first``: the first round's clicks, before the store keeps any order to reuse);
- ``sorted_append``: a page of 100 arriving in a view sorted by filename, then a frame;
- ``export_csv`` / ``export_ndjson``: the export dialog writing every loaded row, start to
  the end message; ``export_*_frame_gap`` is the longest wait between two frames meanwhile
  (the dialog repaints when its progress moves) and ``export_*_max_block`` the longest the
  event loop went without a turn;
- ``scroll_max_pause``: page-down with a frame, 200 times, with the collector left on;
  ``gc_full_collect`` is one full ``gc.collect()`` with the rows loaded;
- ``peak_rss_mb``: the process's peak RSS at the end (rows loaded, filtered, sorted).

    python bench/interactive.py --rows 1000000            # a table and PASS/FAIL lines
    python bench/interactive.py --rows 10000 --json       # one JSON object per line
    python bench/interactive.py --tiny
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import resource
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from _common import (
    PageFactory,
    base_parser,
    machine,
    median,
    page_landing,
    print_table,
    render_frame,
    verdict,
)
from _subjects import OursSubject, measure
from textual.widgets import Input, RadioSet

from mpilot_tui.ui.screens.browser import BrowserScreen
from mpilot_tui.ui.screens.export import ExportScreen
from mpilot_tui.ui.widgets.file_table import FileTable

WORD = "report"
"""Typed into the filter one character at a time (in the demo's file names and ids)."""
SORT_COLUMNS = ("id", "filename", "bytes")
LIMITS_MS = {
    "filter_first_char": 150.0,
    "filter_next_char": 60.0,
    "filter_max_block": 50.0,
    "sort": 300.0,
    "sort_first": 300.0,
    "sorted_append": 16.0,
    "export_csv": 2500.0,
    "export_ndjson": 2500.0,
    "scroll_max_pause": 50.0,
    "gc_full_collect": 50.0,
}
"""The issue's limits at 1M rows (a median, or a maximum for the ``max`` ops)."""
MAX_OPS = frozenset({"filter_max_block", "scroll_max_pause"})
"""Ops judged by their maximum rather than their median."""
RSS_LIMIT_MB = 250.0


class BodyPages(PageFactory):
    """:class:`PageFactory` pages whose bodies carry the rewritten ids too, as a gateway's
    would (the export writes what the bodies hold, and checks them against the columns)."""

    def __init__(self, templates: list[Any]) -> None:
        super().__init__(templates)
        self._pieces: dict[int, list[bytes]] = {}

    def page(self) -> Any:
        from dataclasses import replace

        number = self.made
        page = super().page()
        if number < len(self.templates):
            return page
        slot = number % len(self.templates)
        pieces = self._pieces.get(slot)
        if pieces is None:
            pieces, rest = [], self.templates[slot].raw
            for item in self.templates[slot].items:
                head, _, rest = rest.partition(json.dumps(item.id).encode())
                pieces.append(head)
            pieces.append(rest)
            self._pieces[slot] = pieces
        ids = [json.dumps(item.id).encode() for item in page.items]
        raw = b"".join(part for pair in zip(pieces, ids, strict=False) for part in pair)
        return replace(page, raw=raw + pieces[-1])


class Results:
    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.samples: dict[str, list[float]] = {}

    def add(self, op: str, ms: float, cpu_ms: float | None = None) -> None:
        """A sample of wall time, and of this thread's CPU time (as ``<op>_cpu``) if given:
        on a shared machine the CPU time shows the work, the wall time also the waiting."""
        self.samples.setdefault(op, []).append(ms)
        if cpu_ms is not None:
            self.samples.setdefault(f"{op}_cpu", []).append(cpu_ms)

    def lines(self) -> list[dict[str, Any]]:
        return [
            {"op": op, "rows": self.rows, "median_ms": round(median(values), 3),
             "max_ms": round(max(values), 3)}
            for op, values in self.samples.items()
        ]  # fmt: skip


def install_frame_clock(app: Any) -> list[float]:
    """Record when each frame is painted (the compositor's update handed to the terminal)."""
    from textual._compositor import CompositorUpdate

    stamps: list[float] = []

    def display(screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate) and not app._batch_count:
            renderable.render_segments(app.console)
            stamps.append(time.perf_counter())

    app._display = display
    return stamps


async def wait_turns(done: Any, timeout: float = 600.0) -> float:
    """Give the event loop turns until ``done()``; returns the longest gap between two turns."""
    longest = 0.0
    deadline = time.perf_counter() + timeout
    last = time.perf_counter()
    while not done():
        await asyncio.sleep(0)
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
        if now > deadline:
            raise TimeoutError("the app did not get there in time")
    return longest * 1000


def filter_settled(screen: BrowserScreen, text: str) -> bool:
    table = screen.query_one(FileTable)
    view = table.view
    shown = table.virtual_size.height == len(view) + 2
    return view.filter_text == text and not getattr(view, "pending", False) and shown


async def type_filter(subject: OursSubject, text: str) -> tuple[float, float, float]:
    """Set the filter box to ``text``; ms until all matches are shown and painted, the
    longest block of the event loop meanwhile, and the CPU ms of this thread."""
    screen = subject.screen
    box = screen.query_one("#filter", Input)
    started, cpu = time.perf_counter(), time.thread_time()
    box.value = text
    block = await wait_turns(lambda: filter_settled(screen, text))
    render_frame(subject.app)
    return (time.perf_counter() - started) * 1000, block, (time.thread_time() - cpu) * 1000


async def run_filter(subject: OursSubject, results: Results, runs: int, word: str = WORD) -> None:
    screen = subject.screen
    for _ in range(runs):
        with subject.app._context():
            await type_filter(subject, "")
            await subject.pilot.pause()
            ms, block, cpu = await type_filter(subject, word[0])
            results.add("filter_first_char", ms, cpu)
            results.add("filter_max_block", block)
            for end in range(2, len(word) + 1):
                ms, block, cpu = await type_filter(subject, word[:end])
                results.add("filter_next_char", ms, cpu)
                results.add("filter_max_block", block)
            await subject.pilot.pause()
    with subject.app._context():
        await type_filter(subject, "")
        await subject.pilot.pause()
    assert not screen.view.filter_text


async def click_header(subject: OursSubject, column: str | None) -> tuple[float, float]:
    """A header click (or back to arrival order): wall ms to the frame, and CPU ms."""
    screen, table = subject.screen, subject.table
    started, cpu = time.perf_counter(), time.thread_time()
    if column is None:
        screen.view.set_sort(None)
        table.show_listing(keep_cursor=True)
    else:
        screen.header_clicked(FileTable.HeaderClicked(table, column))
    await wait_turns(lambda: not getattr(screen.view, "pending", False))
    render_frame(subject.app)
    return (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000


async def run_sort(
    subject: OursSubject, results: Results, runs: int, columns: tuple[str, ...] = SORT_COLUMNS
) -> None:
    for run in range(runs):
        for column in columns:
            with subject.app._context():
                wall, cpu = await click_header(subject, column)
                results.add("sort", wall, cpu)
                if not run:  # the first click: nothing kept from an earlier sort
                    results.add("sort_first", wall, cpu)
                await click_header(subject, None)
                await subject.pilot.pause()


async def run_sorted_append(subject: OursSubject, results: Results, steps: int) -> None:
    screen = subject.screen
    with subject.app._context():
        await click_header(subject, "filename")
        await subject.pilot.pause()
    for _ in range(steps):
        with subject.app._context():
            # The page answers the request in flight, as a real one would.
            ask = screen.listing.inflight or screen.listing.want_more()
            assert ask is not None
            message = page_landing(ask, subject.factory.page())

            def step(message: BrowserScreen.PageLoaded = message) -> None:
                screen.on_listing_screen_page_loaded(message)
                render_frame(subject.app)

            wall, cpu = await measure(step)
            results.add("sorted_append", wall, cpu)
            await subject.pilot.pause()
    with subject.app._context():
        await click_header(subject, None)
        await subject.pilot.pause()


async def run_export(
    subject: OursSubject, results: Results, runs: int, frames: list[float], folder: Path
) -> None:
    for fmt in ("csv", "ndjson"):
        for run in range(runs):
            with subject.app._context():
                subject.screen.action_export()
                await subject.pilot.pause()
                dialog = subject.app.screen
                assert isinstance(dialog, ExportScreen)
                scope = dialog.scopes.index("loaded")
                dialog.query_one("#export-scope", RadioSet)._nodes[scope].value = True
                dialog.query_one("#export-format", RadioSet)._nodes[
                    ("csv", "json", "ndjson").index(fmt)
                ].value = True
                await subject.pilot.pause()
                target = folder / f"export-{run}.{fmt}"
                target.unlink(missing_ok=True)
                dialog.query_one("#export-path", Input).value = str(target)
                assert dialog.chosen_scope == "loaded" and dialog.chosen_format == fmt
                frames.clear()
                started, cpu = time.perf_counter(), time.thread_time()
                dialog.action_start()
                block = await wait_turns(lambda d=dialog: d.last_state not in ("ready", "running"))
                ended = time.perf_counter()
                results.add(f"export_{fmt}_max_block", block)
                assert dialog.last_state == "done", dialog.last_state
                cpu_ms = (time.thread_time() - cpu) * 1000
                results.add(f"export_{fmt}", (ended - started) * 1000, cpu_ms)
                stamps = [started, *[s for s in frames if started <= s <= ended], ended]
                gaps = [b - a for a, b in itertools.pairwise(stamps)]
                results.add(f"export_{fmt}_frame_gap", max(gaps) * 1000)
                dialog.dismiss(None)
                await subject.pilot.pause()
                target.unlink(missing_ok=True)


async def run_scroll(subject: OursSubject, results: Results, steps: int) -> None:
    table = subject.table
    await subject.place_cursor(len(table.view) // 4)
    for _ in range(steps):
        with subject.app._context():
            started, cpu = time.perf_counter(), time.thread_time()
            table.action_page_down()
            render_frame(subject.app)
            cpu_ms = (time.thread_time() - cpu) * 1000
            results.add("scroll_max_pause", (time.perf_counter() - started) * 1000, cpu_ms)
            await asyncio.sleep(0)
    started, cpu = time.perf_counter(), time.thread_time()
    gc.collect()
    results.add("gc_full_collect", (time.perf_counter() - started) * 1000,
                (time.thread_time() - cpu) * 1000)  # fmt: skip


async def run(rows: int, runs: int, export_runs: int) -> Results:
    factory = await BodyPages.from_demo()
    results = Results(rows)
    async with AsyncExitStack() as stack:
        subject = await OursSubject.open(stack, factory, rows)
        frames = install_frame_clock(subject.app)
        await run_scroll(subject, results, 200)
        await run_filter(subject, results, runs)
        await run_sort(subject, results, runs)
        with tempfile.TemporaryDirectory() as folder:
            await run_export(subject, results, export_runs, frames, Path(folder))
        await run_sorted_append(subject, results, max(5, runs * 4))
        with subject.app._context():
            await type_filter(subject, WORD[:2])
            await click_header(subject, "filename")
    return results


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="rows loaded (1,000,000)")
    parser.add_argument("--runs", type=int, default=None, help="runs of each op (5)")
    parser.add_argument("--export-runs", type=int, default=None, help="runs of each export (3)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args()
    rows = args.rows or (2_000 if args.tiny else 1_000_000)
    runs = args.runs or (1 if args.tiny else 5)
    export_runs = args.export_runs or (1 if args.tiny else 3)
    results = asyncio.run(run(rows, runs, export_runs))
    title = f"interactive operations at {rows:,} rows; {machine()}"
    passed = report(results, title, "1-5 interactive operations within their limits",
                    as_json=args.json)  # fmt: skip
    return 0 if passed or args.tiny or args.json else 1


def report(
    results: Results,
    title: str,
    target: str,
    limits: dict[str, float] = LIMITS_MS,
    max_ops: frozenset[str] = MAX_OPS,
    as_json: bool = False,
) -> bool:
    """Print the figures (a table and the target's PASS/FAIL line, or JSON lines); whether
    every op is within its limit."""
    lines = results.lines()
    rss = peak_rss_mb()
    if as_json:
        for line in lines:
            print(json.dumps(line))
        print(json.dumps({"op": "peak_rss_mb", "rows": results.rows, "value": round(rss, 1)}))
        return True
    print(title)
    print_table(
        ["op", "runs", "median ms", "max ms", "limit ms"],
        [(line["op"], len(results.samples[line["op"]]), line["median_ms"], line["max_ms"],
          limits.get(line["op"], "-")) for line in lines] + [("peak_rss_mb", 1, rss, rss, "-")],
    )  # fmt: skip
    failed = [
        line["op"]
        for line in lines
        if line["op"] in limits
        and line["max_ms" if line["op"] in max_ops else "median_ms"] > limits[line["op"]]
    ]
    if rss > RSS_LIMIT_MB:
        failed.append("peak_rss_mb")
    return verdict(
        target,
        not failed,
        f"at {results.rows:,} rows; over the limit: {', '.join(failed) or 'none'}",
    )


if __name__ == "__main__":
    sys.exit(main())
