"""The request log summary's median and p95 (numpy, off the GIL), and the median of counted
scores, match what the statistics module and a sorted list gave before."""

from __future__ import annotations

import statistics
from array import array

from hypothesis import given
from hypothesis import strategies as st

from mpilot_tui.reqlog.cache_stats import median_and_p95, weighted_median

latencies = st.lists(
    st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False), min_size=1
)


@given(latencies)
def test_median_and_p95_match_a_sorted_list(values: list[float]) -> None:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    assert median_and_p95(values) == (statistics.median(values), p95)


@given(st.lists(st.integers(-(2**31), 2**31 - 1), min_size=1), st.sampled_from("iq"))
def test_integer_arrays_are_read_in_place_without_overflow(values: list[int], code: str) -> None:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    assert median_and_p95(array(code, values)) == (statistics.median(values), p95)


def test_small_cases() -> None:
    assert median_and_p95([5.0]) == (5.0, 5.0)
    assert median_and_p95([1.0, 3.0]) == (2.0, 3.0)
    assert median_and_p95([float(n) for n in range(1, 101)]) == (50.5, 95.0)


@given(st.dictionaries(st.floats(0, 1), st.integers(1, 50), min_size=1))
def test_weighted_median_is_the_median_of_the_values_written_out(
    counts: dict[float, int],
) -> None:
    written = [value for value, count in counts.items() for _ in range(count)]
    assert weighted_median(counts) == statistics.median(written)


def test_weighted_median_small_cases() -> None:
    assert weighted_median({0.9: 1}) == 0.9
    assert weighted_median({0.5: 1, 0.7: 1}) == 0.6
    assert weighted_median({0.2: 3, 0.8: 1}) == 0.2
    assert weighted_median({0.2: 2, 0.8: 2}) == 0.5
