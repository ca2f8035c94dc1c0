"""The session's cache behaviour, from its own request history: per-request facts and the
summary the request inspector shows (the gateway's request log has its own, in :mod:`.stats`).

The client fills latency and ``cache_debug`` facts into the records of listing pages; for
other JSON answers (a retrieved item) they are read from the kept body here. No Textual.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..api.history import RequestRecord
from ..formats.text import visible

__all__ = [
    "CacheSummary",
    "FactBook",
    "RequestFacts",
    "content_type",
    "facts_of",
    "parse_body",
    "summarise",
]

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
