"""A bounded record of every request the client made, for the request inspector.

Each attempt (including retries) is one :class:`RequestRecord`. Credentials never enter a
record: the URL has no user info and the credential headers are redacted before storing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .redaction import REDACTED_HEADERS, redact_headers

__all__ = [
    "BIFROST_HEADER_PREFIX",
    "REDACTED_HEADERS",
    "RequestHistory",
    "RequestRecord",
    "bifrost_headers",
    "redact_headers",
]

BIFROST_HEADER_PREFIX = "x-bifrost-"
"""Response headers in which Bifrost 2.x repeats the routing facts (provider, models,
fallback index, cost, upstream latency, ``x-bifrost-routing-info-*``)."""
UPSTREAM_LATENCY_HEADER = "x-bifrost-upstream-latency-ms"

MAX_BODY_KEPT = 256 * 1024
"""Bytes of a response body kept per record; the rest is cut."""


def bifrost_headers(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The ``x-bifrost-*`` pairs of ``headers``, names lower-cased, in the order received."""
    return tuple(
        (name.lower(), value)
        for name, value in headers
        if name.lower().startswith(BIFROST_HEADER_PREFIX)
    )


def upstream_latency(headers: tuple[tuple[str, str], ...]) -> float | None:
    """Milliseconds from ``x-bifrost-upstream-latency-ms``, or ``None`` (absent, not a
    number, negative or not finite)."""
    for name, value in bifrost_headers(headers):
        if name == UPSTREAM_LATENCY_HEADER:
            try:
                millis = float(value.strip())
            except ValueError:
                return None
            return millis if 0 <= millis < float("inf") else None
    return None


@dataclass
class RequestRecord:
    """One request attempt as the inspector shows it."""

    started_at: float
    """Wall-clock time (``time.time()``) when the request was sent."""
    method: str
    url: str
    """The request URL without credentials."""
    status: int | None = None
    """HTTP status, or None when no answer arrived."""
    elapsed_ms: float = 0.0
    """Client-measured time from sending to the last body byte."""
    size: int = 0
    """Response body size in bytes."""
    request_headers: tuple[tuple[str, str], ...] = ()
    response_headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    """The response body, cut at :data:`MAX_BODY_KEPT`."""
    body_truncated: bool = False
    item_count: int | None = None
    gateway_latency_ms: float | None = None
    cache_hit: bool | None = None
    """True/False when the response carried ``cache_debug``; None when it did not."""
    hit_type: str | None = None
    similarity: float | None = None
    threshold: float | None = None
    error: str | None = None
    """The error class name when the request failed."""
    error_message: str | None = None
    attempt: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path_and_query(self) -> str:
        scheme_end = self.url.find("://")
        if scheme_end < 0:
            return self.url
        slash = self.url.find("/", scheme_end + 3)
        return self.url[slash:] if slash >= 0 else "/"

    @property
    def bifrost_headers(self) -> tuple[tuple[str, str], ...]:
        """The answer's ``x-bifrost-*`` headers (Bifrost 2.x)."""
        return bifrost_headers(self.response_headers)

    @property
    def upstream_latency_ms(self) -> float | None:
        """The upstream provider's time as the gateway reports it (Bifrost 2.x)."""
        return upstream_latency(self.response_headers)

    @property
    def latency_gap_ms(self) -> float | None:
        """Client time minus gateway latency: network and queueing on the way."""
        if self.gateway_latency_ms is None:
            return None
        return self.elapsed_ms - self.gateway_latency_ms


class RequestHistory:
    """A ring of the last ``capacity`` request records."""

    def __init__(self, capacity: int = 500) -> None:
        self.capacity = capacity
        self._records: deque[RequestRecord] = deque(maxlen=capacity)
        self.total = 0
        """Requests recorded since the start, including those pushed out of the ring."""

    def add(self, record: RequestRecord) -> None:
        self._records.append(record)
        self.total += 1

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)

    def clear(self) -> None:
        self._records.clear()

    def resize(self, capacity: int) -> None:
        """Keep the last ``capacity`` records from now on (the newest of those held stay)."""
        if capacity < 1:
            raise ValueError("a request history keeps at least one record")
        self.capacity = capacity
        self._records = deque(self._records, maxlen=capacity)
