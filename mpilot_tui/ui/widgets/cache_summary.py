"""What the request inspector derives from the request history: per-request facts and the
session's cache summary, with its small inline charts.

The client fills latency and ``cache_debug`` facts into the records of listing pages; for
other JSON answers (a retrieved item) they are read from the kept body here. Every value
from the gateway is shown through :func:`visible` inside :class:`rich.text.Text`.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...api.history import RequestRecord
from ...text import finite_number, visible

__all__ = [
    "CacheSummary",
    "FactBook",
    "RequestFacts",
    "histogram",
    "render_summary",
    "summarise",
]

BLOCKS = "▁▂▃▄▅▆▇█"
BUCKETS = 20
"""Similarity buckets of the histogram (0.05 wide)."""
MAX_PARSED_BODY = 64 * 1024
"""Bodies larger than this are not parsed just to fill in the table's columns."""


@dataclass(frozen=True)
class RequestFacts:
    """The inspector's columns for one request, from the record or its body."""

    latency_ms: float | None = None
    cache_hit: bool | None = None
    hit_type: str | None = None
    similarity: float | None = None
    threshold: float | None = None
    item_count: int | None = None

    @property
    def cache_label(self) -> str:
        if self.cache_hit is None:
            return ""
        if not self.cache_hit:
            return "MISS"
        return f"HIT {visible(self.hit_type)}" if self.hit_type else "HIT"


def content_type(record: RequestRecord) -> str:
    for name, value in record.response_headers:
        if name.lower() == "content-type":
            return value.lower()
    return ""


def parse_body(record: RequestRecord) -> Any:
    """The record's body as JSON, or None when it is not (or was cut)."""
    if record.body_truncated or not record.body or "json" not in content_type(record):
        return None
    try:
        return json.loads(record.body)
    except (ValueError, UnicodeDecodeError):
        return None


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def facts_of(record: RequestRecord, body: Any) -> RequestFacts:
    """Facts from the record, with gaps filled from a parsed body's ``extra_fields``."""
    extra = body.get("extra_fields") if isinstance(body, dict) else None
    extra = extra if isinstance(extra, dict) else {}
    cache = extra.get("cache_debug")
    cache = cache if isinstance(cache, dict) else {}
    data = body.get("data") if isinstance(body, dict) else None
    hit = record.cache_hit
    if hit is None and "cache_hit" in cache:
        hit = bool(cache.get("cache_hit"))
    hit_type = record.hit_type or (cache.get("hit_type") if hit else None)
    return RequestFacts(
        latency_ms=(
            record.gateway_latency_ms
            if record.gateway_latency_ms is not None
            else _number(extra.get("latency"))
        ),
        cache_hit=hit,
        hit_type=hit_type if isinstance(hit_type, str) else None,
        similarity=(
            record.similarity if record.similarity is not None else _number(cache.get("similarity"))
        ),
        threshold=(
            record.threshold if record.threshold is not None else _number(cache.get("threshold"))
        ),
        item_count=(
            record.item_count
            if record.item_count is not None
            else (len(data) if isinstance(data, list) else None)
        ),
    )


class FactBook:
    """Facts per record, worked out once per finished record."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[RequestRecord, RequestFacts]] = {}

    def facts(self, record: RequestRecord) -> RequestFacts:
        known = self._known.get(id(record))
        if known is not None and known[0] is record:
            return known[1]
        needs_body = record.gateway_latency_ms is None and record.size <= MAX_PARSED_BODY
        facts = facts_of(record, parse_body(record) if needs_body else None)
        if record.status is not None or record.error is not None:
            self._known[id(record)] = (record, facts)
        return facts

    def keep_only(self, records: Iterable[RequestRecord]) -> None:
        """Forget records that left the history ring."""
        alive = {id(record) for record in records}
        self._known = {key: value for key, value in self._known.items() if key in alive}


@dataclass
class CacheSummary:
    """The session's cache behaviour over the requests still in the ring."""

    requests: int = 0
    total: int = 0
    """Requests made in the session, including those that left the ring."""
    errors: int = 0
    with_cache: int = 0
    direct: int = 0
    semantic: int = 0
    other_hits: int = 0
    misses: int = 0
    scored: list[tuple[float, bool]] = field(default_factory=list)
    """(similarity, hit) of every answer that carried a similarity."""
    threshold: float | None = None
    client_ms: dict[str, list[float]] = field(default_factory=dict)
    """Client-measured times by ``hit``, ``miss`` and ``none`` (no cache_debug)."""
    gateway_ms: dict[str, list[float]] = field(default_factory=dict)

    @property
    def hits(self) -> int:
        return self.direct + self.semantic + self.other_hits

    @property
    def hit_rate(self) -> float | None:
        return self.hits / self.with_cache if self.with_cache else None


def summarise(
    records: Sequence[RequestRecord], book: FactBook, total: int | None = None
) -> CacheSummary:
    summary = CacheSummary(requests=len(records), total=len(records) if total is None else total)
    thresholds: list[float] = []
    for name in ("hit", "miss", "none"):
        summary.client_ms[name] = []
        summary.gateway_ms[name] = []
    for record in records:
        if record.error is not None or record.status is None:
            summary.errors += record.error is not None
            continue
        facts = book.facts(record)
        group = "none" if facts.cache_hit is None else ("hit" if facts.cache_hit else "miss")
        summary.client_ms[group].append(record.elapsed_ms)
        if facts.latency_ms is not None:
            summary.gateway_ms[group].append(facts.latency_ms)
        if facts.cache_hit is None:
            continue
        summary.with_cache += 1
        if not facts.cache_hit:
            summary.misses += 1
        elif facts.hit_type == "direct":
            summary.direct += 1
        elif facts.hit_type == "semantic":
            summary.semantic += 1
        else:
            summary.other_hits += 1
        if facts.similarity is not None:
            summary.scored.append((facts.similarity, facts.cache_hit))
        if facts.threshold is not None:
            thresholds.append(facts.threshold)
    if thresholds:
        summary.threshold = statistics.mode(thresholds)
    return summary


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
