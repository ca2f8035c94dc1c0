"""Models of the gateway's request log (``/api/logs``): entries, ``cache_debug``, stats.

The request log is read from many gateway builds (logs-api.md §2, §3, §6), so every field is
optional, unknown fields are kept (``extra="allow"``), and a value of the wrong type never
fails a whole page: numbers that are not finite numbers (NaN, ``1e400``, a string) become
None, text that is not text becomes None. The raw JSON of an entry is what the CLI writes
and the detail pane shows; these models are what the client computes with.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)

from ..formats.text import finite_number, loose_int

__all__ = [
    "LOG_ENTRY",
    "LOG_FILTER_DATA",
    "LOG_LIST",
    "LOG_PAGE_FAST",
    "LOG_STATS",
    "LogCacheDebug",
    "LogEntry",
    "LogFilterData",
    "LogList",
    "LogPageFast",
    "LogPagination",
    "LogStats",
    "LogTokenUsage",
    "loose_float",
    "loose_int",
]


loose_float = finite_number
"""``value`` as a finite float; None for anything else (bool, text, NaN, infinities)."""


def _id_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


Num = float | None
"""A finite number (NaN and infinities are refused, then dropped: see :class:`_LogModel`)."""
Int = int | None
Str = str | None
Bool = bool | None
Obj = dict[str, Any] | None
Arr = list[Any] | None


MAX_REPAIRS = 20
"""Rounds of dropping failed values before an object is taken as empty."""
_GONE = object()
"""What :func:`_drop` returns for the value it removed."""


def _drop(value: Any, path: tuple[int | str, ...], top: bool = True) -> Any:
    """``value`` without what ``path`` (a validation error's location) points at; copies
    only along the path. A top-level ``id`` that is a number becomes its text instead."""
    if not path:
        return _GONE
    key = path[0]
    if isinstance(value, dict) and isinstance(key, str) and key in value:
        copy = dict(value)
        if top and key == "id" and len(path) == 1:
            copy["id"] = _id_text(copy["id"])
            return copy
        inner = _drop(copy[key], path[1:], top=False)
        if inner is _GONE:
            del copy[key]
        else:
            copy[key] = inner
        return copy
    if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
        items = list(value)
        inner = _drop(items[key], path[1:], top=False)
        if inner is _GONE:
            del items[key]
        else:
            items[key] = inner
        return items
    return _GONE


class _LogModel(BaseModel):
    """Strict fields, checked in pydantic-core alone (fast: a page of 1000 entries is one
    pass in Rust), and tolerance on top: :meth:`model_validate` of a value that fails is
    done again without the values that failed, at any depth (those fields take their
    defaults), so one odd value never costs the whole entry or page."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        strict=True,
        allow_inf_nan=False,
        defer_build=True,  # built when the request log is first read, not at import
    )

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            return cls._tolerant(obj, exc)

    @classmethod
    def _tolerant(cls, obj: Any, exc: ValidationError) -> Self:
        current = obj if isinstance(obj, dict) else {}
        for _ in range(MAX_REPAIRS):
            for error in exc.errors(include_url=False, include_input=False):
                cleaned = _drop(current, tuple(error["loc"]))
                current = {} if cleaned is _GONE else cleaned
            try:
                return super().model_validate(current)
            except ValidationError as again:
                exc = again
        return super().model_validate({})  # pragma: no cover - each round removes a value

    def unknown_fields(self) -> dict[str, Any]:
        """Fields the gateway sent that this model does not name."""
        return dict(self.model_extra or {})

    def _sent(self, name: str, kind: type[Any]) -> Any:
        """An undeclared field as the gateway sent it, when it has the type ``kind``."""
        value = (self.model_extra or {}).get(name)
        return value if isinstance(value, kind) else None


class LogCacheDebug(_LogModel):
    """``cache_debug``: what the semantic cache did for one request (logs-api.md §2).

    Both generations are read: ``hit_type``/``threshold``/``similarity`` (since PR #427) and
    the older ``cache_hit_type``/``cache_threshold``/``cache_similarity``.
    """

    cache_hit: Bool = None
    cache_id: Str = None
    hit_type: Str = None
    """``direct`` or ``semantic`` on a hit."""
    cache_hit_type: Str = None
    """The name ``hit_type`` had before PR #427."""
    requested_provider: Str = None
    requested_model: Str = None
    provider_used: Str = None
    """The embedding provider, when a semantic lookup ran."""
    model_used: Str = None
    """The embedding model, when a semantic lookup ran."""
    input_tokens: Int = None
    """Tokens of the embedding lookup (semantic lookups only, hit or miss)."""
    threshold: Num = None
    cache_threshold: Num = None
    similarity: Num = None
    cache_similarity: Num = None
    cache_hit_latency: Num = None
    """Milliseconds the hit took (newest gateways)."""

    @property
    def hit(self) -> bool:
        return self.cache_hit is True

    @property
    def kind(self) -> str | None:
        """``direct``/``semantic`` (either generation's name), lower-cased; None if unsaid."""
        value = self.hit_type or self.cache_hit_type
        return value.strip().lower() if value else None

    @property
    def threshold_value(self) -> float | None:
        return self.threshold if self.threshold is not None else self.cache_threshold

    @property
    def similarity_value(self) -> float | None:
        return self.similarity if self.similarity is not None else self.cache_similarity

    @property
    def outcome(self) -> str:
        """``direct``, ``semantic``, ``hit`` (type unsaid), ``miss``, or ``skipped`` (no
        ``cache_hit`` at all)."""
        if self.cache_hit is None:
            return "skipped"
        if not self.cache_hit:
            return "miss"
        kind = self.kind
        return kind if kind in ("direct", "semantic") else "hit"

    @property
    def column(self) -> str:
        """The cache column's text: ``HIT direct``, ``HIT semantic 0.93``, ``HIT``, ``miss``,
        or ``""`` when the request skipped the cache."""
        outcome = self.outcome
        if outcome == "skipped":
            return ""
        if outcome == "miss":
            return "miss"
        if outcome == "direct":
            return "HIT direct"
        if outcome == "semantic":
            value = self.similarity_value
            if value is None:
                return "HIT semantic"
            return f"HIT semantic {value:.2f}" if abs(value) < 1e6 else f"HIT semantic {value:.3g}"
        return "HIT"

    @property
    def lookup_ran(self) -> bool:
        """A semantic (embedding) lookup ran: the gateway names its model or its tokens."""
        return bool(self.model_used or self.provider_used) or self.input_tokens is not None


class LogTokenUsage(_LogModel):
    """``token_usage`` (``BifrostLLMUsage``)."""

    prompt_tokens: Int = None
    completion_tokens: Int = None
    total_tokens: Int = None
    prompt_tokens_details: Obj = None
    completion_tokens_details: Obj = None
    cost: Any = None

    @property
    def total(self) -> int | None:
        if self.total_tokens is not None:
            return self.total_tokens
        if self.prompt_tokens is None and self.completion_tokens is None:
            return None
        return (self.prompt_tokens or 0) + (self.completion_tokens or 0)

    @property
    def cached_tokens(self) -> int | None:
        """Prompt tokens served from the provider's own cache (either generation's name)."""
        details = self.prompt_tokens_details or {}
        for name in ("cached_read_tokens", "cached_tokens"):
            value = loose_int(details.get(name))
            if value is not None:
                return value
        return None


class LogEntry(_LogModel):
    """One request-log entry (T2 ``Log``): a trimmed list row, or the whole detail."""

    id: str = ""
    timestamp: Str = None
    created_at: Str = None
    object: Str = None
    """The request type (``chat.completion``, ``embedding``, ``responses``, …)."""
    provider: Str = None
    model: Str = None
    alias: Str = None
    canonical_model_name: Str = None
    status: Str = None
    """``processing``, ``success``, ``error`` or ``cancelled``."""
    stream: Bool = None
    latency: Num = None
    """Milliseconds."""
    cost: Num = None
    """USD."""
    number_of_retries: Int = None
    fallback_index: Int = None
    parent_request_id: Str = None
    selected_key_id: Str = None
    selected_key_name: Str = None
    virtual_key_id: Str = None
    virtual_key_name: Str = None
    routing_rule_id: Str = None
    routing_rule_name: Str = None
    routing_engine_logs: Str = None
    stop_reason: Str = None
    content_summary: Str = None
    token_usage: LogTokenUsage | None = None
    cache_debug: LogCacheDebug | None = None

    # -- the heavy fields: kept as sent (not copied by validation), typed on the way out -----

    @property
    def error_details(self) -> dict[str, Any] | None:
        return self._sent("error_details", dict)  # type: ignore[no-any-return]

    @property
    def selected_key(self) -> dict[str, Any] | None:
        return self._sent("selected_key", dict)  # type: ignore[no-any-return]

    @property
    def virtual_key(self) -> dict[str, Any] | None:
        return self._sent("virtual_key", dict)  # type: ignore[no-any-return]

    @property
    def routing_rule(self) -> dict[str, Any] | None:
        return self._sent("routing_rule", dict)  # type: ignore[no-any-return]

    @property
    def input_history(self) -> list[Any] | None:
        return self._sent("input_history", list)  # type: ignore[no-any-return]

    @property
    def responses_input_history(self) -> list[Any] | None:
        return self._sent("responses_input_history", list)  # type: ignore[no-any-return]

    @property
    def output_message(self) -> dict[str, Any] | None:
        return self._sent("output_message", dict)  # type: ignore[no-any-return]

    @property
    def responses_output(self) -> list[Any] | None:
        return self._sent("responses_output", list)  # type: ignore[no-any-return]

    @property
    def embedding_output(self) -> list[Any] | None:
        return self._sent("embedding_output", list)  # type: ignore[no-any-return]

    @property
    def params(self) -> dict[str, Any] | None:
        return self._sent("params", dict)  # type: ignore[no-any-return]

    @property
    def tools(self) -> list[Any] | None:
        return self._sent("tools", list)  # type: ignore[no-any-return]

    @property
    def tool_calls(self) -> list[Any] | None:
        return self._sent("tool_calls", list)  # type: ignore[no-any-return]

    @property
    def metadata(self) -> dict[str, Any] | None:
        return self._sent("metadata", dict)  # type: ignore[no-any-return]

    @property
    def routing_engines_used(self) -> list[Any] | None:
        return self._sent("routing_engines_used", list)  # type: ignore[no-any-return]

    @property
    def raw_request(self) -> str | None:
        return self._sent("raw_request", str)  # type: ignore[no-any-return]

    @property
    def raw_response(self) -> str | None:
        return self._sent("raw_response", str)  # type: ignore[no-any-return]

    # -- derived values: the columns of the requests listing ---------------------------------

    @property
    def provider_model(self) -> str:
        """``provider/model`` (either part may be missing)."""
        return "/".join(part for part in (self.provider, self.model) if part)

    @property
    def total_tokens(self) -> int | None:
        return self.token_usage.total if self.token_usage is not None else None

    @property
    def latency_us(self) -> int | None:
        """The latency in whole microseconds (an integer column sorts exactly)."""
        return _scaled(self.latency, 1_000)

    @property
    def cost_nusd(self) -> int | None:
        """The cost in whole nano-dollars (an integer column sorts exactly)."""
        return _scaled(self.cost, 1_000_000_000)

    @property
    def cache(self) -> str:
        """The cache column's text (``HIT direct``, ``HIT semantic 0.93``, ``miss``, ``""``)."""
        return self.cache_debug.column if self.cache_debug is not None else ""

    @property
    def time_ms(self) -> int | None:
        """``timestamp`` as unix milliseconds (an integer column sorts and stores cheaply)."""
        return _unix_ms(self.timestamp)

    @property
    def error_message(self) -> str | None:
        """The error's message, from ``error_details.error.message`` or its ``message``."""
        details = self.error_details or {}
        inner = details.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        message = details.get("message")
        return message if isinstance(message, str) else None


def _unix_ms(text: str | None) -> int | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return round(moment.timestamp() * 1000)
    except (OverflowError, OSError, ValueError):
        return None


def _scaled(value: float | None, factor: int) -> int | None:
    if value is None:
        return None
    scaled = value * factor
    if not math.isfinite(scaled) or abs(scaled) >= 2**62:
        return None
    return round(scaled)


class LogPagination(_LogModel):
    limit: Int = None
    offset: Int = None
    sort_by: Str = None
    order: Str = None
    total_count: Int = None


class LogStats(_LogModel):
    """``/api/logs/stats`` (``LogStatsResponse``), or the ``stats`` of a list answer.

    ``success_rate`` is a percentage (0 to 100). ``direct_cache_hits`` and
    ``semantic_cache_hits`` are absent when no row has a valid ``cache_debug``; the cache
    fields are absent altogether on gateways older than PR #3056.
    """

    total_requests: Int = None
    success_rate: Num = None
    user_facing_success_rate: Num = None
    user_facing_total_requests: Int = None
    average_latency: Num = None
    total_tokens: Int = None
    prompt_tokens: Int = None
    completion_tokens: Int = None
    total_cost: Num = None
    cache_hit_rate_total_requests: Int = None
    direct_cache_hits: Int = None
    semantic_cache_hits: Int = None
    has_previous_period: Bool = None
    previous: LogStats | None = None

    @property
    def has_cache_fields(self) -> bool:
        """The gateway counts cache hits (PR #3056 or newer)."""
        return self.cache_hit_rate_total_requests is not None or (
            self.direct_cache_hits is not None or self.semantic_cache_hits is not None
        )

    @property
    def cache_hits(self) -> int | None:
        if not self.has_cache_fields:
            return None
        return (self.direct_cache_hits or 0) + (self.semantic_cache_hits or 0)

    @property
    def hit_rate(self) -> float | None:
        """(direct + semantic) / ``cache_hit_rate_total_requests``, as a fraction 0..1."""
        hits, total = self.cache_hits, self.cache_hit_rate_total_requests
        if hits is None or not total or total <= 0:
            return None
        return hits / total


class LogList(_LogModel):
    """The ``GET /api/logs`` envelope (``SearchResult``)."""

    logs: list[Any] = Field(default_factory=list)
    pagination: LogPagination | None = None
    stats: LogStats | None = None
    has_logs: Bool = None

    def entries(self) -> list[LogEntry]:
        """The entries that are objects (anything else in ``logs`` is dropped)."""
        return [LogEntry.model_validate(item) for item in self.logs if isinstance(item, dict)]


class LogPageFast(_LogModel):
    """A ``GET /api/logs`` envelope whose every entry is well formed: validated in one pass
    in pydantic-core. An answer that does not fit goes the tolerant way (:class:`LogList`)."""

    logs: list[LogEntry] | None = None
    pagination: LogPagination | None = None
    stats: LogStats | None = None
    has_logs: Bool = None


class LogFilterData(_LogModel):
    """``/api/logs/filterdata``: the values the dashboard's dropdowns offer (§1.4).

    Old gateways send ``models`` and key lists only; newer ones more dimensions. Every list
    is kept as sent (strings, or objects with ``id``/``name``); ``null`` becomes empty.
    """

    models: Arr = None
    aliases: Arr = None
    selected_keys: Arr = None
    virtual_keys: Arr = None
    routing_rules: Arr = None
    routing_engines: Arr = None
    stop_reasons: Arr = None
    teams: Arr = None
    customers: Arr = None
    users: Arr = None
    business_units: Arr = None
    user_agents: Arr = None
    apps: Arr = None
    metadata_keys: Obj = None

    def names(self, dimension: str) -> list[str]:
        """The values of ``dimension`` as text: strings as they are, objects by ``name``
        (else ``id``)."""
        values = getattr(self, dimension, None)
        if values is None:
            values = (self.model_extra or {}).get(dimension)
        if not isinstance(values, list):
            return []
        names: list[str] = []
        for value in values:
            if isinstance(value, str):
                names.append(value)
            elif isinstance(value, dict):
                name = value.get("name") or value.get("id")
                if isinstance(name, str):
                    names.append(name)
        return names


LOG_LIST: TypeAdapter[LogList] = TypeAdapter(LogList)
LOG_PAGE_FAST: TypeAdapter[LogPageFast] = TypeAdapter(LogPageFast)
LOG_ENTRY: TypeAdapter[LogEntry] = TypeAdapter(LogEntry)
LOG_STATS: TypeAdapter[LogStats] = TypeAdapter(LogStats)
LOG_FILTER_DATA: TypeAdapter[LogFilterData] = TypeAdapter(LogFilterData)
