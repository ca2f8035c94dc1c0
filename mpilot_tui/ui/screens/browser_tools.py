"""The browser's power tools: keep paging until the filter matches, sort, fetch the full item,
preview content, export, and the request inspector.

:class:`BrowserTools` is the base of :class:`~mpilot_tui.ui.screens.browser.BrowserScreen`,
which owns the listing state these actions read (declared here, assigned there) and calls
:meth:`BrowserTools.after_page` after each page it takes in.
Every action only reads or re-orders what is loaded, or sends a GET: nothing here changes
data on the gateway.
"""

from __future__ import annotations

from array import array
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input

from ...api import GatewayClient, ItemResult, MPilotError, Page
from ...output import COLUMNS
from ...rows import RowStore, RowView
from ...text import visible
from ..widgets.detail import DetailPane
from ..widgets.file_table import FileTable
from .pickers import OptionPicker

if TYPE_CHECKING:
    from .browser import Selection

__all__ = ["BrowserTools", "FindState"]

ARRIVAL = "arrival order"


@dataclass
class FindState:
    """A "keep paging until found" run: which listing, and what matched when it began."""

    generation: int
    filter_text: str
    matches_before: int
    rows_before: int
    pages: int = 0


class BrowserTools(Screen[None]):
    """Actions and bindings of the power tools (the browser screen inherits them)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "inspector", "Request inspector", show=False, id="browser.inspector"),
        Binding("C", "cache_summary", "Cache summary", show=False, id="browser.cache_summary"),
        Binding("F,ctrl+f", "find_more", "Filter: keep paging until found", show=False,
                id="browser.find_more"),
        Binding("S", "sort", "Sort loaded rows", show=False, id="browser.sort"),
        Binding("f", "fetch_item", "Fetch full item", show=False, id="browser.fetch_item"),
        Binding("v", "preview", "Preview content", show=False, id="browser.preview"),
        Binding("e", "export", "Export rows", show=False, id="browser.export"),
    ]  # fmt: skip

    # The listing state, assigned by BrowserScreen.
    client: GatewayClient
    selection: Selection
    store: RowStore
    view: RowView
    generation: int
    has_more: bool
    next_cursor: str | None
    inflight: tuple[int, str | None] | None
    last_error: MPilotError | None
    finding: FindState | None = None
    """The "keep paging until found" run in progress, if any."""
    find_on_enter = False
    """``F`` opened an empty filter: enter in it keeps paging until it matches."""

    def fetch_page(self, cursor: str | None) -> None:
        raise NotImplementedError

    def _update_status(self) -> None:
        raise NotImplementedError

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

    @property
    def _table(self) -> FileTable:
        return self.query_one(FileTable)

    def _current_id(self) -> str | None:
        row = self._table.current_row
        return None if row is None else self.store.ids[row]

    # -- pages arriving -------------------------------------------------------------------

    def after_page(self) -> None:
        """A page was taken in: redraw a sorted view (its new rows land anywhere); go on
        finding."""
        if self.view.sort_column is not None:
            # The cursor keeps its position (following the highlighted row instead could keep
            # it near the end, and so keep asking for pages).
            self._table.show_view(self.view, has_more=self.has_more, keep_cursor=True)
        state = self.finding
        if state is None:
            return
        if state.generation != self.generation or state.filter_text != self.view.filter_text:
            self.stop_finding("changed")
            return
        state.pages += 1
        if len(self.view) > state.matches_before:
            self.stop_finding("found")
        else:
            self._find_step()

    def _place_cursor(self, row: int | None) -> None:
        if row is None:
            return
        position = self.view.position_of(row)
        if position is not None:
            self._table.move_cursor(position)

    # -- keep paging until found ----------------------------------------------------------

    def action_find_more(self) -> None:
        box = self.query_one("#filter", Input)
        text = box.value.strip()
        if not text:
            box.add_class("shown")
            self.set_focus(box)
            self.find_on_enter = True
            self.notify("Type a filter; enter loads pages until it matches.", timeout=3,
                        markup=False)  # fmt: skip
            return
        if self.finding is not None:
            return
        if not self.has_more:
            self.notify(f"All rows are loaded: {len(self.view):,} match.", timeout=3,
                        markup=False)  # fmt: skip
            return
        self.finding = FindState(self.generation, self.view.filter_text, len(self.view),
                                 len(self.store))  # fmt: skip
        self._find_step()

    def _find_step(self) -> None:
        state = self.finding
        if state is None:
            return
        box = self.query_one("#filter", Input)
        box.border_subtitle = (
            f"finding: {len(self.store):,} rows loaded, {state.pages:,} more pages · escape stops"
        )
        self._update_status()
        if self.inflight is not None:
            return
        if self.has_more and self.next_cursor and self.last_error is None:
            self.fetch_page(self.next_cursor)
        else:
            self.stop_finding("ended")

    def stop_finding(self, outcome: str) -> None:
        """End a find run: ``found``, ``ended``, ``cancelled``, ``error`` or ``changed``."""
        state = self.finding
        if state is None:
            return
        self.finding = None
        self.query_one("#filter", Input).border_subtitle = ""
        loaded = f"{len(self.store):,} rows loaded"
        if outcome == "found":
            found = len(self.view) - state.matches_before
            self._place_cursor(self._first_new_match(state))
            self.notify(f"Found {found:,} more match(es) after {state.pages:,} page(s); {loaded}.",
                        timeout=4, markup=False)  # fmt: skip
        elif outcome == "ended":
            self.notify(f"No further match: the listing ended ({loaded}).", timeout=4,
                        markup=False)  # fmt: skip
        elif outcome == "cancelled":
            self.workers.cancel_group(self, "listing")
            self.inflight = None
            self._table.set_loading_more(False)
            self.notify(f"Stopped paging: {loaded}; F or ctrl+f goes on.", timeout=3,
                        markup=False)  # fmt: skip
        self._update_status()

    def _first_new_match(self, state: FindState) -> int | None:
        """The store row of the first match, in display order, that the run loaded."""
        for position in range(len(self.view)):
            row = self.view.row(position)
            if row >= state.rows_before:
                return row
        return None

    # -- sort -----------------------------------------------------------------------------

    def _sort_choices(self) -> list[tuple[str, str | None, bool]]:
        choices: list[tuple[str, str | None, bool]] = [(ARRIVAL, None, False)]
        for column in COLUMNS[self.store.kind]:
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
        self.view.set_sort(column, reverse)
        self._table.show_view(self.view, has_more=self.has_more)
        self._update_status()
        rows = f"{len(self.view):,} rows" + (" shown" if self.view.filter_text else "")
        self.notify(f"{rows} in {label}; new pages keep it.", timeout=3, markup=False)

    # -- the full item --------------------------------------------------------------------

    def action_fetch_item(self) -> None:
        item_id = self._current_id()
        if item_id is None:
            self.notify("No row highlighted.", timeout=2, markup=False)
            return
        self.notify(f"Fetching {visible(item_id)}…", timeout=2, markup=False)
        self._fetch_item(self.generation, self.selection, item_id)

    @work(exclusive=True, group="item", exit_on_error=False)
    async def _fetch_item(self, generation: int, selection: Selection, item_id: str) -> None:
        try:
            if selection.mode == "files":
                result = await self.client.retrieve_file(item_id, selection.provider)
            else:
                result = await self.client.retrieve_container_file(
                    selection.container or "", item_id, selection.provider
                )
        except MPilotError as exc:
            self.post_message(self.ItemFailed(generation, item_id, exc))
            return
        self.post_message(self.ItemFetched(generation, item_id, result))

    def on_browser_tools_item_fetched(self, message: ItemFetched) -> None:
        if message.generation != self.generation or message.item_id != self._current_id():
            return
        result = message.result
        self.query_one(DetailPane).show_item(
            result.item.model_dump(exclude_unset=True),
            extra=result.extra_fields,
            meta=result.meta,
            title=f"Fetched {visible(message.item_id)}",
            extra_of="of this item's GET",
            from_list=False,
        )

    def on_browser_tools_item_failed(self, message: ItemFailed) -> None:
        # A failure for a row the cursor has left is only told, not pinned on another row;
        # the listing's own error panel (and what r does) is left alone.
        if message.generation != self.generation:
            return
        if message.item_id == self._current_id() and self.last_error is None:
            self.query_one(DetailPane).show_error(message.error)
        self.notify(visible(str(message.error)), title="Item not fetched", severity="error",
                    markup=False)  # fmt: skip

    # -- content, export, inspector -------------------------------------------------------

    def action_preview(self) -> None:
        row = self._table.current_row
        if row is None:
            self.notify("No row highlighted.", timeout=2, markup=False)
            return
        s = self.selection
        name_column = "filename" if self.store.kind == "files" else "path"
        size = self.store.value("bytes", row)
        from .preview import ContentTarget, PreviewScreen

        target = ContentTarget(
            mode=s.mode, provider=s.provider, container=s.container,
            item_id=self.store.ids[row], name=str(self.store.value(name_column, row)),
            size=size if isinstance(size, int) else None,
        )  # fmt: skip
        self.app.push_screen(PreviewScreen(self.client, target))

    def action_export(self) -> None:
        s = self.selection
        client = self.client

        def pages() -> AsyncIterator[Page[Any]]:
            return s.pages(client)

        indexes = self.view.indexes
        from .export import ExportScreen, ExportSource

        source = ExportSource(
            kind=self.store.kind, provider=s.provider, store=self.store,
            shown_rows=array("q", indexes) if indexes is not None else None,
            has_more=self.has_more, pages=pages,
        )  # fmt: skip
        self.app.push_screen(ExportScreen(source))

    def action_inspector(self) -> None:
        from .inspector import InspectorScreen

        self.app.push_screen(InspectorScreen(self.client))

    def action_cache_summary(self) -> None:
        from .inspector import InspectorScreen

        self.app.push_screen(InspectorScreen(self.client, tab="cache"))
