"""What the cache did for one request, in words: the badge, the cache column, the lines.

Everything here reads a :class:`~mpilot_tui.api.log_models.LogEntry` (or a raw entry dict)
and is plain text: the view styles it, the CLI prints it. Gateway values are untrusted, so
every string that came from the gateway goes through :func:`mpilot_tui.formats.text.visible`, and
numbers that are not finite numbers are treated as absent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import median
from typing import Any, Literal

from ..api.log_models import LogCacheDebug, LogEntry, loose_float
from ..formats.text import latency_text, visible

__all__ = [
    "CacheExplanation",
    "CacheOutcome",
    "as_entry",
    "cache_column",
    "cache_outcome",
    "explain_cache",
    "hit_latency",
    "median_miss_latency",
    "similarity_bar",
    "time_saved",
]

CacheOutcome = Literal["direct", "semantic", "hit", "miss", "skipped"]
"""``hit``: a hit whose type the gateway did not say; ``skipped``: no ``cache_debug``."""

IN_FLIGHT = (
    "In flight: the gateway records what the cache did (cache_debug) when the request finishes."
)
"""The cache section of a request still ``processing`` with no ``cache_debug`` yet."""
_ENDED = {"error": "failed", "cancelled": "was cancelled"}
_MISSED = {
    "success": "MISS: the answer came from the provider.",
    "error": "MISS: the request went to the provider, which failed (see its error).",
    "cancelled": "MISS: the request went to the provider and was cancelled there.",
    "processing": "MISS: the request went to the provider (still in flight).",
}
"""A miss's first line, by the request's status: only a success has a provider's answer."""
MAX_SHOWN = 80
"""Characters of a gateway string an explanation line shows."""


def as_entry(entry: LogEntry | Mapping[str, Any]) -> LogEntry:
    """A :class:`LogEntry` from a model or a raw entry (a dict as the gateway sent it)."""
    if isinstance(entry, LogEntry):
        return entry
    return LogEntry.model_validate(dict(entry) if isinstance(entry, Mapping) else {})


def cache_outcome(entry: LogEntry | Mapping[str, Any]) -> CacheOutcome:
    """What the cache did: a direct or semantic hit, a miss, or skipped (no ``cache_debug``)."""
    debug = as_entry(entry).cache_debug
    return "skipped" if debug is None else debug.outcome  # type: ignore[return-value]


def _score(value: float) -> str:
    """A similarity, threshold or margin: four decimals (a gateway's absurd one, short)."""
    return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.4g}"


def cache_column(entry: LogEntry | Mapping[str, Any]) -> str:
    """The cache column: ``HIT direct``, ``HIT semantic 0.93``, ``miss``, or ``""`` when the
    request skipped the cache."""
    return as_entry(entry).cache


@dataclass(frozen=True)
class CacheExplanation:
    """The cache section of a request's detail."""

    outcome: CacheOutcome
    badge: str
    """The cache column's text (``HIT semantic 0.93``); ``""`` when the cache was skipped."""
    lines: list[str] = field(default_factory=list)
    """Plain-text lines, in order: what happened, then the facts."""
    similarity: float | None = None
    threshold: float | None = None
    margin: float | None = None
    """similarity minus threshold (positive: above the threshold)."""
    saved_ms: float | None = None
    """The median miss latency of the same model minus this hit's latency (see
    :func:`time_saved`)."""
    in_flight: bool = False
    """The request is still ``processing`` and carries no ``cache_debug`` yet (which is not
    a skip: the gateway writes it when the request finishes)."""

    @property
    def is_hit(self) -> bool:
        return self.outcome in ("direct", "semantic", "hit")


def similarity_bar(similarity: float, threshold: float | None, width: int = 20) -> str:
    """A text bar of ``similarity`` (0..1) with ``|`` at the threshold: ``[#######|###   ]``."""
    width = max(4, width)
    clamp = min(max(similarity, 0.0), 1.0)
    filled = round(clamp * width)
    cells = ["#" if i < filled else "." for i in range(width)]
    if threshold is not None and 0.0 <= threshold <= 1.0:
        cells[min(width - 1, round(threshold * width))] = "|"
    return "[" + "".join(cells) + "]"


def _shown(value: str) -> str:
    text = visible(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def explain_cache(
    entry: LogEntry | Mapping[str, Any], median_miss_latency_ms: float | None = None
) -> CacheExplanation:
    """Explain what the cache did for ``entry``.

    ``median_miss_latency_ms`` is the median latency of misses for the same model (from the
    loaded rows, see :func:`median_miss_latency`): a hit's latency is compared with it to say
    how much time the cache saved.
    """
    model = as_entry(entry)
    outcome = cache_outcome(model)
    badge = cache_column(model)
    debug = model.cache_debug
    if debug is None or outcome == "skipped":
        if model.status == "processing":
            return CacheExplanation("skipped", badge, [IN_FLIGHT], in_flight=True)
        skipped = ["The request skipped the cache: the gateway recorded no cache lookup for it."]
        if model.status in ("error", "cancelled"):
            skipped = [
                f"No cache lookup was recorded, and the request {_ENDED[model.status]}: it"
                " skipped the cache, or ended before reaching it."
            ]
        if model.tools:
            skipped.append("It carries tools (tool use), which the semantic cache does not serve.")
        elif model.stream:
            skipped.append("It was streamed; some gateway versions record no cache details then.")
        return CacheExplanation("skipped", badge, skipped)
    similarity, threshold = debug.similarity_value, debug.threshold_value
    margin = similarity - threshold if similarity is not None and threshold is not None else None
    margin = margin if margin is not None and math.isfinite(margin) else None
    lines: list[str] = []
    saved: float | None = None
    if outcome == "direct":
        lines.append("HIT (direct): the same request was answered from the cache.")
    elif outcome == "semantic":
        lines.append("HIT (semantic): a similar request's answer was served from the cache.")
    elif outcome == "hit":
        lines.append("HIT: answered from the cache (the gateway did not say how).")
    else:
        lines.append(_MISSED.get(model.status or "", _MISSED["success"]))
        lines.append(_miss_reason(debug, similarity, threshold))
    if similarity is not None:
        text = f"similarity {_score(similarity)}"
        if threshold is not None:
            text += f" vs threshold {_score(threshold)}"
        if margin is not None:
            side = "above" if margin >= 0 else "below"
            text += f": {_score(abs(margin))} {side}"
        lines.append(text)
        lines.append(similarity_bar(similarity, threshold))
    elif threshold is not None:
        lines.append(f"threshold {_score(threshold)}")
    if debug.cache_id:
        lines.append(f"cache id {_shown(debug.cache_id)}")
    requested = "/".join(p for p in (debug.requested_provider, debug.requested_model) if p)
    if requested:
        lines.append(f"cached for {_shown(requested)}")
    embedding = "/".join(p for p in (debug.provider_used, debug.model_used) if p)
    if embedding or debug.input_tokens is not None:
        text = f"embedding model {_shown(embedding)}" if embedding else "embedding lookup"
        if debug.input_tokens is not None:
            text += f", {debug.input_tokens} input tokens"
        lines.append(text)
    latency = hit_latency(model)
    if outcome in ("direct", "semantic", "hit") and latency is not None:
        median_ms = loose_float(median_miss_latency_ms)
        saved = time_saved(model, median_ms)
        if median_ms is not None and saved is not None:
            verdict = "saved" if saved >= 0 else "cost"
            lines.append(
                f"latency {latency_text(latency)} vs median miss {latency_text(median_ms)}"
                f" for this model: {latency_text(abs(saved))} {verdict}"
            )
        else:
            lines.append(
                f"latency {latency_text(latency)} (no misses of this model loaded to compare)"
            )
        if debug.cache_hit_latency is not None and model.latency is not None:
            lines.append(f"of which the cache lookup took {latency_text(debug.cache_hit_latency)}")
    return CacheExplanation(outcome, badge, lines, similarity, threshold, margin, saved)


def hit_latency(entry: LogEntry | Mapping[str, Any]) -> float | None:
    """A request's latency (ms) as the request log recorded it: the entry's ``latency``, the
    LATENCY column's value, and the same measure as the misses it is compared with. Only when
    the entry has none, ``cache_debug.cache_hit_latency`` (newest gateways; whole ms, the
    cache's own part of the request)."""
    model = as_entry(entry)
    if model.latency is not None:
        return model.latency
    return model.cache_debug.cache_hit_latency if model.cache_debug is not None else None


def time_saved(entry: LogEntry | Mapping[str, Any], median_miss_ms: float | None) -> float | None:
    """What a hit saved (ms): the median latency of misses of the same model minus the hit's
    :func:`hit_latency` (negative: the hit was slower). None for a non-hit, or when either
    latency is unknown."""
    model = as_entry(entry)
    if model.cache_debug is None or not model.cache_debug.hit:
        return None
    latency, median_ms = hit_latency(model), loose_float(median_miss_ms)
    if latency is None or median_ms is None or not math.isfinite(median_ms - latency):
        return None
    return median_ms - latency


def _miss_reason(debug: LogCacheDebug, similarity: float | None, threshold: float | None) -> str:
    if similarity is not None and threshold is not None and similarity < threshold:
        return (
            f"The closest cached request scored {_score(similarity)}, below the threshold"
            f" {_score(threshold)}."
        )
    if debug.lookup_ran:
        return (
            "An embedding lookup ran but found no cached request close enough (the gateway"
            " does not say how close the nearest one was)."
        )
    return (
        "No embedding lookup ran: only the exact (direct) lookup was tried, and it found nothing."
    )


def median_miss_latency(
    entries: Iterable[LogEntry | Mapping[str, Any]],
    model: str | None,
    provider: str | None = None,
) -> float | None:
    """The median latency (ms) of the misses of ``model`` among ``entries`` (of ``provider``'s
    too, when given: the Requests view groups by provider/model, and so does ``logs show``)."""
    latencies: list[float] = []
    for item in entries:
        entry = as_entry(item)
        if entry.model != model or cache_outcome(entry) != "miss" or entry.latency is None:
            continue
        if provider is not None and entry.provider != provider:
            continue
        latencies.append(entry.latency)
    return median(latencies) if latencies else None
