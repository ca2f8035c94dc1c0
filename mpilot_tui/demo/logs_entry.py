"""The JSON of one request-log entry: whole (``/api/logs/{id}``), as a list row, or as the
WebSocket feed's payload (logs-api.md §2, §1.2, §5)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np

from mpilot_tui.demo.data import TOPICS
from mpilot_tui.demo.logs_data import (
    CACHE_DIRECT,
    CACHE_LOOKUP_MISS,
    CACHE_NONE,
    CACHE_SEMANTIC,
    CANCELLED,
    EMBEDDING_MODEL,
    EMBEDDING_PROVIDER,
    ERROR,
    ERRORS,
    KEYS,
    PROCESSING,
    ROUTES,
    ROUTING_RULES,
    STATUSES,
    SUCCESS,
    VIRTUAL_KEYS,
    LogStore,
    answer_text,
    prompt_text,
)
from mpilot_tui.demo.logs_query import ENVIRONMENTS, STOP_REASONS

__all__ = ["SUMMARY_LIMIT", "entry_json", "list_row", "rfc3339", "ws_payload"]

SUMMARY_LIMIT = 120
"""List rows carry ``content_summary`` cut to this many characters."""
_TOOL = {
    "type": "function",
    "function": {
        "name": "lookup_order",
        "description": "Look up an order by its number.",
        "parameters": {
            "type": "object",
            "properties": {"order_number": {"type": "string"}},
            "required": ["order_number"],
        },
    },
}
_REQUEST_TYPES = {
    "chat.completion": "chat_completion",
    "responses": "responses",
    "embedding": "embedding",
    "text.completion": "text_completion",
}


def rfc3339(ms: int) -> str:
    """Unix ms as Go's RFC3339Nano in UTC (trailing zeros of the fraction dropped)."""
    moment = datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{ms % 1000:03d}".rstrip("0")
    return f"{moment}.{fraction}Z" if fraction else f"{moment}Z"


def _status(store: LogStore, index: int, final: int) -> int:
    return PROCESSING if index in store.processing() else final


def _cache_debug(store: LogStore, row: dict[str, Any]) -> dict[str, Any] | None:
    route = ROUTES[row["route"]]
    outcome = row["cache"]
    if outcome == CACHE_NONE:
        return None
    family, variant = row["family"], row["variant"]
    if outcome == CACHE_DIRECT:
        return {
            "cache_hit": True,
            "cache_id": store.cache_id(family, variant, route.model),
            "hit_type": "direct",
            "requested_provider": route.provider,
            "requested_model": route.model,
            "cache_hit_latency": row["hit_latency"],
        }
    if outcome == CACHE_SEMANTIC:
        return {
            "cache_hit": True,
            "cache_id": store.cache_id(family, 0, route.model),
            "hit_type": "semantic",
            "requested_provider": route.provider,
            "requested_model": route.model,
            "provider_used": EMBEDDING_PROVIDER,
            "model_used": EMBEDDING_MODEL,
            "input_tokens": row["lookup_tokens"],
            "threshold": round(row["threshold"], 4),
            "similarity": round(row["similarity"], 4),
            "cache_hit_latency": row["hit_latency"],
        }
    miss: dict[str, Any] = {
        "cache_hit": False,
        "cache_id": store.cache_id(family, variant, route.model),
    }
    if outcome == CACHE_LOOKUP_MISS:
        miss["provider_used"] = EMBEDDING_PROVIDER
        miss["model_used"] = EMBEDDING_MODEL
        miss["input_tokens"] = row["lookup_tokens"]
    return miss


def _input(route_object: str, prompt: str, topic: str) -> dict[str, Any]:
    if route_object == "responses":
        return {"responses_input_history": [{"type": "message", "role": "user", "content": prompt}]}
    if route_object in ("embedding", "text.completion"):
        return {"input_history": [{"role": "user", "content": prompt}]}
    return {
        "input_history": [
            {"role": "system", "content": f"You are a helpful assistant for the {topic} team."},
            {"role": "user", "content": prompt},
        ]
    }


def _output(route_object: str, answer: str, tools: bool, index: int) -> dict[str, Any]:
    if route_object == "responses":
        return {
            "responses_output": [
                {
                    "type": "message",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": answer}],
                }
            ]
        }
    if route_object == "embedding":
        rng = np.random.default_rng(index)
        vector = [round(float(v), 6) for v in rng.normal(0, 0.05, 8)]
        return {"embedding_output": [{"index": 0, "embedding": vector}]}
    if tools:
        call = {
            "id": f"call_{index:08x}",
            "type": "function",
            "function": {"name": "lookup_order", "arguments": '{"order_number":"A-1042"}'},
        }
        return {
            "output_message": {"role": "assistant", "content": None, "tool_calls": [call]},
            "tool_calls": [call],
        }
    return {"output_message": {"role": "assistant", "content": answer}}


def _error_details(
    row: dict[str, Any], route_provider: str, model: str, kind: str
) -> dict[str, Any]:
    status, message, code, error_type = ERRORS[row["error"]]
    error: dict[str, Any] = {"type": error_type, "message": message}
    if code:
        error["code"] = code
    return {
        "is_bifrost_error": False,
        "status_code": status,
        "error": error,
        "extra_fields": {
            "provider": route_provider,
            "original_model_requested": model,
            "request_type": _REQUEST_TYPES.get(kind, kind),
        },
    }


def entry_json(store: LogStore, index: int, *, detail: bool = True) -> dict[str, Any]:
    """Entry ``index`` whole, as ``GET /api/logs/{id}`` answers it (``detail=False``: without
    what list rows leave out, see :func:`list_row`)."""
    row = store.row(index)
    route = ROUTES[row["route"]]
    status = _status(store, index, row["status"])
    timestamp = rfc3339(store.timestamp_ms(index))
    key_suffix, key_name = KEYS[row["key"]]
    key_id, key_label = f"{route.provider}-{key_suffix}", f"{route.provider}-{key_name}"
    vk = VIRTUAL_KEYS[row["virtual_key"]] if row["virtual_key"] >= 0 else None
    rule = ROUTING_RULES[0] if route.provider == "azure" and route.object != "embedding" else None
    family, variant = row["family"], row["variant"]
    prompt = prompt_text(family, variant)
    topic = TOPICS[family // 6]
    tools = row["cache"] == CACHE_NONE and route.object == "chat.completion"
    retries = 1 if status == ERROR and ERRORS[row["error"]][0] == 429 else 0
    body: dict[str, Any] = {
        "id": store.id_at(index),
        "parent_request_id": None,
        "timestamp": timestamp,
        "object": route.object,
        "provider": route.provider,
        "model": route.model,
        "number_of_retries": retries,
        "fallback_index": 0,
        "selected_key_id": key_id,
        "selected_key_name": key_label,
        "virtual_key_id": vk[0] if vk else None,
        "virtual_key_name": vk[1] if vk else None,
        "routing_rule_id": rule[0] if rule else None,
        "routing_rule_name": rule[1] if rule else None,
        "selected_prompt_name": None,
        "selected_prompt_version": None,
        "selected_prompt_id": None,
        "user_id": None,
        "user_name": None,
        "team_id": None,
        "team_name": None,
        "customer_id": None,
        "customer_name": None,
        "business_unit_id": None,
        "business_unit_name": None,
        "status": STATUSES[status],
        "stream": bool(row["stream"]),
        "raw_request": "",
        "raw_response": "",
        "is_large_payload_request": False,
        "is_large_payload_response": False,
        "content_hidden": False,
        "created_at": timestamp,
        "inc_number": index + 1,
    }
    if route.canonical:
        body["canonical_model_name"] = route.canonical
    terminal = status != PROCESSING
    if terminal:
        body["latency"] = round(row["latency"], 2)
        if row["cost"] > 0:
            body["cost"] = row["cost"]
    if status == SUCCESS and route.object != "embedding":
        reason = 2 if tools else (1 if row["completion_tokens"] >= 400 else 0)
        body["stop_reason"] = STOP_REASONS[reason]
    body["content_summary"] = prompt
    body.update(_input(route.object, prompt, topic))
    if status == SUCCESS and detail:
        body.update(_output(route.object, answer_text(family), tools, index))
    if route.object != "embedding" and detail:
        body["params"] = {"temperature": 0.2, "max_tokens": 512}
    if tools and detail:
        body["tools"] = [_TOOL]
    if terminal and status != ERROR:
        usage: dict[str, Any] = {"prompt_tokens": row["prompt_tokens"]}
        if route.object != "embedding":
            usage["completion_tokens"] = row["completion_tokens"]
        usage["total_tokens"] = row["prompt_tokens"] + row["completion_tokens"]
        if status == CANCELLED and usage["total_tokens"] == 0:
            usage = {}
        if usage:
            body["token_usage"] = usage
    if status == ERROR and detail:
        body["error_details"] = _error_details(row, route.provider, route.model, route.object)
    if terminal:
        cache = _cache_debug(store, row)
        if cache is not None:
            body["cache_debug"] = cache
    body["metadata"] = {"env": ENVIRONMENTS[row["env"]]}
    if route.object != "embedding" and status == SUCCESS and detail:
        body["raw_request"] = json.dumps(
            {"model": route.model, "messages": [{"role": "user", "content": prompt}]},
            separators=(",", ":"),
        )
    body["selected_key"] = {"id": key_id, "name": key_label, "models": [], "weight": 1}
    if vk:
        body["virtual_key"] = {"id": vk[0], "name": vk[1], "is_active": True}
    if rule:
        body["routing_rule"] = {"id": rule[0], "name": rule[1]}
    return body


def list_row(store: LogStore, index: int) -> dict[str, Any]:
    """Entry ``index`` as a list row: heavy columns left out (``raw_request``/``raw_response``
    are ""), the input history cut to its last message, the summary cut short."""
    body = entry_json(store, index, detail=False)
    for name in ("input_history", "responses_input_history"):
        if name in body:
            body[name] = body[name][-1:]
    if len(body.get("content_summary", "")) > SUMMARY_LIMIT:
        body["content_summary"] = body["content_summary"][:SUMMARY_LIMIT]
    return body


def ws_payload(store: LogStore, index: int) -> dict[str, Any]:
    """Entry ``index`` as the WebSocket feed sends it (W2: trimmed, ``cache_debug`` nil'd)."""
    body = list_row(store, index)
    body.pop("cache_debug", None)
    return body
