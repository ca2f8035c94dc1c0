"""``extra_fields`` of a successful response, deterministic per request.

Always: ``request_type``, ``provider``, ``latency`` (ms: the configured added latency plus a
fixed 1-2 ms of its own) and ``chunk_index`` 0. Drawn from a hash of (seed, path, query), so
the same request always gets the same decoration:

- ``cache_debug``, only with ``DemoConfig.list_cache_debug`` (today's gateway never puts it
  on file or container routes; the MPilot pages document it there): ~25% direct hits, ~20%
  semantic hits (similarity >= threshold 0.8), ~30% misses, ~25% absent; responses carrying
  it also carry the model fields (1.4: ``model_requested``/``model_deployment``; 1.5 and
  2.2: ``original_model_requested``/``resolved_model_used``). A 2.2 miss has a ``cache_id``
  and never a threshold or similarity;
- ``raw_request`` + ``raw_response`` on ~20% (2.2: always on container routes),
  ``provider_response_headers`` on ~35%;
- 1.x: an unknown field, ``routing_rule``, on ~12% (clients must keep unknown fields);
- 2.2: ``routing_info`` always (provider, the key used and its alias, fallback index), and
  ``routing_metadata`` on ~12%.

On 2.2 the routing facts are repeated as ``x-bifrost-*`` response headers
(:func:`bifrost_headers`), with the upstream's headers forwarded as real ones.
"""

from __future__ import annotations

from typing import Any

from mpilot_tui.demo.config import DemoConfig
from mpilot_tui.demo.ids import digest, stable_uuid

__all__ = ["CACHE_THRESHOLD", "KEY_ALIASES", "bifrost_headers", "extra_fields", "request_key"]

CACHE_THRESHOLD = 0.8
"""The semantic cache's similarity threshold."""

_MODELS: dict[str, tuple[str, str]] = {
    "openai": ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
    "azure": ("gpt-4o-mini", "gpt-4o-mini-eu-deployment"),
    "anthropic": ("claude-3-5-haiku-latest", "claude-3-5-haiku-20241022"),
    "bedrock": ("claude-3-5-haiku", "anthropic.claude-3-5-haiku-20241022-v1:0"),
    "gemini": ("gemini-2.0-flash", "gemini-2.0-flash-001"),
    "replicate": ("meta/meta-llama-3-8b-instruct", "meta/meta-llama-3-8b-instruct"),
}
"""(requested model, resolved model) per provider; others use the openai pair."""
_ROUTING_RULES = ("eu-data-residency", "cost-optimised", "primary-then-fallback")
KEY_ALIASES = ("primary", "secondary", "eu-backup", "us-backup")
"""Aliases of the provider keys (key ``k`` has ``KEY_ALIASES[k % 4]``)."""
_CONTAINER_TYPES = frozenset(
    {
        "container_list",
        "container_retrieve",
        "container_file_list",
        "container_file_retrieve",
        "container_file_content",
    }
)


def request_key(path: str, query: list[tuple[str, str]]) -> str:
    """A canonical text of the request, independent of query parameter order."""
    return path + "?" + "&".join(f"{k}={v}" for k, v in sorted(query))


def _headers(provider: str, hashed: bytes) -> dict[str, str]:
    request_id = "req_" + hashed[16:28].hex()
    if provider == "azure":
        return {
            "x-request-id": request_id,
            "apim-request-id": stable_uuid("apim", hashed),
            "x-ms-region": "Sweden Central",
        }
    if provider in ("anthropic", "bedrock"):
        return {"request-id": request_id, "x-amzn-requestid": stable_uuid("amzn", hashed)}
    return {
        "x-request-id": request_id,
        "openai-processing-ms": str(20 + hashed[28] % 200),
        "openai-version": "2020-10-01",
    }


def extra_fields(
    config: DemoConfig,
    *,
    request_type: str,
    provider: str,
    key: str,
    raw_request: dict[str, Any] | None = None,
    raw_response: dict[str, Any] | None = None,
    key_index: int = 0,
) -> dict[str, Any]:
    """The ``extra_fields`` object of a success response to the request ``key``, answered
    with provider key ``key_index``."""
    hashed = digest("extra", config.seed, key)
    extra: dict[str, Any] = {
        "request_type": request_type,
        "provider": provider,
        # The demo makes no upstream call: its latency is the latency it really sleeps, so the
        # gateway's figure never exceeds the client's (a real gateway's cannot either).
        "latency": config.latency_ms,
        "chunk_index": 0,
    }
    requested, resolved = _MODELS.get(provider, _MODELS["openai"])
    bucket = hashed[2] * 100 // 256
    cache = _cache_debug(hashed, bucket, provider, requested, resolved, modern=config.modern)
    if cache is not None and config.list_cache_debug:
        if config.bifrost == "1.4":
            extra["model_requested"] = requested
            extra["model_deployment"] = resolved
        else:
            extra["original_model_requested"] = requested
            extra["resolved_model_used"] = resolved
        extra["cache_debug"] = cache
    forced_raw = config.modern and request_type in _CONTAINER_TYPES
    if (hashed[3] < 51 or forced_raw) and raw_response is not None:
        extra["raw_request"] = raw_request or {}
        extra["raw_response"] = raw_response
    if hashed[4] < 90:
        extra["provider_response_headers"] = _headers(provider, hashed)
    if not config.modern:
        if hashed[5] < 31:
            extra["routing_rule"] = _ROUTING_RULES[hashed[6] % len(_ROUTING_RULES)]
        return extra
    extra["routing_info"] = {
        "provider": provider,
        "key_id": f"{provider}-key-{key_index + 1}",
        "key_alias": KEY_ALIASES[key_index % len(KEY_ALIASES)],
        "fallback_index": 0,
    }
    if hashed[5] < 31:
        extra["routing_metadata"] = {
            "rule": _ROUTING_RULES[hashed[6] % len(_ROUTING_RULES)],
            "matched": True,
        }
    return extra


def bifrost_headers(config: DemoConfig, extra: dict[str, Any]) -> dict[str, str]:
    """The response headers of a 2.2 success answer carrying ``extra`` (none on 1.x): the
    ``x-bifrost-*`` routing facts, then the upstream's own headers, forwarded."""
    if not config.modern:
        return {}
    headers = {
        "x-bifrost-provider": str(extra["provider"]),
        "x-bifrost-request-type": str(extra["request_type"]),
        "x-bifrost-fallback-index": "0",
        "x-bifrost-upstream-latency-ms": str(extra["latency"]),
    }
    if "original_model_requested" in extra:
        headers["x-bifrost-original-model"] = str(extra["original_model_requested"])
        headers["x-bifrost-resolved-model"] = str(extra["resolved_model_used"])
    routing = extra.get("routing_info") or {}
    for name in ("key_id", "key_alias"):
        if name in routing:
            headers[f"x-bifrost-routing-info-{name.replace('_', '-')}"] = str(routing[name])
    for name, value in (extra.get("provider_response_headers") or {}).items():
        headers.setdefault(name, str(value))
    return headers


def _cache_debug(
    hashed: bytes, bucket: int, provider: str, requested: str, resolved: str, *, modern: bool
) -> dict[str, Any] | None:
    tokens = 40 + int.from_bytes(hashed[7:9], "big") % 1500
    fraction = hashed[9] / 255
    if bucket < 25:
        return {
            "cache_hit": True,
            "cache_id": stable_uuid("cache", hashed),
            "hit_type": "direct",
            "requested_provider": provider,
            "requested_model": requested,
            "provider_used": provider,
            "model_used": resolved,
        }
    if bucket < 45:
        return {
            "cache_hit": True,
            "cache_id": stable_uuid("cache", hashed),
            "hit_type": "semantic",
            "requested_provider": provider,
            "requested_model": requested,
            "provider_used": provider,
            "model_used": resolved,
            "input_tokens": tokens,
            "threshold": CACHE_THRESHOLD,
            "similarity": round(0.83 + 0.16 * fraction, 4),
        }
    if bucket < 75:
        miss: dict[str, Any] = {
            "cache_hit": False,
            "provider_used": provider,
            "model_used": resolved,
            "input_tokens": tokens,
        }
        if modern:
            miss["cache_id"] = stable_uuid("cache", hashed)
        elif hashed[10] < 128:
            miss["threshold"] = CACHE_THRESHOLD
            miss["similarity"] = round(0.35 + 0.44 * fraction, 4)
        return miss
    return None
