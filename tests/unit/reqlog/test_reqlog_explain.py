"""The cache explanation of a request-log entry: every kind of hit and miss, hostile values."""

from __future__ import annotations

import math
from typing import Any

import pytest

from mpilot_tui.api.log_models import LogEntry
from mpilot_tui.reqlog import (
    cache_column,
    cache_outcome,
    explain_cache,
    hit_latency,
    median_miss_latency,
    similarity_bar,
    time_saved,
)

DIRECT = {"cache_hit": True, "hit_type": "direct", "cache_id": "c-1",
          "requested_provider": "openai", "requested_model": "gpt-4o-mini"}  # fmt: skip
SEMANTIC = {"cache_hit": True, "hit_type": "semantic", "cache_id": "c-2", "similarity": 0.93,
            "threshold": 0.85, "provider_used": "openai", "model_used": "text-embedding-3-small",
            "input_tokens": 18, "cache_hit_latency": 12}  # fmt: skip
LOOKUP_MISS = {"cache_hit": False, "cache_id": "c-3", "provider_used": "openai",
               "model_used": "text-embedding-3-small", "input_tokens": 40}  # fmt: skip
PLAIN_MISS = {"cache_hit": False, "cache_id": "c-4"}


def entry(cache: Any = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": "log-1", "model": "gpt-4o-mini", "provider": "openai",
                            "latency": 900.0, **fields}  # fmt: skip
    if cache is not None:
        body["cache_debug"] = cache
    return body


def test_direct_hit() -> None:
    got = explain_cache(entry(DIRECT, latency=3.0), median_miss_latency_ms=800.0)
    assert got.outcome == "direct" and got.badge == "HIT direct" and got.is_hit
    assert got.lines[0].startswith("HIT (direct)")
    assert "cache id c-1" in got.lines
    assert got.saved_ms == pytest.approx(797.0)
    assert any("797 ms saved" in line for line in got.lines)


def test_semantic_hit_says_margin_bar_embedding_and_saving() -> None:
    got = explain_cache(entry(SEMANTIC), median_miss_latency_ms=1000.0)
    assert got.badge == "HIT semantic 0.93"
    assert got.similarity == 0.93 and got.threshold == 0.85
    assert got.margin == pytest.approx(0.08)
    text = "\n".join(got.lines)
    assert "similarity 0.9300 vs threshold 0.8500: 0.0800 above" in text
    assert "embedding model openai/text-embedding-3-small, 18 input tokens" in text
    # the hit's latency as the log recorded it (the LATENCY column) against the median miss
    assert got.saved_ms == pytest.approx(100.0)
    assert "latency 900 ms vs median miss 1000 ms for this model: 100 ms saved" in text
    assert "of which the cache lookup took 12 ms" in text  # cache_hit_latency, as a fact
    assert similarity_bar(0.93, 0.85) in got.lines


def test_semantic_hit_of_the_old_generation() -> None:
    old = {"cache_hit": True, "cache_hit_type": "semantic", "cache_similarity": 0.9,
           "cache_threshold": 0.8}  # fmt: skip
    got = explain_cache(entry(old))
    assert got.outcome == "semantic" and got.badge == "HIT semantic 0.90"
    assert got.margin == pytest.approx(0.1)


def test_hit_without_a_type() -> None:
    assert cache_column(entry({"cache_hit": True})) == "HIT"
    assert explain_cache(entry({"cache_hit": True})).outcome == "hit"


def test_miss_after_an_embedding_lookup() -> None:
    got = explain_cache(entry(LOOKUP_MISS))
    assert got.outcome == "miss" and got.badge == "miss" and not got.is_hit
    assert "embedding lookup ran" in got.lines[1]
    assert "embedding model openai/text-embedding-3-small, 40 input tokens" in got.lines
    assert got.saved_ms is None


def test_miss_without_a_lookup() -> None:
    got = explain_cache(entry(PLAIN_MISS))
    assert got.lines[1].startswith("No embedding lookup ran")
    assert "cache id c-4" in got.lines


def test_miss_below_the_threshold_when_the_gateway_says_so() -> None:
    near = {**LOOKUP_MISS, "similarity": 0.79, "threshold": 0.8}
    got = explain_cache(entry(near))
    assert "scored 0.7900, below the threshold 0.8000" in got.lines[1]
    assert got.margin == pytest.approx(-0.01)
    assert any("0.0100 below" in line for line in got.lines)


def test_skipped_cache_with_tools() -> None:
    got = explain_cache(entry(None, tools=[{"type": "function"}]))
    assert got.outcome == "skipped" and got.badge == ""
    assert "skipped the cache" in got.lines[0]
    assert "tool use" in got.lines[1]


def test_hit_latency_is_the_logged_latency_and_cache_hit_latency_only_without_it() -> None:
    assert hit_latency(entry(SEMANTIC, latency=41.5)) == 41.5
    assert hit_latency(entry(SEMANTIC, latency=None)) == 12  # cache_hit_latency
    assert time_saved(entry(SEMANTIC, latency=41.5), 541.5) == pytest.approx(500.0)
    assert time_saved(entry(LOOKUP_MISS), 500.0) is None  # a miss saves nothing
    assert time_saved(entry(DIRECT, latency=3.0), None) is None
    got = explain_cache(entry(SEMANTIC, latency=None), median_miss_latency_ms=112.0)
    assert got.saved_ms == pytest.approx(100.0)
    assert not any("of which the cache lookup" in line for line in got.lines)


@pytest.mark.parametrize(
    ("status", "first"),
    [
        ("success", "MISS: the answer came from the provider."),
        ("error", "MISS: the request went to the provider, which failed (see its error)."),
        ("cancelled", "MISS: the request went to the provider and was cancelled there."),
    ],
)
def test_a_miss_says_what_the_provider_did(status: str, first: str) -> None:
    assert explain_cache(entry(PLAIN_MISS, status=status)).lines[0] == first


def test_no_cache_debug_while_in_flight_is_not_a_skip_and_a_failure_says_so() -> None:
    flying = explain_cache(entry(None, status="processing"))
    assert flying.in_flight and flying.outcome == "skipped"
    assert flying.lines[0].startswith("In flight: the gateway records what the cache did")
    failed = explain_cache(entry(None, status="error", tools=[{"type": "function"}]))
    assert not failed.in_flight
    assert "the request failed: it skipped the cache, or ended before" in failed.lines[0]
    assert "tool use" in failed.lines[1]


def test_hit_without_misses_to_compare() -> None:
    got = explain_cache(entry(DIRECT, latency=2.0))
    assert any("no misses of this model loaded" in line for line in got.lines)


@pytest.mark.parametrize(
    "hostile",
    [
        {"cache_hit": "yes", "similarity": "0.9"},
        {"cache_hit": True, "hit_type": "semantic", "similarity": math.nan, "threshold": 1e400},
        {"cache_hit": True, "hit_type": 7, "similarity": [1], "threshold": {"x": 1}},
        {"cache_hit": False, "input_tokens": "many", "cache_id": 5, "model_used": None},
        {"cache_hit": True, "hit_type": "semantic", "similarity": 1e308, "threshold": -1e308},
        "not an object",
        [],
        {"cache_hit": True, "hit_type": "direct", "cache_id": "\x1b[31mred\x07" * 50},
    ],
)
def test_hostile_cache_debug_never_crashes(hostile: Any) -> None:
    raw = entry(hostile, latency="slow", model=None)
    got = explain_cache(raw, median_miss_latency_ms=math.inf)
    assert isinstance(got.badge, str)
    for line in got.lines:
        assert "\x1b" not in line and "\x07" not in line
        assert len(line) < 400
    assert isinstance(cache_column(raw), str)
    assert explain_cache(LogEntry.model_validate(raw)).outcome == got.outcome


def test_hostile_values_are_dropped_not_fatal() -> None:
    model = LogEntry.model_validate(
        {"id": 12, "latency": "NaN", "cost": 1e400, "token_usage": {"total_tokens": "x"},
         "cache_debug": {"cache_hit": True, "hit_type": "semantic", "similarity": math.nan}}
    )  # fmt: skip
    assert model.id == "12" and model.latency is None and model.cost is None
    assert model.total_tokens is None and model.latency_us is None
    assert cache_column(model) == "HIT semantic"


def test_similarity_bar_marks_the_threshold() -> None:
    assert similarity_bar(0.5, 0.75, width=8) == "[####..|.]"
    assert similarity_bar(2.0, None, width=4) == "[####]"
    assert similarity_bar(-1.0, 5.0, width=4) == "[....]"


def test_median_miss_latency_counts_misses_of_the_model_only() -> None:
    rows = [
        entry(PLAIN_MISS, latency=100.0),
        entry(LOOKUP_MISS, latency=300.0),
        entry(PLAIN_MISS, latency=1e6, model="other"),
        entry(DIRECT, latency=1.0),
        entry(None, latency=50.0),
        entry(PLAIN_MISS, latency="bad"),
    ]
    assert median_miss_latency(rows, "gpt-4o-mini") == 200.0
    assert median_miss_latency(rows, "nobody") is None
    rows.append(entry(PLAIN_MISS, latency=5000.0, provider="azure"))
    assert median_miss_latency(rows, "gpt-4o-mini", "openai") == 200.0  # azure's not counted
    assert median_miss_latency(rows, "gpt-4o-mini", "azure") == 5000.0
    assert [cache_outcome(r) for r in rows[:5]] == ["miss", "miss", "miss", "direct", "skipped"]
