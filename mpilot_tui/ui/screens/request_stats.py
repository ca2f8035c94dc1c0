"""``C`` in the Requests view: the cache summary of the filtered request log.

The numbers come from ``GET /api/logs/stats`` for the view's filters (hit rate = (direct +
semantic) / ``cache_hit_rate_total_requests``, success rate, latency, tokens, cost; ``p``
compares with the previous period), and from the loaded rows: the similarity distribution
against the threshold and the latency of hits against misses.
"""

from __future__ import annotations

import statistics
import zlib
from array import array
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ...api import GatewayClient, MPilotError
from ...api.logs import LogStatsResult
from ...api.pagination import items_in
from ...formats.text import finite_number, visible
from ...listing.columns import NARROW_MISSING
from ...listing.rows import MISSING, RowStore
from ...reqlog import stats_lines
from ...reqlog.cache_stats import median_and_p95, weighted_median
from ..widgets.cache_summary import histogram

__all__ = ["MAX_SCANNED_ROWS", "LoadedFacts", "RequestStatsScreen", "loaded_facts"]

MAX_SCANNED_ROWS = 2_000
"""Loaded rows whose whole entries are re-read (the newest pages) for the threshold and the
scores of misses; the scores of semantic hits come from the cache column of every row."""
SEMANTIC = "HIT semantic "


@dataclass
class LoadedFacts:
    """What the loaded rows say about the cache."""

    rows: int = 0
    scanned: int = 0
    """Rows whose entry was re-read for the threshold and the scores of misses."""
    scores: Counter[tuple[float, bool]] = field(default_factory=Counter)
    """How many times each (similarity, hit) occurs: every semantic hit's (from the cache
    column), and the misses' that carried one among the scanned entries. Counted, not
    listed: a list of a million built a ``Counter`` and a numpy array from it in single C
    calls that held the GIL, and so the event loop, for ~55 ms at a million rows."""
    threshold: float | None = None
    latency_us: dict[str, array[int]] = field(default_factory=dict)
    """Latencies in microseconds (as the store's column holds them: 4 bytes a row, where a
    million as float milliseconds were 8 and a float copy besides) by ``hit``, ``miss`` and
    ``none`` (the request skipped the cache)."""


def loaded_facts(store: RowStore, max_scanned: int = MAX_SCANNED_ROWS) -> LoadedFacts:
    """Latency by cache outcome and the semantic hits' scores over every loaded row (from the
    columns); the threshold and the misses' scores from the newest entries, up to
    ``max_scanned`` rows (their pages re-read whole).

    Safe to run in a thread while the event loop appends rows: it reads the rows there were
    when it started, and re-parses the pages' bodies itself (no shared page cache), an entry
    at a time (:func:`~mpilot_tui.api.pagination.items_in`: a page parsed in one call held
    the GIL, and so the event loop, for ~10-18 ms)."""
    rows = len(store)
    facts = LoadedFacts(rows=rows, latency_us={name: array("q") for name in GROUPS})
    if store.kind != "requests":
        return facts
    pages = store.pages[:]
    if not _column_facts(store, rows, facts):
        _row_facts(store, rows, facts)
    thresholds: list[float] = []
    for record in reversed(pages):
        if facts.scanned >= max_scanned:
            break
        facts.scanned += record.count
        for item in items_in(store.kind, zlib.decompress(record.compressed)):
            debug = item.get("cache_debug") if isinstance(item, dict) else None
            if not isinstance(debug, dict):
                continue
            limit = finite_number(debug.get("threshold", debug.get("cache_threshold")))
            if limit is not None:
                thresholds.append(limit)
            score = finite_number(debug.get("similarity", debug.get("cache_similarity")))
            if score is not None and debug.get("cache_hit") is not True:
                facts.scores[score, False] += 1
    facts.scanned = min(facts.scanned, rows)
    if thresholds:
        facts.threshold = statistics.mode(thresholds)
    return facts


GROUPS = ("hit", "miss", "none")


def _group_and_score(outcome: str) -> tuple[str, float | None]:
    """A cache column value's group (hit, miss, or none: the request skipped the cache) and,
    for a semantic hit, its score."""
    score = None
    if outcome.startswith(SEMANTIC):
        score = finite_number(_float(outcome[len(SEMANTIC) :]))
    return ("none" if not outcome else ("miss" if outcome == "miss" else "hit")), score


def _column_facts(store: RowStore, rows: int, facts: LoadedFacts) -> bool:
    """Latency by group and the semantic hits' scores from the columns' arrays, with numpy
    (a reader thread in pure Python held the GIL for about a second at a million rows, and
    every frame drawn meanwhile took twice as long). False when the cache column is not
    coded (more distinct values than codes): :func:`_row_facts` reads it row by row."""
    import numpy as np

    cache, latency = store.text["cache"], store.ints["latency_us"]
    values, all_codes, all_numbers = cache.values, cache.codes, latency.data
    if values is None:
        return False
    # Copies of the rows there are (each a C call): numpy viewing the store's own arrays
    # would stop the event loop from growing them while this thread reads.
    values, codes_now, numbers_now = values[:], all_codes[:rows], all_numbers[:rows]
    if len(codes_now) < rows or len(numbers_now) < rows:
        return False
    codes = np.frombuffer(codes_now, dtype=np.uint16)
    wide = numbers_now.typecode == "q"
    numbers = np.frombuffer(numbers_now, dtype=np.int64 if wide else np.int32)
    known = numbers != (MISSING if wide else NARROW_MISSING)
    described = [_group_and_score(value) for value in values]
    group_of = np.array([GROUPS.index(group) for group, _ in described], dtype=np.uint8)
    groups = group_of[codes]
    for index, name in enumerate(GROUPS):
        chosen = numbers[(groups == index) & known]
        kept = facts.latency_us[name] = array(numbers_now.typecode)
        kept.frombytes(chosen.data.cast("B"))  # straight from numpy's buffer: no bytes between
        del chosen
    counts = np.bincount(codes, minlength=len(values)).tolist()
    for (_, score), count in zip(described, counts, strict=False):
        if score is not None and count:
            facts.scores[score, True] += count
    return True


def _row_facts(store: RowStore, rows: int, facts: LoadedFacts) -> None:
    """As :func:`_column_facts`, row by row (a packed cache column)."""
    groups: dict[str, tuple[str, float | None]] = {}
    """Per distinct cache value: its group and its score."""
    latency_us = {name: array("q") for name in GROUPS}
    cache = islice(store.text["cache"], rows)
    for outcome, value in zip(cache, islice(store.ints["latency_us"], rows), strict=True):
        known = groups.get(outcome)
        if known is None:
            known = groups[outcome] = _group_and_score(outcome)
        if known[1] is not None:
            facts.scores[known[1], True] += 1
        if value != MISSING:
            latency_us[known[0]].append(value)
    facts.latency_us.update(latency_us)


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def render_stats(result: LogStatsResult, compared: bool) -> RenderableType:
    """The gateway's stats as labelled lines (and the previous period's, when compared)."""
    lines = stats_lines(result.stats, result.previous if compared else None)
    grid = _grid()
    for line in lines:
        value = Text(visible(line.value))
        if line.previous is not None:
            value.append(f"   previous {visible(line.previous)}", style="dim")
            if line.change:
                value.append(f"  {visible(line.change)}", style="bold")
        grid.add_row(visible(line.label), value)
    parts: list[RenderableType] = [grid]
    if compared and result.previous is None:
        parts.append(Text(
            "No previous period: the gateway compares only a bounded period (set one with x:"
            " last 1h … 30d, or since and until).", style="italic"))  # fmt: skip
    return Group(*parts)


def render_loaded(facts: LoadedFacts) -> RenderableType:
    """The loaded rows' similarity distribution and latency by hit and miss."""
    parts: list[RenderableType] = []
    title = Text(f"Loaded rows ({facts.rows:,})", style="bold underline")
    parts.append(title)
    grid = _grid()
    if facts.scores:
        # Few distinct scores among up to a million: counted once, in C.
        weighted = facts.scores
        distinct = Counter[float]()
        for (score, _), count in weighted.items():
            distinct[score] += count
        chart = Text("0 ")
        chart.append_text(histogram(list(distinct), facts.threshold,
                                    weights=list(distinct.values())))  # fmt: skip
        chart.append(" 1")
        if facts.threshold is not None:
            chart.append(f"   ┃ threshold {facts.threshold:.2f}")
        grid.add_row("similarity", chart)
        scored = weighted.total()
        hits = sum(count for (_, hit), count in weighted.items() if hit)
        median = weighted_median(distinct)
        line = Text(f"{scored:,} scored ({hits:,} hits) · min {min(distinct):.3f} · median "
                    f"{median:.3f} · max {max(distinct):.3f}")  # fmt: skip
        if facts.threshold is not None:
            below = [s for s in distinct if s < facts.threshold]
            if below:
                closest = max(below)
                line.append(f" · closest below {closest:.3f} "
                            f"({facts.threshold - closest:.3f} short)")  # fmt: skip
        grid.add_row("", line)
        if facts.scanned < facts.rows:
            note = f"(threshold and misses' scores from the newest {facts.scanned:,} rows)"
            grid.add_row("", Text(note, style="dim"))
    else:
        grid.add_row("similarity", Text("no loaded entry carried a similarity", style="italic"))
    spreads = {
        name: (median / 1000, p95 / 1000)
        for name, values in facts.latency_us.items()
        if values
        for median, p95 in [median_and_p95(values)]
    }
    medians = {k: median for k, (median, _) in spreads.items()}
    largest = max(medians.values(), default=0.0)
    labels = {"hit": "hits", "miss": "misses", "none": "not cached"}
    for name, label in labels.items():
        count = len(facts.latency_us.get(name) or ())
        if not count:
            continue
        filled = round(24 * medians[name] / largest) if largest > 0 else 0
        row = Text("█" * filled, style="green" if name == "hit" else "yellow")
        row.append("░" * (24 - filled), style="dim")
        p95 = spreads[name][1]
        row.append(f" median {medians[name]:,.1f} ms · p95 {p95:,.1f} ms · {count:,}")
        grid.add_row(f"latency, {label}", row)
    if "hit" in medians and "miss" in medians:
        saved = medians["miss"] - medians["hit"]
        grid.add_row("", Text(f"a hit is {saved:,.1f} ms faster than a miss (medians)",
                              style="bold green" if saved > 0 else "bold"))  # fmt: skip
    parts.append(grid)
    return Group(*parts)


class RequestStatsScreen(ModalScreen[None]):
    """The request log's cache summary; ``p`` compares with the previous period."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,C", "close", "Close", id="stats.close"),
        Binding("p", "compare", "Previous period", id="stats.compare"),
        Binding("r", "reload", "Reload", id="stats.reload"),
    ]
    # Opaque: the box covers most of the screen, and a see-through modal has the browser
    # behind it drawn and dimmed again at each frame (~60 ms of the first second at 1M rows,
    # the event loop's longest step when the summary opened).
    DEFAULT_CSS = """
    RequestStatsScreen { align: center middle; background: $background; }
    RequestStatsScreen #stats-box { width: 110; max-width: 98%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1; }
    RequestStatsScreen .stats-part { margin-bottom: 1; }
    """

    class Loaded(Message):
        def __init__(self, result: LogStatsResult, compared: bool) -> None:
            super().__init__()
            self.result = result
            self.compared = compared

    class Failed(Message):
        def __init__(self, error: MPilotError) -> None:
            super().__init__()
            self.error = error

    class FactsRead(Message):
        """The loaded rows were read and drawn (in a thread: a million take seconds)."""

        def __init__(self, facts: LoadedFacts, drawn: RenderableType) -> None:
            super().__init__()
            self.facts = facts
            self.drawn = drawn

    def __init__(
        self,
        client: GatewayClient,
        params: Mapping[str, str],
        described: str,
        store: RowStore,
    ) -> None:
        super().__init__()
        self.client = client
        self.params = dict(params)
        self.described = described
        self.store = store
        self.facts: LoadedFacts | None = None
        """What the loaded rows say, once :meth:`read_rows` has read them."""
        self.compare = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stats-box"):
            yield Static(id="stats-head", classes="stats-part")
            yield Static(Text("asking the gateway for /api/logs/stats…", style="italic"),
                         id="stats-gateway", classes="stats-part")  # fmt: skip
            reading = Text(f"Loaded rows ({len(self.store):,}): reading them…", style="italic")
            yield Static(reading, id="stats-loaded", classes="stats-part")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stats-box").border_title = "Cache summary · request log"
        self._head()
        self.load()
        # The rows are read once the screen's first frame is drawn: that frame (the box and
        # the dimmed browser behind it) is the event loop's longest step here, and the
        # reader thread, holding the GIL while it ran, made it take twice as long.
        self.call_after_refresh(self.read_rows)

    def _head(self) -> None:
        head = Text("Gateway stats for ", style="bold")
        head.append(visible(self.described) or "every request", style="bold")
        head.append("  (p: previous period " + ("on" if self.compare else "off") + ")",
                    style="dim")  # fmt: skip
        self.query_one("#stats-head", Static).update(head)

    @work(exclusive=True, group="stats", exit_on_error=False)
    async def load(self) -> None:
        compare = self.compare
        try:
            result = await self.client.log_stats(self.params, compare=compare)
        except MPilotError as exc:
            self.post_message(self.Failed(exc))
            return
        self.post_message(self.Loaded(result, compare))

    @work(thread=True, exclusive=True, group="stats-rows", exit_on_error=False)
    def read_rows(self) -> None:
        """Read the loaded rows and draw what they say off the event loop (medians and
        percentiles sort every latency), so keys and frames keep coming."""
        facts = loaded_facts(self.store)
        self.post_message(self.FactsRead(facts, render_loaded(facts)))

    def on_request_stats_screen_facts_read(self, message: FactsRead) -> None:
        self.facts = message.facts
        self.query_one("#stats-loaded", Static).update(message.drawn)

    def on_request_stats_screen_loaded(self, message: Loaded) -> None:
        self.query_one("#stats-gateway", Static).update(
            render_stats(message.result, message.compared)
        )

    def on_request_stats_screen_failed(self, message: Failed) -> None:
        text = Text("The gateway's stats are not available: ", style="bold red")
        text.append(visible(str(message.error)))
        self.query_one("#stats-gateway", Static).update(text)

    def action_compare(self) -> None:
        self.compare = not self.compare
        self._head()
        self.load()
        # The rows are read once the screen's first frame is drawn: that frame (the box and
        # the dimmed browser behind it) is the event loop's longest step here, and the
        # reader thread, holding the GIL while it ran, made it take twice as long.
        self.call_after_refresh(self.read_rows)

    def action_reload(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)


def describe(chips: list[tuple[str, str]]) -> str:
    """The filters in one line, for the summary's heading."""
    return " · ".join(label for _, label in chips)
