"""The request log summary's median and p95 (numpy, off the GIL) match what the statistics
module and a sorted list gave before."""

from __future__ import annotations

import statistics

from hypothesis import given
from hypothesis import strategies as st

from mpilot_tui.reqlog.cache_stats import median_and_p95

latencies = st.lists(
    st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False), min_size=1
)


@given(latencies)
def test_median_and_p95_match_a_sorted_list(values: list[float]) -> None:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    assert median_and_p95(values) == (statistics.median(values), p95)


def test_small_cases() -> None:
    assert median_and_p95([5.0]) == (5.0, 5.0)
    assert median_and_p95([1.0, 3.0]) == (2.0, 3.0)
    assert median_and_p95([float(n) for n in range(1, 101)]) == (50.5, 95.0)
