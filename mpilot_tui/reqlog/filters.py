"""The request log's filters: what the user chose, as gateway parameters and as chips.

:class:`LogFilters` is what the Requests view's mode bar shows and the ``logs`` command's
flags set. :meth:`LogFilters.to_params` turns it into ``/api/logs`` query parameters
(logs-api.md §1.1); the filters the gateway has no parameter for (cache misses, and "went
through the cache at all") are applied to the loaded rows by :meth:`LogFilters.keep`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from ..formats.text import visible

if TYPE_CHECKING:
    from ..api.log_models import LogEntry

__all__ = [
    "CACHE_CHOICES",
    "MAX_CHIPS",
    "ORDERS",
    "PERIODS",
    "SORTS",
    "STATUSES",
    "CacheChoice",
    "LogFilters",
    "parse_time",
    "rfc3339",
    "with_end_time",
]

CacheChoice = Literal["any", "hits", "direct", "semantic", "misses"]
CACHE_CHOICES: tuple[CacheChoice, ...] = ("any", "hits", "direct", "semantic", "misses")
"""``any``: the request went through the cache (hit or miss); ``hits``: direct or semantic
hits; ``misses``: it went through the cache and missed."""
STATUSES = ("success", "error", "processing", "cancelled")
PERIODS = ("1h", "6h", "24h", "7d", "30d")
SORTS = ("timestamp", "latency", "tokens", "cost")
ORDERS = ("asc", "desc")
MAX_CHIPS = 9
"""Chips a filter set shows at most (cache, status, provider, model, type, time window,
search, latency, sort): each is cleared by its digit, 1..9."""

_HIT_TYPES: dict[str, str] = {
    "hits": "direct,semantic",
    "direct": "direct",
    "semantic": "semantic",
}
_SHORT_CACHE = {
    "any": "cached (loaded)",
    "hits": "hits",
    "direct": "direct hits",
    "semantic": "semantic hits",
    "misses": "misses (loaded)",
}
"""The cache chip's short labels; ``(loaded)``: the filter runs on the loaded rows."""
_CACHE_LABELS = {
    "any": "through the cache",
    "hits": "hits",
    "direct": "direct hits",
    "semantic": "semantic hits",
    "misses": "misses",
}


def rfc3339(seconds: float) -> str:
    """Unix seconds as RFC 3339 in UTC with milliseconds (``2026-05-04T10:00:00.123Z``)."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> str:
    """An ISO 8601 time (a date, or a date and time, with or without an offset: UTC when
    none) as the RFC 3339 text the gateway parses; ValueError with a clear message if not."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not an ISO 8601 time: {visible(value)[:60]!r} (e.g. 2026-05-04T10:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return rfc3339(moment.timestamp())
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"time out of range: {visible(value)[:60]!r}") from None


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else repr(value)


@dataclass(frozen=True)
class LogFilters:
    """What the user filters and sorts the request log by (None: not filtered).

    ``status``, ``provider``, ``model`` and ``object`` may hold several values separated by
    commas (the gateway's list parameters). ``since``/``until`` are RFC 3339 texts (see
    :func:`parse_time`); ``period`` overrides them on the gateway.
    """

    cache: CacheChoice | None = None
    status: str | None = None
    provider: str | None = None
    model: str | None = None
    object: str | None = None
    period: str | None = None
    since: str | None = None
    until: str | None = None
    search: str | None = None
    min_latency: float | None = None
    max_latency: float | None = None
    sort_by: str | None = None
    order: str | None = None

    def __post_init__(self) -> None:
        if self.cache is not None and self.cache not in CACHE_CHOICES:
            raise ValueError(f"cache filter must be one of {', '.join(CACHE_CHOICES)}")
        if self.status:
            for part in _parts(self.status):
                if part not in STATUSES:
                    raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        if self.period is not None and self.period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}")
        if self.sort_by is not None and self.sort_by not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}")
        if self.order is not None and self.order not in ORDERS:
            raise ValueError("order must be asc or desc")
        for name in ("min_latency", "max_latency"):
            value = getattr(self, name)
            if value is not None and not (value == value and abs(value) != float("inf")):
                raise ValueError(f"{name.replace('_', ' ')} must be a finite number")
            if value is not None and value < 0:
                raise ValueError(f"{name.replace('_', ' ')} must not be negative")
        low, high = self.min_latency, self.max_latency
        if low is not None and high is not None and low > high:
            raise ValueError("min latency is above max latency")

    # -- to the gateway ---------------------------------------------------------------------

    def to_params(self, end_time: float | None = None) -> dict[str, str]:
        """The ``/api/logs`` query parameters (without ``limit``/``offset``).

        ``end_time`` (unix seconds: when the listing started) becomes the fixed end of the
        period, so that requests arriving meanwhile do not shift the offsets; ``until``, if
        set and earlier, wins, and a ``period`` (which the gateway ends at its own now)
        sends no end at all.
        """
        params: dict[str, str] = {}
        if self.cache in _HIT_TYPES:
            params["cache_hit_types"] = _HIT_TYPES[self.cache]
        if self.status:
            params["status"] = ",".join(_parts(self.status))
        for name, param in (("provider", "providers"), ("model", "models"), ("object", "objects")):
            value = getattr(self, name)
            if value:
                params[param] = ",".join(_parts(value))
        if self.period:
            params["period"] = self.period
        else:
            if self.since:
                params["start_time"] = self.since
            if self.until:
                params["end_time"] = self.until
        if self.search:
            params["content_search"] = self.search
        if self.min_latency is not None:
            params["min_latency"] = _number(self.min_latency)
        if self.max_latency is not None:
            params["max_latency"] = _number(self.max_latency)
        if self.sort_by:
            params["sort_by"] = self.sort_by
        if self.order:
            params["order"] = self.order
        return with_end_time(params, end_time)

    # -- on the loaded rows -----------------------------------------------------------------

    def is_local(self) -> bool:
        """Some of the filter runs on the loaded rows (the gateway has no miss filter)."""
        return self.cache in ("misses", "any")

    def keep(self, entry: LogEntry | Mapping[str, Any]) -> bool:
        """Whether a loaded row passes the part of the filter the gateway cannot apply."""
        if self.cache not in ("misses", "any"):
            return True
        from .explain import cache_outcome  # with the log's models, off the cold start

        if self.cache == "misses":
            return cache_outcome(entry) == "miss"
        if self.cache == "any":
            return cache_outcome(entry) != "skipped"
        return True

    # -- in the mode bar --------------------------------------------------------------------

    def chips(self, *, short: bool = False) -> list[tuple[str, str]]:
        """``(key, label)`` for each filter that is set, in a fixed order; ``key`` is what
        :meth:`cleared` takes. At most :data:`MAX_CHIPS` (min/max latency are one chip, and
        period/since/until another), so that a digit can clear each one.

        ``short``: the labels as brief as they can be and still say the value (the mode bar
        of a narrow terminal)."""
        chips: list[tuple[str, str]] = []
        if self.cache:
            if short:
                label = _SHORT_CACHE[self.cache]
            else:
                label = f"cache: {_CACHE_LABELS[self.cache]}"
                label += " (loaded rows)" if self.is_local() else ""
            chips.append(("cache", label))
        for name in ("status", "provider", "model", "object"):
            value = getattr(self, name)
            if value:
                shown = visible(value)
                if short:
                    chips.append((name, _brief(shown, 16)))
                else:
                    chips.append((name, f"{'type' if name == 'object' else name}: {shown[:40]}"))
        window = self._window(short)
        if window:
            chips.append(("time", window))
        if self.search:
            shown = visible(self.search)
            chips.append(("search", f'"{_brief(shown, 12)}"' if short else f"search: {shown[:40]}"))
        latency = self._latency_range(short)
        if latency:
            chips.append(("latency", latency))
        if self.sort_by:
            order = self.order or "desc"
            if short:
                chips.append(("sort", f"{self.sort_by}{'↑' if order == 'asc' else '↓'}"))
            else:
                chips.append(("sort", f"sort: {self.sort_by} {order}"))
        return chips

    def _window(self, short: bool) -> str:
        """The time window's chip: the period, or since and/or until."""
        if self.period:
            return f"last {self.period}"
        parts = []
        for word, value in (("since", self.since), ("until", self.until)):
            if value:
                parts.append(f"{'from' if short and word == 'since' else word} "
                             f"{_short_time(value) if short else value}")  # fmt: skip
        return " ".join(parts)

    def _latency_range(self, short: bool) -> str:
        """The latency chip: ``latency 10-5000 ms``, ``latency ≥ 10 ms``, ``≤50ms`` (short)."""
        low, high = self.min_latency, self.max_latency
        if low is None and high is None:
            return ""
        if low is not None and high is not None:
            shown = f"{_number(low)}-{_number(high)}"
        elif low is not None:
            shown = f"≥{'' if short else ' '}{_number(low)}"
        else:
            shown = f"≤{'' if short else ' '}{_number(high)}"  # type: ignore[arg-type]
        return f"{shown}ms" if short else f"latency {shown} ms"

    def cleared(self, key: str) -> LogFilters:
        """These filters without the one ``key`` names (a chip's key: ``sort`` clears the
        order too, ``time`` the period, since and until, ``latency`` both bounds); unknown
        keys change nothing."""
        if key == "sort":
            return replace(self, sort_by=None, order=None)
        if key == "time":
            return replace(self, period=None, since=None, until=None)
        if key == "latency":
            return replace(self, min_latency=None, max_latency=None)
        names = {f.name for f in fields(self)}
        if key not in names:
            return self
        return replace(self, **{key: None})

    @property
    def active(self) -> bool:
        """Any filter is set (sorting aside)."""
        return any(key != "sort" for key, _ in self.chips())


def with_end_time(params: Mapping[str, str], end_time: float | None) -> dict[str, str]:
    """``params`` with the fixed end of the listing (unix seconds) as ``end_time``: the
    earlier of it and an ``end_time`` already there; none when a ``period`` is set (the
    gateway ends a period at its own now) or ``end_time`` is None."""
    result = dict(params)
    if end_time is None or "period" in result:
        return result
    fixed = rfc3339(end_time)
    given = result.get("end_time")
    result["end_time"] = fixed if not given else min(given, fixed, key=_sort_time)
    return result


def _brief(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _short_time(text: str) -> str:
    """An RFC 3339 time to the minute in UTC (``2026-10-01 08:30``), a midnight as its date."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return _brief(visible(text), 16)
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M")


def _parts(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _sort_time(text: str) -> float:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return float("inf")
