"""The listing engine on its own: every transition, with fake pages and a fake clock (no
Textual, no network)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from mpilot_tui.api import ExtraFields, FileObject, Page, PaginationError, ResponseMeta
from mpilot_tui.api.errors import ServerError
from mpilot_tui.listing import (
    END,
    KINDS,
    Listing,
    OffsetPaging,
    PageAsk,
    Query,
)

META = ResponseMeta("GET", "http://gw/openai/v1/files", 200, 1.0, 10, 0.0)


def page(
    ids: list[str], *, more: bool = True, cursor: str | None = "auto", after: str | None = None
) -> Page[Any]:
    """A page of files with these ids; its cursor is its last id unless told."""
    items = [FileObject(id=i, filename=f"{i}.jsonl", bytes=len(i)) for i in ids]
    next_cursor = (ids[-1] if ids else "empty") if cursor == "auto" else cursor
    raw = json.dumps({"object": "list", "data": [item.model_dump() for item in items]})
    return Page(
        kind="files", items=items, has_more=more, next_cursor=next_cursor if more else None,
        request_after=after, extra_fields=ExtraFields(), meta=META, raw=raw.encode(),
    )  # fmt: skip


def numbered(start: int, count: int) -> list[str]:
    return [f"file-{n:05d}" for n in range(start, start + count)]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def listing(**query: Any) -> Listing:
    return Listing(Query(**query), clock=Clock(), wall_clock=lambda: 1_700_000_000.0)


def answer(engine: Listing, ask: PageAsk | None, ids: list[str], **kw: Any) -> Any:
    assert ask is not None, "the listing asked for no page"
    return engine.page_loaded(
        ask, page(ids, after=ask.position if isinstance(ask.position, str) else None, **kw)
    )


# -- starting -------------------------------------------------------------------------------


def test_restart_asks_for_the_first_page_of_a_new_run() -> None:
    engine = listing(provider="azure", page_size=50)
    ask = engine.restart()
    assert ask == PageAsk(engine.query, None, 1, 1_700_000_000.0)
    assert engine.loading and engine.started and engine.generation == 1
    assert ask.query.limit == 50
    assert engine.restart() is not None and engine.generation == 2


def test_container_files_without_a_container_ask_for_nothing() -> None:
    engine = listing(kind="container_files")
    assert engine.restart() is None
    assert not engine.started and not engine.can_page and not engine.loading
    assert engine.want_more() is None and not engine.follow_to_end()
    ask = engine.restart(engine.query.with_changes(container="cntr_1"))
    assert ask is not None and ask.query.container == "cntr_1"


def test_the_container_limit_is_fitted_unless_typed() -> None:
    assert Query(kind="container_files", page_size=500).limit == 100
    assert Query(kind="files", page_size=500).limit == 500
    assert Query(kind="container_files", page_size=500, exact_limit=True).limit == 500
    assert KINDS["container_files"].name == "container-files"


# -- paging ---------------------------------------------------------------------------------


def test_pages_follow_their_cursor_and_one_is_in_flight_at_a_time() -> None:
    engine = listing()
    first = engine.restart()
    assert engine.want_more() is None, "the first page is still on its way"
    landed = answer(engine, first, numbered(0, 3))
    assert landed.rows == range(0, 3) and landed.next is None
    assert engine.store.ids == numbered(0, 3)
    assert engine.has_more and engine.next_position == "file-00002"
    second = engine.want_more()
    assert second is not None and second.position == "file-00002"
    assert engine.want_more() is None
    answer(engine, second, numbered(3, 2), more=False)
    assert not engine.has_more and not engine.can_page and engine.want_more() is None
    assert engine.rows_loaded == len(engine.store) == 5 and engine.pages_loaded == 2


def test_an_answer_for_an_earlier_run_is_dropped() -> None:
    engine = listing()
    old = engine.restart()
    new = engine.restart(engine.query.with_changes(provider="azure"))
    assert old is not None and new is not None and old != new
    assert engine.page_loaded(old, page(["stale"])) is None
    assert engine.page_failed(old, ServerError("late", status=500)) is None
    assert len(engine.store) == 0 and engine.last_error is None and engine.inflight == new
    assert answer(engine, new, ["fresh"]) is not None
    assert engine.store.ids == ["fresh"]


def test_an_answer_for_a_page_not_in_flight_is_dropped() -> None:
    engine = listing()
    ask = engine.restart()
    assert ask is not None
    answer(engine, ask, ["a"])
    assert engine.page_loaded(ask, page(["a-again"])) is None, "the same answer twice"
    assert engine.store.ids == ["a"]


def test_an_error_mid_listing_keeps_the_rows_and_retry_asks_for_the_same_page() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 3))
    ask = engine.want_more()
    assert ask is not None
    failed = engine.page_failed(ask, ServerError("boom", status=502))
    assert failed is not None and failed.find is None
    assert engine.store.ids == numbered(0, 3) and engine.last_error is failed.error
    assert not engine.loading and engine.want_more() is None, "no paging past an error"
    assert not engine.follow_to_end() and engine.goal is None
    generation = engine.generation
    again = engine.retry()
    assert again is not None and again.position == ask.position
    assert engine.generation == generation and engine.last_error is None
    answer(engine, again, numbered(3, 3))
    assert len(engine.store) == 6


def test_retry_after_a_failed_first_page_starts_over() -> None:
    engine = listing()
    ask = engine.restart()
    assert ask is not None
    engine.page_failed(ask, ServerError("down", status=503))
    again = engine.retry()
    assert again is not None and again.generation == ask.generation + 1
    assert again.position is None


def test_a_page_that_repeats_items_is_refused_and_paging_stops() -> None:
    engine = listing()
    answer(engine, engine.restart(), ["a", "b"])
    landed = answer(engine, engine.want_more(), ["b", "c"])
    assert landed.refused and isinstance(landed.error, PaginationError)
    assert landed.rows == range(0, 0) and engine.store.ids == ["a", "b"]
    assert not engine.has_more and engine.next_position is None
    assert engine.retry() is not None and engine.generation == 2, "r starts over"


def test_a_repeated_cursor_keeps_the_page_and_stops_paging() -> None:
    engine = listing()
    answer(engine, engine.restart(), ["a"], cursor="c1")
    landed = answer(engine, engine.want_more(), ["b"], cursor="c1")
    assert not landed.refused and isinstance(landed.error, PaginationError)
    assert engine.store.ids == ["a", "b"] and not engine.can_page


def test_a_filter_pauses_prefetch_but_not_an_explicit_end() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 3))
    engine.set_filter("00001")
    assert engine.paging_paused and len(engine.view) == 1
    assert engine.want_more() is None
    assert not engine.aim(5), "a page down does not page through a filter"
    assert engine.follow_to_end()
    assert engine.want_more() is not None


# -- follow to the end, and moves past the loaded rows ----------------------------------------


def test_end_follows_to_the_true_end_with_progress() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 100))
    clock = engine.clock
    assert isinstance(clock, Clock)
    assert engine.progress() is None
    assert engine.follow_to_end()
    ask = engine.want_more()
    for number in range(1, 5):
        clock.now += 0.5
        landed = answer(engine, ask, numbered(number * 100, 100), more=number < 4)
        assert landed.cursor_to == len(engine.view) - 1
        progress = engine.progress()
        if number < 4:
            assert landed.next is not None, "each page asks for the next"
            assert progress is not None and progress.pages == number
            assert progress.rows == (number + 1) * 100
            assert progress.rows_per_second == pytest.approx(100 / 0.5)
        ask = landed.next
    assert ask is None and engine.following is None and engine.goal is None
    assert len(engine.store) == 500 and landed.cursor_to == 499


def test_end_while_a_page_is_in_flight_follows_from_that_page() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 10))
    prefetch = engine.want_more()
    assert engine.follow_to_end()
    assert engine.want_more() is None, "the page in flight is the one to wait for"
    landed = answer(engine, prefetch, numbered(10, 10))
    assert landed.next is not None and landed.cursor_to == 19


def test_escape_stops_following_where_it_is_and_drops_the_page_in_flight() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 10))
    engine.follow_to_end()
    ask = engine.want_more()
    assert ask is not None
    outcome, dropped = engine.stop()
    assert outcome is None and dropped and not engine.loading
    assert engine.following is None and engine.goal is None
    assert engine.page_loaded(ask, page(numbered(10, 10))) is None, "its answer is dropped"
    assert len(engine.store) == 10 and engine.can_page
    assert engine.stop() == (None, False), "nothing runs: a prefetch would not be dropped"


def test_an_error_ends_following() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 10))
    engine.follow_to_end()
    ask = engine.want_more()
    assert ask is not None
    engine.page_failed(ask, ServerError("boom", status=500))
    assert engine.following is None and engine.goal is None


def test_moves_past_the_loaded_rows_add_up_while_pages_arrive() -> None:
    """100 page downs of 33 rows land on row 3300, however the pages interleave."""
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 100))
    cursor = 0
    ask: PageAsk | None = None
    loaded = 100
    for press in range(100):
        goal = engine.goal
        start = goal if goal is not None and goal != END else cursor
        if engine.aim(start + 33):
            ask = ask or engine.want_more()
        cursor = min(start + 33, len(engine.view) - 1)
        if press % 3 == 0 and ask is not None:  # a page arrives every third key
            landed = answer(engine, ask, numbered(loaded, 100))
            loaded += 100
            cursor = landed.cursor_to if landed.cursor_to is not None else cursor
            ask = landed.next
    while ask is not None:
        landed = answer(engine, ask, numbered(loaded, 100))
        loaded += 100
        cursor = landed.cursor_to if landed.cursor_to is not None else cursor
        ask = landed.next
    assert cursor == 3300 and engine.goal is None
    assert len(engine.store) == 3400, "no page more than needed"


def test_aiming_at_a_loaded_row_forgets_the_aim() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 10))
    assert engine.aim(40) and engine.goal == 40
    assert not engine.aim(3) and engine.goal is None
    assert engine.follow_to_end() and not engine.aim(None)
    assert engine.following is None


def test_an_aim_at_rows_past_the_end_stops_on_the_last_row() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 10))
    engine.aim(50)
    landed = answer(engine, engine.want_more(), numbered(10, 5), more=False)
    assert landed.cursor_to == 14 and landed.next is None and engine.goal is None


# -- find more ------------------------------------------------------------------------------


def test_find_more_pages_until_the_filter_matches() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 10))
    assert engine.find_more() == ("no-filter", None)
    engine.set_filter("needle")
    started, ask = engine.find_more()
    assert started == "started" and ask is not None
    assert engine.find_more()[0] == "already"
    landed = answer(engine, ask, numbered(10, 10))
    assert landed.find is None and landed.next is not None
    assert engine.finding is not None and engine.finding.pages == 1
    landed = answer(engine, landed.next, ["x", "a-needle-b", "y"])
    assert landed.find is not None and landed.find.result == "found"
    assert landed.find.found == 1 and landed.find.pages == 2 and landed.find.rows_loaded == 23
    assert landed.find.first_row == 21 and landed.next is None and engine.finding is None


def test_find_more_ends_with_the_listing() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 10))
    engine.set_filter("needle")
    _, ask = engine.find_more()
    landed = answer(engine, ask, numbered(10, 10), more=False)
    assert landed.find is not None and landed.find.result == "ended"
    assert engine.find_more()[0] == "all-loaded"


def test_find_more_ends_on_an_error_a_new_filter_or_escape() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 10))
    engine.set_filter("needle")
    _, ask = engine.find_more()
    assert ask is not None
    failed = engine.page_failed(ask, ServerError("boom", status=500))
    assert failed is not None and failed.find is not None and failed.find.result == "error"
    engine.retry()
    answer(engine, engine.inflight, numbered(10, 10))
    engine.find_more()
    outcome = engine.set_filter("other")
    assert outcome is not None and outcome.result == "changed" and engine.finding is None
    engine.find_more()
    outcome, dropped = engine.stop()
    assert outcome is not None and outcome.result == "cancelled" and dropped


# -- offset paging (a fake request-log kind) -------------------------------------------------


@pytest.fixture
def offset_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[PageAsk]]:
    """``files`` paged by offset/limit, answering from a fixed list of 250 rows."""
    asked: list[PageAsk] = []
    rows = numbered(0, 250)

    async def fetch(client: Any, ask: PageAsk) -> Page[Any]:
        asked.append(ask)
        offset = ask.position if isinstance(ask.position, int) else 0
        chunk = rows[offset : offset + ask.size]
        more = offset + len(chunk) < len(rows)
        return replace(page(chunk, more=more), next_cursor=None)

    spec = replace(KINDS["files"], paging=OffsetPaging(), fetch=fetch, max_limit=1000)
    monkeypatch.setitem(KINDS, "files", spec)
    yield asked


def test_offset_paging_asks_from_where_the_last_page_ended(offset_kind: list[PageAsk]) -> None:
    engine = listing(page_size=100)
    ask = engine.restart()
    assert ask is not None and ask.position == 0
    landed = answer(engine, ask, numbered(0, 100))
    assert engine.next_position == 100 and not landed.error
    ask = engine.want_more()
    assert ask is not None and ask.position == 100
    assert ask.as_of == 1_700_000_000.0, "the period's end is the listing's start"
    answer(engine, ask, numbered(100, 100))
    assert engine.next_position == 200


def test_offset_paging_stops_on_an_empty_page_that_says_more(offset_kind: list[PageAsk]) -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 10))
    landed = answer(engine, engine.want_more(), [], cursor=None)
    assert isinstance(landed.error, PaginationError) and "offset 10" in str(landed.error)
    assert not engine.can_page


async def test_walk_pages_an_offset_kind_to_the_end(offset_kind: list[PageAsk]) -> None:
    engine = Listing(Query(page_size=100), keep_rows=False)
    pages = [p async for p in engine.walk(client=None)]  # type: ignore[arg-type]
    assert [len(p.items) for p in pages] == [100, 150], "a walk of everything pages in bulk"
    assert [(a.position, a.size) for a in offset_kind] == [(0, 100), (100, 1000)]
    assert len({a.as_of for a in offset_kind}) == 1
    assert engine.rows_loaded == 250 and len(engine.store) == 0, "the CLI keeps no rows"


async def test_walk_one_page_says_where_the_next_starts(offset_kind: list[PageAsk]) -> None:
    engine = Listing(Query(page_size=40, start=80), keep_rows=False)
    pages = [p async for p in engine.walk(client=None, max_pages=1)]  # type: ignore[arg-type]
    assert len(pages) == 1 and engine.has_more and engine.next_position == 120


# -- the CLI's walk over cursor pages --------------------------------------------------------


@pytest.fixture
def cursor_pages(monkeypatch: pytest.MonkeyPatch) -> dict[str | None, Page[Any]]:
    answers: dict[str | None, Page[Any]] = {}

    async def fetch(client: Any, ask: PageAsk) -> Page[Any]:
        found = answers[ask.position if isinstance(ask.position, str) else None]
        if isinstance(found, Exception):
            raise found
        return found

    monkeypatch.setitem(KINDS, "files", replace(KINDS["files"], fetch=fetch))
    return answers


async def test_walk_raises_a_guard_error_after_the_page_it_concerns(
    cursor_pages: dict[str | None, Page[Any]],
) -> None:
    cursor_pages[None] = page(["a"], cursor="c1")
    cursor_pages["c1"] = page(["b"], cursor="c1", after="c1")
    seen: list[str] = []
    with pytest.raises(PaginationError, match="already sent"):
        async for got in Listing(Query()).walk(client=None):  # type: ignore[arg-type]
            seen.extend(item.id for item in got.items)
    assert seen == ["a", "b"]


async def test_walk_one_page_ignores_a_missing_cursor_it_would_not_send(
    cursor_pages: dict[str | None, Page[Any]],
) -> None:
    cursor_pages[None] = page(["a"], cursor=None)  # has_more, but no cursor
    engine = Listing(Query(), keep_rows=False)
    pages = [p async for p in engine.walk(client=None, max_pages=1)]  # type: ignore[arg-type]
    assert len(pages) == 1 and not engine.has_more
    with pytest.raises(PaginationError, match="no cursor"):
        async for _ in Listing(Query()).walk(client=None):  # type: ignore[arg-type]
            pass


async def test_walk_refuses_a_page_that_repeats_its_own_items(
    cursor_pages: dict[str | None, Page[Any]],
) -> None:
    cursor_pages[None] = page(["a", "a"], more=False)
    seen = []
    with pytest.raises(PaginationError, match="within itself"):
        async for got in Listing(Query()).walk(client=None, max_pages=1):  # type: ignore[arg-type]
            seen.append(got)
    assert seen == []


async def test_walk_raises_the_gateways_error(
    cursor_pages: dict[str | None, Any],
) -> None:
    cursor_pages[None] = page(["a"], cursor="c1")
    cursor_pages["c1"] = ServerError("boom", status=500)
    engine = Listing(Query())
    with pytest.raises(ServerError):
        async for _ in engine.walk(client=None):  # type: ignore[arg-type]
            pass
    assert engine.rows_loaded == 1 and engine.last_error is not None


# -- bulk runs: pages grow, and the next is asked for before one lands --------------------------


def test_end_grows_the_pages_toward_the_kinds_bulk_limit() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 100))
    assert engine.want_more() is not None and engine.inflight is not None
    assert engine.inflight.size == 100, "a prefetch keeps the page size"
    engine.stop()
    engine.inflight = None
    assert engine.follow_to_end()
    sizes: list[int | None] = []
    ask, start = engine.want_more(), 100
    while ask is not None and len(sizes) < 6:
        sizes.append(ask.size)
        landed = answer(engine, ask, numbered(start, 10))
        start += 10
        ask = landed.next
    assert sizes == [1000, 4000, 10_000, 10_000, 10_000, 10_000], "from 1,000, x4"
    assert KINDS["files"].bulk_limit == 10_000


@pytest.mark.parametrize(
    ("kind", "extra", "sizes"),
    [
        ("container_files", {"container": "cntr_1"}, [100, 100]),
        ("requests", {}, [1000, 1000]),
    ],
)
def test_bulk_limits_of_the_other_kinds(kind: str, extra: dict[str, Any], sizes: list[int]) -> None:
    engine = listing(kind=kind, page_size=100, **extra)
    engine.restart()
    engine.inflight = None  # the first page's answer does not matter here
    assert engine.follow_to_end()
    first = engine.want_more()
    assert first is not None
    engine.inflight = None
    second = engine.want_more()
    assert second is not None
    assert [first.size, second.size] == sizes


def test_a_typed_limit_never_grows() -> None:
    engine = listing(page_size=50, exact_limit=True)
    answer(engine, engine.restart(), numbered(0, 50))
    assert engine.follow_to_end()
    ask = engine.want_more()
    assert ask is not None and ask.size == 50 and ask.limit is None


def answered_early(
    engine: Listing,
) -> tuple[PageAsk, Page[Any], PageAsk | None]:
    """End after a first page of 100: the second page's answer, parsed, sends the third."""
    answer(engine, engine.restart(), numbered(0, 100))
    assert engine.follow_to_end()
    ask = engine.want_more()
    assert ask is not None
    got = page(numbered(100, 100), after=ask.position if isinstance(ask.position, str) else None)
    return ask, got, engine.answered(ask, got)


def test_a_bulk_run_asks_for_the_next_page_before_one_lands() -> None:
    engine = listing()
    ask, got, early = answered_early(engine)
    assert early is not None and early.position == "file-00199" and early.size == 4000
    assert engine.inflight == early and engine.landing == ask
    assert len(engine.store) == 100, "the answer is not taken in yet"
    landed = engine.page_loaded(ask, got)
    assert landed is not None and landed.rows == range(100, 200)
    assert landed.next is None and not landed.cancel, "the next page is already in flight"
    assert engine.inflight == early and engine.landing is None
    last = answer(engine, early, numbered(200, 5), more=False)
    assert last.rows == range(200, 205) and not engine.has_more and engine.goal is None


def test_no_page_is_asked_for_early_outside_a_bulk_run() -> None:
    engine = listing()
    ask = engine.restart()
    assert ask is not None
    got = page(numbered(0, 100))
    assert engine.answered(ask, got) is None, "a prefetch waits for the page to land"
    assert engine.landing is None and engine.inflight == ask
    assert engine.page_loaded(ask, got) is not None and engine.inflight is None


def test_a_page_the_guards_refuse_sends_nothing_early_and_is_refused_once() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 10))
    assert engine.follow_to_end()
    ask = engine.want_more()
    assert ask is not None
    repeated = page(numbered(5, 10))
    assert engine.answered(ask, repeated) is None
    landed = engine.page_loaded(ask, repeated)
    assert landed is not None and landed.refused and isinstance(landed.error, PaginationError)
    assert not engine.loading and len(engine.store) == 10


def test_a_find_that_matches_cancels_the_page_sent_ahead() -> None:
    engine = listing()
    answer(engine, engine.restart(), numbered(0, 100))
    engine.inflight = None
    engine.set_filter("file-00150")
    started, ask = engine.find_more()
    assert started == "started" and ask is not None and ask.size == 1000
    got = page(numbered(100, 400))
    early = engine.answered(ask, got)
    assert early is not None
    landed = engine.page_loaded(ask, got)
    assert landed is not None and landed.find is not None and landed.find.result == "found"
    assert landed.cancel and landed.next is None and not engine.loading
    assert engine.page_loaded(early, page(numbered(500, 10))) is None, "not taken"


def test_escape_during_a_bulk_run_drops_the_page_sent_ahead_but_lands_the_answered_one() -> None:
    engine = listing()
    ask, got, early = answered_early(engine)
    assert early is not None
    _, dropped = engine.stop()
    assert dropped and engine.inflight is None
    landed = engine.page_loaded(ask, got)
    assert landed is not None and landed.rows == range(100, 200) and landed.next is None
    assert engine.next_position == early.position and engine.can_page
    again = engine.want_more()
    assert again is not None and again.position == early.position


async def test_walk_sends_the_next_page_before_the_caller_has_written_this_one(
    offset_kind: list[PageAsk],
) -> None:
    engine = Listing(Query(page_size=100), keep_rows=False)
    seen: list[int] = []
    async for got in engine.walk(client=None):  # type: ignore[arg-type]
        seen.append(len(offset_kind))  # requests sent when the page is handed out
        assert got.items
    assert seen == [2, 2], "the second page was asked for before the first was handed out"


async def test_walk_of_one_page_sends_no_page_ahead(offset_kind: list[PageAsk]) -> None:
    engine = Listing(Query(page_size=100), keep_rows=False)
    pages = [p async for p in engine.walk(client=None, max_pages=1)]  # type: ignore[arg-type]
    assert len(pages) == 1 and len(offset_kind) == 1 and offset_kind[0].size == 100
