"""The row store's compact columns (``listing/columns.py``) against plain lists.

Each column must read back exactly what was put in (index, negative index, slices with and
without a step, iteration, equality), through every switch it makes on the way: a text
column from coded to packed, an integer column from 32 to 64 bits, ids kept apart when
their search text is not them. Sorting a big store by id (numpy over the ids' bytes) must
give the order ``sorted`` gives, ties and all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mpilot_tui.api.models import ExtraFields, FileObject
from mpilot_tui.api.pagination import Page, ResponseMeta
from mpilot_tui.listing import columns as columns_module
from mpilot_tui.listing import rows as rows_module
from mpilot_tui.listing.columns import NARROW_MISSING, IntColumn, TextColumn
from mpilot_tui.listing.rows import MISSING, RowStore, sort_rows

META = ResponseMeta("GET", "http://gateway.test/openai/v1/files", 200, 1.0, 10, 0.0)
TEXTS = st.text(alphabet="aAbß\x00\x01é\ud800 ", max_size=6)
"""Short strings: case, a folding letter, both separators, non-ASCII, a lone surrogate."""
INTS = st.sampled_from([MISSING, NARROW_MISSING, NARROW_MISSING + 1, 2**31 - 1, 2**31,
                        2**63 - 1, -(2**63) + 1, 0, -1]) | st.integers(-5, 5)  # fmt: skip
SLOW = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_reads_as(column: Sequence[Any], model: Sequence[Any]) -> None:
    """Everything a caller may do with a column gives what the list gives."""
    model = list(model)
    assert len(column) == len(model)
    assert list(column) == model
    assert column == model
    for position in range(-len(model), len(model)):
        assert column[position] == model[position]
    for lo in range(-1, len(model) + 2, 2):
        for hi in range(lo, len(model) + 2, 3):
            assert list(column[lo:hi]) == model[lo:hi]
            assert list(column[lo:hi:2]) == model[lo:hi:2]
    with pytest.raises(IndexError):
        column[len(model)]


@contextmanager
def coded_max(value: int) -> Iterator[None]:
    saved = columns_module.CODED_MAX
    columns_module.CODED_MAX = value
    try:
        yield
    finally:
        columns_module.CODED_MAX = saved


@SLOW
@given(
    batches=st.lists(st.lists(TEXTS, max_size=6), max_size=5),
    changes=st.lists(st.tuples(st.integers(0, 40), TEXTS), max_size=4),
    limit=st.sampled_from([2, 4, 1 << 16]),
)
def test_text_column_reads_back_what_it_holds_coded_or_packed(
    batches: list[list[str]], changes: list[tuple[int, str]], limit: int
) -> None:
    with coded_max(limit):
        column, model = TextColumn(), list[str]()
        for batch in batches:
            column.extend(batch)
            model.extend(batch)
            assert_reads_as(column, model)
        for row, value in changes:
            if model:
                column[row % len(model)] = value
                model[row % len(model)] = value
        assert_reads_as(column, model)
        assert column.coded == (len(set(model)) <= limit) or not column.coded


def test_text_column_packs_past_its_distinct_limit_and_keeps_reading() -> None:
    with coded_max(3):
        column = TextColumn(["a", "b", "a"])
        assert column.coded
        column.extend(["c", "d"])  # a fourth distinct value
        assert not column.coded
        column[0] = "élan"  # packed: an in-place change of another length
        assert_reads_as(column, ["élan", "b", "a", "c", "d"])


@SLOW
@given(
    batches=st.lists(st.lists(INTS, max_size=6), max_size=4),
    changes=st.lists(st.tuples(st.integers(0, 30), INTS), max_size=4),
)
def test_int_column_reads_back_what_it_holds_narrow_or_wide(
    batches: list[list[int]], changes: list[tuple[int, int]]
) -> None:
    column, model = IntColumn(), list[int]()
    for batch in batches:
        column.extend(batch)
        model.extend(batch)
    for row, value in changes:
        if model:
            column[row % len(model)] = value
            model[row % len(model)] = value
    assert_reads_as(column, model)
    for lo, hi in ((0, len(model)), (1, len(model) - 1), (2, 3)):
        expected = [None if n == MISSING else n for n in model[lo:hi]]
        assert column.values_or_none(lo, hi) == expected, "what a CSV writes"
    fits = all(n == MISSING or NARROW_MISSING < n < 2**31 for n in model)
    assert fits or column.typecode == "q", "a value past 32 bits widens (and it stays wide)"
    if not changes:
        assert column.typecode == ("i" if fits else "q"), "narrow while every value fits"
    keys = column.keys()
    assert sorted(range(len(model)), key=model.__getitem__) == sorted(
        range(len(model)), key=lambda row: int(keys[row])
    ), "MISSING sorts first in either width"


def test_a_real_value_equal_to_the_narrow_sentinel_widens_the_column() -> None:
    column = IntColumn([1, MISSING])
    assert column.typecode == "i"
    column.extend([NARROW_MISSING])  # a value, not MISSING
    assert column.typecode == "q"
    assert list(column) == [1, MISSING, NARROW_MISSING]


IDS = st.text(alphabet="aAbBßxX\x00\x01é\ud800-", max_size=5) | st.sampled_from(
    ["", "f" * 70, "F" * 65, "file-1", "FILE-1"]
)
"""Ids a hostile gateway might send: case, folding, separators, empty, too long to key."""


def page_of(ids: list[str], names: list[str]) -> Page[FileObject]:
    items = [
        FileObject(id=file_id, filename=name, bytes=len(name), purpose="p")
        for file_id, name in zip(ids, names, strict=True)
    ]
    body = {"object": "list", "data": [item.model_dump() for item in items], "has_more": True}
    return Page("files", items, True, "next", None, ExtraFields(), META,
                json.dumps(body).encode("utf-8", "surrogatepass"))  # fmt: skip


@contextmanager
def numpy_paths() -> Iterator[None]:
    names = ("NUMPY_ROWS", "KEY_ROWS")
    saved = [getattr(rows_module, name) for name in names]
    rows_module.NUMPY_ROWS, rows_module.KEY_ROWS = 0, 2
    try:
        yield
    finally:
        for name, value in zip(names, saved, strict=True):
            setattr(rows_module, name, value)


@SLOW
@given(
    pages=st.lists(st.lists(st.tuples(IDS, TEXTS), max_size=6), min_size=1, max_size=4),
    reverse=st.booleans(),
)
def test_ids_read_back_and_sort_as_sorted_does(
    pages: list[list[tuple[str, str]]], reverse: bool
) -> None:
    store, ids, names = RowStore("files"), list[str](), list[str]()
    for page in pages:
        page_ids, page_names = [i for i, _ in page], [n for _, n in page]
        store.append_page(page_of(page_ids, page_names))
        ids += page_ids
        names += page_names
    assert_reads_as(store.ids, ids)
    assert_reads_as(store.text["filename"], names)
    fold = any(value.casefold() != value for value in ids)
    expected = sorted(
        range(len(ids)), key=lambda row: ids[row].casefold() if fold else ids[row],
        reverse=reverse,
    )  # fmt: skip
    with numpy_paths():
        assert list(sort_rows(store, range(len(store)), "id", reverse)) == expected
    assert list(sort_rows(store, range(len(store)), "id", reverse)) == expected
    for column in ("filename", "bytes"):
        plain = sorted(range(len(ids)), key=rows_module.sort_key(store, column), reverse=reverse)
        with numpy_paths():
            assert list(sort_rows(store, range(len(store)), column, reverse)) == plain


def test_many_tied_ids_sort_stably_both_ways() -> None:
    store = RowStore("files")
    ids = ["b", "a", "B", "a", "b", "A"] * 3
    store.append_page(page_of(ids, ["n"] * len(ids)))
    for reverse in (False, True):
        expected = sorted(range(len(ids)), key=lambda row: ids[row].casefold(), reverse=reverse)
        with numpy_paths():
            assert list(sort_rows(store, range(len(store)), "id", reverse)) == expected
