"""The request log's logic without I/O or Textual: filters, cache explanations, stats.

The names load with their module on first use (PEP 562): the browser's Requests view is a
mixin of every view, so importing :mod:`.explain` and :mod:`.stats` (and through them the
log's pydantic models) here would put them on the cold start of the Files view too.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .explain import (
        CacheExplanation,
        CacheOutcome,
        cache_column,
        cache_outcome,
        explain_cache,
        hit_latency,
        median_miss_latency,
        similarity_bar,
        time_saved,
    )
    from .filters import (
        CACHE_CHOICES,
        MAX_CHIPS,
        PERIODS,
        SORTS,
        STATUSES,
        LogFilters,
        parse_time,
    )
    from .stats import StatLine, stats_lines

_HOMES = {
    **dict.fromkeys(
        ("CACHE_CHOICES", "MAX_CHIPS", "PERIODS", "SORTS", "STATUSES", "LogFilters", "parse_time"),
        "filters",
    ),
    **dict.fromkeys(
        (
            "CacheExplanation",
            "CacheOutcome",
            "cache_column",
            "cache_outcome",
            "explain_cache",
            "hit_latency",
            "median_miss_latency",
            "similarity_bar",
            "time_saved",
        ),
        "explain",
    ),
    **dict.fromkeys(("StatLine", "stats_lines"), "stats"),
}
"""Each public name: the module of this package it lives in."""

__all__ = [
    "CACHE_CHOICES",
    "MAX_CHIPS",
    "PERIODS",
    "SORTS",
    "STATUSES",
    "CacheExplanation",
    "CacheOutcome",
    "LogFilters",
    "StatLine",
    "cache_column",
    "cache_outcome",
    "explain_cache",
    "hit_latency",
    "median_miss_latency",
    "parse_time",
    "similarity_bar",
    "stats_lines",
    "time_saved",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
