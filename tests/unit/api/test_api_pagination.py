"""Walking pages through iter_* over MockTransport, and the guards that stop runaway paging."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mpilot_tui.api import PageGuard, PaginationError
from mpilot_tui.api.pagination import MAX_EMPTY_PAGES


def _pages_by_cursor(gw: Any, pages: dict[str | None, dict[str, Any]]) -> None:
    """Answer each request from ``pages`` keyed by the ``after`` it carries."""

    def handler(request: httpx.Request) -> httpx.Response:
        if len(gw.requests) > 100:
            raise AssertionError("paging did not stop")
        return httpx.Response(200, json=pages[request.url.params.get("after")])

    gw.handler = handler


async def _collect(pages: Any) -> tuple[list[list[str]], BaseException | None]:
    seen: list[list[str]] = []
    try:
        async for page in pages:
            seen.append([item.id for item in page.items])
    except PaginationError as exc:
        return seen, exc
    return seen, None


async def test_iter_files_walks_every_page_sending_the_opaque_cursor(gw: Any) -> None:
    _pages_by_cursor(
        gw,
        {
            None: gw.file_list(["f1", "f2"], has_more=True, after="eyJ2IjoxLCJpIjowfQ"),
            "eyJ2IjoxLCJpIjowfQ": gw.file_list(["f3"], has_more=True, after="eyJpIjoxfQ"),
            "eyJpIjoxfQ": gw.file_list(["f4"]),
        },
    )
    seen, error = await _collect(gw.client().iter_files(limit=2, purpose="batch"))
    assert error is None
    assert seen == [["f1", "f2"], ["f3"], ["f4"]]
    assert [r.url.params.get("after") for r in gw.requests] == [
        None,
        "eyJ2IjoxLCJpIjowfQ",
        "eyJpIjoxfQ",
    ]
    assert all(r.url.params["purpose"] == "batch" for r in gw.requests)
    assert all(r.url.params["limit"] == "2" for r in gw.requests)


async def test_iter_files_starts_from_the_given_cursor(gw: Any) -> None:
    _pages_by_cursor(gw, {"start": gw.file_list(["f9"])})
    seen, error = await _collect(gw.client().iter_files(after="start"))
    assert error is None
    assert seen == [["f9"]]


async def test_short_and_empty_pages_with_has_more_keep_going(gw: Any) -> None:
    _pages_by_cursor(
        gw,
        {
            None: gw.file_list([], has_more=True, after="c1"),
            "c1": gw.file_list(["f1"], has_more=True, after="c2"),
            "c2": gw.file_list([], has_more=True, after="c3"),
            "c3": gw.file_list([], has_more=True, after="c4"),
            "c4": gw.file_list(["f2", "f3"]),
        },
    )
    seen, error = await _collect(gw.client().iter_files())
    assert error is None
    assert seen == [[], ["f1"], [], [], ["f2", "f3"]]


async def test_many_empty_pages_below_the_limit_are_fine(gw: Any) -> None:
    empties = MAX_EMPTY_PAGES - 1
    pages = {
        (None if n == 0 else f"c{n}"): gw.file_list([], has_more=True, after=f"c{n + 1}")
        for n in range(empties)
    }
    pages[f"c{empties}"] = gw.file_list(["last"])
    _pages_by_cursor(gw, pages)
    seen, error = await _collect(gw.client().iter_files())
    assert error is None
    assert seen[-1] == ["last"]
    assert len(seen) == empties + 1


async def test_repeated_cursor_stops_after_yielding_the_valid_pages(gw: Any) -> None:
    _pages_by_cursor(
        gw,
        {
            None: gw.file_list(["f1"], has_more=True, after="c1"),
            "c1": gw.file_list(["f2"], has_more=True, after="c1"),
        },
    )
    seen, error = await _collect(gw.client().iter_files())
    assert isinstance(error, PaginationError)
    assert "cursor" in str(error)
    assert seen == [["f1"], ["f2"]]
    assert len(gw.requests) == 2


async def test_cursor_cycle_over_several_pages_is_caught(gw: Any) -> None:
    _pages_by_cursor(
        gw,
        {
            None: gw.file_list(["f1"], has_more=True, after="a"),
            "a": gw.file_list(["f2"], has_more=True, after="b"),
            "b": gw.file_list(["f3"], has_more=True, after="a"),
        },
    )
    seen, error = await _collect(gw.client().iter_files())
    assert isinstance(error, PaginationError)
    assert seen == [["f1"], ["f2"], ["f3"]]
    assert len(gw.requests) == 3


async def test_endless_empty_pages_stop_with_a_pagination_error(gw: Any) -> None:
    pages = {
        (None if n == 0 else f"e{n}"): gw.file_list([], has_more=True, after=f"e{n + 1}")
        for n in range(25)
    }
    pages["e25"] = gw.file_list(["never-reached"])
    _pages_by_cursor(gw, pages)
    seen, error = await _collect(gw.client().iter_files())
    assert isinstance(error, PaginationError)
    assert "empty pages" in str(error)
    assert len(seen) == MAX_EMPTY_PAGES
    assert len(gw.requests) == MAX_EMPTY_PAGES
    assert all(ids == [] for ids in seen)


async def test_has_more_without_a_cursor_stops(gw: Any) -> None:
    _pages_by_cursor(
        gw,
        {
            None: gw.file_list(["f1"], has_more=True, after="c1"),
            # Empty, so not even the last item's id can stand in for the cursor.
            "c1": gw.file_list([], has_more=True),
        },
    )
    seen, error = await _collect(gw.client().iter_files())
    assert isinstance(error, PaginationError)
    assert "no cursor" in str(error)
    assert seen == [["f1"], []]
    assert len(gw.requests) == 2


async def test_page_repeating_ids_of_an_earlier_page_stops_before_it_is_yielded(gw: Any) -> None:
    _pages_by_cursor(
        gw,
        {
            None: gw.file_list(["f1", "f2"], has_more=True, after="c1"),
            "c1": gw.file_list(["f3"], has_more=True, after="c2"),
            "c2": gw.file_list(["f4", "f1"], has_more=True, after="c3"),
            "c3": gw.file_list(["f5"]),
        },
    )
    seen, error = await _collect(gw.client().iter_files())
    assert isinstance(error, PaginationError)
    assert "already loaded" in str(error)
    assert "f1" in str(error)
    assert seen == [["f1", "f2"], ["f3"]]


async def test_page_repeating_an_id_within_itself_stops(gw: Any) -> None:
    _pages_by_cursor(gw, {None: gw.file_list(["f1", "f1"])})
    seen, error = await _collect(gw.client().iter_files())
    assert isinstance(error, PaginationError)
    assert seen == []


async def test_iter_container_files_follows_after_then_last_id(gw: Any) -> None:
    _pages_by_cursor(
        gw,
        {
            None: gw.container_file_list(["c1"], has_more=True, after="OPAQUE", last_id="c1"),
            "OPAQUE": gw.container_file_list(["c2"], has_more=True, last_id="c2"),
            "c2": gw.container_file_list(["c3"], last_id="c3"),
        },
    )
    seen, error = await _collect(gw.client().iter_container_files("cntr_1", limit=1))
    assert error is None
    assert seen == [["c1"], ["c2"], ["c3"]]
    assert all(r.url.path == "/v1/containers/cntr_1/files" for r in gw.requests)


async def test_iter_container_files_has_more_without_after_or_last_id_stops(gw: Any) -> None:
    _pages_by_cursor(gw, {None: gw.container_file_list([], has_more=True)})
    seen, error = await _collect(gw.client().iter_container_files("cntr_1"))
    assert isinstance(error, PaginationError)
    assert seen == [[]]


async def test_iter_containers_walks_pages(gw: Any) -> None:
    _pages_by_cursor(
        gw,
        {
            None: {"data": [{"id": "k1"}], "has_more": True, "after": "n"},
            "n": {"data": [{"id": "k2"}]},
        },
    )
    seen, error = await _collect(gw.client().iter_containers())
    assert error is None
    assert seen == [["k1"], ["k2"]]


async def test_a_custom_guard_is_used(gw: Any) -> None:
    pages = {
        (None if n == 0 else f"e{n}"): gw.file_list([], has_more=True, after=f"e{n + 1}")
        for n in range(5)
    }
    _pages_by_cursor(gw, pages)
    seen, error = await _collect(gw.client().iter_files(guard=PageGuard(max_empty_pages=3)))
    assert isinstance(error, PaginationError)
    assert len(seen) == 3


async def test_an_error_status_mid_walk_propagates_after_the_earlier_pages(gw: Any) -> None:
    from mpilot_tui.api import ServerError

    gw.queue(
        gw.json(200, gw.file_list(["f1"], has_more=True, after="bad")),
        gw.json(500, gw.envelope(500, message="invalid pagination cursor")),
    )
    seen: list[list[str]] = []
    with pytest.raises(ServerError, match="invalid pagination cursor"):
        async for page in gw.client().iter_files():
            seen.append([item.id for item in page.items])
    assert seen == [["f1"]]


def _page(ids: list[str], has_more: bool, cursor: str | None, request_after: str | None) -> Any:
    from mpilot_tui.api import ExtraFields, Page, ResponseMeta
    from mpilot_tui.api.models import FileObject

    meta = ResponseMeta("GET", "http://gw.test/openai/v1/files", 200, 1.0, 2, 0.0)
    return Page(
        kind="files",
        items=[FileObject(id=i) for i in ids],
        has_more=has_more,
        next_cursor=cursor,
        request_after=request_after,
        extra_fields=ExtraFields(),
        meta=meta,
        raw=b"{}",
    )


async def test_iter_pages_stops_at_max_pages() -> None:
    from mpilot_tui.api import iter_pages

    asked: list[str | None] = []

    async def fetch(cursor: str | None) -> Any:
        asked.append(cursor)
        n = len(asked)
        return _page([f"f{n}"], True, f"c{n}", cursor)

    pages = [p async for p in iter_pages(fetch, max_pages=3)]
    assert [p.items[0].id for p in pages] == ["f1", "f2", "f3"]
    assert asked == [None, "c1", "c2"]


def test_guard_rejects_a_next_cursor_equal_to_the_request_cursor() -> None:
    guard = PageGuard()
    with pytest.raises(PaginationError):
        guard.check(_page(["f1"], True, "same", "same"))


def test_guard_accepts_a_last_page_without_cursor() -> None:
    guard = PageGuard()
    guard.check(_page(["f1"], True, "c1", None))
    guard.check(_page(["f2"], False, None, "c1"))
    assert guard.pages == 2


def test_guard_empty_run_resets_on_a_page_with_items() -> None:
    guard = PageGuard(max_empty_pages=2)
    guard.check(_page([], True, "c1", None))
    guard.check(_page(["f1"], True, "c2", "c1"))
    guard.check(_page([], True, "c3", "c2"))
    with pytest.raises(PaginationError):
        guard.check(_page([], True, "c4", "c3"))
