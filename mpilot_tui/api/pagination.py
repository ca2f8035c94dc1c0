"""Pages that own their cursor, and the guards that stop runaway paging.

The gateway's cursor is opaque: the next request sends back the response's ``after``
(falling back to ``last_id`` on container lists only). Pages may be short or empty while
``has_more`` is true, so the guards count runs of empty pages instead of stopping at one.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from .errors import PaginationError
from .history import upstream_latency
from .models import ContainerFileObject, ContainerObject, ExtraFields, FileObject

if TYPE_CHECKING:
    from ._http import HttpResponse
    from .early import EarlyFacts
    from .log_models import LogEntry

__all__ = [
    "ITEMS_KEY",
    "Page",
    "PageGuard",
    "ResponseMeta",
    "items_in",
    "items_of",
    "iter_pages",
    "keep_only",
    "response_meta",
]

ItemT = TypeVar("ItemT", FileObject, ContainerFileObject, ContainerObject, "LogEntry")
"""(A request log's entries by name: their models load with the first request-log page.)"""
PageKind = Literal["files", "container_files", "containers", "requests"]
LOG_PAGE_LIMIT = 1000
"""The largest ``limit`` ``/api/logs`` takes (``limit cannot exceed 1000``)."""

ITEMS_KEY: dict[str, str] = {"requests": "logs"}
"""The envelope key that holds a page's items, where it is not ``data`` (``/api/logs``)."""


def items_of(kind: str, envelope: object) -> list[object]:
    """The items list of a page's envelope (as parsed JSON); empty when it has none."""
    items = envelope.get(ITEMS_KEY.get(kind, "data")) if isinstance(envelope, dict) else None
    return items if isinstance(items, list) else []


def items_in(kind: str, body: bytes | str) -> list[object]:
    """``items_of(kind, json.loads(body))``, the envelope parsed one value at a time: each
    item by its own call of the standard library's decoder. A page of 1000 request-log
    entries (~1.5 MB) is one ~18 ms call of ``json.loads``, which holds the GIL, and so the
    event loop, all along when a thread parses it; item by item, the loop gets its turn
    between two items. The same values, the same errors (anything the walk does not expect
    is left to ``json.loads``, which says what is wrong)."""
    text = (
        body if isinstance(body, str) else body.decode(json.detect_encoding(body), "surrogatepass")
    )
    try:
        return _walk_envelope(text, ITEMS_KEY.get(kind, "data"))
    except ValueError:
        return items_of(kind, json.loads(text))


_DECODE = json.JSONDecoder().raw_decode
_SPACE = re.compile(r"[ \t\n\r]*")
"""JSON's whitespace (as :mod:`json` skips it)."""


def _skip(text: str, at: int) -> int:
    """Where the JSON whitespace from ``at`` in ``text`` ends."""
    found = _SPACE.match(text, at)
    assert found is not None  # it matches the empty string too
    return found.end()


def _walk_envelope(text: str, key: str) -> list[object]:
    """The value of ``key`` in the JSON object ``text`` when it is a list (the last one,
    as ``json.loads`` keeps the last of a repeated key), else ``[]``; ValueError where
    ``text`` is not one JSON value."""
    at = _skip(text, 0)
    items: list[object] = []
    if text.startswith("{", at):
        at = _skip(text, at + 1)
        if text.startswith("}", at):
            at += 1
        else:
            while True:
                if not text.startswith('"', at):
                    raise ValueError("a key was expected")
                name, at = _DECODE(text, at)
                at = _skip(text, at)
                if not text.startswith(":", at):
                    raise ValueError("':' was expected")
                at = _skip(text, at + 1)
                if name == key and text.startswith("[", at):
                    items, at = _walk_array(text, at)
                else:
                    _, at = _DECODE(text, at)
                    if name == key:
                        items = []  # not a list: no items (as items_of)
                at = _skip(text, at)
                mark, at = text[at : at + 1], at + 1
                if mark == "}":
                    break
                if mark != ",":
                    raise ValueError("',' or '}' was expected")
                at = _skip(text, at)
    else:
        _, at = _DECODE(text, at)  # not an object: no items, but it must be JSON
    if _skip(text, at) != len(text):
        raise ValueError("extra data")
    return items


def _walk_array(text: str, at: int) -> tuple[list[object], int]:
    """The JSON array at ``at`` in ``text``, an item at a time, and where it ends."""
    items: list[object] = []
    at = _skip(text, at + 1)
    if text.startswith("]", at):
        return items, at + 1
    while True:
        item, at = _DECODE(text, at)
        items.append(item)
        at = _skip(text, at)
        mark, at = text[at : at + 1], at + 1
        if mark == "]":
            return items, at
        if mark != ",":
            raise ValueError("',' or ']' was expected")
        at = _skip(text, at)


MAX_EMPTY_PAGES = 20
"""Consecutive empty pages with ``has_more`` true after which paging stops."""
ID_WINDOW_PAGES = 50
"""How many recent pages' item ids are remembered to spot a gateway that repeats items."""
MAX_CURSOR_CHARS = 8192
"""The longest cursor sent back; the gateway's own (base64 of a small JSON) are far shorter."""


@dataclass(frozen=True)
class ResponseMeta:
    """What a debugging user needs to know about the response that delivered a page."""

    method: str
    url: str
    """The request URL, without credentials."""
    status: int
    elapsed_ms: float
    """Client-measured time, from sending to the last body byte."""
    size: int
    """Response body size in bytes."""
    started_at: float
    bifrost_headers: tuple[tuple[str, str], ...] = ()
    """The answer's ``x-bifrost-*`` headers (Bifrost 2.x repeats the routing facts there)."""

    @property
    def upstream_latency_ms(self) -> float | None:
        """``x-bifrost-upstream-latency-ms``: the upstream provider's part of the time."""
        return upstream_latency(self.bifrost_headers)


def response_meta(response: HttpResponse) -> ResponseMeta:
    """The :class:`ResponseMeta` of an answer."""
    return ResponseMeta(
        method=response.method,
        url=response.url,
        status=response.status,
        elapsed_ms=response.elapsed_ms,
        size=len(response.content),
        started_at=response.started_at,
        bifrost_headers=response.record.bifrost_headers,
    )


@dataclass(frozen=True)
class Page(Generic[ItemT]):
    """One page of a listing; it knows how to ask for the next one."""

    kind: PageKind
    items: list[ItemT]
    has_more: bool
    next_cursor: str | None
    """The cursor for the next page: the response's ``after`` (or ``last_id`` fallback)."""
    request_after: str | None
    """The cursor this page was requested with."""
    extra_fields: ExtraFields
    meta: ResponseMeta
    raw: bytes
    """The response body as received, for lazy re-parsing and the inspector."""
    offset: int | None = None
    """Offset-paged kinds (the request log): the offset this page was asked for at."""
    next_offset: int | None = None
    """Offset-paged kinds: where the next page starts (the offset plus the entries sent,
    counting any dropped as repeats)."""
    total_count: int | None = None
    """Offset-paged kinds: how many entries match, as the gateway counted them."""

    def has_next_page(self) -> bool:
        return self.has_more and bool(self.next_cursor)


class PageGuard:
    """Stops paging on a repeated cursor, endless empty pages or repeated item ids."""

    def __init__(self, max_empty_pages: int = MAX_EMPTY_PAGES) -> None:
        self.max_empty_pages = max_empty_pages
        self.pages = 0
        self._cursors: set[int] = set()
        self._empty_run = 0
        self._recent_ids: deque[frozenset[str]] = deque(maxlen=ID_WINDOW_PAGES)
        self._window: set[str] = set()
        """Every id of :attr:`_recent_ids`, in one set (one lookup an item, not one a page)."""

    def check(self, page: Page[ItemT]) -> None:
        """Both checks: the page's items, then whether paging may go on after it."""
        self.check_items(page)
        self.check_next(page)

    def check_items(self, page: Page[ItemT]) -> None:
        """Raise :class:`PaginationError` when ``page`` repeats items already seen."""
        self.pages += 1
        ids = [item.id for item in page.items]
        page_ids = frozenset(ids)
        if len(page_ids) != len(ids):
            raise PaginationError(
                f"page {self.pages} repeats an item id within itself; paging stopped",
                url=page.meta.url,
            )
        repeated = page_ids & self._window
        if repeated:
            raise PaginationError(
                f"page {self.pages} repeats {len(repeated)} item(s) already loaded "
                f"(e.g. {sorted(repeated)[0][:80]}); paging stopped",
                url=page.meta.url,
            )
        if len(self._recent_ids) == self._recent_ids.maxlen:
            self._window -= self._recent_ids[0]  # ids are unique across the window
        self._recent_ids.append(page_ids)
        self._window |= page_ids

    def drop_repeats(self, page: Page[ItemT]) -> Page[ItemT]:
        """``page`` without the items already seen in the recent pages (or earlier in the
        page itself), for offset paging: a result that grows or shrinks while it is read
        shifts the offsets, so an entry may come again on the next page. The offset of the
        next page is unchanged; the body is rewritten without the repeats (so a row's item
        is still found at its place in it). Nothing is copied when nothing repeats."""
        # The window itself is looked in, not copied: a copy of its ~50,000 ids at every page
        # of a request log cost ~2.5 ms of each landing.
        window, here = self._window, set[str]()
        keep: list[bool] = []
        for item in page.items:
            fresh = item.id not in window and item.id not in here
            keep.append(fresh)
            here.add(item.id)
        return keep_only(page, keep)

    def may_follow(self, facts: EarlyFacts) -> bool:
        """Whether the page after one whose early facts are ``facts`` may be asked for now,
        before the page is validated: :meth:`check_next` would pass on what is known (the
        empty-page run is counted when the page lands). Changes nothing."""
        cursor = facts.next_cursor
        if not facts.has_more or not cursor or len(cursor) > MAX_CURSOR_CHARS:
            return False
        if cursor == facts.request_after:
            return False
        return hash(cursor) not in self._cursors

    def check_next(self, page: Page[ItemT]) -> None:
        """Raise :class:`PaginationError` when the page after ``page`` must not be fetched."""
        if not page.has_more:
            return
        if not page.next_cursor:
            raise PaginationError(
                f"page {self.pages} says has_more but carries no cursor; paging stopped",
                url=page.meta.url,
            )
        if len(page.next_cursor) > MAX_CURSOR_CHARS:
            raise PaginationError(
                f"page {self.pages} carries a cursor of {len(page.next_cursor):,} characters "
                f"(at most {MAX_CURSOR_CHARS:,} are sent back); paging stopped",
                url=page.meta.url,
            )
        if page.request_after is not None:
            self._cursors.add(hash(page.request_after))
        if hash(page.next_cursor) in self._cursors:
            raise PaginationError(
                f"the gateway sent a cursor it already sent (page {self.pages}); paging stopped",
                url=page.meta.url,
            )
        self._cursors.add(hash(page.next_cursor))
        self._empty_run = 0 if page.items else self._empty_run + 1
        if self._empty_run >= self.max_empty_pages:
            raise PaginationError(
                f"{self._empty_run} empty pages in a row with has_more true; paging stopped",
                url=page.meta.url,
            )


async def iter_pages(
    fetch: Callable[[str | None], Awaitable[Page[ItemT]]],
    after: str | None = None,
    *,
    max_pages: int | None = None,
    guard: PageGuard | None = None,
) -> AsyncIterator[Page[ItemT]]:
    """Walk pages from ``after`` until ``has_more`` is false, guarding against loops."""
    guard = guard or PageGuard()
    cursor = after
    count = 0
    while True:
        page = await fetch(cursor)
        guard.check_items(page)
        yield page
        count += 1
        if not page.has_more or (max_pages is not None and count >= max_pages):
            return
        guard.check_next(page)
        cursor = page.next_cursor


def keep_only(page: Page[ItemT], keep: list[bool]) -> Page[ItemT]:
    """``page`` with only the items whose flag in ``keep`` is true; the body is rewritten to
    match (a row's item is still found at its place in it). Nothing is copied when every
    item is kept."""
    if all(keep):
        return page
    try:
        body = json.loads(page.raw)
    except ValueError:
        body = None
    raw_items = items_of(page.kind, body)
    if isinstance(body, dict) and len(raw_items) == len(page.items):
        body[ITEMS_KEY.get(page.kind, "data")] = [
            item for item, flag in zip(raw_items, keep, strict=True) if flag
        ]
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    else:
        raw = page.raw
    items = [item for item, flag in zip(page.items, keep, strict=True) if flag]
    return replace(page, items=items, raw=raw)
