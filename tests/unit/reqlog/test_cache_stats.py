"""The numbers behind the cache charts, without Textual: buckets, spread, latency lines."""

from __future__ import annotations

import math

import pytest

from mpilot_tui.reqlog.cache_stats import (
    latency_lines,
    p95,
    score_spread,
    similarity_histogram,
)


def test_histogram_buckets_clamps_and_leaves_out_odd_scores() -> None:
    counted = similarity_histogram([0.0, 0.04, 0.05, 0.99, 1.0, 7.0, -3.0], 0.8, buckets=20)
    assert counted.counts[0] == 3, "0, 0.04 and a negative score in the first bucket"
    assert counted.counts[1] == 1
    assert counted.counts[19] == 3, "0.99, 1.0 and a score above 1 in the last"
    assert sum(counted.counts) == 7
    odd = similarity_histogram([math.nan, math.inf, 1e400, "0.5", None, True, 0.5], None)
    assert sum(odd.counts) == 1, "only the finite number counts"
    assert odd.threshold is None and odd.mark is None


def test_histogram_threshold_mark_and_which_buckets_are_above() -> None:
    counted = similarity_histogram([0.5], 0.8, buckets=20)
    assert counted.mark == 16
    assert not counted.above(15) and counted.above(16), "0.80-0.85 lies above 0.8"
    assert counted.above(19)
    assert similarity_histogram([], 9.0).threshold == 2.0, "a far threshold is clamped"
    assert similarity_histogram([], -1e300).mark == -20
    assert similarity_histogram([], math.nan).threshold is None
    assert all(similarity_histogram([0.1], None).above(i) for i in range(20))


def test_histogram_levels_scale_to_the_fullest_bucket() -> None:
    counted = similarity_histogram([0.01] * 8 + [0.51] * 4 + [0.96], None, buckets=20)
    assert counted.level(0, 8) == 7, "the fullest bucket is the top level"
    assert counted.level(10, 8) == 3
    assert counted.level(19, 8) == 0, "one in eight is the lowest level, not nothing"
    assert counted.level(5, 8) == 0 and counted.counts[5] == 0


def test_p95_nearest_rank() -> None:
    assert p95([5.0]) == 5.0
    assert p95([float(n) for n in range(1, 101)]) == 95.0
    assert p95([3.0, 1.0, 2.0]) == 3.0, "sorted first"


def test_score_spread_against_the_threshold() -> None:
    spread = score_spread([0.9, 0.7, 0.85, 0.6], 0.8)
    assert (spread.count, spread.minimum, spread.maximum) == (4, 0.6, 0.9)
    assert spread.median == pytest.approx(0.775)
    assert (spread.above, spread.below, spread.closest_miss) == (2, 2, 0.7)
    assert spread.short_by(0.8) == pytest.approx(0.1)
    none_below = score_spread([0.9, 0.8], 0.8)
    assert none_below.below == 0 and none_below.closest_miss is None
    assert none_below.short_by(0.8) is None
    no_threshold = score_spread([0.2], None)
    assert no_threshold.above is None and no_threshold.below is None


def test_latency_lines_in_order_with_p95_and_gateway_medians() -> None:
    client = {"miss": [100.0, 300.0, 200.0], "hit": [10.0], "none": []}
    gateway = {"miss": [90.0, 110.0]}
    lines = latency_lines(client, gateway)
    assert [line.group for line in lines] == ["hit", "miss"], "hit first; none had no times"
    hit, miss = lines
    assert (hit.client_median, hit.client_p95, hit.gateway_median, hit.requests) == (
        10.0, 10.0, None, 1,
    )  # fmt: skip
    assert (miss.client_median, miss.client_p95, miss.gateway_median, miss.requests) == (
        200.0, 300.0, 100.0, 3,
    )  # fmt: skip
    assert lines[0].label == "hit"
    assert latency_lines({"none": [5.0]}, {})[0].label == "no cache_debug"
    assert latency_lines({}, {}) == []
