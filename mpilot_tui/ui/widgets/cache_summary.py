"""The request inspector's cache summary, drawn: small inline charts over the session's
:class:`~mpilot_tui.reqlog.session_cache.CacheSummary`. The numbers (buckets, spread, medians,
p95) are worked out in :mod:`mpilot_tui.reqlog.cache_stats`; this only draws them, each
inside :class:`rich.text.Text`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...reqlog.cache_stats import (
    BUCKETS,
    latency_lines,
    score_spread,
    similarity_histogram,
)
from ...reqlog.session_cache import CacheSummary

__all__ = ["histogram", "render_summary"]

BLOCKS = "▁▂▃▄▅▆▇█"


# -- rendering -----------------------------------------------------------------------------


def histogram(
    scores: Sequence[object],
    threshold: object,
    buckets: int = BUCKETS,
    weights: Sequence[int] | None = None,
) -> Text:
    """One line of block characters, 0 to 1, with ``┃`` where the threshold falls (see
    :func:`~mpilot_tui.reqlog.cache_stats.similarity_histogram`: scores that are no finite
    number are left out)."""
    counted = similarity_histogram(scores, threshold, buckets, weights)
    mark = counted.mark
    line = Text()
    for index, count in enumerate(counted.counts):
        if index == mark:
            line.append("┃", style="bold")
        if count:
            level = counted.level(index, len(BLOCKS))
            line.append(BLOCKS[level], style="green" if counted.above(index) else "yellow")
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
    spread = score_spread(scores, threshold)
    if threshold is not None:
        line = Text(f"{spread.above:,} at or above · {spread.below:,} below")
        short = spread.short_by(threshold)
        if spread.closest_miss is not None and short is not None:
            line.append(f" · closest miss {spread.closest_miss:.3f} ({short:.3f} short)")
        grid.add_row("scored", line)
    grid.add_row(
        "range",
        Text(
            f"min {spread.minimum:.3f} · median {spread.median:.3f} · "
            f"max {spread.maximum:.3f} ({spread.count:,} scored)"
        ),
    )
    return [title, grid]


def _latency_part(summary: CacheSummary) -> list[RenderableType]:
    title = Text("latency with and without a hit (median)", style="bold underline")
    lines = latency_lines(summary.client_ms, summary.gateway_ms)
    if not lines:
        return [title, Text("no finished requests yet", style="italic")]
    largest = max(line.client_median for line in lines)
    grid = _grid()
    for line in lines:
        row = _bar(line.client_median, largest)
        row.append(f" client {line.client_median:.1f} ms (p95 {line.client_p95:.1f})")
        if line.gateway_median is not None:
            row.append(f" · gateway {line.gateway_median:.1f} ms")
        row.append(f" · {line.requests:,} requests", style="dim")
        grid.add_row(line.label, row)
    return [title, grid]
