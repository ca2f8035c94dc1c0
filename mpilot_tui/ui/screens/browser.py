"""The browser screen: sidebar, mode bar, table, detail pane and status bar.

State lives here; widgets get it pushed down. I/O runs only in workers, which post
``PageLoaded``/``PageFailed`` tagged with the selection's generation: a late answer for an
earlier selection is dropped, and a new selection cancels what is in flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Input

from ...api import (
    APIStatusError,
    GatewayClient,
    MPilotError,
    Order,
    Page,
    PageGuard,
    PaginationError,
    ProtocolError,
    TransportError,
    iter_pages,
)
from ...rows import Kind, RowStore, RowView
from ...session import Session
from ...text import visible
from ..widgets.bars import ConnectionBar, ModeBar, StatusBar
from ..widgets.detail import DetailPane
from ..widgets.file_table import FileTable
from ..widgets.sidebar import ProviderSidebar
from .browser_actions import BrowserActions, ContainerUsed
from .browser_tools import BrowserTools

__all__ = ["BrowserScreen", "ContainerUsed", "Selection"]

NARROW_WIDTH = 140
"""Below this many columns the detail pane goes under the table."""
DETAIL_DELAY = 0.06
"""Seconds the cursor must rest on a row before the detail pane is redrawn."""


@dataclass(frozen=True)
class Selection:
    """What the table lists: changing any field starts a new listing."""

    provider: str
    mode: str
    """``files`` or ``container-files``."""
    container: str | None
    purpose: str | None
    order: str
    page_size: int

    @property
    def kind(self) -> Kind:
        return "files" if self.mode == "files" else "container_files"

    def fetch(self, client: GatewayClient, cursor: str | None) -> Awaitable[Page[Any]]:
        """The request for one page of this listing, from ``cursor``."""
        order: Order = "asc" if self.order == "asc" else "desc"
        if self.mode == "files":
            return client.list_files(self.provider, self.purpose, self.page_size, cursor, order)
        return client.list_container_files(
            self.container or "", self.provider, min(self.page_size, 100), cursor, order
        )

    def pages(self, client: GatewayClient) -> AsyncIterator[Page[Any]]:
        """Every page of this listing, with the client's pagination guards."""
        return iter_pages(lambda cursor: self.fetch(client, cursor))


class BrowserScreen(BrowserActions, BrowserTools):
    """The one main screen (its power tools' keys and actions come from BrowserTools)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh/retry", id="browser.refresh"),
        Binding("o", "toggle_order", "Order", id="browser.order"),
        Binding("p", "choose_purpose", "Purpose", id="browser.purpose"),
        Binding("m", "switch_mode", "Mode", id="browser.mode"),
        Binding("b", "choose_container", "Container", id="browser.container"),
        # Priority: acted on as the key arrives, so keys typed in the same burst (a paste, a
        # fast typist) already find the filter box focused instead of reaching the bindings.
        Binding("slash", "filter", "Filter", id="browser.filter", priority=True),
        Binding("c", "copy_id", "Copy id", id="browser.copy_id"),
        Binding("y", "copy_json", "Copy JSON", id="browser.copy_json"),
        Binding("s", "page_size", "Page size", show=False, id="browser.page_size"),
        Binding("enter", "focus_detail", "Detail", show=False, id="browser.detail"),
        Binding("escape", "escape", "Back", show=False, id="browser.escape"),
    ]

    class PageLoaded(Message):
        def __init__(self, generation: int, cursor: str | None, page: Page[Any]) -> None:
            super().__init__()
            self.generation = generation
            self.cursor = cursor
            self.page = page

    class PageFailed(Message):
        def __init__(self, generation: int, cursor: str | None, error: MPilotError) -> None:
            super().__init__()
            self.generation = generation
            self.cursor = cursor
            self.error = error

    class FilterProgressed(Message):
        """A slice of the filter ran: the view holds more matches (or all, once done)."""

        def __init__(self, view: RowView) -> None:
            super().__init__()
            self.view = view

    class GatewayFacts(Message):
        """The version and the configured providers, when the gateway told them."""

        def __init__(self, version: str | None, providers: list[str] | None, note: str | None):
            super().__init__()
            self.version = version
            self.providers = providers
            self.note = note

    def __init__(self, session: Session, client: GatewayClient) -> None:
        super().__init__()
        self.session = session
        self.client = client
        self.selection = Selection(
            provider=session.default_provider,
            mode=session.default_mode
            if session.default_mode in ("files", "container-files")
            else "files",
            container=session.recent_containers[0] if session.recent_containers else None,
            purpose=None,
            order=session.order,
            page_size=session.page_size,
        )
        self.recent_containers: list[str] = list(session.recent_containers)
        self.generation = 0
        self.store = RowStore("files")
        self.view = RowView(self.store)
        self.guard = PageGuard()
        self.has_more = False
        self.next_cursor: str | None = None
        self.inflight: tuple[int, str | None] | None = None
        """The generation and cursor of the page being fetched, if any."""
        self.last_error: MPilotError | None = None
        self.version: str | None = None
        self._detail_timer: Timer | None = None
        self._facts_requested = False

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ConnectionBar(id="connection-bar")
        with Horizontal(id="main"):
            yield ProviderSidebar(id="sidebar")
            with Horizontal(id="content"):
                with Vertical(id="center"):
                    yield ModeBar(id="mode-bar")
                    yield Input(placeholder="filter id / name…  (enter keeps, escape clears)",
                                id="filter")  # fmt: skip
                    yield FileTable(id="table")
                yield DetailPane(id="detail")
        yield StatusBar(id="status-bar")
        yield Footer()

    @property
    def table(self) -> FileTable:
        return self.query_one(FileTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    def on_mount(self) -> None:
        self._show_connection()
        self.query_one(ProviderSidebar).select_provider(self.selection.provider, announce=False)
        self.table.focus()
        self._apply_width(self.app.size.width)
        self.start_listing()
        # The version and provider list wait for the first page (which matters more), or a
        # second at most when no listing starts.
        self.set_timer(1.0, self._request_gateway_facts)

    def _request_gateway_facts(self) -> None:
        if not self._facts_requested:
            self._facts_requested = True
            self.load_gateway_facts()

    def on_resize(self) -> None:
        self._apply_width(self.app.size.width)

    def _apply_width(self, width: int) -> None:
        self.set_class(width < NARROW_WIDTH, "narrow")

    def _show_connection(self) -> None:
        self.query_one(ConnectionBar).show(
            self.session.label, self.session.settings.describe_auth(), self.version
        )

    # -- starting listings -----------------------------------------------------------------

    def select(self, **changes: Any) -> None:
        """Change the selection and start its listing (cancelling what is in flight)."""
        self.selection = Selection(**{**self.selection.__dict__, **changes})
        sidebar = self.query_one(ProviderSidebar)
        if sidebar.selected_provider != self.selection.provider:
            # Chosen elsewhere (the palette, a script, a test): the sidebar shows it too.
            sidebar.select_provider(self.selection.provider, announce=False)
        self.start_listing()

    def start_listing(self) -> None:
        self.generation += 1
        self.workers.cancel_group(self, "listing")
        self.stop_finding("changed")
        selection = self.selection
        self.store = RowStore(selection.kind)
        self.view = RowView(self.store)
        filter_text = self.query_one("#filter", Input).value.strip()
        if filter_text:
            self.view.set_filter(filter_text)
        self.guard = PageGuard()
        self.has_more = False
        self.next_cursor = None
        self.inflight = None
        self.last_error = None
        self.detail.show_error(None)
        table = self.table
        table.prefetch_rows = max(50, selection.page_size)
        table.paging_enabled = not self.view.filter_text
        table.empty_message = "No rows."
        table.show_view(self.view, has_more=False)
        self._show_mode()
        if selection.mode == "container-files" and not selection.container:
            table.empty_message = "No container chosen: press b to pick one."
            table.refresh()
            self._update_status()
            return
        self.fetch_page(None)

    def fetch_page(self, cursor: str | None) -> None:
        """Ask for one page, unless that very page is already on its way."""
        key = (self.generation, cursor)
        if self.inflight == key:
            return
        self.inflight = key
        self.table.set_loading_more(True)
        self._update_status()
        self._fetch(self.generation, self.selection, cursor)

    @work(exclusive=True, group="listing", exit_on_error=False)
    async def _fetch(self, generation: int, selection: Selection, cursor: str | None) -> None:
        try:
            page = await selection.fetch(self.client, cursor)
        except MPilotError as exc:
            self.post_message(self.PageFailed(generation, cursor, exc))
            return
        self.post_message(self.PageLoaded(generation, cursor, page))

    @work(exclusive=True, group="facts", exit_on_error=False)
    async def load_gateway_facts(self) -> None:
        version: str | None = None
        providers: list[str] | None = None
        note: str | None = None
        try:
            version = await self.client.version()
        except MPilotError:
            version = None
        try:
            result = await self.client.list_providers()
        except MPilotError as exc:
            note = f"/api/providers: {exc}"
        else:
            if result.permitted:
                providers = [entry.name for entry in result.providers]
            else:
                note = result.message
        self.post_message(self.GatewayFacts(version, providers, note))

    # -- results ------------------------------------------------------------------------------

    def on_browser_screen_gateway_facts(self, message: GatewayFacts) -> None:
        self.version = message.version
        self._show_connection()
        self.query_one(ProviderSidebar).set_configured(message.providers)

    def on_browser_screen_page_loaded(self, message: PageLoaded) -> None:
        self.call_after_refresh(self._request_gateway_facts)
        # Only the answer to the request in flight lands: not a late one for an earlier
        # selection, nor one for a request that was cancelled meanwhile.
        if (message.generation, message.cursor) != self.inflight:
            return
        self.inflight = None
        page = message.page
        table = self.table
        table.set_loading_more(False)
        try:
            self.guard.check_items(page)
        except PaginationError as exc:
            self._stop_paging(exc)
            return
        new_rows = self.store.append_page(page)
        self.view.extend(new_rows)
        self.has_more = page.has_next_page()
        self.next_cursor = page.next_cursor
        self.last_error = None
        self.detail.show_error(None)
        try:
            self.guard.check_next(page)
        except PaginationError as exc:
            self._stop_paging(exc)
        table.rows_appended(has_more=self.has_more)
        self._update_status()
        self.after_page()

    def on_browser_screen_page_failed(self, message: PageFailed) -> None:
        self.call_after_refresh(self._request_gateway_facts)
        if (message.generation, message.cursor) != self.inflight:
            return
        self.inflight = None
        self.table.set_loading_more(False)
        self.table.stop_following()
        self._show_error(message.error)

    def _stop_paging(self, error: MPilotError) -> None:
        self.has_more = False
        self.next_cursor = None  # refused: r reloads from the start instead of sending it
        self.table.rows_appended(has_more=False)
        self._show_error(error)

    def _show_error(self, error: MPilotError) -> None:
        self.last_error = error
        self.stop_finding("error")
        self.detail.show_error(error)
        if not len(self.store):
            self.table.empty_message = "No rows: the request failed (details below; r retries)."
            self.table.refresh()
        self.app.notify(
            visible(str(error)), title=error_title(error), severity="error", markup=False
        )
        self._update_status()

    def _update_position(self) -> None:
        """ "row N of M" on the detail pane's border: cheap to keep current as pages arrive."""
        total = len(self.view)
        where = f" · row {self.table.cursor + 1:,} of {total:,}" if total else ""
        self.detail.border_title = f"Detail{where}"

    def _update_status(self) -> None:
        self._update_position()
        record = self.store.pages[-1] if self.store.pages else None
        self.query_one(StatusBar).show(
            rows=len(self.store),
            shown=len(self.view) if self.view.active else None,
            has_more=self.has_more,
            loading=self.inflight is not None,
            failed=self.last_error is not None,
            meta=record.meta if record else None,
            extra=record.extra_fields if record else None,
            error=str(self.last_error) if self.last_error else None,
        )

    def _show_mode(self) -> None:
        s = self.selection
        self.query_one(ModeBar).show(
            s.mode, provider=s.provider, purpose=s.purpose, order=s.order,
            page_size=s.page_size, container=s.container,
        )  # fmt: skip

    # -- table events -------------------------------------------------------------------------

    @on(FileTable.PageWanted)
    def page_wanted(self) -> None:
        if self.has_more and self.next_cursor and self.last_error is None:
            self.fetch_page(self.next_cursor)

    @on(FileTable.Highlighted)
    def highlighted(self, event: FileTable.Highlighted) -> None:
        self._update_position()
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._show_detail)

    def _show_detail(self) -> None:
        row = self.table.current_row
        if row is None or row >= len(self.store):
            self.detail.show_item(None, extra=None, meta=None)
            return
        if self.last_error is None:
            self.detail.show_error(None)
        record = self.store.page_of(row)
        self.detail.show_item(
            self.store.item(row), extra=record.extra_fields, meta=record.meta,
            title=f"Row {self.table.cursor + 1:,}",
        )  # fmt: skip

    @on(FileTable.Chosen)
    def chosen(self) -> None:
        self.action_focus_detail()

    @on(FileTable.HeaderClicked)
    def header_clicked(self, event: FileTable.HeaderClicked) -> None:
        view = self.view
        if view.sort_column == event.column and not view.sort_reverse:
            view.set_sort(event.column, reverse=True)
        elif view.sort_column == event.column:
            view.set_sort(None)
        else:
            view.set_sort(event.column)
        self.table.show_view(view, has_more=self.has_more)
        self._update_status()

    @on(ProviderSidebar.Selected)
    def provider_selected(self, event: ProviderSidebar.Selected) -> None:
        self.select(provider=event.provider)
        self.table.focus()

    @on(ModeBar.ModeClicked)
    def mode_clicked(self, event: ModeBar.ModeClicked) -> None:
        if event.mode != self.selection.mode:
            self.action_switch_mode()

    # -- filter -------------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if self.focused is box:
            raise SkipAction()  # a / typed into the filter is text (paths have slashes)
        box.add_class("shown")
        # Focus now, not after the queue (as focus() would): the keys behind / follow.
        self.set_focus(box)

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        # The filter runs in slices: keys typed meanwhile land, and narrow what it found.
        self.view.begin_filter(text)
        table = self.table
        table.paging_enabled = not text
        table.show_view(self.view, has_more=self.has_more)
        self._update_status()  # "N rows (M shown)": a toast per keystroke would pile up
        if self.view.pending:
            self._run_filter(self.view)

    @work(exclusive=True, group="filter", exit_on_error=False)
    async def _run_filter(self, view: RowView) -> None:
        """Give the event loop a turn between slices of the filter; the screen shows them."""
        while not view.filter_step():
            self.post_message(self.FilterProgressed(view))
            await asyncio.sleep(0)
        self.post_message(self.FilterProgressed(view))

    def on_browser_screen_filter_progressed(self, message: FilterProgressed) -> None:
        if message.view is not self.view:
            return
        if message.view.pending:
            self.table.rows_appended(has_more=self.has_more)
        else:
            self.table.show_view(self.view, has_more=self.has_more, keep_cursor=True)
        self._update_status()

    @on(Input.Submitted, "#filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        self.table.focus()
        find, self.find_on_enter = self.find_on_enter, False
        if find and event.value.strip():
            self.action_find_more()  # F opened the box: keep paging until it matches
        elif event.value.strip():
            self.notify(f"{len(self.view):,} of {len(self.store):,} loaded rows match", timeout=2)

    def action_escape(self) -> None:
        if self.finding is not None:
            self.stop_finding("cancelled")
            return
        box = self.query_one("#filter", Input)
        if box.has_focus or box.value:
            self.find_on_enter = False
            box.value = ""
            box.remove_class("shown")
            self.table.focus()
        elif not self.table.has_focus:
            self.table.focus()

    # -- actions ------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Retry the page that failed (rows stay), or reload from the first page."""
        if self.last_error is not None and len(self.store) and self.next_cursor:
            self.last_error = None
            self.detail.show_error(None)
            self.has_more = True
            self.fetch_page(self.next_cursor)
        else:
            self.start_listing()


def error_title(error: MPilotError) -> str:
    """Who failed, in a word: the gateway answered, or the answer never came."""
    if isinstance(error, APIStatusError):
        return "Gateway error"
    if isinstance(error, TransportError):
        return "Connection error"
    if isinstance(error, ProtocolError):
        return "Unexpected answer"
    return "Error"
