"""The request detail's cache section explains each kind of hit and miss, safely."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console

from mpilot_tui.api.log_models import LogEntry
from mpilot_tui.ui.widgets.request_detail import render_request


def shown(entry: dict[str, Any], median: float | None = None, whole: bool = True) -> str:
    console = Console(width=110, record=True, color_system=None)
    body = render_request(
        LogEntry.model_validate(entry), median_miss_ms=median, whole=whole, title="Request"
    )
    console.print(body)
    return console.export_text()


BASE: dict[str, Any] = {
    "id": "log-1",
    "timestamp": "2026-10-15T11:00:00Z",
    "object": "chat.completion",
    "provider": "openai",
    "model": "gpt-4o-mini",
    "status": "success",
    "latency": 12.5,
    "cost": 0.0001,
    "token_usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
}


def test_semantic_hit_shows_similarity_against_threshold_with_margin_and_time_saved() -> None:
    text = shown(
        {
            **BASE,
            "cache_debug": {
                "cache_hit": True, "hit_type": "semantic", "similarity": 0.91,
                "threshold": 0.85, "cache_id": "c-42", "provider_used": "openai",
                "model_used": "text-embedding-3-small", "input_tokens": 33,
            },
        },
        median=900.0,
    )  # fmt: skip
    assert "HIT" in text and "semantic" in text
    assert "similarity 0.9100 vs threshold 0.8500" in text
    assert "margin +0.0600" in text
    assert "cache id c-42" in text
    assert "openai/text-embedding-3-small, 33 input tokens" in text
    assert "vs median miss 900 ms" in text and "saved" in text
    # The cache section comes first, before the request's own fields.
    assert text.index("Cache") < text.index("provider/model")


def test_direct_hit_says_the_same_request_was_served() -> None:
    text = shown({**BASE, "cache_debug": {"cache_hit": True, "hit_type": "direct"}}, 800.0)
    assert "HIT (direct): the same request" in text
    assert "similarity" not in text


def test_hit_without_misses_to_compare_says_so() -> None:
    text = shown({**BASE, "cache_debug": {"cache_hit": True, "hit_type": "direct"}})
    assert "no misses of this model loaded to compare" in text


@pytest.mark.parametrize(
    ("debug", "reason"),
    [
        ({"cache_hit": False, "similarity": 0.7, "threshold": 0.8},
         "scored 0.7000, below the threshold 0.8000"),
        ({"cache_hit": False, "model_used": "text-embedding-3-small", "input_tokens": 12},
         "An embedding lookup ran but found no cached request close enough"),
        ({"cache_hit": False, "cache_id": "c-1"}, "No embedding lookup ran"),
    ],
    ids=["below-threshold", "lookup-no-score", "no-lookup"],
)  # fmt: skip
def test_each_miss_says_why(debug: dict[str, Any], reason: str) -> None:
    text = shown({**BASE, "cache_debug": debug})
    assert "MISS" in text
    assert reason in text


def test_below_threshold_bar_shows_a_negative_margin() -> None:
    text = shown({**BASE, "cache_debug": {"cache_hit": False, "similarity": 0.7,
                                          "threshold": 0.8}})  # fmt: skip
    assert "margin -0.1000" in text


def test_skipped_cache_names_tool_use() -> None:
    text = shown({**BASE, "tools": [{"type": "function", "function": {"name": "f"}}]})
    assert "NO CACHE" in text and "skipped the cache" in text and "tool use" in text


def test_list_row_says_the_whole_entry_is_coming_and_errors_are_shown() -> None:
    text = shown(
        {**BASE, "status": "error",
         "error_details": {"error": {"message": "upstream timed out"}}},
        whole=False,
    )  # fmt: skip
    assert "fetching the whole entry" in text
    assert "Error" in text and "upstream timed out" in text


def test_gateway_text_cannot_drive_the_terminal() -> None:
    evil = "\x1b]52;c;ZXZpbA==\x07\x1b[2Jboom"
    text = shown(
        {**BASE, "model": evil, "input_history": [{"role": "user", "content": evil}],
         "cache_debug": {"cache_hit": False, "cache_id": evil}},
    )  # fmt: skip
    assert "\x1b" not in text and "\x07" not in text
    assert "boom" in text


def test_odd_numbers_do_not_crash() -> None:
    text = shown(
        {**BASE, "latency": "fast", "cost": 1e400,
         "cache_debug": {"cache_hit": True, "hit_type": "semantic", "similarity": 8.9e306,
                         "threshold": float("nan")}},
    )  # fmt: skip
    assert "HIT" in text
