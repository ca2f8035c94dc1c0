"""``extra_fields`` of a successful response, deterministic per request.

Always: ``request_type``, ``provider``, ``latency`` (ms: the configured added latency plus a
fixed 1-2 ms of its own) and ``chunk_index`` 0. Drawn from a hash of (seed, path, query), so
the same request always gets the same decoration:

- ``cache_debug``: ~25% direct hits, ~20% semantic hits (similarity >= threshold 0.8),
  ~30% misses, ~25% absent; responses carrying it also carry the model fields
  (1.4: ``model_requested``/``model_deployment``; 1.5: ``original_model_requested``/
  ``resolved_model_used``);
- ``raw_request`` + ``raw_response`` on ~20%, ``provider_response_headers`` on ~35%;
- an unknown field, ``routing_rule``, on ~12% (clients must keep unknown fields).
"""

from __future__ import annotations

from typing import Any

from mpilot_tui.demo.config import DemoConfig
from mpilot_tui.demo.ids import digest, stable_uuid

__all__ = ["CACHE_THRESHOLD", "extra_fields", "request_key"]

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
) -> dict[str, Any]:
    """The ``extra_fields`` object of a success response to the request ``key``."""
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
    cache = _cache_debug(hashed, bucket, provider, requested, resolved)
    if cache is not None:
        if config.bifrost == "1.4":
            extra["model_requested"] = requested
            extra["model_deployment"] = resolved
        else:
            extra["original_model_requested"] = requested
            extra["resolved_model_used"] = resolved
        extra["cache_debug"] = cache
    if hashed[3] < 51 and raw_response is not None:
        extra["raw_request"] = raw_request or {}
        extra["raw_response"] = raw_response
    if hashed[4] < 90:
        extra["provider_response_headers"] = _headers(provider, hashed)
    if hashed[5] < 31:
        extra["routing_rule"] = _ROUTING_RULES[hashed[6] % len(_ROUTING_RULES)]
    return extra


def _cache_debug(
    hashed: bytes, bucket: int, provider: str, requested: str, resolved: str
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
        if hashed[10] < 128:
            miss["threshold"] = CACHE_THRESHOLD
            miss["similarity"] = round(0.35 + 0.44 * fraction, 4)
        return miss
    return None
