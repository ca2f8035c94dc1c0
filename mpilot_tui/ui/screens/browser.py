"""The browser screen: sidebar, mode bar, table, detail pane and status bar.

The listing's state lives in its :class:`~mpilot_tui.listing.Listing` (see
:class:`~.listing_screen.ListingScreen`, which sends its pages from workers and renders the
answers); this screen adds the layout, the sidebar, the filter and the detail pane.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

from ... import collector
from ...api import GatewayClient, MPilotError
from ...api.providers import provider_info
from ...config.session import Session
from ...formats.text import visible
from ...listing import KINDS, Query, kind_named
from ...listing.rows import RowView
from ..widgets.bars import ConnectionBar, KeyFooter, ModeBar, StatusBar
from ..widgets.detail import DetailPane
from ..widgets.file_table import FileTable
from ..widgets.sidebar import ALL_PROVIDERS, ProviderSidebar
from .browser_actions import BrowserActions, ContainerUsed
from .browser_tools import BrowserTools
from .listing_screen import error_title
from .requests_view import SERVER_SORTS, RequestsView

__all__ = ["BrowserScreen", "ContainerUsed", "error_title", "first_query"]

ZOOMS: tuple[str | None, ...] = (None, "detail", "table")
"""What ``z`` cycles through: both, the detail pane full screen, the table full screen."""
NARROW_WIDTH = 140
"""Below this many columns the detail pane goes under the table."""
DETAIL_DELAY = 0.06
"""Seconds the cursor must rest on a row before the detail pane is redrawn."""


REQUESTS_ONLY = frozenset({"request_filters", "live", "cycle_cache", "clear_filters",
                           "clear_chip"})  # fmt: skip
"""Actions of the Requests view only (hidden elsewhere)."""
FILES_ONLY = frozenset({"choose_purpose", "choose_container"})
"""Actions of the files views only (hidden in the Requests view)."""
REFRESH_LABELS: dict[str | None, tuple[str, bool]] = {
    "retry": ("Retry page", True),
    "reload": ("Reload (failed)", True),
    None: ("Retry what failed", False),
}
"""What ``r``'s footer label says, and whether it shows, for each of :meth:`refresh_does`."""


def first_query(session: Session) -> Query:
    """What the browser lists when it opens: the session's provider, view and preferences."""
    kind = kind_named(session.default_mode)
    return Query(
        kind=kind if KINDS[kind].in_browser else "files",
        provider=session.default_provider,
        container=session.recent_containers[0] if session.recent_containers else None,
        order="asc" if session.order == "asc" else "desc",
        page_size=session.page_size,
    )


class BrowserScreen(RequestsView, BrowserActions, BrowserTools):
    """The one main screen (its power tools' keys and actions come from BrowserTools, the
    Requests view's from RequestsView)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # r only retries (or reloads) what failed; its footer label says which, and it is
        # left out of the footer when nothing failed. ctrl+r / F5 reload from the start.
        Binding("r", "refresh", "Retry what failed", id="browser.refresh"),
        Binding("ctrl+r,f5", "reload", "Reload", id="browser.reload"),
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
        Binding("z", "zoom", "Zoom", id="browser.zoom"),
        Binding("h", "toggle_sidebar", "Sidebar", id="browser.sidebar"),
        Binding(
            "right_square_bracket",
            "section(1)",
            "Detail: next section",
            show=False,
            id="browser.next_section",
        ),
        Binding(
            "left_square_bracket",
            "section(-1)",
            "Detail: previous section",
            show=False,
            id="browser.prev_section",
        ),
        Binding("enter", "focus_detail", "Detail", show=False, id="browser.detail"),
        Binding("escape", "escape", "Back", show=False, id="browser.escape"),
    ]

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
        super().__init__(session, client, first_query(session))
        self.init_requests()
        self.version: str | None = None
        self._detail_timer: Timer | None = None
        self._facts_requested = False
        self.zoom: str | None = None
        """``detail`` or ``table`` when one fills the screen (``z``), else None."""
        self.sidebar_shown = True

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Before the children mount: set in on_mount, it restyled every widget once more.
        self.set_class(self.app.size.width < NARROW_WIDTH, "narrow", update=False)
        yield ConnectionBar(id="connection-bar")
        with Horizontal(id="main"):
            yield ProviderSidebar(id="sidebar")
            with Horizontal(id="content"):
                with Vertical(id="center"):
                    yield ModeBar(id="mode-bar")
                    yield Input(placeholder="filter id / name…  (enter keeps, escape clears)",
                                id="filter")  # fmt: skip
                    yield FileTable(id="table", redactor=self.client.redactor)
                yield DetailPane(id="detail", redactor=self.client.redactor)
        yield StatusBar(id="status-bar")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._show_connection()
        self.table.marked_rows = self.marked_rows
        self.query_one(ProviderSidebar).select_provider(self.selection.provider, announce=False)
        self.table.focus()
        self._apply_width(self.app.size.width)
        self._sync_sidebar()
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

    # -- zoom and the sidebar -----------------------------------------------------------------

    def action_zoom(self) -> None:
        """``z``: the detail pane full screen, then the table, then back."""
        self.zoom = ZOOMS[(ZOOMS.index(self.zoom) + 1) % len(ZOOMS)]
        self._apply_layout()
        said = {"detail": "Detail full screen", "table": "Table full screen"}
        self.notify(f"{said.get(self.zoom or '', 'Table and detail')} (z: next)", timeout=2,
                    markup=False)  # fmt: skip

    def action_toggle_sidebar(self) -> None:
        """``h``: hide the sidebar (the table gets its width), or show it again."""
        self.sidebar_shown = not self.sidebar_shown
        self._apply_layout()

    def _apply_layout(self) -> None:
        """Show what the zoom and the sidebar toggle leave (inline styles: they win over the
        stylesheet's widths)."""
        zoom = self.zoom
        sidebar = self.query_one(ProviderSidebar)
        center = self.query_one("#center")
        detail = self.detail
        sidebar.display = self.sidebar_shown and zoom is None
        center.display = zoom != "detail"
        detail.display = zoom != "table"
        if zoom == "detail":
            detail.styles.width = "1fr"
            detail.styles.height = "1fr"
        else:
            detail.styles.clear_rule("width")
            detail.styles.clear_rule("height")
        focused = self.focused
        if zoom == "detail":
            detail.focus()
        elif (
            focused is None
            or not focused.display
            or (focused is detail and zoom == "table")
            or (focused is sidebar and not sidebar.display)
        ):
            self.table.focus()

    def action_section(self, step: int) -> None:
        """``]`` / ``[``: scroll the detail pane to its next / previous section."""
        if self.zoom == "table":
            self.zoom = None
            self._apply_layout()
        name = self.detail.jump_section(step)
        if name is None:
            self.notify("No further section that way.", timeout=2, markup=False)

    def _show_connection(self) -> None:
        self.query_one(ConnectionBar).show(
            self.session.label, self.session.settings.describe_auth(), self.version
        )

    # -- starting listings -----------------------------------------------------------------

    def select(self, **changes: object) -> None:
        """Change the selection and start its listing (cancelling what is in flight)."""
        super().select(**changes)
        self._sync_sidebar()

    def _sync_sidebar(self) -> None:
        """The sidebar shows what is listed (chosen elsewhere too: the palette, a test)."""
        sidebar = self.query_one(ProviderSidebar)
        sidebar.show_all_entry(self.in_requests)
        if self.in_requests:
            # Several providers (typed in the filter dialog) are shown by the chip, not here.
            wanted = self.log_filters.provider or ALL_PROVIDERS
            if wanted not in sidebar.providers:
                wanted = ALL_PROVIDERS
        else:
            wanted = self.selection.provider
        if sidebar.selected_provider != wanted:
            sidebar.select_provider(wanted, announce=False)

    def start_listing(self, query: Query | None = None) -> None:
        self.marked_rows.clear()
        super().start_listing(query)
        if self.live_run and not self.in_requests:
            self.stop_live()
        elif self.live_run:
            self.keep_live_order()
        self.show_query()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers each view's own keys: no purpose or container for requests, no
        request filters or live mode for files."""
        if action in REQUESTS_ONLY:
            return self.in_requests
        return not (action in FILES_ONLY and self.in_requests)

    def action_toggle_order(self) -> None:
        if self.in_requests and self.log_filters.sort_by:
            order = "asc" if self.log_filters.order == "desc" else "desc"
            self.set_log_filters(replace(self.log_filters, order=order))
            return
        super().action_toggle_order()

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

    def after_answer(self) -> None:
        self.call_after_refresh(self._request_gateway_facts)
        # The first answer is on screen: the start is over (see mpilot_tui.collector).
        self.call_after_refresh(collector.release)

    def show_query(self) -> None:
        s = self.selection
        if self.in_requests:
            self.query_one(ModeBar).show_requests(
                self.log_filters.chips(), self.log_filters.chips(short=True),
                order=self.log_filters.order or s.order, page_size=s.page_size,
                live=self.live_words(),
            )  # fmt: skip
            return
        self.query_one(ModeBar).show(
            s.spec.name, provider=s.provider, purpose=s.purpose, order=s.order,
            page_size=s.page_size, container=s.container,
        )  # fmt: skip

    # -- table events -------------------------------------------------------------------------

    @on(FileTable.Highlighted)
    def highlighted(self, event: FileTable.Highlighted) -> None:
        self._update_position()
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._show_detail)

    def _show_detail(self) -> None:
        if self.listing.following is not None:
            return  # End follows to the last page: the detail waits for it (each is costly)
        row = self.table.current_row
        if row is None or row >= len(self.store):
            self.detail.show_item(None, extra=None, meta=None)
            return
        if self.last_error is None:
            self.detail.show_error(None)
        if self.store.kind == "requests":
            self.show_request_detail(row, f"Request · row {self.table.cursor + 1:,}")
            return
        record = self.store.page_of(row)
        self.detail.show_item(
            self.store.item(row), extra=record.extra_fields, meta=record.meta,
            title=f"Row {self.table.cursor + 1:,}",
        )  # fmt: skip
        self._update_status()  # the cache badge is the cursor row's page's

    @on(FileTable.Chosen)
    def chosen(self) -> None:
        self.action_focus_detail()

    @on(FileTable.HeaderClicked)
    def header_clicked(self, event: FileTable.HeaderClicked) -> None:
        view = self.view
        if self.in_requests and event.column in SERVER_SORTS:
            sort_by = self.log_filters.sort_by
            ascending = self.log_filters.order == "asc"
            if SERVER_SORTS[event.column] != sort_by:
                self.server_sort(event.column, reverse=True)
            elif not ascending:
                self.server_sort(event.column, reverse=False)
            else:
                self.server_sort(None, reverse=False)
            return
        if view.sort_column == event.column and not view.sort_reverse:
            self.listing.set_sort(event.column, reverse=True)
        elif view.sort_column == event.column:
            self.listing.set_sort(None)
        else:
            self.listing.set_sort(event.column)
        self.table.show_listing()
        self._update_status()

    @on(ProviderSidebar.Selected)
    def provider_selected(self, event: ProviderSidebar.Selected) -> None:
        if self.in_requests:
            provider = None if event.provider == ALL_PROVIDERS else event.provider
            self.choose_log_provider(provider)
        elif event.provider != ALL_PROVIDERS:
            self.select(provider=event.provider)
            info = provider_info(event.provider)
            if info.standard and not info.files and self.selection.kind == "files":
                self.notify(
                    f"The gateway does not list files for {visible(event.provider)} (only "
                    "providers marked F do); it will answer with an error.",
                    timeout=5,
                    markup=False,
                )
        self.table.focus()

    @on(ModeBar.ChipClicked)
    def chip_clicked(self, event: ModeBar.ChipClicked) -> None:
        self.clear_chip(event.key)

    @on(ModeBar.ModeClicked)
    def mode_clicked(self, event: ModeBar.ModeClicked) -> None:
        kind = kind_named(event.mode)
        if kind != self.selection.kind:
            self.show_kind(kind)

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
        # The filter runs in slices: keys typed meanwhile land, and narrow what it found.
        row = self.table.current_row
        self.after_find(self.listing.set_filter(event.value.strip(), sliced=True))
        self.table.show_listing()
        # The cursor stays on the same item when it is still shown (a cleared filter).
        position = self.listing.view.position_of(row) if row is not None else None
        if position is not None:
            self.table.move_cursor(position)
        self._update_status()  # "N rows (M shown)": a toast per keystroke would pile up
        if self.listing.view.pending:
            self._run_filter(self.listing.view)

    @work(exclusive=True, group="filter", exit_on_error=False)
    async def _run_filter(self, view: RowView) -> None:
        """Give the event loop a turn between slices of the filter; the screen shows them."""
        while not view.filter_step():
            self.post_message(self.FilterProgressed(view))
            await asyncio.sleep(0)
        self.post_message(self.FilterProgressed(view))

    def on_browser_screen_filter_progressed(self, message: FilterProgressed) -> None:
        if message.view is not self.listing.view:
            return
        if message.view.pending:
            self.table.rows_appended()
        else:
            self.table.show_listing(keep_cursor=True)
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
        if self.stop_paging():
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

    def refresh_does(self) -> str | None:
        """What ``r`` does now: ``retry`` the page that failed (rows stay), ``reload`` from
        the start (the first page failed, or the failed cursor cannot be sent again), or
        nothing (nothing failed)."""
        listing = self.listing
        if listing.last_error is None:
            return None
        return "retry" if listing.rows_loaded and listing.resumable else "reload"

    def _sync_refresh_binding(self) -> None:
        """The footer's label for ``r`` says what it does now (and is gone when nothing
        failed); the binding keeps its key, as the keymap set it."""
        does = self.refresh_does()
        label, shown = REFRESH_LABELS[does]
        changed = False
        for bindings in self._bindings.key_to_bindings.values():
            for index, binding in enumerate(bindings):
                if binding.id == "browser.refresh" and (
                    binding.description != label or binding.show != shown
                ):
                    bindings[index] = replace(binding, description=label, show=shown)
                    changed = True
        if changed:
            self.refresh_bindings()

    def _update_status(self) -> None:
        super()._update_status()
        self._sync_refresh_binding()

    def action_refresh(self) -> None:
        """``r``: retry the page that failed (rows stay), or reload what failed; with no
        error, say so and leave the rows alone (``ctrl+r`` / ``F5`` reload)."""
        if self.refresh_does() is None:
            rows = len(self.store)
            self.notify(
                f"Nothing failed to retry. ctrl+r or F5 reloads from the first page"
                f"{f' (the {rows:,} loaded rows go)' if rows else ''}.",
                timeout=4,
                markup=False,
            )
            return
        self.retry_or_refresh()

    def action_reload(self) -> None:
        """``ctrl+r`` / ``F5``: reload from the first page (the sort and the filter stay)."""
        self.start_listing()
