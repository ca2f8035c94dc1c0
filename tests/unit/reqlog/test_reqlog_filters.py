"""LogFilters: gateway parameters, the loaded-row filter, chips, clearing, bad input."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from mpilot_tui.reqlog import MAX_CHIPS, LogFilters, parse_time
from mpilot_tui.reqlog.filters import rfc3339, with_end_time

END = 1_792_065_600.25  # 2026-10-15T12:00:00.250Z


def test_no_filters_send_only_the_fixed_end() -> None:
    assert LogFilters().to_params(END) == {"end_time": "2026-10-15T12:00:00.250Z"}
    assert LogFilters().to_params(None) == {}


@pytest.mark.parametrize(
    ("cache", "sent"),
    [("hits", "direct,semantic"), ("direct", "direct"), ("semantic", "semantic"),
     ("misses", None), ("any", None)],
)  # fmt: skip
def test_cache_hits_go_to_the_gateway_misses_stay_local(cache: Any, sent: str | None) -> None:
    filters = LogFilters(cache=cache)
    assert filters.to_params(None).get("cache_hit_types") == sent
    assert filters.is_local() is (sent is None)


def test_every_filter_becomes_its_parameter() -> None:
    filters = LogFilters(
        status="error, success", provider="openai", model="gpt-4o,o4-mini", object="embedding",
        since="2026-10-01T00:00:00.000Z", until="2026-10-02T00:00:00.000Z", search="refund",
        min_latency=10, max_latency=2500.5, sort_by="latency", order="asc",
    )  # fmt: skip
    assert filters.to_params(END) == {
        "status": "error,success",
        "providers": "openai",
        "models": "gpt-4o,o4-mini",
        "objects": "embedding",
        "start_time": "2026-10-01T00:00:00.000Z",
        "end_time": "2026-10-02T00:00:00.000Z",  # until is earlier than the fixed end
        "content_search": "refund",
        "min_latency": "10",
        "max_latency": "2500.5",
        "sort_by": "latency",
        "order": "asc",
    }


def test_the_fixed_end_wins_over_a_later_until() -> None:
    params = LogFilters(until="2030-01-01T00:00:00.000Z").to_params(END)
    assert params["end_time"] == rfc3339(END)


def test_a_period_sends_no_bounds() -> None:
    params = LogFilters(period="24h", since="2026-10-01T00:00:00Z").to_params(END)
    assert params == {"period": "24h"}
    assert with_end_time({"period": "1h"}, END) == {"period": "1h"}


def test_keep_filters_the_loaded_rows() -> None:
    hit = {"id": "a", "cache_debug": {"cache_hit": True, "hit_type": "direct"}}
    miss = {"id": "b", "cache_debug": {"cache_hit": False}}
    skipped = {"id": "c"}
    rows: list[dict[str, Any]] = [hit, miss, skipped]
    assert [r["id"] for r in rows if LogFilters(cache="misses").keep(r)] == ["b"]
    assert [r["id"] for r in rows if LogFilters(cache="any").keep(r)] == ["a", "b"]
    assert all(LogFilters(cache="hits").keep(r) for r in rows)  # the gateway filtered them
    assert all(LogFilters().keep(r) for r in rows)


def test_chips_and_clearing_each_one() -> None:
    filters = LogFilters(
        cache="misses", status="error", provider="openai", model="m", object="embedding",
        since="2026-10-01T00:00:00.000Z", until="2026-10-02T00:00:00.000Z", search="x",
        min_latency=1, max_latency=2, sort_by="cost", order="asc",
    )  # fmt: skip
    chips = filters.chips()
    assert chips[0] == ("cache", "cache: misses (loaded rows)")
    assert ("object", "type: embedding") in chips
    assert ("sort", "sort: cost asc") in chips
    assert filters.active
    for key, _ in chips:
        cleared = filters.cleared(key)
        assert key not in [k for k, _ in cleared.chips()]
        assert len(cleared.chips()) == len(chips) - 1
    assert filters.cleared("sort").order is None
    assert filters.cleared("nonsense") == filters
    empty = LogFilters()
    for f in fields(LogFilters):
        empty = empty.cleared(f.name)
    assert empty.chips() == [] and not empty.active


def test_a_period_hides_since_and_until_in_the_time_chip() -> None:
    filters = LogFilters(period="7d", since="2026-10-01T00:00:00Z")
    assert filters.chips() == [("time", "last 7d")]
    assert filters.cleared("time") == LogFilters()


def test_one_chip_for_each_filter_and_a_short_label_that_keeps_the_value() -> None:
    filters = LogFilters(
        cache="any", status="error", provider="openai", model="gpt-4o-mini",
        object="chat.completion", since="2026-10-01T08:30:00.000Z",
        until="2026-10-02T00:00:00.000Z", search="sentiment analysis", min_latency=10,
        max_latency=5000, sort_by="latency", order="asc",
    )  # fmt: skip
    chips, short = filters.chips(), filters.chips(short=True)
    assert len(chips) == MAX_CHIPS and [k for k, _ in chips] == [k for k, _ in short]
    assert dict(chips)["time"] == "since 2026-10-01T08:30:00.000Z until 2026-10-02T00:00:00.000Z"
    assert dict(chips)["latency"] == "latency 10-5000 ms"
    assert dict(short) == {
        "cache": "cached (loaded)", "status": "error", "provider": "openai",
        "model": "gpt-4o-mini", "object": "chat.completion", "time": "from 2026-10-01 08:30"
        " until 2026-10-02", "search": '"sentiment a…"', "latency": "10-5000ms",
        "sort": "latency↑",
    }  # fmt: skip
    assert dict(LogFilters(min_latency=10).chips(short=True)) == {"latency": "≥10ms"}
    assert dict(LogFilters(max_latency=50).chips()) == {"latency": "latency ≤ 50 ms"}
    assert filters.cleared("latency").min_latency is None
    assert filters.cleared("latency").max_latency is None


def test_chips_show_hostile_text_safely() -> None:
    chips = LogFilters(search="\x1b]52;c;evil\x07" + "x" * 500).chips()
    label = chips[0][1]
    assert "\x1b" not in label and "\x07" not in label and len(label) < 80


@pytest.mark.parametrize(
    "bad",
    [
        {"cache": "maybe"}, {"status": "ok"}, {"status": "success,nope"}, {"period": "2h"},
        {"sort_by": "name"}, {"order": "up"}, {"min_latency": float("nan")},
        {"max_latency": float("inf")}, {"min_latency": -1}, {"min_latency": 5, "max_latency": 1},
    ],
)  # fmt: skip
def test_bad_filters_are_refused_clearly(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"must|above"):
        LogFilters(**bad)


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("2026-10-15T12:00:00Z", "2026-10-15T12:00:00.000Z"),
        ("2026-10-15T14:00:00+02:00", "2026-10-15T12:00:00.000Z"),
        ("2026-10-15", "2026-10-15T00:00:00.000Z"),
        ("2026-10-15 12:00:00.5", "2026-10-15T12:00:00.500Z"),
    ],
)
def test_parse_time(text: str, sent: str) -> None:
    assert parse_time(text) == sent


@pytest.mark.parametrize("bad", ["yesterday", "", "2026-13-01", "\x1b[2J"])
def test_parse_time_refuses_what_is_not_a_time(bad: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601") as caught:
        parse_time(bad)
    assert "\x1b" not in str(caught.value)
