"""``ListingScreen``: a screen that shows one :class:`~mpilot_tui.listing.Listing`.

The listing owns the state (what is listed, the rows, the page in flight, the error, the runs
that page by themselves); this screen sends the pages it asks for from a worker, hands the
answers back tagged with the ask they answer (a late one is dropped by the listing), and
pushes what changed down to the table, the detail pane and the status bar. It keeps no copy
of the listing's state: the properties below only read it.

The browser screen builds on it (its layout, bindings, and the actions in
``browser_actions.py`` and ``browser_tools.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.message import Message
from textual.screen import Screen

from ...api import (
    APIStatusError,
    GatewayClient,
    MPilotError,
    Page,
    ProtocolError,
    TransportError,
)
from ...config.session import Session
from ...formats.text import visible
from ...listing import FindOutcome, FindRun, Listing, PageAsk, Query, forget_request
from ...listing.rows import PACK_AHEAD_BYTES, Packed, PageRecord, RowStore, RowView, prepare
from ..widgets.bars import StatusBar
from ..widgets.detail import DetailPane
from ..widgets.file_table import FileTable

__all__ = ["ListingScreen", "error_title"]


class ListingScreen(Screen[None]):
    """Sends a listing's pages and renders its answers (composed by a subclass)."""

    class PageLoaded(Message):
        """A page came for ``ask``."""

        def __init__(self, ask: PageAsk, page: Page[Any], packed: Packed | None = None) -> None:
            super().__init__()
            self.ask = ask
            self.page = page
            self.packed = packed
            """The page's body compressed ahead, in a thread (big bodies only)."""

    class PageFailed(Message):
        """The request for ``ask`` failed."""

        def __init__(self, ask: PageAsk, error: MPilotError) -> None:
            super().__init__()
            self.ask = ask
            self.error = error

    def __init__(self, session: Session, client: GatewayClient, query: Query) -> None:
        super().__init__()
        self.session = session
        self.client = client
        self.listing = Listing(query)
        """The one owner of the listing's state."""

    # -- the listing, read ----------------------------------------------------------------

    @property
    def selection(self) -> Query:
        """What is listed."""
        return self.listing.query

    @property
    def store(self) -> RowStore:
        return self.listing.store

    @property
    def view(self) -> RowView:
        return self.listing.view

    @property
    def generation(self) -> int:
        return self.listing.generation

    @property
    def inflight(self) -> PageAsk | None:
        return self.listing.inflight

    @property
    def last_error(self) -> MPilotError | None:
        return self.listing.last_error

    @property
    def has_more(self) -> bool:
        return self.listing.has_more

    @property
    def finding(self) -> FindRun | None:
        return self.listing.finding

    @property
    def table(self) -> FileTable:
        return self.query_one(FileTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    # -- asking -----------------------------------------------------------------------------

    def select(self, **changes: Any) -> None:
        """Change what is listed and start over (cancelling what is in flight)."""
        self.start_listing(self.listing.query.with_changes(**changes))

    def start_listing(self, query: Query | None = None) -> None:
        """Start the listing over: a new run, no rows, the first page asked for."""
        self.workers.cancel_group(self, "listing")
        self.listing.stop()
        self.after_find(None)
        ask = self.listing.restart(query)
        self.detail.show_error(None)
        table = self.table
        table.empty_note = None
        table.prefetch_rows = max(50, self.listing.query.page_size)
        table.show_listing(self.listing)
        self.show_query()
        self.send(ask)
        self._update_status()

    def send(self, ask: PageAsk | None) -> None:
        """Send the page the listing asked for (nothing when it asked for none)."""
        if ask is None:
            return
        self.table.refresh_marker()
        self._fetch(ask)

    @work(exclusive=True, group="listing", exit_on_error=False)
    async def _fetch(self, first: PageAsk) -> None:
        ask: PageAsk | None = first
        sent = None
        try:
            while ask is not None:
                # During a bulk run (End to the end, find-more) the next page is asked for
                # as soon as this answer says where it starts, before this one is validated,
                # taken in and painted: the listing only decides (no widget is touched
                # here) and the page still lands through the message.
                current = ask
                try:
                    page, ask, sent = await self.listing.receive(
                        self.client, current, sent, self.page_filter(current)
                    )
                except MPilotError as exc:
                    self.post_message(self.PageFailed(current, exc))
                    return
                packed = None
                if len(page.raw) >= PACK_AHEAD_BYTES:
                    # Compressed on the other core (zlib lets go of the GIL) and its columns
                    # read in the thread, not in the one turn of the loop the page lands in.
                    packed = await asyncio.to_thread(prepare, page)
                self.post_message(self.PageLoaded(current, page, packed))
        finally:
            forget_request(sent)  # cancelled (a new listing, Escape, a find that matched)

    def page_filter(self, ask: PageAsk) -> Callable[[Page[Any]], Page[Any]] | None:
        """What to do to the page ``ask`` brings before it lands (the Requests view keeps
        only the entries that pass the part of its filter the gateway cannot apply)."""
        return None

    @on(FileTable.PageWanted)
    def page_wanted(self) -> None:
        self.send(self.listing.want_more())
        self._update_status()

    def retry_or_refresh(self) -> None:
        """Retry the page that failed (rows stay), or reload from the first page."""
        listing = self.listing
        if listing.last_error is not None and listing.resumable:
            self.detail.show_error(None)
            self.send(listing.retry())
            self._update_status()
        else:
            self.start_listing()

    def stop_paging(self) -> bool:
        """Stop find-more, follow-to-end and pending moves where they are; whether any ran."""
        listing = self.listing
        running = listing.finding is not None or listing.goal is not None
        outcome, dropped = listing.stop()
        if dropped:
            self.workers.cancel_group(self, "listing")
            self.table.refresh_marker()
        self.after_find(outcome)
        if running:
            self.notify(
                f"Stopped paging: {listing.rows_loaded:,} rows loaded; G, F or ctrl+f goes on.",
                timeout=3,
                markup=False,
            )
        self._update_status()
        return running

    # -- answers ----------------------------------------------------------------------------

    def on_listing_screen_page_loaded(self, message: PageLoaded) -> None:
        self.after_answer()
        landed = self.listing.page_loaded(message.ask, message.page, message.packed)
        if landed is None:
            return  # a late answer for an earlier run, or for a request cancelled meanwhile
        if landed.cancel:
            self.workers.cancel_group(self, "listing")  # the page sent ahead is not wanted
        table = self.table
        if self.listing.view.sort_column is not None:
            # The new rows land anywhere: redraw, the cursor keeps its position.
            table.show_listing(keep_cursor=True)
        else:
            table.rows_appended()
        if landed.cursor_to is not None:
            table.move_cursor(landed.cursor_to)
        if landed.error is not None:
            self._show_error(landed.error)
        else:
            self.detail.show_error(None)
        self.after_find(landed.find)
        self.send(landed.next)
        table.refresh_marker()
        self._update_status()

    def on_listing_screen_page_failed(self, message: PageFailed) -> None:
        self.after_answer()
        failed = self.listing.page_failed(message.ask, message.error)
        if failed is None:
            return
        self.table.refresh_marker()
        self.after_find(failed.find)
        self._show_error(message.error)

    def after_answer(self) -> None:
        """An answer came, current or not (the browser then asks for the gateway's facts)."""

    def after_find(self, outcome: FindOutcome | None) -> None:
        """A find run moved on or ended (None: nothing to tell); the browser shows it."""

    def _show_error(self, error: MPilotError) -> None:
        self.detail.show_error(error, rows_loaded=len(self.store))
        said = self.requests_error(error)
        self.table.empty_note = said
        if not len(self.listing.store):
            self.table.refresh()
        self.app.notify(
            visible(said or str(error)), title=error_title(error), severity="error",
            markup=False, timeout=10 if said else 5,
        )  # fmt: skip
        self._update_status()

    def requests_error(self, error: MPilotError) -> str | None:
        """A view's own words for ``error``, when it has them (the Requests view does)."""
        return None

    # -- rendering --------------------------------------------------------------------------

    def show_query(self) -> None:
        """Show what is listed (the browser's mode bar)."""

    def _update_position(self) -> None:
        """ "row N of M" on the detail pane's border: cheap to keep current as pages arrive."""
        total = len(self.listing.view)
        where = f" · row {self.table.cursor + 1:,} of {total:,}" if total else ""
        self.detail.border_title = f"Detail{where}"

    def _update_status(self) -> None:
        self._update_position()
        listing = self.listing
        store = listing.store
        # The facts (cache badge, extra fields) of the page the cursor row came in.
        row = self.table.current_row
        record: PageRecord | None = None
        if row is not None and row < len(store):
            record = store.page_of(row)
        elif store.pages:
            record = store.pages[-1]
        error = listing.last_error
        self.query_one(StatusBar).show(
            rows=len(store),
            shown=len(listing.view) if listing.view.active else None,
            has_more=listing.has_more,
            loading=listing.loading,
            failed=error is not None,
            meta=record.meta if record else None,
            extra=record.extra_fields if record else None,
            error=str(error) if error else None,
            progress=listing.progress(),
            page_extras=listing.query.kind != "requests",
        )


def error_title(error: MPilotError) -> str:
    """Who failed, in a word: the gateway answered, or the answer never came."""
    if isinstance(error, APIStatusError):
        return "Gateway error"
    if isinstance(error, TransportError):
        return "Connection error"
    if isinstance(error, ProtocolError):
        return "Unexpected answer"
    return "Error"
