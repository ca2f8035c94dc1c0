"""``Listing``: one listing from its first page to its last, for the browser and the CLI.

The one owner of a listing's state: what is listed (the :class:`~.kinds.Query`), the rows
loaded (a :class:`~.rows.RowStore` and its :class:`~.rows.RowView`), the
pagination guard, the run (``generation``), the page in flight, where the next page starts
(cursor or offset), the last error, and the runs that page on by themselves: find-more (page
until the filter matches), reaching a row beyond those loaded (page down), and follow-to-end.

It does no I/O and knows no Textual. It takes what the user asks for (``restart``,
``want_more``, ``retry``, ``find_more``, ``stop``; ``aim`` and ``follow_to_end`` only say what
is wanted) and answers with the :class:`~.kinds.PageAsk` to send, if any; the caller sends
it (a Textual worker, or :meth:`Listing.walk` in the CLI) and hands the answer back
(``page_loaded``/``page_failed``).
Answers for an earlier run, or for a page no longer in flight, are dropped.

States of a run, and what moves between them::

    idle ──restart──▶ loading ──page_loaded──▶ more ──want_more/find_more──▶ loading
      ▲                 │  ▲                     │
      │           page_failed └──────retry────── failed      page_loaded(last) ──▶ ended
      └─ restart (incomplete query: no container yet) stays idle
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, NamedTuple

from ..api import (
    EarlyFacts,
    GatewayClient,
    MPilotError,
    Page,
    PageAnswer,
    PageGuard,
    PaginationError,
)
from . import kinds
from .kinds import BULK_GROWTH, KindSpec, PageAsk, Position, Query
from .rows import Packed, RowStore, RowView

__all__ = [
    "END",
    "Failed",
    "FindOutcome",
    "FindRun",
    "FindStart",
    "FollowRun",
    "Landed",
    "Listing",
    "Progress",
    "Received",
    "forget_request",
]

END = 2**62
"""The row position :meth:`Listing.aim` takes for "the listing's last row"."""

FindResult = Literal["found", "ended", "cancelled", "error", "changed"]
FindStart = Literal["started", "already", "all-loaded", "no-filter"]


@dataclass
class FindRun:
    """A "keep paging until the filter matches" run: what matched when it began."""

    filter_text: str
    matches_before: int
    rows_before: int
    pages: int = 0


@dataclass(frozen=True)
class FindOutcome:
    """How a find run ended, and where its first new match is."""

    result: FindResult
    found: int
    pages: int
    rows_loaded: int
    first_row: int | None = None
    """The store row of the first match the run loaded, in display order (``found``)."""


@dataclass
class FollowRun:
    """Follow-to-end: paging on until the last page, for the progress line."""

    rows_before: int
    pages_before: int
    started: float


@dataclass(frozen=True)
class Progress:
    """How far a follow-to-end run has come."""

    rows: int
    pages: int
    """Pages loaded since the run began."""
    rows_per_second: float


@dataclass(frozen=True)
class Landed:
    """What an accepted answer did."""

    rows: range
    """The store rows it added (empty when the page was refused)."""
    error: MPilotError | None = None
    """Why paging stopped at this page (a guard), if it did."""
    find: FindOutcome | None = None
    """The find run it ended, if any."""
    cursor_to: int | None = None
    """The view position the cursor should move to (a page down or End waiting for rows)."""
    next: PageAsk | None = None
    """The page to send now (already in flight), when a run pages on."""
    refused: bool = False
    """The guard refused the page itself (it repeats items): none of its rows were taken."""
    page: Page[Any] | None = None
    """The page as taken in (offset paging drops entries seen already)."""
    cancel: bool = False
    """The page sent ahead of this one (:meth:`Listing.answered`) is no longer wanted: the
    run that wanted it ended (a find found its match); the caller cancels its request."""


@dataclass(frozen=True)
class _Checked:
    """A page's answer through the guards (once: when it is parsed, or when it lands)."""

    ask: PageAsk
    page: Page[Any]
    """The page as taken in (offset paging drops entries seen already)."""
    refused: PaginationError | None = None
    """The page itself is refused (it repeats items)."""
    stopped: PaginationError | None = None
    """The page is taken, but the one after it must not be asked for."""


class Received(NamedTuple):
    """A page's answer, validated (:meth:`Listing.receive`)."""

    page: Page[Any]
    next: PageAsk | None
    """The page sent ahead of this one's landing, during a bulk run."""
    sent: asyncio.Future[PageAnswer[Any]] | None
    """Its request, under way (awaited by the next :meth:`Listing.receive`)."""


@dataclass(frozen=True)
class Failed:
    """What a failed request did: the rows stay; a find run ends."""

    error: MPilotError
    find: FindOutcome | None = None


class Listing:
    """One listing of a kind, from the first page to the last (see the module docstring)."""

    def __init__(
        self,
        query: Query,
        *,
        keep_rows: bool = True,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.query = query
        self.keep_rows = keep_rows
        """Store the rows (the browser); the CLI only streams pages through."""
        self.clock = clock
        self.wall_clock = wall_clock
        self.generation = 0
        self.store = RowStore(query.kind)
        self.view = RowView(self.store)
        self.guard = PageGuard()
        self.pages_loaded = 0
        self.rows_loaded = 0
        """Rows taken in (equals ``len(store)`` when rows are kept)."""
        self.started = False
        """The first page was asked for (False while the query is incomplete)."""
        self.has_more = False
        """Pages follow those loaded (and no guard stopped paging)."""
        self.next_position: Position = None
        """Where the next page starts."""
        self.resumable = False
        """After an error, ``retry`` asks for the failed page again (rows stay)."""
        self.inflight: PageAsk | None = None
        """The page being fetched, if any."""
        self.landing: PageAsk | None = None
        """A page answered and parsed but not taken in yet, while the one after it is
        already in flight (:meth:`answered`, during a bulk run)."""
        self._checked: _Checked | None = None
        self.bulk_size = 0
        """The page size the bulk run asked for last (0: none yet)."""
        self._walking = False
        self.last_error: MPilotError | None = None
        self.as_of = 0.0
        self.finding: FindRun | None = None
        self.goal: int | None = None
        """A view position the user moved to before its rows were loaded (``END``: the last
        row); pages are asked for until it is loaded."""
        self.following: FollowRun | None = None

    # -- what the screen renders ------------------------------------------------------------

    @property
    def spec(self) -> KindSpec:
        return self.query.spec

    @property
    def loading(self) -> bool:
        return self.inflight is not None

    @property
    def paging_paused(self) -> bool:
        """A filter is on: pages come only when asked for explicitly (F, End)."""
        return bool(self.view.filter_text)

    @property
    def can_page(self) -> bool:
        """Another page may be asked for now or once the one in flight lands."""
        return self.started and self.has_more and self.last_error is None

    def progress(self) -> Progress | None:
        """The follow-to-end run's progress, while one runs."""
        run = self.following
        if run is None:
            return None
        seconds = max(self.clock() - run.started, 1e-9)
        rows = self.rows_loaded - run.rows_before
        return Progress(self.rows_loaded, self.pages_loaded - run.pages_before, rows / seconds)

    # -- what the user asks for -------------------------------------------------------------

    def restart(self, query: Query | None = None) -> PageAsk | None:
        """Start the listing over (a new query, or the same one): a new run, no rows.

        The filter stays, and so does the sort when the kind (and so its columns) stays."""
        kind = self.query.kind
        if query is not None:
            self.query = query
        self.generation += 1
        filter_text = self.view.filter_text
        sort_column, sort_reverse = self.view.sort_column, self.view.sort_reverse
        self.store = RowStore(self.query.kind)
        self.view = RowView(self.store)
        if filter_text:
            self.view.set_filter(filter_text)
        if sort_column is not None and self.query.kind == kind:
            self.view.set_sort(sort_column, sort_reverse)
        self.guard = PageGuard()
        self.pages_loaded = 0
        self.rows_loaded = 0
        self.inflight = None
        self.landing = None
        self._checked = None
        self.bulk_size = 0
        self.last_error = None
        self.resumable = False
        self.finding = None
        self.goal = None
        self.following = None
        self.next_position = self.spec.paging.first(self.query)
        self.as_of = self.wall_clock()
        self.started = self.query.is_complete
        self.has_more = self.started
        return self._ask()

    def want_more(self) -> PageAsk | None:
        """The next page, if one is due: the cursor or the screen neared the last loaded row
        (not while a filter is on), or a row aimed at is not loaded yet."""
        if self.paging_paused and self.goal is None:
            return None
        return self._ask()

    def retry(self) -> PageAsk | None:
        """Ask again for the page that failed (rows stay), or start over."""
        if self.last_error is not None and self.rows_loaded and self.resumable:
            self.last_error = None
            self.resumable = False
            self.has_more = True
            return self._ask()
        return self.restart()

    def aim(self, position: int | None) -> bool:
        """The user moved to view position ``position``, maybe beyond the rows loaded.

        Returns whether pages are now wanted to reach it (:meth:`want_more` asks for them, and
        each page that lands asks for the next until it is loaded). None, or a loaded position,
        forgets an earlier aim and a follow-to-end run: the user moved on.
        """
        self.following = None if position != END else self.following
        if position is None or position < len(self.view) or not self.can_page:
            self.goal = None
            return False
        if self.paging_paused and position != END:
            self.goal = None
            return False
        self.goal = position
        return True

    def follow_to_end(self) -> bool:
        """End with more pages to come: page on to the last one, with progress. Returns
        whether pages are now wanted (:meth:`want_more` asks for the first)."""
        if not self.can_page:
            return False
        if self.following is None:
            self.following = FollowRun(self.rows_loaded, self.pages_loaded, self.clock())
        self.goal = END
        return True

    def find_more(self) -> tuple[FindStart, PageAsk | None]:
        """Page on until the filter matches more rows than it does now."""
        if not self.view.filter_text:
            return "no-filter", None
        if self.finding is not None:
            return "already", None
        if not self.can_page:
            return "all-loaded", None
        self.finding = FindRun(self.view.filter_text, len(self.view), self.rows_loaded)
        return "started", self._ask()

    def stop(self) -> tuple[FindOutcome | None, bool]:
        """Escape: stop the runs that page by themselves, where they are.

        Returns the find run's outcome (``cancelled``) and whether a page was in flight for
        one of them (the caller cancels its request; the rows loaded stay).
        """
        running = self.finding is not None or self.goal is not None
        outcome = self._end_find("cancelled")
        self.goal = None
        self.following = None
        dropped = running and self.inflight is not None
        if dropped:
            self.inflight = None
        return outcome, dropped

    def set_filter(self, text: str, *, sliced: bool = False) -> FindOutcome | None:
        """Filter the loaded rows; a find run for another filter ends (``changed``).

        ``sliced`` only starts the filter: the caller runs ``view.filter_step()`` until it
        returns True, giving the event loop a turn between slices.
        """
        if sliced:
            self.view.begin_filter(text)
        else:
            self.view.set_filter(text)
        if self.finding is not None and self.finding.filter_text != text:
            return self._end_find("changed")
        return None

    def set_sort(self, column: str | None, reverse: bool = False) -> None:
        self.view.set_sort(column, reverse)

    # -- answers ----------------------------------------------------------------------------

    def is_current(self, ask: PageAsk) -> bool:
        """``ask`` is the page in flight of this run, or one answered and on its way to
        :meth:`page_loaded` (anything else is a stale answer)."""
        return (self.inflight is not None and ask == self.inflight) or (
            self.landing is not None and ask == self.landing
        )

    @property
    def bulk(self) -> bool:
        """Everything is asked for (End to the end, find-more, a walk of every page): pages
        grow toward the kind's bulk limit and each is asked for as soon as the one before
        is parsed (:meth:`answered`)."""
        return self._walking or self.finding is not None or self.goal == END

    def answered(self, ask: PageAsk, page: Page[Any] | EarlyFacts) -> PageAsk | None:
        """The answer for ``ask`` is in and on its way to :meth:`page_loaded`. During a
        bulk run, the page after it, to send right away, before this one is taken in and
        painted (the gateway's cursors allow one request at a time; this keeps the gap
        between an answer and the next request short). None otherwise.

        Given the validated page, the guards look at it now (they would refuse the next
        request), and only once: :meth:`page_loaded` takes their verdict. Given only its
        :class:`~mpilot_tui.api.EarlyFacts` (cursor kinds: read before the items are
        validated), the guards only say whether that cursor may be sent, changing nothing;
        the page goes through them whole when it lands (or fails: :meth:`page_failed`),
        and the page sent ahead is dropped if they stop there or its cursor was not the
        page's (:attr:`Landed.cancel`).
        """
        if self.inflight is None or ask != self.inflight or self.landing is not None:
            return None
        if not self.bulk or not self.can_page:
            return None
        paging = self.spec.paging
        if isinstance(page, EarlyFacts):
            if paging.name != "cursor" or not self.guard.may_follow(page):
                return None
            position: Position = page.next_cursor
        else:
            checked = self._checked = self._check(ask, page)
            if checked.refused or checked.stopped or not paging.has_next(checked.page):
                return None
            position = paging.next(checked.page, ask.position)
        self.landing = ask
        self.inflight = None
        return self._ask(position)

    async def receive(
        self,
        client: GatewayClient,
        ask: PageAsk,
        sent: asyncio.Future[PageAnswer[Any]] | None = None,
        adjust: Callable[[Page[Any]], Page[Any]] | None = None,
    ) -> Received:
        """The answer for ``ask`` (``sent``: its request, already under way), validated,
        with the page after it sent ahead during a bulk run (see :meth:`answered`).

        The next request goes out as soon as the answer says where the next page starts:
        before the items are validated when the body tells its cursor on its own (cursor
        kinds without ``adjust``), after that otherwise. Any error is raised as the client
        raised it, with the request sent ahead (if any) cancelled; the caller reports it to
        :meth:`page_failed` (rows stay, the failed page can be asked for again).
        """
        answer = await (sent if sent is not None else ask.answer(client))
        facts = answer.early if adjust is None and self.bulk else None
        ahead: asyncio.Future[PageAnswer[Any]] | None = None
        try:
            if facts is None:
                page = answer.page()
                if adjust is not None:
                    page = adjust(page)
                following = self.answered(ask, page)
                if following is not None:
                    ahead = asyncio.ensure_future(following.answer(client))
            else:
                following = self.answered(ask, facts)
                if following is not None:
                    ahead = asyncio.ensure_future(following.answer(client))
                    await asyncio.sleep(0)  # the request starts before the page is validated
                page = answer.page()
        except asyncio.CancelledError:
            forget_request(ahead)
            # Cancelled between answered() and the landing (Escape, a new selection): the
            # page will never land, so it is not "landing" any more (that would keep every
            # later bulk run from sending ahead). An error goes to page_failed instead.
            if self.landing is not None and self.landing == ask:
                self.landing = None
                self._checked = None
            if ahead is not None and self.inflight is not None and self.inflight == following:
                self.inflight = None  # its request was just cancelled with this one
            raise
        except BaseException:
            forget_request(ahead)
            raise
        return Received(page, following if ahead is not None else None, ahead)

    def page_loaded(
        self, ask: PageAsk, page: Page[Any], packed: Packed | None = None
    ) -> Landed | None:
        """Take in an answer; None when it is stale (dropped). ``packed``: the page's body
        compressed ahead (see :func:`~.rows.pack`)."""
        if not self.is_current(ask):
            return None
        checked = self._checked if self._checked is not None and self._checked.ask == ask else None
        self._checked = None
        early: PageAsk | None = None
        if self.landing is not None and ask == self.landing:
            self.landing = None
            early = self.inflight  # sent by answered(), unless stopped meanwhile
        else:
            self.inflight = None
        if checked is None:
            checked = self._check(ask, page)
        page = checked.page
        if checked.refused is not None:
            landed = self._guard_stopped(checked.refused, None)
            return replace(landed, cancel=self._drop(early))
        rows = self._take(page, packed)
        paging = self.spec.paging
        self.pages_loaded += 1
        self.last_error = None
        self.resumable = False
        self.has_more = paging.has_next(page)
        self.next_position = paging.next(page, ask.position) if self.has_more else None
        if checked.stopped is not None:
            landed = self._guard_stopped(checked.stopped, rows)
            return replace(landed, page=page, cancel=self._drop(early))
        find = self._find_step()
        cursor_to = self._goal_step()
        cancel = False
        if early is not None and (not self.bulk or early.position != self.next_position):
            # The run that wanted it ended here (a find found its match): it is not taken.
            self._drop(early)
            early, cancel = None, True
        next_ask = None
        if early is None and (self.finding is not None or self.goal is not None):
            next_ask = self._ask()
        return Landed(rows, find=find, cursor_to=cursor_to, next=next_ask, page=page, cancel=cancel)

    def page_failed(self, ask: PageAsk, error: MPilotError) -> Failed | None:
        """A request failed: the rows stay, ``retry`` asks for it again. None when stale."""
        if not self.is_current(ask):
            return None
        if self.landing is not None and ask == self.landing:
            # Its items failed validation after the page after it was sent ahead (the
            # caller cancelled that): neither is taken, and retry asks for this one again.
            self.landing = None
            self._checked = None
        self.inflight = None
        self.last_error = error
        self.resumable = True
        self.goal = None
        self.following = None
        return Failed(error, self._end_find("error"))

    # -- the CLI's loop ---------------------------------------------------------------------

    async def walk(
        self, client: GatewayClient, *, max_pages: int | None = None
    ) -> AsyncIterator[Page[Any]]:
        """Every page of the listing from its start (``max_pages`` at most), in order.

        Raises the first error: the gateway's, or a guard's. A guard's error about the page
        after the last one wanted only counts when that page is pointed to.
        """
        ask = self.restart()
        self._walking = max_pages is None
        taken = 0
        sent: asyncio.Future[PageAnswer[Any]] | None = None
        try:
            while ask is not None:
                try:
                    received = await self.receive(client, ask, sent)
                except MPilotError as exc:
                    self.page_failed(ask, exc)
                    raise
                page, early, sent = received
                if sent is not None:
                    await asyncio.sleep(0)  # the request starts before the page is handed out
                landed = self.page_loaded(ask, page)
                if landed is None:  # pragma: no cover - nothing else answers in this loop
                    return
                if landed.refused and landed.error is not None:
                    raise landed.error
                if landed.page is not None:
                    page = landed.page
                yield page
                taken += 1
                last = max_pages is not None and taken >= max_pages
                if landed.error is not None and (not last or self.spec.paging.has_next(page)):
                    raise landed.error
                if last:
                    return
                if sent is not None and early is not None and self.inflight == early:
                    ask = early
                else:
                    forget_request(sent)
                    sent = None
                    ask = self._ask()
        finally:
            self._walking = False
            forget_request(sent)

    # -- inside -----------------------------------------------------------------------------

    def _ask(self, position: Position | Literal["next"] = "next") -> PageAsk | None:
        if self.inflight is not None or not self.can_page:
            return None
        where = self.next_position if position == "next" else position
        limit = self._bulk_limit() if self.bulk else None
        self.inflight = PageAsk(self.query, where, self.generation, self.as_of, limit)
        return self.inflight

    def _bulk_limit(self) -> int | None:
        """The next page size of a bulk run: growing by ``BULK_GROWTH`` toward the kind's
        bulk limit (None: the query's own, as a ``--limit`` typed by the user stays)."""
        query = self.query
        if query.exact_limit:
            return None
        grown = max(query.limit, self.bulk_size) * BULK_GROWTH
        size = min(self.spec.bulk_limit, max(grown, kinds.BULK_START))
        if size <= query.limit:
            return None
        self.bulk_size = size
        return size

    def _check(self, ask: PageAsk, page: Page[Any]) -> _Checked:
        paging = self.spec.paging
        if paging.name == "offset":
            # Offsets shift when entries come or go while the listing is read: an entry seen
            # on the page before may come again. It is dropped, not taken as a loop.
            page = self.guard.drop_repeats(page)
        try:
            self.guard.check_items(page)
        except PaginationError as exc:
            return _Checked(ask, page, refused=exc)
        try:
            paging.check_next(self.guard, page, ask.position)
        except PaginationError as exc:
            return _Checked(ask, page, stopped=exc)
        return _Checked(ask, page)

    def _drop(self, early: PageAsk | None) -> bool:
        """Forget the page :meth:`answered` sent early (its answer will be dropped); whether
        it was still in flight (the caller then cancels its request)."""
        if early is not None and self.inflight == early:
            self.inflight = None
            return True
        return False

    def _take(self, page: Page[Any], packed: Packed | None = None) -> range:
        if not self.keep_rows:
            start = self.rows_loaded
            self.rows_loaded += len(page.items)
            return range(start, self.rows_loaded)
        rows = self.store.append_page(page, packed)
        self.view.extend(rows)
        self.rows_loaded = len(self.store)
        return rows

    def _guard_stopped(self, error: PaginationError, rows: range | None) -> Landed:
        self.has_more = False
        self.next_position = None  # refused: a retry starts over instead of sending it
        self.last_error = error
        self.resumable = False
        self.goal = None
        self.following = None
        find = self._end_find("error")
        return Landed(rows or range(0), error=error, find=find, refused=rows is None)

    def _find_step(self) -> FindOutcome | None:
        run = self.finding
        if run is None:
            return None
        run.pages += 1
        if len(self.view) > run.matches_before:
            return self._end_find("found")
        if not self.can_page:
            return self._end_find("ended")
        return None

    def _goal_step(self) -> int | None:
        goal = self.goal
        if goal is None:
            return None
        last = len(self.view) - 1
        if goal <= last or not self.can_page:
            self.goal = None
            self.following = None
        return min(goal, last) if last >= 0 else None

    def _end_find(self, result: FindResult) -> FindOutcome | None:
        run = self.finding
        if run is None:
            return None
        self.finding = None
        found = len(self.view) - run.matches_before
        first = self._first_new_match(run) if result == "found" else None
        return FindOutcome(result, found, run.pages, self.rows_loaded, first)

    def _first_new_match(self, run: FindRun) -> int | None:
        for position in range(len(self.view)):
            row = self.view.row(position)
            if row >= run.rows_before:
                return row
        return None


def forget_request(sent: asyncio.Future[Any] | None) -> None:
    """Cancel a request sent ahead that is no longer wanted (its error, if it already came,
    is taken so that it is not reported as never retrieved)."""
    if sent is None:
        return
    if sent.done():
        if not sent.cancelled():
            sent.exception()
        return
    sent.cancel()
