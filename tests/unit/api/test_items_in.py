"""items_in: a page's items parsed an item at a time, the same as json.loads would give."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpilot_tui.api.pagination import items_in, items_of

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
envelopes = (
    st.dictionaries(
        st.sampled_from(["logs", "data", "pagination", "has_logs", "lögs", ""]), values, max_size=5
    )
    | values
)
spacing = st.sampled_from([None, 0, 2, "\t", "\r\n "])


def _loads(kind: str, text: str | bytes) -> list[Any]:
    return items_of(kind, json.loads(text))


@settings(max_examples=300)
@given(envelope=envelopes, indent=spacing, kind=st.sampled_from(["requests", "files"]))
def test_the_same_items_as_json_loads(envelope: Any, indent: Any, kind: str) -> None:
    text = json.dumps(envelope, indent=indent, ensure_ascii=False)
    assert items_in(kind, text) == _loads(kind, text)
    assert items_in(kind, text.encode()) == _loads(kind, text.encode())


@given(items=st.lists(st.dictionaries(st.text(), values, max_size=3), max_size=6))
def test_a_repeated_key_keeps_the_last_as_json_loads_does(items: list[Any]) -> None:
    text = '{"logs": [{"id": "first"}], "pagination": {}, "logs": ' + json.dumps(items) + "}"
    assert items_in("requests", text) == items == _loads("requests", text)
    text = '{"logs": [{"id": "first"}], "logs": {"not": "a list"}}'
    assert items_in("requests", text) == [] == _loads("requests", text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        '{"logs": [1, 2,]}',
        '{"logs": [1 2]}',
        '{"logs": [1, 2]',
        '{"logs" [1]}',
        "{logs: [1]}",
        '{"logs": [1]} x',
        '{"logs": [1]}{}',
        '{"logs": [1], }',
        "[1, 2] 3",
        '{"logs": [{"a": tru}]}',
    ],
)
def test_what_json_loads_refuses_is_refused_the_same_way(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as ours:
        items_in("requests", text)
    with pytest.raises(json.JSONDecodeError) as theirs:
        json.loads(text)
    assert str(ours.value) == str(theirs.value)


def test_other_encodings_and_lone_surrogates_pass_as_json_loads_takes_them() -> None:
    body = {"logs": [{"id": "é\ud800", "n": 1}]}
    for raw in (
        json.dumps(body).encode("utf-16"),
        json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass"),
    ):
        assert items_in("requests", raw) == _loads("requests", raw) == body["logs"]
