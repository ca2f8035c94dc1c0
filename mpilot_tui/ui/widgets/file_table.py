"""``FileTable``: a virtual table over a :class:`~mpilot_tui.listing.Listing`'s rows.

It renders the listing it is given and keeps no copy of its state: whether more rows come,
whether a page is on its way, whether paging is paused, where End is heading all live in the
listing. Moves past the loaded rows (page down, End) are handed to the listing as aims, so
keys pressed while pages arrive are never lost.

A Line-API ``ScrollView`` (the pattern of Textualize/toolong): only the visible lines are
rendered, straight from the compact row columns, so appending a page or moving the cursor
costs the same at a thousand rows as at a million. The header line stays on top; a marker
line after the last row says "loading more…", "more available" or "all loaded".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...api.redaction import Redactor
from ...formats.table import COLUMNS, GAP, Column, fit_cell, layout_columns
from ...formats.text import counted
from ...listing import END, Listing, Query
from ...listing.rows import RowView

__all__ = ["ColumnChoice", "FileTable", "chosen_columns"]


def _browser_columns(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """The CLI's columns; an id may shrink (last of all, and only when the terminal is too
    narrow to show it whole): the detail pane shows it whole anyway."""
    return tuple(replace(c, minimum=12, maximum=64) if c.key == "id" else c for c in columns)


TABLE_COLUMNS = {kind: _browser_columns(columns) for kind, columns in COLUMNS.items()}
"""The browser's columns for each listing."""
WHOLE_COLUMNS = ("id",)
"""Columns shown whole whenever the width allows: ids are what users copy."""
MEASURED_ROWS = 500
"""Rows of the view whose cells set the column widths (the first ones, in view order)."""


@dataclass(frozen=True)
class ColumnChoice:
    """What the user chose for one table's columns (the chooser, ``T``; the config's
    ``[columns.VIEW]``): columns hidden, and widths set by hand."""

    hidden: frozenset[str] = frozenset()
    widths: Mapping[str, int] = field(default_factory=dict)

    @property
    def is_default(self) -> bool:
        return not self.hidden and not self.widths


def chosen_columns(columns: tuple[Column, ...], choice: ColumnChoice) -> tuple[Column, ...]:
    """``columns`` without the hidden ones (one stays, whatever was hidden), each column
    with a width set by hand fixed at that width and kept on screen."""
    shown = tuple(c for c in columns if c.key not in choice.hidden) or columns[:1]
    return tuple(
        replace(c, minimum=choice.widths[c.key], maximum=choice.widths[c.key], priority=0)
        if c.key in choice.widths
        else c
        for c in shown
    )


class FileTable(ScrollView, can_focus=True):
    """The listing: a sticky header, the rows, and a paging marker line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "file-table--header",
        "file-table--cursor",
        "file-table--cursor-blurred",
        "file-table--marker",
        "file-table--empty",
        "file-table--new",
    }
    DEFAULT_CSS = """
    FileTable { height: 1fr; overflow-x: hidden; background: $surface; }
    FileTable > .file-table--header { text-style: bold; color: $text-accent; background: $panel; }
    FileTable > .file-table--cursor { background: $block-cursor-background;
        color: $block-cursor-foreground; text-style: bold; }
    FileTable > .file-table--cursor-blurred { background: $block-cursor-blurred-background; }
    FileTable > .file-table--marker { color: $text-muted; text-style: italic; }
    FileTable > .file-table--empty { color: $text-muted; }
    FileTable > .file-table--new { color: $text-success; text-style: bold; }
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
        """The cursor or scroll position came near the last loaded row, or the listing was
        given an aim past it (a page down, End): the screen asks it for the page."""

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

    def __init__(
        self,
        *,
        id: str | None = None,
        classes: str | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.redactor = redactor or Redactor()
        """Masks the connection's secrets in cells (a gateway may echo them in any field)."""
        self.listing = Listing(Query())
        """The listing shown (the screen's; this widget only reads it and hands it aims)."""
        self.prefetch_rows = 100
        """Ask for the next page when the cursor or the screen's last line is this close."""
        self._layout: list[tuple[Column, int]] = []
        self._layout_width = -1
        self._layout_sort: str | None = None
        self.marked_rows: set[int] = set()
        """Store rows drawn as new (live mode's arrivals); the screen owns the set."""
        self.empty_note: str | None = None
        """What the marker line says instead when there are no rows (a view's own words for
        the error that left it empty)."""
        self._measured = 0
        """How many rows the current layout was measured on."""
        self._measured_head: tuple[int, int, bytes | int] | None = None
        """Which rows it was measured on (see ``_head``)."""
        self._layout_head: tuple[int, int, bytes | int] | None = None
        """The rows leading now, once compared with those (None: compare at the next use)."""
        self._pass_style: Style | None = None
        """The widget's base style during one ``render_lines`` pass (it is costly to look up)."""
        self.column_choices: dict[str, ColumnChoice] = {}
        """The user's column choices by kind (``files``, ``container_files``, ...)."""

    # -- data in ------------------------------------------------------------------------------

    @property
    def view(self) -> RowView:
        """The rows shown, in display order (the listing's view)."""
        return self.listing.view

    @property
    def empty_message(self) -> str:
        """What the marker line says when there are no rows to show."""
        listing = self.listing
        if not listing.started and listing.spec.needs_container:
            return "No container chosen: press b to pick one."
        if listing.last_error is not None and not len(listing.store):
            if self.empty_note:
                return f"No rows. {self.empty_note}"
            return "No rows: the request failed (details below; r retries)."
        return "No rows."

    def show_listing(self, listing: Listing | None = None, *, keep_cursor: bool = False) -> None:
        """Show ``listing`` (a new one), or the current one re-filtered or re-sorted."""
        if listing is not None:
            self.listing = listing
            self._layout_width = -1
        view = self.view
        # Re-filtered or re-sorted: the widths are measured again only if other rows lead.
        self._layout_head = None
        if not keep_cursor:
            self.set_reactive(FileTable.cursor, 0)
            self.scroll_to(y=0, animate=False, immediate=True)
        self._update_virtual_size()
        self.cursor = max(0, min(self.cursor, len(view) - 1))
        self.refresh()
        self._post_highlight()

    def rows_appended(self) -> None:
        """More rows were added to the view; the cursor and scroll position stay put."""
        if self._measured < MEASURED_ROWS and len(self.view) != self._measured:
            self._layout_width = -1  # the widths were measured on fewer rows than now shown
            self.refresh()
        before = self.virtual_size.height
        self._update_virtual_size()
        body = self._body_height()
        top = int(self.scroll_offset.y)
        old_marker = before - 1  # the line the marker was on, where the new rows start
        if old_marker - top <= body:
            # Only the lines from there to the bottom change; the rows above stay as drawn.
            self.refresh_lines(old_marker, body - (old_marker - top) + 1)
        if len(self.view) and before <= 2:
            self._post_highlight()
            # The first rows are painted before the next page is asked for.
            self.call_after_refresh(self.check_near_end)
        else:
            self.check_near_end()

    def _update_virtual_size(self) -> None:
        width = self.scrollable_content_region.width or self.size.width
        size = Size(width, len(self.view) + 2)
        old = self.virtual_size
        if size == old:
            return
        if self.show_vertical_scrollbar and size.width == old.width and size.height > old.height:
            # Only the scrollable height grew (a page arrived under a table that already
            # scrolls): nothing outside this table moves, so spare the screen its reflow
            # (``virtual_size`` is a layout reactive) and update just the scrollbar.
            self.set_reactive(FileTable.virtual_size, size)
            self.vertical_scrollbar.window_virtual_size = size.height
            return
        self.virtual_size = size

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

    def choose_columns(self, kind: str, choice: ColumnChoice) -> None:
        """Show ``kind``'s table with ``choice`` (hidden columns, widths set by hand)."""
        if choice.is_default:
            self.column_choices.pop(kind, None)
        else:
            self.column_choices[kind] = choice
        self._layout_width = -1
        self.refresh()

    @property
    def column_layout(self) -> list[tuple[Column, int]]:
        """The columns shown now, with their widths."""
        return list(self._columns(self.scrollable_content_region.width))

    def _head(self) -> tuple[int, int, bytes | int]:
        """The rows the widths are measured on (the first of the view), to compare; with
        the store's count of rows changed in place."""
        view = self.view
        store = view.store
        if view.indexes is None:
            return id(store), store.updates, min(len(view), MEASURED_ROWS)
        return id(store), store.updates, view.indexes[:MEASURED_ROWS].tobytes()

    def _columns(self, width: int) -> list[tuple[Column, int]]:
        sort = self.view.sort_column
        if self._layout_head is None and width == self._layout_width:
            head = self._head()
            if head != self._measured_head:
                self._layout_width = -1
            self._layout_head = head
        if width != self._layout_width or sort != self._layout_sort:
            self._layout_sort = sort
            self._layout_head = self._measured_head = self._head()
            kind = self.view.store.kind
            choice = self.column_choices.get(kind, ColumnChoice())
            # The column the rows are sorted by stays on screen (its header says the order).
            columns = tuple(
                replace(c, priority=0) if c.key == sort else c
                for c in chosen_columns(TABLE_COLUMNS[kind], choice)
            )
            widest = self._widest(columns)
            widest.update((key, cells) for key, cells in choice.widths.items() if key in widest)
            whole = [key for key in WHOLE_COLUMNS if key not in choice.widths]
            self._layout = layout_columns(columns, width, widest, whole=whole, cut_whole=True)
            self._layout_width = width
            self._measured = len(self.view)
        return self._layout

    def _widest(self, columns: tuple[Column, ...]) -> dict[str, int]:
        """The widest cell of each column among the rows shown (the first of them): widths
        come from what is there, so an empty column takes no room from the others."""
        view, store = self.view, self.view.store
        widest = dict.fromkeys((c.key for c in columns), 0)
        for position in range(min(len(view), MEASURED_ROWS)):
            row = view.row(position)
            for column in columns:
                value = store.value(column.key, row)
                if value is None or value == "":
                    continue
                shown = column.show(value)
                # Printable ASCII takes a cell a character (rich's cell_len costs more).
                length = len(shown) if shown.isascii() and shown.isprintable() else cell_len(shown)
                if length > widest[column.key]:
                    widest[column.key] = length
        sort = self.view.sort_column
        for column in columns:
            if column.key == sort:  # its header carries the sort arrow: room for " ▼"
                widest[column.key] = max(widest[column.key], cell_len(column.header) + 2)
        return widest

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
            fit_cell(
                self.redactor.scrub(column.show(store.value(column.key, row))),
                cell_width,
                column.right,
            )
            for column, cell_width in self._columns(width)
        ]
        marked = row in self.marked_rows
        text = fit_cell((" " * GAP).join(cells), width)
        style = base
        if marked:
            style = base + self.get_component_rich_style("file-table--new")
        if position == self.cursor:
            cursor_class = "file-table--cursor" if self.has_focus else "file-table--cursor-blurred"
            style = base + self.get_component_rich_style(cursor_class)
        return Strip([Segment(text, style)], width)

    def _marker_strip(self, width: int, base: Style) -> Strip:
        total = len(self.view)
        listing = self.listing
        # A page that failed offers no "more": r retries it (or starts over, on the first).
        more = listing.has_more and listing.last_error is None
        if listing.loading:
            text = "  loading more…"
        elif listing.last_error is not None and len(listing.store):
            text = "  stopped by an error: the next page failed (r retries it)"
        elif total == 0 and not more:
            text = f"  {self.empty_message}"
        elif more and not listing.paging_paused:
            text = "  more available (G pages to the end)"
        elif more:
            text = "  more available (filter on: paging paused)"
        else:
            text = f"  all {counted(total, 'rows')} loaded" if not self.view.active else ""
        style = base + self.get_component_rich_style("file-table--marker")
        return Strip([Segment(fit_cell(text, width), style)], width)

    def refresh_marker(self) -> None:
        """Redraw the marker line (a page was asked for, or an answer came)."""
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
        """Put the cursor on ``position`` (clamped to the rows shown)."""
        total = len(self.view)
        self.cursor = max(0, min(position, total - 1)) if total else 0

    def _move_to(self, position: int) -> None:
        """The user moved to ``position``: any earlier aim is forgotten."""
        self.listing.aim(None)
        self.move_cursor(position)

    def _move_on(self, rows: int) -> None:
        """The user moved ``rows`` onward: counted from where an earlier such move was
        heading, so a burst of keys ahead of the pages still adds up."""
        goal = self.listing.goal
        start = goal if goal is not None and goal != END else self.cursor
        target = start + rows
        wanted = self.listing.aim(target)
        self.move_cursor(target)
        if wanted:
            self.post_message(self.PageWanted(self))

    def action_cursor_down(self) -> None:
        self._move_on(1)

    def action_cursor_up(self) -> None:
        self._move_to(self.cursor - 1)

    def action_first_row(self) -> None:
        self._move_to(0)

    def action_last_row(self) -> None:
        """The last loaded row; with more pages to come, the listing follows to the end."""
        self._move_to(len(self.view) - 1)
        if self.listing.follow_to_end():
            self.post_message(self.PageWanted(self))

    def action_page_down(self) -> None:
        self._move_on(self._body_height())

    def action_page_up(self) -> None:
        self._move_to(self.cursor - self._body_height())

    def on_mouse_scroll_down(self) -> None:
        self.listing.aim(None)

    def on_mouse_scroll_up(self) -> None:
        self.listing.aim(None)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.check_near_end()

    def check_near_end(self) -> None:
        """Ask for the next page when the cursor or the bottom of the screen nears the end."""
        listing = self.listing
        if not listing.can_page or listing.paging_paused or listing.loading:
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
            self._move_to(position)
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
