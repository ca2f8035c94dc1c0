"""``rows.py``, the million-row core: columns, page records, lazy items, views."""

from __future__ import annotations

import json
from typing import Any

from mpilot_tui.api import ContainerFileObject, ExtraFields, FileObject, Page, ResponseMeta
from mpilot_tui.listing.rows import MISSING, RowStore, RowView

META = ResponseMeta("GET", "http://gw/openai/v1/files", 200, 1.0, 10, 0.0)


def file_page(items: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> Page[Any]:
    body = {"object": "list", "data": items, "has_more": False}
    if extra is not None:
        body["extra_fields"] = extra
    return Page(
        kind="files", items=[FileObject.model_validate(i) for i in items], has_more=False,
        next_cursor=None, request_after=None,
        extra_fields=ExtraFields.model_validate(extra or {}), meta=META,
        raw=json.dumps(body).encode(),
    )  # fmt: skip


def files(*names: str, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"id": f"file-{start + n}", "object": "file", "filename": name, "bytes": 10 * (n + 1),
         "created_at": 1_700_000_000 + n, "purpose": "batch", "status": "processed",
         "unknown_field": [n]}
        for n, name in enumerate(names)
    ]  # fmt: skip


def test_append_page_fills_the_columns_and_returns_the_new_rows() -> None:
    store = RowStore("files")
    assert store.append_page(file_page(files("a.jsonl", "b.jsonl"))) == range(0, 2)
    assert store.append_page(file_page(files("c.jsonl", start=2))) == range(2, 3)
    assert len(store) == 3 and store.ids == ["file-0", "file-1", "file-2"]
    assert store.text["filename"] == ["a.jsonl", "b.jsonl", "c.jsonl"]
    assert list(store.ints["bytes"]) == [10, 20, 10]
    assert store.value("created_at", 1) == 1_700_000_001
    assert store.value("id", 2) == "file-2"


def test_shared_columns_hold_one_string_per_distinct_value() -> None:
    store = RowStore("files")
    store.append_page(file_page(files("a", "b")))
    store.append_page(file_page(files("c", start=2)))
    purposes = store.text["purpose"]
    assert purposes[0] is purposes[1] is purposes[2]


def test_an_omitted_number_is_missing_not_zero() -> None:
    store = RowStore("files")
    store.append_page(file_page([{"id": "f", "object": "file", "filename": "x"}]))
    assert store.ints["bytes"][0] == MISSING
    assert store.value("bytes", 0) is None
    assert store.summary(0)["expires_at"] is None


def test_item_is_the_full_item_as_sent_reparsed_from_its_page() -> None:
    store = RowStore("files")
    store.append_page(file_page(files("a", "b")))
    store.append_page(file_page(files("c", start=2)))
    item = store.item(1)
    assert item["unknown_field"] == [1] and item["filename"] == "b"
    item["filename"] = "changed"
    assert store.item(1)["filename"] == "b", "a copy: the store is not changed through it"
    assert store.item(2)["id"] == "file-2"


def test_page_of_finds_the_page_that_delivered_a_row_even_after_empty_pages() -> None:
    store = RowStore("files")
    store.append_page(file_page(files("a", "b")))
    store.append_page(file_page([]))
    store.append_page(file_page(files("c", start=2)))
    assert store.page_of(0) is store.pages[0] and store.page_of(1) is store.pages[0]
    assert store.page_of(2) is store.pages[2]
    assert [p.count for p in store.pages] == [2, 0, 1]


def test_heavy_extra_fields_are_rebuilt_from_the_compressed_body() -> None:
    store = RowStore("files")
    raw = {"upstream": "x" * 1000}
    extra = {"provider": "openai", "latency": 12, "raw_response": raw}
    for number in range(6):  # more pages than the store keeps rebuilt
        store.append_page(file_page(files("a", start=number * 10), extra))
    first = store.pages[0]
    assert first._light_extra.raw_response is None, "the parsed copy is not kept"
    assert first.extra_fields.raw_response == raw
    assert first.extra_fields.latency == 12


def test_container_files_search_their_path() -> None:
    store = RowStore("container_files")
    items = [ContainerFileObject(id="cf-1", path="/data/Report.csv", bytes=5)]
    body = json.dumps({"data": [i.model_dump() for i in items]}).encode()
    store.append_page(Page("container_files", items, False, None, None, ExtraFields(), META,
                           body))  # fmt: skip
    view = RowView(store)
    view.set_filter("report")
    assert len(view) == 1 and list(store.search_text(0)) == ["cf-1", "/data/Report.csv"]


def test_a_view_filters_sorts_and_takes_new_rows_in() -> None:
    store = RowStore("files")
    store.append_page(file_page(files("b.jsonl", "a.csv", "c.jsonl")))
    view = RowView(store)
    assert not view.active and len(view) == 3 and view.row(2) == 2
    view.set_filter("JSONL")
    assert view.active and [view.row(p) for p in range(len(view))] == [0, 2]
    assert view.position_of(2) == 1 and view.position_of(1) is None
    view.extend(store.append_page(file_page(files("d.jsonl", "e.txt", start=3))))
    assert list(view.indexes or []) == [0, 2, 3]
    view.set_sort("filename", reverse=True)
    assert [store.text["filename"][view.row(p)] for p in range(len(view))] == [
        "d.jsonl", "c.jsonl", "b.jsonl",
    ]  # fmt: skip
    view.set_filter("")
    view.set_sort("bytes")
    assert [store.value("bytes", view.row(p)) for p in range(len(view))] == [10, 10, 20, 20, 30]
    view.set_sort(None)
    assert view.indexes is None and not view.active


def test_a_big_store_taking_big_pages_fixes_the_allocator(monkeypatch: Any) -> None:
    from mpilot_tui import allocator
    from mpilot_tui.listing import rows

    asked: list[int] = []

    def tune() -> bool:
        asked.append(1)
        return True

    monkeypatch.setattr(allocator, "tune", tune)
    monkeypatch.setattr(rows, "NUMPY_ROWS", 3)
    monkeypatch.setattr(allocator, "MMAP_THRESHOLD", 600)
    store = RowStore("files")
    store.append_page(file_page(files("a", "b")))
    store.append_page(file_page(files("c", "d", start=2)))
    assert asked == []  # big, but its pages are small
    big = file_page(files(*"efghij", start=4))
    assert len(big.raw) >= 600 > len(file_page(files("c", "d")).raw)
    store.append_page(big)
    assert asked == [1]
