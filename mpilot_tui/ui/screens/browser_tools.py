"""The browser's power tools: keep paging until the filter matches, sort, fetch the full item,
preview content, export, and the request inspector.

:class:`BrowserTools` is a base of :class:`~mpilot_tui.ui.screens.browser.BrowserScreen`;
the state these actions read is the listing's (see :class:`.listing_screen.ListingScreen`),
find-more included: the listing runs it, this shows it.
Every action only reads or re-orders what is loaded, or sends a GET: nothing here changes
data on the gateway.
"""

from __future__ import annotations

from array import array
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from ...api import GatewayClient, ItemResult, MPilotError, Page
from ...config.session import Session
from ...formats.text import counted, visible
from ...listing import FindOutcome, Listing, Query
from ..widgets.detail import DetailPane
from .listing_screen import ListingScreen
from .pickers import OptionPicker

__all__ = ["BrowserTools"]

ARRIVAL = "arrival order"


class BrowserTools(ListingScreen):
    """Actions and bindings of the power tools (the browser screen inherits them)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "inspector", "Request inspector", show=False, id="browser.inspector"),
        Binding("C", "cache_summary", "Cache summary", show=False, id="browser.cache_summary"),
        Binding("F,ctrl+f", "find_more", "Filter: keep paging until found", show=False,
                id="browser.find_more"),
        Binding("S", "sort", "Sort loaded rows", show=False, id="browser.sort"),
        Binding("T", "columns", "Columns: show/hide, width", show=False,
                id="browser.columns"),
        Binding("f", "fetch_item", "Fetch full item", show=False, id="browser.fetch_item"),
        Binding("v", "preview", "Preview content", show=False, id="browser.preview"),
        Binding("e", "export", "Export rows", show=False, id="browser.export"),
    ]  # fmt: skip

    class ItemFetched(Message):
        def __init__(self, generation: int, item_id: str, result: ItemResult) -> None:
            super().__init__()
            self.generation = generation
            self.item_id = item_id
            self.result = result

    class ItemFailed(Message):
        def __init__(self, generation: int, item_id: str, error: MPilotError) -> None:
            super().__init__()
            self.generation = generation
            self.item_id = item_id
            self.error = error

    def __init__(self, session: Session, client: GatewayClient, query: Query) -> None:
        super().__init__(session, client, query)
        self.find_on_enter = False
        """``F`` opened an empty filter: enter in it keeps paging until it matches (the
        filter box's state, the screen's own; the find run itself is the listing's)."""

    def _current_id(self) -> str | None:
        row = self.table.current_row
        return None if row is None else self.store.ids[row]

    # -- keep paging until found ----------------------------------------------------------

    def action_find_more(self) -> None:
        box = self.query_one("#filter", Input)
        if not box.value.strip():
            box.add_class("shown")
            self.set_focus(box)
            self.find_on_enter = True
            self.notify("Type a filter; enter loads pages until it matches.", timeout=3,
                        markup=False)  # fmt: skip
            return
        started, ask = self.listing.find_more()
        if started == "all-loaded":
            self.notify(f"All rows are loaded: {len(self.view):,} match.", timeout=3,
                        markup=False)  # fmt: skip
            return
        if started == "started":
            self.send(ask)
            self._show_finding()
            self._update_status()

    def _show_finding(self) -> None:
        """The filter box's subtitle says how far a find run has come."""
        run = self.listing.finding
        box = self.query_one("#filter", Input)
        subtitle = (
            # What to press comes first: a narrow box cuts the end of its subtitle.
            "escape stops · "
            f"finding: {counted(self.listing.rows_loaded, 'rows')} loaded, "
            f"{counted(run.pages, 'pages')} fetched"
            if run is not None
            else ""
        )
        if box.border_subtitle != subtitle:
            box.border_subtitle = subtitle

    def after_find(self, outcome: FindOutcome | None) -> None:
        """Show the find run's progress, or tell how it ended."""
        self._show_finding()
        if outcome is None:
            return
        loaded = f"{outcome.rows_loaded:,} rows loaded"
        if outcome.result == "found":
            if outcome.first_row is not None:
                position = self.view.position_of(outcome.first_row)
                if position is not None:
                    self.table.move_cursor(position)
            self.notify(f"Found {outcome.found:,} more match(es) after {outcome.pages:,} "
                        f"page(s); {loaded}.", timeout=4, markup=False)  # fmt: skip
        elif outcome.result == "ended":
            self.notify(f"No further match: the listing ended ({loaded}).", timeout=4,
                        markup=False)  # fmt: skip

    # -- columns --------------------------------------------------------------------------

    def action_columns(self) -> None:
        from ..widgets.file_table import TABLE_COLUMNS, ColumnChoice
        from .columns import ColumnChooser

        table = self.table
        kind = self.view.store.kind
        before = table.column_choices.get(kind, ColumnChoice())

        def shown() -> dict[str, int]:
            return {column.key: width for column, width in table.column_layout}

        def chosen(choice: ColumnChoice | None) -> None:
            if choice is None or choice == before:
                return
            remember = getattr(self.app, "remember_columns", None)
            if callable(remember):
                remember(kind, choice)

        title = f"Columns of {self.selection.spec.title}"
        self.app.push_screen(
            ColumnChooser(title, TABLE_COLUMNS[kind], before, shown,
                          lambda choice: table.choose_columns(kind, choice)),
            chosen,
        )  # fmt: skip

    # -- sort -----------------------------------------------------------------------------

    def _sort_choices(self) -> list[tuple[str, str | None, bool]]:
        choices: list[tuple[str, str | None, bool]] = [(ARRIVAL, None, False)]
        for column in self.selection.spec.columns:
            name = column.header.capitalize()
            choices.append((f"{name} ▲", column.key, False))
            choices.append((f"{name} ▼", column.key, True))
        return choices

    def action_sort(self) -> None:
        choices = self._sort_choices()
        labels = [label for label, _, _ in choices]
        current = next(
            (label for label, key, reverse in choices
             if key == self.view.sort_column and reverse == self.view.sort_reverse),
            ARRIVAL,
        )  # fmt: skip

        def chosen(value: str | None) -> None:
            if value in labels:
                _, key, reverse = choices[labels.index(value)]
                self.apply_sort(key, reverse, value or ARRIVAL)

        picker = OptionPicker("Sort loaded rows (nothing is refetched)", labels, current, False)
        self.app.push_screen(picker, chosen)

    def apply_sort(self, column: str | None, reverse: bool, label: str) -> None:
        """Re-order the loaded rows (the cursor goes to the top, as a header click does)."""
        self.listing.set_sort(column, reverse)
        self.table.show_listing()
        self._update_status()
        rows = f"{len(self.view):,} rows" + (" shown" if self.view.filter_text else "")
        self.notify(f"{rows} in {label}; new pages keep it.", timeout=3, markup=False)

    # -- the full item --------------------------------------------------------------------

    def action_fetch_item(self) -> None:
        item_id = self._current_id()
        if item_id is None:
            self.notify("No row highlighted.", timeout=2, markup=False)
            return
        retrieve = self.selection.spec.retrieve
        if retrieve is None:
            self.notify("This listing has no full item to fetch.", timeout=2, markup=False)
            return
        self.notify(f"Fetching {visible(item_id)}…", timeout=2, markup=False)
        self._fetch_item(self.generation, self.selection, item_id)

    @work(exclusive=True, group="item", exit_on_error=False)
    async def _fetch_item(self, generation: int, query: Query, item_id: str) -> None:
        retrieve = query.spec.retrieve
        assert retrieve is not None
        try:
            result = await retrieve(self.client, query, item_id)
        except MPilotError as exc:
            self.post_message(self.ItemFailed(generation, item_id, exc))
            return
        self.post_message(self.ItemFetched(generation, item_id, result))

    def on_browser_tools_item_fetched(self, message: ItemFetched) -> None:
        if message.generation == self.generation:
            self.item_fetched(message.item_id, message.result)

    def item_fetched(self, item_id: str, result: ItemResult) -> None:
        """The full item of ``item_id`` came: show it when its row is still highlighted."""
        if item_id != self._current_id():
            return
        self.query_one(DetailPane).show_item(
            result.item.model_dump(exclude_unset=True),
            extra=result.extra_fields,
            meta=result.meta,
            title=f"Fetched {visible(item_id)}",
            extra_of="of this item's GET",
            from_list=False,
        )

    def on_browser_tools_item_failed(self, message: ItemFailed) -> None:
        # A failure for a row the cursor has left is only told, not pinned on another row;
        # the listing's own error panel (and what r does) is left alone.
        if message.generation != self.generation:
            return
        self.item_failed(message.item_id, message.error)
        if message.item_id == self._current_id() and self.last_error is None:
            self.query_one(DetailPane).show_error(message.error, rows_loaded=len(self.store))
        self.notify(visible(str(message.error)), title="Item not fetched", severity="error",
                    markup=False)  # fmt: skip

    def item_failed(self, item_id: str, error: MPilotError) -> None:
        """Fetching ``item_id``'s full item failed (the Requests view remembers a 404)."""

    # -- content, export, inspector -------------------------------------------------------

    def action_preview(self) -> None:
        row = self.table.current_row
        if row is None:
            self.notify("No row highlighted.", timeout=2, markup=False)
            return
        s = self.selection
        if s.spec.content is None:
            self.notify("This listing has no content to preview.", timeout=2, markup=False)
            return
        size = self.store.value("bytes", row)
        from .preview import ContentTarget, PreviewScreen

        target = ContentTarget(
            mode=s.spec.name, provider=s.provider, container=s.container,
            item_id=self.store.ids[row], name=str(self.store.value(s.spec.name_column, row)),
            size=size if isinstance(size, int) else None,
        )  # fmt: skip
        self.app.push_screen(PreviewScreen(self.client, target))

    def action_export(self) -> None:
        s = self.selection
        client = self.client

        def pages() -> AsyncIterator[Page[Any]]:
            return Listing(s.with_changes(start=None), keep_rows=False).walk(client)

        indexes = self.view.indexes
        from .export import ExportScreen, ExportSource

        source = ExportSource(
            kind=self.store.kind, provider=s.provider, store=self.store,
            shown_rows=array("q", indexes) if indexes is not None else None,
            has_more=self.has_more, pages=pages, scrub=client.redactor.scrub_json,
        )  # fmt: skip
        self.app.push_screen(ExportScreen(source))

    def action_inspector(self) -> None:
        from .inspector import InspectorScreen

        self.app.push_screen(InspectorScreen(self.client))

    def action_cache_summary(self) -> None:
        from .inspector import InspectorScreen

        self.app.push_screen(InspectorScreen(self.client, tab="cache"))
