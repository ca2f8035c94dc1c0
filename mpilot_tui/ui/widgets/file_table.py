"""``FileTable``: a virtual table over a :class:`~mpilot_tui.rows.RowView`.

A Line-API ``ScrollView`` (the pattern of Textualize/toolong): only the visible lines are
rendered, straight from the compact row columns, so appending a page or moving the cursor
costs the same at a thousand rows as at a million. The header line stays on top; a marker
line after the last row says "loading more…", "more available" or "all loaded".
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...output import COLUMNS, GAP, Column, fit_cell, layout_columns
from ...rows import RowStore, RowView

__all__ = ["FileTable"]


def _browser_columns(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """The CLI's columns, with ids allowed to shrink: the detail pane shows them whole."""
    return tuple(replace(c, minimum=12) if c.key == "id" else c for c in columns)


TABLE_COLUMNS = {kind: _browser_columns(columns) for kind, columns in COLUMNS.items()}
"""The browser's columns for each listing."""


class FileTable(ScrollView, can_focus=True):
    """The listing: a sticky header, the rows, and a paging marker line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "file-table--header",
        "file-table--cursor",
        "file-table--cursor-blurred",
        "file-table--marker",
        "file-table--empty",
    }
    DEFAULT_CSS = """
    FileTable { height: 1fr; overflow-x: hidden; background: $surface; }
    FileTable > .file-table--header { text-style: bold; color: $text-accent; background: $panel; }
    FileTable > .file-table--cursor { background: $block-cursor-background;
        color: $block-cursor-foreground; text-style: bold; }
    FileTable > .file-table--cursor-blurred { background: $block-cursor-blurred-background; }
    FileTable > .file-table--marker { color: $text-muted; text-style: italic; }
    FileTable > .file-table--empty { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("home,g", "first_row", "First row", show=False, id="table.first"),
        Binding("end,G", "last_row", "Last row", id="table.last"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
    ]

    cursor: reactive[int] = reactive(
        0, always_update=False, init=False, layout=False, repaint=False
    )
    """Position of the highlighted row in the view (``watch_cursor`` repaints its two lines)."""

    class Highlighted(Message):
        """The highlighted row changed (``row`` is a store row, or None when empty)."""

        def __init__(self, table: FileTable, row: int | None) -> None:
            super().__init__()
            self.table = table
            self.row = row

    class PageWanted(Message):
        """The cursor or scroll position came near the last loaded row."""

        def __init__(self, table: FileTable) -> None:
            super().__init__()
            self.table = table

    class Chosen(Message):
        """Enter or a double click on a row."""

        def __init__(self, table: FileTable, row: int) -> None:
            super().__init__()
            self.table = table
            self.row = row

    class HeaderClicked(Message):
        """A column header was clicked (the screen sorts by it)."""

        def __init__(self, table: FileTable, column: str) -> None:
            super().__init__()
            self.table = table
            self.column = column

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: RowView = RowView(RowStore("files"))
        self.has_more = False
        """The listing has rows beyond those loaded."""
        self.loading_more = False
        """A page is on its way; the marker line says so."""
        self.prefetch_rows = 100
        """Ask for the next page when the cursor or the screen's last line is this close."""
        self.paging_enabled = True
        """Off while a filter is on: paging a whole listing is an explicit choice then."""
        self.empty_message = "No rows."
        self._follow_end = False
        """``G`` was pressed while more rows were on their way: land on the new last row."""
        self._layout: list[tuple[Column, int]] = []
        self._layout_width = -1
        self._pass_style: Style | None = None
        """The widget's base style during one ``render_lines`` pass (it is costly to look up)."""

    # -- data in ------------------------------------------------------------------------------

    def show_view(
        self, view: RowView, *, has_more: bool = False, keep_cursor: bool = False
    ) -> None:
        """Show ``view`` (a new listing, or a re-filtered/re-sorted one)."""
        self.view = view
        self.has_more = has_more
        self._follow_end = False
        self._layout_width = -1
        if not keep_cursor:
            self.set_reactive(FileTable.cursor, 0)
            self.scroll_to(y=0, animate=False, immediate=True)
        self._update_virtual_size()
        self.cursor = max(0, min(self.cursor, len(view) - 1))
        self.refresh()
        self._post_highlight()

    def rows_appended(self, *, has_more: bool) -> None:
        """More rows were added to the view; the cursor and scroll position stay put."""
        before = self.virtual_size.height
        self.has_more = has_more
        self._update_virtual_size()
        if self._follow_end:
            self.move_cursor(len(self.view) - 1)
        body = self._body_height()
        top = int(self.scroll_offset.y)
        if before - 1 - top <= body:
            self.refresh()
        if len(self.view) and before <= 2:
            self._post_highlight()
            # The first rows are painted before the next page is asked for.
            self.call_after_refresh(self.check_near_end)
        else:
            self.check_near_end()

    def _update_virtual_size(self) -> None:
        width = self.scrollable_content_region.width or self.size.width
        self.virtual_size = Size(width, len(self.view) + 2)

    # -- geometry -----------------------------------------------------------------------------

    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def current_row(self) -> int | None:
        """The store row under the cursor."""
        if not len(self.view):
            return None
        return self.view.row(min(self.cursor, len(self.view) - 1))

    # -- rendering ----------------------------------------------------------------------------

    def _columns(self, width: int) -> list[tuple[Column, int]]:
        if width != self._layout_width:
            self._layout = layout_columns(TABLE_COLUMNS[self.view.store.kind], width)
            self._layout_width = width
        return self._layout

    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._pass_style = None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style if self._pass_style is None else self._pass_style
        if y == 0:
            return self._header_strip(width, base)
        position = int(self.scroll_offset.y) + y - 1
        total = len(self.view)
        if position < total:
            return self._row_strip(position, width, base)
        if position == total:
            return self._marker_strip(width, base)
        return Strip.blank(width, base)

    def _header_strip(self, width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("file-table--header")
        sort = self.view.sort_column
        cells = []
        for column, cell_width in self._columns(width):
            label = column.header.capitalize()
            if column.key == sort:
                label += " ▼" if self.view.sort_reverse else " ▲"
            cells.append(fit_cell(label, cell_width, column.right))
        text = (" " * GAP).join(cells)
        return Strip([Segment(fit_cell(text, width), style)], width)

    def _row_strip(self, position: int, width: int, base: Style) -> Strip:
        row = self.view.row(position)
        store = self.view.store
        cells = [
            fit_cell(column.show(store.value(column.key, row)), cell_width, column.right)
            for column, cell_width in self._columns(width)
        ]
        text = fit_cell((" " * GAP).join(cells), width)
        style = base
        if position == self.cursor:
            cursor_class = "file-table--cursor" if self.has_focus else "file-table--cursor-blurred"
            style = base + self.get_component_rich_style(cursor_class)
        return Strip([Segment(text, style)], width)

    def _marker_strip(self, width: int, base: Style) -> Strip:
        total = len(self.view)
        if self.loading_more:
            text = "  loading more…"
        elif total == 0 and not self.has_more:
            text = f"  {self.empty_message}"
        elif self.has_more and self.paging_enabled:
            text = "  more available (G loads the next page)"
        elif self.has_more:
            text = "  more available (filter on: paging paused)"
        else:
            text = f"  all {total:,} rows loaded" if not self.view.active else ""
        style = base + self.get_component_rich_style("file-table--marker")
        return Strip([Segment(fit_cell(text, width), style)], width)

    def set_loading_more(self, loading: bool) -> None:
        if loading != self.loading_more:
            self.loading_more = loading
            self.refresh_line(len(self.view) + 1)

    # -- cursor -------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self._scroll_cursor_into_view()
        self._post_highlight()
        self.check_near_end()

    def _post_highlight(self) -> None:
        self.post_message(self.Highlighted(self, self.current_row))

    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_offset.y)
        body = self._body_height()
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + body:
            # On the last row, show the marker line under it too.
            extra = 1 if self.cursor == len(self.view) - 1 else 0
            self.scroll_to(y=self.cursor - body + 1 + extra, animate=False, immediate=True)

    def move_cursor(self, position: int) -> None:
        self._follow_end = False
        total = len(self.view)
        self.cursor = max(0, min(position, total - 1)) if total else 0

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_first_row(self) -> None:
        self.move_cursor(0)

    def action_last_row(self) -> None:
        self.move_cursor(len(self.view) - 1)
        if self.has_more:
            # The next page is on its way: land on its last row when it comes, whether this
            # press asked for it or an earlier one did (in the listing's order only: in a
            # sorted view new rows land anywhere).
            self._follow_end = self.view.indexes is None
            if not self.loading_more:
                self.post_message(self.PageWanted(self))

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor + self._body_height())

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor - self._body_height())

    def stop_following(self) -> None:
        """Forget a pending End: the page it waited for failed, or the user moved on."""
        self._follow_end = False

    def on_mouse_scroll_down(self) -> None:
        self.stop_following()

    def on_mouse_scroll_up(self) -> None:
        self.stop_following()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.check_near_end()

    def check_near_end(self) -> None:
        """Ask for the next page when the cursor or the bottom of the screen nears the end."""
        if not (self.has_more and self.paging_enabled) or self.loading_more:
            return
        last_shown = int(self.scroll_offset.y) + self._body_height()
        if len(self.view) - max(self.cursor, last_shown) <= self.prefetch_rows:
            self.post_message(self.PageWanted(self))

    # -- focus and mouse ----------------------------------------------------------------------

    def on_focus(self) -> None:
        self.refresh_line(self.cursor + 1)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor + 1)

    def on_resize(self) -> None:
        self._layout_width = -1
        self._update_virtual_size()

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self._column_at(event.x)
            if column is not None:
                self.post_message(self.HeaderClicked(self, column))
            return
        position = int(self.scroll_offset.y) + event.y - 1
        if 0 <= position < len(self.view):
            self.move_cursor(position)
            if event.chain >= 2:
                self.post_message(self.Chosen(self, self.view.row(position)))

    def _column_at(self, x: int) -> str | None:
        left = 0
        for column, width in self._columns(self.scrollable_content_region.width):
            if left <= x < left + width + GAP:
                return column.key
            left += width + GAP
        return None

    def key_enter(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.Chosen(self, row))
