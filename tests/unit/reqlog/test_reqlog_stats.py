"""Stats in words: hit rate from the gateway's counters, comparison, old and hostile shapes."""

from __future__ import annotations

import math
from typing import Any

import pytest

from mpilot_tui.api.log_models import LogStats
from mpilot_tui.reqlog import stats_lines

SAMPLE = {"total_requests": 120, "success_rate": 97.5, "user_facing_success_rate": 99.1,
          "user_facing_total_requests": 110, "average_latency": 843.2, "total_tokens": 53211,
          "prompt_tokens": 40110, "completion_tokens": 13101, "total_cost": 0.4123,
          "cache_hit_rate_total_requests": 118, "direct_cache_hits": 7,
          "semantic_cache_hits": 3, "has_previous_period": False}  # fmt: skip


def lines(raw: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, str]:
    stats = LogStats.model_validate(raw)
    before = LogStats.model_validate(previous) if previous is not None else None
    return {line.key: line.text() for line in stats_lines(stats, before)}


def test_hit_rate_is_hits_over_the_terminal_count() -> None:
    stats = LogStats.model_validate(SAMPLE)
    assert stats.hit_rate == pytest.approx(10 / 118)
    got = lines(SAMPLE)
    assert got["hit_rate"] == "Cache hit rate: 8.5 %"
    assert got["direct"] == "Direct hits: 7 (5.9 % of terminal requests)"
    assert got["semantic"] == "Semantic hits: 3 (2.5 % of terminal requests)"
    assert got["total"] == "Total requests: 120"
    assert got["success_rate"] == "Success rate: 97.5 %"  # a percentage already
    assert got["total_cost"] == "Total cost: $0.4123"
    assert got["prompt_tokens"] == "Prompt tokens: 40,110"


def test_no_cache_rows_means_zero_hits_not_unknown() -> None:
    raw = {k: v for k, v in SAMPLE.items() if not k.endswith("_cache_hits")}
    got = lines(raw)
    assert got["hit_rate"] == "Cache hit rate: 0.0 %"
    assert got["direct"].startswith("Direct hits: 0")


def test_an_old_gateway_without_cache_counters_says_so() -> None:
    old = {"total_requests": 5, "success_rate": 80.0, "average_latency": 10.0,
           "total_tokens": 50, "total_cost": 0.0}  # fmt: skip
    got = lines(old)
    assert "not reported" in got["hit_rate"]
    assert "direct" not in got and "prompt_tokens" not in got


def test_comparison_with_the_previous_period() -> None:
    previous = {**SAMPLE, "direct_cache_hits": 2, "semantic_cache_hits": 3,
                "total_requests": 100, "success_rate": 95.0}  # fmt: skip
    got = lines({**SAMPLE, "has_previous_period": True, "previous": previous})
    assert got["hit_rate"] == "Cache hit rate: 8.5 % (previous period 4.2 %, +4.2 pts)"
    assert got["total"] == "Total requests: 120 (previous period 100, +20 %)"
    assert got["success_rate"].endswith("(previous period 95.0 %, +2.5 pts)")
    # an explicit previous wins over the embedded one
    explicit = lines(SAMPLE, {**SAMPLE, "total_requests": 0})
    assert explicit["total"] == "Total requests: 120 (previous period 0, new)"


@pytest.mark.parametrize(
    "hostile",
    [
        {
            "total_requests": "many",
            "success_rate": math.nan,
            "cache_hit_rate_total_requests": 0,
            "direct_cache_hits": 5,
        },
        {
            "total_requests": 1e400,
            "average_latency": -math.inf,
            "total_cost": "free",
            "direct_cache_hits": True,
            "previous": "nope",
            "has_previous_period": "yes",
        },
        {"cache_hit_rate_total_requests": -3, "semantic_cache_hits": 2**70},
        {},
    ],
)
def test_hostile_stats_never_crash(hostile: dict[str, Any]) -> None:
    stats = LogStats.model_validate(hostile)
    for line in stats_lines(stats, LogStats.model_validate(hostile)):
        assert isinstance(line.text(), str)
    assert stats.hit_rate is None or stats.hit_rate >= 0
