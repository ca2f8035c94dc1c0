"""The gateway's request-log stats (``/api/logs/stats``) as labelled lines, in words.

Hit rate = (direct + semantic) / ``cache_hit_rate_total_requests`` (the terminal requests),
as the gateway's dashboard computes it (logs-api.md §3). A gateway older than the cache
counters (PR #3056) has no cache fields: the lines say so instead of showing 0 %.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ..api.log_models import LogStats

__all__ = ["StatLine", "stats_lines"]


@dataclass(frozen=True)
class StatLine:
    """One line of the summary: a label, its value, and the previous period's if compared."""

    key: str
    label: str
    value: str
    previous: str | None = None
    change: str | None = None
    """How the value moved against the previous period (``+2.1 pts``, ``-12 %``)."""

    def text(self) -> str:
        line = f"{self.label}: {self.value}"
        if self.previous is not None:
            line += f" (previous period {self.previous}"
            line += f", {self.change})" if self.change else ")"
        return line


def _pct(fraction: float | None) -> str:
    return "n/a" if fraction is None else f"{fraction * 100:.1f} %"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} %"


def _count(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f} ms"


def _usd(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.4f}"


def _points(now: float | None, before: float | None, scale: float = 1.0) -> str | None:
    if now is None or before is None:
        return None
    delta = (now - before) * scale
    return f"{delta:+.1f} pts"


def _relative(now: float | None, before: float | None) -> str | None:
    if now is None or before is None:
        return None
    if before == 0:
        return "new" if now else "no change"
    return f"{(now - before) / abs(before) * 100:+.0f} %"


def _share(part: int | None, whole: int | None) -> str:
    if part is None:
        return "n/a"
    if not whole or whole <= 0:
        return f"{part:,}"
    return f"{part:,} ({part / whole * 100:.1f} % of terminal requests)"


Kind = Literal["fraction", "percent", "count", "share", "ms", "usd"]
Row = tuple[str, str, Callable[[LogStats], Any], Kind]
"""key, label, the value from a stats object, and how it is shown and compared."""

_CACHE_ROWS: list[Row] = [
    ("hit_rate", "Cache hit rate", lambda s: s.hit_rate, "fraction"),
    ("cache_hits", "Cache hits", lambda s: s.cache_hits, "share"),
    ("direct", "Direct hits", lambda s: s.direct_cache_hits or 0, "share"),
    ("semantic", "Semantic hits", lambda s: s.semantic_cache_hits or 0, "share"),
    ("terminal", "Finished requests (the hit rate's base)",
     lambda s: s.cache_hit_rate_total_requests, "count"),
]  # fmt: skip
_ROWS: list[Row] = [
    ("total", "Total requests", lambda s: s.total_requests, "count"),
    ("success_rate", "Success rate", lambda s: s.success_rate, "percent"),
    ("average_latency", "Average latency", lambda s: s.average_latency, "ms"),
    ("total_tokens", "Total tokens", lambda s: s.total_tokens, "count"),
    ("total_cost", "Total cost", lambda s: s.total_cost, "usd"),
]
_USER_FACING: Row = (
    "user_facing_success_rate", "User-facing success rate",
    lambda s: s.user_facing_success_rate, "percent",
)  # fmt: skip
_TOKEN_ROWS: list[Row] = [
    ("prompt_tokens", "Prompt tokens", lambda s: s.prompt_tokens, "count"),
    ("completion_tokens", "Completion tokens", lambda s: s.completion_tokens, "count"),
]


def _rows(stats: LogStats) -> list[Row]:
    rows = list(_CACHE_ROWS) if stats.has_cache_fields else []
    rows += _ROWS
    if stats.user_facing_success_rate is not None:
        rows.append(_USER_FACING)
    if stats.prompt_tokens is not None or stats.completion_tokens is not None:
        rows += _TOKEN_ROWS
    return rows


def _show(kind: Kind, value: Any, stats: LogStats) -> str:
    if kind == "fraction":
        return _pct(value)
    if kind == "percent":
        return _percent(value)
    if kind == "share":
        return _share(value, stats.cache_hit_rate_total_requests)
    if kind == "ms":
        return _ms(value)
    if kind == "usd":
        return _usd(value)
    return _count(value)


def _change(kind: Kind, now: Any, before: Any) -> str | None:
    if kind == "fraction":
        return _points(now, before, 100)
    if kind == "percent":
        return _points(now, before)
    return _relative(now, before)


def stats_lines(stats: LogStats, previous: LogStats | None = None) -> list[StatLine]:
    """The stats as labelled lines; with ``previous`` (or the stats' own ``previous``, which
    ``compare_to_previous`` adds) each line says how it moved."""
    before = previous if previous is not None else stats.previous
    lines: list[StatLine] = []
    for key, label, get, kind in _rows(stats):
        now = get(stats)
        if before is None:
            lines.append(StatLine(key, label, _show(kind, now, stats)))
            continue
        then = get(before)
        shown_before = _show(kind, then, before)
        lines.append(
            StatLine(key, label, _show(kind, now, stats), shown_before, _change(kind, now, then))
        )
    if not stats.has_cache_fields:
        lines.insert(
            0,
            StatLine(
                "hit_rate",
                "Cache hit rate",
                "not reported (this gateway's stats carry no cache counters)",
            ),
        )
    return lines
