"""The column chooser (``T``): show or hide the table's columns and set their widths.

Each change is shown in the table at once; enter keeps the choice (the browser writes it to
the config's ``[columns.VIEW]``), escape puts the columns back as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from ...config.models import MAX_COLUMN_WIDTH, MIN_COLUMN_WIDTH
from ...formats.table import Column
from ..widgets.file_table import ColumnChoice

__all__ = ["WIDTH_STEP", "ColumnChooser", "column_line"]

WIDTH_STEP = 2
"""Cells one press of widen or narrow adds or takes."""


def column_line(column: Column, choice: ColumnChoice, shown: Mapping[str, int]) -> Text:
    """One column in the chooser: ``[x]`` or ``[ ]`` (no colour needed to tell them apart),
    its name, and its width (set by hand, or what the layout gives it now)."""
    hidden = column.key in choice.hidden
    mark = "[ ]" if hidden else "[x]"
    name = column.header.capitalize()
    if column.key in choice.widths:
        width = f"{choice.widths[column.key]} cells (set)"
    elif hidden:
        width = "hidden"
    elif column.key in shown:
        width = f"auto ({shown[column.key]} cells)"
    else:
        width = "auto (no room now)"
    return Text(f"{mark} {name:<16} {width}")


class ColumnChooser(ModalScreen[ColumnChoice | None]):
    """The columns of one table with what was chosen for each."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,x", "toggle_column", "Show/hide", id="columns.toggle"),
        Binding("plus,right,l", "widen", "Wider", id="columns.widen"),
        Binding("minus,left,h", "narrow", "Narrower", id="columns.narrow"),
        Binding("a", "auto", "Auto width", id="columns.auto"),
        Binding("0", "reset", "Reset all", id="columns.reset"),
        Binding("enter", "keep", "Keep", id="columns.keep"),
        Binding("escape,q", "cancel", "Cancel", id="columns.cancel"),
    ]

    def __init__(
        self,
        title: str,
        columns: tuple[Column, ...],
        choice: ColumnChoice,
        shown: Callable[[], Mapping[str, int]],
        apply: Callable[[ColumnChoice], None],
    ) -> None:
        """``shown`` gives the widths the table lays out now; ``apply`` shows a choice."""
        super().__init__()
        self.title_text = title
        self.columns = columns
        self.original = choice
        self.choice = choice
        self.shown = shown
        self.apply = apply

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker", id="column-chooser"):
            yield Label(self.title_text, classes="picker-title")
            yield Label(
                "enter keeps the columns (saved in the config file); escape cancels",
                classes="picker-hint",
            )
            yield OptionList(*[Option(self._line(c)) for c in self.columns], id="column-list")
        yield Footer()  # this dialog's keys, not the browser's underneath

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def _line(self, column: Column) -> Text:
        return column_line(column, self.choice, self.shown())

    @property
    def _current(self) -> Column | None:
        index = self.query_one(OptionList).highlighted
        return None if index is None else self.columns[index]

    def _change(self, choice: ColumnChoice) -> None:
        self.choice = choice
        self.apply(choice)
        # The table lays out again on its next refresh: the widths shown follow it then.
        self.call_after_refresh(self._redraw)
        self._redraw()

    def _redraw(self) -> None:
        options = self.query_one(OptionList)
        for index, column in enumerate(self.columns):
            options.replace_option_prompt_at_index(index, self._line(column))

    def action_toggle_column(self) -> None:
        column = self._current
        if column is None:
            return
        hidden = set(self.choice.hidden) ^ {column.key}
        if len(hidden) >= len(self.columns):
            self.notify("One column at least stays shown.", timeout=3, markup=False)
            return
        self._change(ColumnChoice(frozenset(hidden), self.choice.widths))

    def _resize(self, step: int) -> None:
        column = self._current
        if column is None:
            return
        if column.key in self.choice.hidden:
            self.notify("The column is hidden: space shows it first.", timeout=3, markup=False)
            return
        start = self.choice.widths.get(column.key) or self.shown().get(column.key)
        width = (start or column.minimum) + step
        width = max(MIN_COLUMN_WIDTH, min(MAX_COLUMN_WIDTH, width))
        self._change(ColumnChoice(self.choice.hidden, {**self.choice.widths, column.key: width}))

    def action_widen(self) -> None:
        self._resize(WIDTH_STEP)

    def action_narrow(self) -> None:
        self._resize(-WIDTH_STEP)

    def action_auto(self) -> None:
        column = self._current
        if column is not None and column.key in self.choice.widths:
            widths = {k: v for k, v in self.choice.widths.items() if k != column.key}
            self._change(ColumnChoice(self.choice.hidden, widths))

    def action_reset(self) -> None:
        self._change(ColumnChoice())

    @on(OptionList.OptionSelected)
    def selected(self) -> None:
        """Enter on the list keeps the choice (the list takes enter before the screen)."""
        self.action_keep()

    def action_keep(self) -> None:
        self.dismiss(self.choice)

    def action_cancel(self) -> None:
        self.apply(self.original)
        self.dismiss(None)
