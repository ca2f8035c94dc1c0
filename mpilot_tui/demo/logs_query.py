"""Filters, sorts and stats over the demo's request log, as the gateway's store runs them.

:func:`parse_query` reads the query string as the gateway's ``getLogs`` does (lists in one
comma-separated parameter, only the first occurrence of a key, bad times and numbers
silently ignored, strict ``limit``/``offset``); :func:`matching` answers the filters with
vectorised masks over the store's columns and :func:`ordered` sorts the matches, so a page
of a million-entry log costs a few milliseconds.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from starlette.datastructures import QueryParams

from mpilot_tui.demo.logs_data import (
    CACHE_DIRECT,
    CACHE_NONE,
    CACHE_SEMANTIC,
    ERROR,
    KEYS,
    PROCESSING,
    PROVIDERS,
    ROUTES,
    ROUTING_RULES,
    STATUSES,
    SUCCESS,
    VARIANTS,
    VIRTUAL_KEYS,
    LogStore,
    search_table,
)

__all__ = [
    "ENVIRONMENTS",
    "LIMIT_DEFAULT",
    "LIMIT_MAX",
    "PERIODS",
    "STOP_REASONS",
    "LogQuery",
    "QueryError",
    "Slice",
    "SortCache",
    "effective_slice",
    "matching",
    "ordered",
    "parse_query",
    "stats",
    "stop_reason_codes",
]

LIMIT_DEFAULT = 50
LIMIT_MAX = 1000
PERIODS: dict[str, int] = {
    "1h": 3_600_000,
    "6h": 6 * 3_600_000,
    "24h": 86_400_000,
    "7d": 7 * 86_400_000,
    "30d": 30 * 86_400_000,
}
"""``period`` values and their length in ms (``ResolvePeriod``)."""
SORTS = ("timestamp", "latency", "tokens", "cost")
ENVIRONMENTS = ("prod", "staging")
"""Values of the entries' ``metadata.env``."""
STOP_REASONS = ("stop", "length", "tool_calls")

_LISTS = (
    "providers", "models", "aliases", "status", "objects", "selected_key_ids",
    "virtual_key_ids", "routing_rule_ids", "team_ids", "customer_ids", "user_ids",
    "business_unit_ids", "routing_engine_used", "stop_reasons", "cache_hit_types",
)  # fmt: skip
"""Parameters that carry comma-separated lists."""
_NEVER_SET = (
    "aliases", "team_ids", "customer_ids", "user_ids", "business_unit_ids",
    "routing_engine_used", "user_agents", "apps",
)  # fmt: skip
"""Filters on columns no demo entry fills: any value matches nothing."""


class QueryError(ValueError):
    """A parameter the gateway refuses with 400 (the message is the gateway's)."""


@dataclass(frozen=True)
class LogQuery:
    """One parsed ``/api/logs`` query."""

    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    start_ms: int | None = None
    end_ms: int | None = None
    ranges: dict[str, float] = field(default_factory=dict)
    """``min_latency`` … ``max_cost``: the numbers that parsed."""
    missing_cost_only: bool = False
    content_search: str = ""
    request_id: str = ""
    parent_request_id: str = ""
    metadata: tuple[tuple[str, str], ...] = ()
    limit: int = LIMIT_DEFAULT
    offset: int = 0
    sort_by: str = "timestamp"
    order: str = "desc"

    def signature(self) -> str:
        """A text naming the filter and sort (not the page), for caching sorted results."""
        base = replace(self, limit=0, offset=0)
        return repr(base)


def _first(params: QueryParams, name: str) -> str:
    values = params.getlist(name)
    return values[0] if values else ""


def _comma(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _string_array(text: str) -> tuple[str, ...]:
    """``parseStringArrayParam``: a JSON array string, else a comma list."""
    if text.strip().startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, list):
            return tuple(str(item) for item in value if str(item))
    return _comma(text)


def _time_ms(text: str) -> int | None:
    """RFC 3339 (with or without fraction and offset) to unix ms; None if it does not parse."""
    if not text:
        return None
    candidate = text.strip()
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    if "T" not in candidate and "t" not in candidate:
        return None
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return math.floor(moment.timestamp() * 1000)


def _number(text: str, *, integer: bool) -> float | None:
    if not text:
        return None
    try:
        value = float(int(text)) if integer else float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _int_param(params: QueryParams, name: str) -> int | None:
    """An integer parameter; a non-integer is ignored (None)."""
    text = _first(params, name)
    try:
        return int(text) if text else None
    except ValueError:
        return None


def parse_query(params: QueryParams, now_ms: int) -> LogQuery:
    """The query the gateway reads from ``params``; QueryError for the 400s."""
    lists = {name: _comma(_first(params, name)) for name in _LISTS}
    for name in ("user_agents", "apps"):
        lists[name] = _string_array(_first(params, name))
    lists["cache_hit_types"] = tuple(
        value for value in lists["cache_hit_types"] if value in ("direct", "semantic")
    )
    lists = {name: values for name, values in lists.items() if values}
    start_ms = _time_ms(_first(params, "start_time"))
    end_ms = _time_ms(_first(params, "end_time"))
    period = PERIODS.get(_first(params, "period"))
    if period is not None:
        start_ms, end_ms = now_ms - period, now_ms
    ranges: dict[str, float] = {}
    for name, integer in (
        ("min_latency", False), ("max_latency", False), ("min_tokens", True),
        ("max_tokens", True), ("min_cost", False), ("max_cost", False),
    ):  # fmt: skip
        value = _number(_first(params, name), integer=integer)
        if value is not None:
            ranges[name] = value
    missing = _first(params, "missing_cost_only").strip().lower() in ("1", "t", "true")
    metadata = tuple(
        (name[len("metadata_") :], value)
        for name, value in params.multi_items()
        if name.startswith("metadata_") and len(name) > len("metadata_")
    )
    limit = _int_param(params, "limit")
    if limit is not None and limit <= 0:
        raise QueryError("limit must be greater than 0")
    if limit is not None and limit > LIMIT_MAX:
        raise QueryError("limit cannot exceed 1000")
    offset = _int_param(params, "offset")
    if offset is not None and offset < 0:
        raise QueryError("offset cannot be negative")
    sort_by = _first(params, "sort_by")
    order = _first(params, "order")
    return LogQuery(
        lists=lists,
        start_ms=start_ms,
        end_ms=end_ms,
        ranges=ranges,
        missing_cost_only=missing,
        content_search=_first(params, "content_search").strip(),
        request_id=_first(params, "request_id").strip(),
        parent_request_id=(
            _first(params, "parent_request_id") or _first(params, "session_id")
        ).strip(),
        metadata=tuple(dict(metadata).items()),
        limit=LIMIT_DEFAULT if limit is None else limit,
        offset=offset or 0,
        sort_by=sort_by if sort_by in SORTS else "timestamp",
        order=order if order in ("asc", "desc") else "desc",
    )


def _codes(names: tuple[str, ...], table: tuple[str, ...]) -> list[int]:
    return [table.index(name) for name in names if name in table]


def stop_reason_codes(store: LogStore, lo: int, hi: int, status: Any) -> npt.NDArray[np.int8]:
    """Each entry's stop reason as an index into STOP_REASONS (-1: none)."""
    columns = store.columns()
    route = columns.route[lo:hi]
    embedding = np.isin(route, [n for n, r in enumerate(ROUTES) if r.object == "embedding"])
    chat = np.isin(route, [n for n, r in enumerate(ROUTES) if r.object == "chat.completion"])
    reason = np.where(columns.completion_tokens[lo:hi] >= 400, 1, 0).astype(np.int8)
    reason[(columns.cache[lo:hi] == CACHE_NONE) & chat] = 2  # chat with tools
    reason[embedding | (status != SUCCESS)] = -1
    return reason


@dataclass
class Slice:
    """The entries ``[lo, hi)`` with the live ``processing`` statuses applied."""

    lo: int
    hi: int
    status: npt.NDArray[np.uint8]
    processing: npt.NDArray[np.bool_]


def effective_slice(store: LogStore, lo: int, hi: int) -> Slice:
    status = store.columns().status[lo:hi].copy()
    processing = np.zeros(hi - lo, dtype=np.bool_)
    for index in store.processing():
        if lo <= index < hi:
            status[index - lo] = PROCESSING
            processing[index - lo] = True
    return Slice(lo, hi, status, processing)


def _mask(store: LogStore, query: LogQuery, part: Slice) -> npt.NDArray[np.bool_]:
    lo, hi = part.lo, part.hi
    columns = store.columns()
    route = columns.route[lo:hi]
    mask = np.ones(hi - lo, dtype=np.bool_)
    lists = query.lists
    if any(name in lists for name in _NEVER_SET) or query.parent_request_id:
        return np.zeros(hi - lo, dtype=np.bool_)
    if "providers" in lists:
        codes = _codes(lists["providers"], PROVIDERS)
        routes = [n for n, r in enumerate(ROUTES) if PROVIDERS.index(r.provider) in codes]
        mask &= np.isin(route, routes)
    if "models" in lists:
        wanted = set(lists["models"])
        routes = [n for n, r in enumerate(ROUTES) if r.model in wanted or r.canonical in wanted]
        mask &= np.isin(route, routes)
    if "objects" in lists:
        routes = [n for n, r in enumerate(ROUTES) if r.object in lists["objects"]]
        mask &= np.isin(route, routes)
    if "status" in lists:
        mask &= np.isin(part.status, _codes(lists["status"], STATUSES))
    if "selected_key_ids" in lists:
        keys = np.zeros(hi - lo, dtype=np.bool_)
        for key_id in lists["selected_key_ids"]:
            for n, r in enumerate(ROUTES):
                for k, (suffix, _) in enumerate(KEYS):
                    if key_id == f"{r.provider}-{suffix}":
                        keys |= (route == n) & (columns.key[lo:hi] == k)
        mask &= keys
    if "virtual_key_ids" in lists:
        codes = _codes(lists["virtual_key_ids"], tuple(vk for vk, _ in VIRTUAL_KEYS))
        mask &= np.isin(columns.virtual_key[lo:hi], codes)
    if "routing_rule_ids" in lists:
        wanted_rules = {rule for rule, _ in ROUTING_RULES} & set(lists["routing_rule_ids"])
        mask &= np.isin(route, _rule_routes()) if wanted_rules else False
    if "stop_reasons" in lists:
        codes = _codes(lists["stop_reasons"], STOP_REASONS)
        mask &= np.isin(stop_reason_codes(store, lo, hi, part.status), codes) & ~part.processing
    if "cache_hit_types" in lists:
        wanted_cache = [
            CACHE_DIRECT if v == "direct" else CACHE_SEMANTIC for v in lists["cache_hit_types"]
        ]
        mask &= np.isin(columns.cache[lo:hi], wanted_cache) & ~part.processing
    ranges = query.ranges
    if ranges:
        values: dict[str, npt.NDArray[Any]] = {
            "latency": columns.latency[lo:hi],
            "tokens": columns.total_tokens[lo:hi],
            "cost": columns.cost[lo:hi],
        }
        for name, bound_value in ranges.items():
            bound, column = name.split("_", 1)
            data = values[column]
            present = ~part.processing
            if column == "tokens":
                present &= part.status == SUCCESS
            within = data >= bound_value if bound == "min" else data <= bound_value
            mask &= present & within
    if query.missing_cost_only:
        mask &= ((columns.cost[lo:hi] <= 0) | part.processing) & (part.status != ERROR)
    if query.content_search:
        table = search_table(query.content_search)
        codes_ = columns.family[lo:hi].astype(np.int64) * VARIANTS + columns.variant[lo:hi]
        mask &= table[codes_]
    for key, expected in query.metadata:
        if key == "env" and expected in ENVIRONMENTS:
            mask &= columns.env[lo:hi] == ENVIRONMENTS.index(expected)
        else:
            mask &= False
    return mask


def _rule_routes() -> list[int]:
    """Routes that go through a routing rule (the azure EU deployment)."""
    return [n for n, r in enumerate(ROUTES) if r.provider == "azure" and r.object != "embedding"]


def _unfiltered(query: LogQuery) -> bool:
    return not (
        query.lists
        or query.ranges
        or query.missing_cost_only
        or query.content_search
        or query.request_id
        or query.parent_request_id
        or query.metadata
    )


def matching(store: LogStore, query: LogQuery) -> tuple[npt.NDArray[np.int64], Slice]:
    """The indices (oldest first) of the entries ``query`` matches, and the slice they are in."""
    if query.request_id:
        index = store.index_of(query.request_id)
        if index is None:
            return np.zeros(0, dtype=np.int64), effective_slice(store, 0, 0)
        part = effective_slice(store, index, index + 1)
    else:
        lo, hi = store.index_range(query.start_ms, query.end_ms)
        part = effective_slice(store, lo, hi)
    found = np.nonzero(_mask(store, query, part))[0].astype(np.int64) + part.lo
    return found, part


class SortCache:
    """The sorted matches of the last few queries, so paging through one sort is cheap."""

    def __init__(self, size: int = 8) -> None:
        self._entries: OrderedDict[tuple[str, int], npt.NDArray[np.int64]] = OrderedDict()
        self._size = size

    def get(self, store: LogStore, query: LogQuery) -> npt.NDArray[np.int64]:
        key = (query.signature(), store.total)
        found = self._entries.get(key)
        if found is None:
            found = ordered(store, query)
            self._entries[key] = found
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        return found


def ordered(store: LogStore, query: LogQuery) -> npt.NDArray[np.int64]:
    """The matches of ``query`` in its sort order (ties: oldest first)."""
    if query.sort_by == "timestamp" and _unfiltered(query):
        # Time order is index order: no column needs to be generated.
        lo, hi = store.index_range(query.start_ms, query.end_ms)
        span = np.arange(lo, hi, dtype=np.int64)
        return span[::-1] if query.order == "desc" else span
    found, part = matching(store, query)
    if query.sort_by == "timestamp":
        return found[::-1].copy() if query.order == "desc" else found
    columns = store.columns()
    processing = part.processing[found - part.lo]
    if query.sort_by == "latency":
        key = columns.latency[found].astype(np.float64)
    elif query.sort_by == "tokens":
        key = columns.total_tokens[found].astype(np.float64)
    else:
        key = columns.cost[found]
    # NULLs (entries still in flight) sort as the smallest value, as SQLite does.
    key = np.where(processing, -1.0, key)
    if query.order == "desc":
        return found[np.argsort(-key, kind="stable")]
    return found[np.argsort(key, kind="stable")]


def stats(store: LogStore, query: LogQuery) -> dict[str, Any]:
    """``SearchStats`` of the matches of ``query`` (``GetStats``)."""
    found, part = matching(store, query)
    columns = store.columns()
    status = part.status[found - part.lo]
    terminal = status != PROCESSING
    done = found[terminal]
    total = len(found)
    terminal_count = len(done)
    success = int((status == SUCCESS).sum())
    body: dict[str, Any] = {
        "total_requests": total,
        "success_rate": success / terminal_count * 100 if terminal_count else 0,
        "average_latency": float(columns.latency[done].astype(np.float64).mean())
        if terminal_count
        else 0,
        "total_tokens": int(columns.total_tokens[done].sum()),
        "prompt_tokens": int(columns.prompt_tokens[done].astype(np.int64).sum()),
        "completion_tokens": int(columns.completion_tokens[done].astype(np.int64).sum()),
        "total_cost": round(float(columns.cost[done].sum()), 8),
        "user_facing_success_rate": success / terminal_count * 100 if terminal_count else 0,
        "user_facing_total_requests": terminal_count,
    }
    if total > 0:
        body["cache_hit_rate_total_requests"] = terminal_count
    cache = columns.cache[done]
    if bool((cache != CACHE_NONE).any()):
        body["direct_cache_hits"] = int((cache == CACHE_DIRECT).sum())
        body["semantic_cache_hits"] = int((cache == CACHE_SEMANTIC).sum())
    return body
