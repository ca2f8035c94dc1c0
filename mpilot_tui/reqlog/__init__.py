"""The request log's logic without I/O or Textual: filters, cache explanations, stats."""

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
