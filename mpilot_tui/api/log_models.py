"""Models of the gateway's request log (``/api/logs``): entries, ``cache_debug``, stats.

The request log is read from many gateway builds (logs-api.md §2, §3, §6), so every field is
optional, unknown fields are kept (``extra="allow"``), and a value of the wrong type never
fails a whole page: numbers that are not finite numbers (NaN, ``1e400``, a string) become
None, text that is not text becomes None. The raw JSON of an entry is what the CLI writes
and the detail pane shows; these models are what the client computes with.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter

__all__ = [
    "LOG_ENTRY",
    "LOG_FILTER_DATA",
    "LOG_LIST",
    "LOG_STATS",
    "LogCacheDebug",
    "LogEntry",
    "LogFilterData",
    "LogList",
    "LogPagination",
    "LogStats",
    "LogTokenUsage",
    "loose_float",
    "loose_int",
]


def loose_float(value: Any) -> float | None:
    """``value`` as a finite float; None for anything else (bool, text, NaN, infinities)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def loose_int(value: Any) -> int | None:
    """``value`` as an int (a whole finite float too); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < 2**63 else None
    number = loose_float(value)
    if number is None or number != int(number) or abs(number) >= 2**63:
        return None
    return int(number)


def _id_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _loose_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _loose_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _loose_dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _loose_list(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) else None


Num = Annotated[float | None, BeforeValidator(loose_float)]
Int = Annotated[int | None, BeforeValidator(loose_int)]
Str = Annotated[str | None, BeforeValidator(_loose_str)]
Bool = Annotated[bool | None, BeforeValidator(_loose_bool)]
Obj = Annotated[dict[str, Any] | None, BeforeValidator(_loose_dict)]
Arr = Annotated[list[Any] | None, BeforeValidator(_loose_list)]


class _LogModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def unknown_fields(self) -> dict[str, Any]:
        """Fields the gateway sent that this model does not name."""
        return dict(self.model_extra or {})


def _model_or_none(model: type[_LogModel]) -> Any:
    def check(value: Any) -> Any:
        return value if isinstance(value, dict | model) else None

    return BeforeValidator(check)


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

    id: Annotated[str, BeforeValidator(_id_text)] = ""
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
    routing_engines_used: Arr = None
    routing_engine_logs: Str = None
    stop_reason: Str = None
    content_summary: Str = None
    token_usage: Annotated[LogTokenUsage | None, _model_or_none(LogTokenUsage)] = None
    cache_debug: Annotated[LogCacheDebug | None, _model_or_none(LogCacheDebug)] = None
    error_details: Obj = None
    selected_key: Obj = None
    virtual_key: Obj = None
    routing_rule: Obj = None
    input_history: Arr = None
    responses_input_history: Arr = None
    output_message: Obj = None
    responses_output: Arr = None
    embedding_output: Arr = None
    params: Obj = None
    tools: Arr = None
    tool_calls: Arr = None
    metadata: Obj = None
    raw_request: Str = None
    raw_response: Str = None

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
        from ..reqlog.explain import cache_column

        return cache_column(self)

    @property
    def error_message(self) -> str | None:
        """The error's message, from ``error_details.error.message`` or its ``message``."""
        details = self.error_details or {}
        inner = details.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        message = details.get("message")
        return message if isinstance(message, str) else None


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
    previous: Annotated[LogStats | None, BeforeValidator(_loose_dict)] = None

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

    logs: Annotated[list[Any], BeforeValidator(lambda v: v if isinstance(v, list) else [])] = Field(
        default_factory=list
    )
    pagination: Annotated[LogPagination | None, _model_or_none(LogPagination)] = None
    stats: Annotated[LogStats | None, _model_or_none(LogStats)] = None
    has_logs: Bool = None

    def entries(self) -> list[LogEntry]:
        """The entries that are objects (anything else in ``logs`` is dropped)."""
        return [LogEntry.model_validate(item) for item in self.logs if isinstance(item, dict)]


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
LOG_ENTRY: TypeAdapter[LogEntry] = TypeAdapter(LogEntry)
LOG_STATS: TypeAdapter[LogStats] = TypeAdapter(LogStats)
LOG_FILTER_DATA: TypeAdapter[LogFilterData] = TypeAdapter(LogFilterData)
