"""The request inspector's cache summary, drawn: small inline charts over the session's
:class:`~mpilot_tui.reqlog.session_cache.CacheSummary` (worked out in ``reqlog``). Every value
from the gateway is shown through :func:`visible` inside :class:`rich.text.Text`.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...formats.text import finite_number
from ...reqlog.session_cache import CacheSummary

__all__ = ["histogram", "render_summary"]

BLOCKS = "▁▂▃▄▅▆▇█"
BUCKETS = 20
"""Similarity buckets of the histogram (0.05 wide)."""


# -- rendering -----------------------------------------------------------------------------


def histogram(scores: Sequence[object], threshold: object, buckets: int = BUCKETS) -> Text:
    """One line of block characters, 0 to 1, with ``┃`` where the threshold falls; scores
    that are no finite number (``NaN``, ``1e400``) are left out."""
    counts = [0] * buckets
    for score in [number for number in map(finite_number, scores) if number is not None]:
        # Clamped before scaling: a huge finite score times the bucket count is infinite.
        counts[min(buckets - 1, int(max(0.0, min(1.0, score)) * buckets))] += 1
    limit = finite_number(threshold)
    threshold = None if limit is None else max(-1.0, min(2.0, limit))  # a mark off the line
    top = max(counts) or 1
    mark = None if threshold is None else round(threshold * buckets)
    line = Text()
    for index, count in enumerate(counts):
        if index == mark:
            line.append("┃", style="bold")
        above = threshold is None or (index + 1) / buckets > threshold
        if count:
            level = min(len(BLOCKS) - 1, (count * len(BLOCKS) - 1) // top)
            line.append(BLOCKS[level], style="green" if above else "yellow")
        else:
            line.append("·", style="dim")
    if mark is not None and mark >= buckets:
        line.append("┃", style="bold")
    return line


def _bar(value: float, largest: float, width: int = 24) -> Text:
    filled = round(width * value / largest) if largest > 0 else 0
    bar = Text("█" * filled, style="cyan")
    bar.append("░" * (width - filled), style="dim")
    return bar


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    return grid


def render_summary(summary: CacheSummary) -> RenderableType:
    """The summary as the inspector's cache tab shows it."""
    heading = Text("Cache summary", style="bold underline")
    kept = f"{summary.requests:,} requests"
    if summary.total > summary.requests:
        kept += f" (the last {summary.requests:,} of {summary.total:,} this session)"
    counts = _grid()
    counts.add_row("requests", Text(f"{kept} · {summary.errors:,} failed"))
    rate = summary.hit_rate
    counts.add_row(
        "hit rate",
        Text(
            f"{rate:.0%} of {summary.with_cache:,} answers with cache_debug"
            if rate is not None
            else "no answer carried cache_debug"
        ),
    )
    hits = Text(f"{summary.hits:,} hits: {summary.direct:,} direct · {summary.semantic:,} semantic")
    if summary.other_hits:
        hits.append(f" · {summary.other_hits:,} other")
    hits.append(f" — {summary.misses:,} misses")
    counts.add_row("hits", hits)
    parts: list[RenderableType] = [heading, counts, Text()]
    parts.extend(_similarity_part(summary))
    parts.append(Text())
    parts.extend(_latency_part(summary))
    return Group(*parts)


def _similarity_part(summary: CacheSummary) -> list[RenderableType]:
    title = Text("similarity against the threshold", style="bold underline")
    if not summary.scored:
        return [title, Text("no answer carried a similarity score", style="italic")]
    threshold = summary.threshold
    scores = [score for score, _ in summary.scored]
    chart = Text("0 ")
    chart.append_text(histogram(scores, threshold))
    chart.append(" 1")
    if threshold is not None:
        chart.append(f"   ┃ threshold {threshold:.2f}")
    grid = _grid()
    grid.add_row("distribution", chart)
    if threshold is not None:
        above = [s for s in scores if s >= threshold]
        below = [s for s in scores if s < threshold]
        line = Text(f"{len(above):,} at or above · {len(below):,} below")
        if below:
            closest = max(below)
            line.append(f" · closest miss {closest:.3f} ({threshold - closest:.3f} short)")
        grid.add_row("scored", line)
    grid.add_row(
        "range",
        Text(
            f"min {min(scores):.3f} · median {statistics.median(scores):.3f} · "
            f"max {max(scores):.3f} ({len(scores):,} scored)"
        ),
    )
    return [title, grid]


def _latency_part(summary: CacheSummary) -> list[RenderableType]:
    title = Text("latency with and without a hit (median)", style="bold underline")
    labels = {"hit": "hit", "miss": "miss", "none": "no cache_debug"}
    medians = {
        name: statistics.median(values) for name, values in summary.client_ms.items() if values
    }
    if not medians:
        return [title, Text("no finished requests yet", style="italic")]
    largest = max(medians.values())
    grid = _grid()
    for name, label in labels.items():
        client = summary.client_ms.get(name) or []
        if not client:
            continue
        row = _bar(medians[name], largest)
        row.append(f" client {medians[name]:.1f} ms (p95 {_p95(client):.1f})")
        gateway = summary.gateway_ms.get(name) or []
        if gateway:
            row.append(f" · gateway {statistics.median(gateway):.1f} ms")
        row.append(f" · {len(client):,} requests", style="dim")
        grid.add_row(label, row)
    return [title, grid]
