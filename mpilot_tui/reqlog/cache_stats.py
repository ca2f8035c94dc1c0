"""The numbers behind the cache charts: similarity scores bucketed against the threshold, how
the scores spread, and latency by cache outcome (median and p95). No Textual, no I/O.

The request inspector's cache summary (over a :class:`~.session_cache.CacheSummary`) and the
Requests view's summary (over the loaded rows) draw these; the drawing is
``ui/widgets/cache_summary.py``'s.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..formats.text import finite_number

if TYPE_CHECKING:
    from array import array
    from typing import Any

    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "BUCKETS",
    "LATENCY_GROUPS",
    "LatencyLine",
    "ScoreSpread",
    "SimilarityHistogram",
    "latency_lines",
    "median_and_p95",
    "p95",
    "score_spread",
    "similarity_histogram",
    "weighted_median",
]

BUCKETS = 20
"""Similarity buckets of the histogram (0.05 wide)."""
LATENCY_GROUPS = {"hit": "hit", "miss": "miss", "none": "no cache_debug"}
"""The latency groups (by cache outcome) in the order they are shown, and their labels."""


@dataclass(frozen=True)
class SimilarityHistogram:
    """Scores from 0 to 1 counted in equal buckets, and where the threshold falls."""

    counts: tuple[int, ...]
    threshold: float | None
    """The threshold, clamped to -1..2 (so its mark may fall off either end); None when
    there is none, or it is no finite number."""

    @property
    def mark(self) -> int | None:
        """The bucket the threshold's mark stands before (``len(counts)``: after the last)."""
        return None if self.threshold is None else round(self.threshold * len(self.counts))

    def above(self, index: int) -> bool:
        """Whether bucket ``index`` lies (at least partly) above the threshold."""
        return self.threshold is None or (index + 1) / len(self.counts) > self.threshold

    def level(self, index: int, levels: int) -> int:
        """Bucket ``index``'s count scaled to ``0 .. levels - 1`` against the fullest bucket
        (a bucket with any count is at least level 0; an empty one is level 0 too: ask
        ``counts`` to tell them apart)."""
        top = max(self.counts) or 1
        return min(levels - 1, max(0, (self.counts[index] * levels - 1) // top))


def similarity_histogram(
    scores: Sequence[object],
    threshold: object,
    buckets: int = BUCKETS,
    weights: Sequence[int] | None = None,
) -> SimilarityHistogram:
    """``scores`` in ``buckets`` buckets from 0 to 1 (a score below 0 counts in the first,
    above 1 in the last); scores that are no finite number (``NaN``, ``1e400``) are left
    out, and so is a threshold that is none. ``weights``: how many times each score counts
    (a million loaded rows hold a few hundred distinct scores)."""
    counts = [0] * buckets
    for raw, weight in zip(scores, weights or [1] * len(scores), strict=True):
        score = finite_number(raw)
        if score is None:
            continue
        # Clamped before scaling: a huge finite score times the bucket count is infinite.
        counts[min(buckets - 1, int(max(0.0, min(1.0, score)) * buckets))] += weight
    limit = finite_number(threshold)
    clamped = None if limit is None else max(-1.0, min(2.0, limit))
    return SimilarityHistogram(tuple(counts), clamped)


def p95(values: Sequence[float]) -> float:
    """The 95th percentile of ``values`` (nearest rank; ``values`` is not empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def weighted_median(counts: Mapping[float, int]) -> float:
    """The median of values given with how many times each occurs (not empty), as
    ``statistics.median`` of them written out: the mean of the middle two for an even count.
    A million scores come as a few hundred distinct ones."""
    total = sum(counts.values())
    middle = [(total - 1) // 2, total // 2]
    found: list[float] = []
    seen = 0
    for value, count in sorted(counts.items()):
        seen += count
        while len(found) < 2 and middle[len(found)] < seen:
            found.append(value)
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2


def median_and_p95(
    values: Sequence[float] | NDArray[np.float64] | NDArray[np.integer[Any]] | array[int],
) -> tuple[float, float]:
    """The median (the mean of the middle two for an even count, as ``statistics.median``)
    and the 95th percentile (as :func:`p95`) of ``values`` (not empty), for up to a million
    values. With numpy, whose selection lets go of the GIL: the
    summary reads a million rows in a thread, and ``statistics.median``'s sort of them held
    the GIL, and so the event loop, for 200 ms in one call. Integers (an ``array`` of them,
    read in place) are selected as integers: no float copy of a million."""
    import numpy as np

    data = np.asarray(values)
    if data.dtype.kind not in "iuf":
        data = data.astype(np.float64)
    count = len(data)
    rank = min(count - 1, round(0.95 * (count - 1)))
    middle = [(count - 1) // 2, count // 2]
    chosen = np.partition(data, sorted({*middle, rank}))
    low, high = float(chosen[middle[0]]), float(chosen[middle[1]])  # no integer overflow
    return (low + high) / 2, float(chosen[rank])


@dataclass(frozen=True)
class ScoreSpread:
    """How similarity scores spread, and how they fall against the threshold."""

    count: int
    minimum: float
    median: float
    maximum: float
    above: int | None = None
    """Scores at or above the threshold (None: no threshold)."""
    below: int | None = None
    closest_miss: float | None = None
    """The highest score below the threshold (None: none below)."""

    def short_by(self, threshold: float) -> float | None:
        """How far the closest miss fell short of ``threshold``."""
        return None if self.closest_miss is None else threshold - self.closest_miss


def score_spread(scores: Sequence[float], threshold: float | None) -> ScoreSpread:
    """The spread of ``scores`` (not empty) against ``threshold``."""
    spread = ScoreSpread(len(scores), min(scores), statistics.median(scores), max(scores))
    if threshold is None:
        return spread
    below = [score for score in scores if score < threshold]
    above = sum(1 for score in scores if score >= threshold)
    return ScoreSpread(
        spread.count, spread.minimum, spread.median, spread.maximum,
        above=above, below=len(below), closest_miss=max(below) if below else None,
    )  # fmt: skip


@dataclass(frozen=True)
class LatencyLine:
    """One cache outcome's latency: the client's median and p95, the gateway's median."""

    group: str
    """``hit``, ``miss`` or ``none`` (no cache_debug)."""
    label: str
    client_median: float
    client_p95: float
    gateway_median: float | None
    requests: int


def latency_lines(
    client_ms: Mapping[str, Sequence[float]], gateway_ms: Mapping[str, Sequence[float]]
) -> list[LatencyLine]:
    """A line per latency group that has client times, in :data:`LATENCY_GROUPS`' order."""
    lines = []
    for group, label in LATENCY_GROUPS.items():
        client = client_ms.get(group) or []
        if not client:
            continue
        gateway = gateway_ms.get(group) or []
        gateway_median = statistics.median(gateway) if gateway else None
        median = statistics.median(client)
        lines.append(LatencyLine(group, label, median, p95(client), gateway_median, len(client)))
    return lines
