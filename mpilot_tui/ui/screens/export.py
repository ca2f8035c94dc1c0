"""The export dialog: rows to CSV, JSON or NDJSON, with progress and a cancel key.

The rows are the ones shown (filter and sort applied), every loaded row, or all rows of the
listing (paged through from the first page). The file is written by
:mod:`mpilot_tui.formats.export` (the CLI's writers) in a worker that posts progress; escape cancels
it, and a cancelled or failed export leaves no file behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, ProgressBar, RadioButton, RadioSet, Static

from ...api import MPilotError, Page
from ...formats.export import (
    EXPORT_FORMATS,
    ExportFormat,
    RowExport,
    default_export_name,
    export_envelopes,
    export_items,
    export_pages,
    loaded_envelopes,
    resolve_path,
    shown_items,
)
from ...formats.table import Kind
from ...formats.text import visible
from ...listing.rows import RowStore

__all__ = ["ExportScreen", "ExportSource"]

SCOPES = {
    "shown": "Rows shown ({shown:,}: filter and sort applied)",
    "loaded": "Loaded rows ({loaded:,})",
    "all": "All rows (pages through the whole listing)",
}
"""What an export can cover, as the dialog offers it."""
READY = "↑↓ choose · tab next · enter or ctrl+s exports · escape closes"


@dataclass(frozen=True)
class ExportSource:
    """What the browser hands to the dialog: its rows, and a way to page through them all."""

    kind: Kind
    provider: str
    store: RowStore
    shown_rows: Sequence[int] | None
    """Store rows in display order when a filter or sort is on; None otherwise."""
    has_more: bool
    pages: Callable[[], AsyncIterator[Page[Any]]]
    """Every page of the listing from the first, with the pagination guards."""
    scrub: Callable[[Any], Any] | None = None
    """Masks the connection's secrets in a decoded JSON value (the file holds what the
    screen shows, not a token a gateway echoed into data)."""


class ChoiceButton(RadioButton):
    """A radio button whose chosen and other states differ in shape, not only in colour
    (under ``NO_COLOR`` Textual's two look alike): ``●`` chosen, blank otherwise."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else " "
        return super()._button


class ChoiceSet(RadioSet):
    """A radio set that chooses as the cursor moves, as a dialog's radio group does.

    Space still presses the highlighted button; enter belongs to the dialog (it exports).
    """

    def _press_selected(self) -> None:
        if self._pressed_button is None:  # still mounting: the composed choice stands
            return
        button = self.children[self._selected] if self._selected is not None else None
        if isinstance(button, RadioButton) and not button.value:
            button.value = True

    def action_next_button(self) -> None:
        super().action_next_button()
        self._press_selected()

    def action_previous_button(self) -> None:
        super().action_previous_button()
        self._press_selected()


class ExportScreen(ModalScreen[None]):
    """Pick rows, format and path; enter (or ctrl+s) exports, from anywhere in the dialog."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", "Export", id="export.start"),
        # A priority binding: the radio sets would take enter for themselves otherwise.
        Binding("enter", "start", "Export", show=False, priority=True),
        Binding("escape,q", "cancel", "Cancel/close", id="export.cancel"),
    ]
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen #export-box { width: 80; height: auto; }
    ExportScreen RadioSet { width: 1fr; height: auto; }
    ExportScreen #export-progress { display: none; }
    ExportScreen #export-progress.shown { display: block; }
    ExportScreen #export-status { height: auto; }
    """

    class Progressed(Message):
        def __init__(self, rows: int, total: int | None) -> None:
            super().__init__()
            self.rows = rows
            self.total = total

    class Ended(Message):
        """Done (``path`` set), failed (``problem`` set) or cancelled (neither)."""

        def __init__(self, path: Path | None, problem: str | None, rows: int) -> None:
            super().__init__()
            self.path = path
            self.problem = problem
            self.rows = rows

    def __init__(self, source: ExportSource) -> None:
        super().__init__()
        self.source = source
        self.loaded_rows = len(source.store)
        self.loaded_pages = len(source.store.pages)
        self.scopes = [s for s in SCOPES if s != "shown" or source.shown_rows is not None]
        self.running = False
        self.last_state = "ready"
        """``ready``, ``running``, ``done``, ``failed`` or ``cancelled``."""
        self._confirm: Path | None = None
        self._refocus: Widget | None = None

    def compose(self) -> ComposeResult:
        source = self.source
        shown = len(source.shown_rows) if source.shown_rows is not None else self.loaded_rows
        with Vertical(id="export-box", classes="picker"):
            yield Label("Export rows", classes="picker-title")
            about = Text(f"{source.kind.replace('_', ' ')} · {visible(source.provider)} · ")
            about.append(f"{self.loaded_rows:,} rows loaded")
            about.append(" · more on the gateway" if source.has_more else " · all loaded")
            yield Static(about, id="export-about")
            with ChoiceSet(id="export-scope"):
                for index, scope in enumerate(self.scopes):
                    label = SCOPES[scope].format(shown=shown, loaded=self.loaded_rows)
                    yield ChoiceButton(label, value=index == 0)
            with ChoiceSet(id="export-format"):
                for index, fmt in enumerate(EXPORT_FORMATS):
                    yield ChoiceButton(fmt.upper(), value=index == 0)
            yield Input(self._default_path("csv"), id="export-path")
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static(Text(READY, style="dim"), id="export-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-box").border_title = "Export"
        self.query_one("#export-scope", RadioSet).focus()

    def _default_path(self, fmt: ExportFormat) -> str:
        return "./" + default_export_name(self.source.kind, self.source.provider, fmt)

    @property
    def chosen_scope(self) -> str:
        index = self.query_one("#export-scope", RadioSet).pressed_index
        return self.scopes[max(0, index)]

    @property
    def chosen_format(self) -> ExportFormat:
        index = self.query_one("#export-format", RadioSet).pressed_index
        return EXPORT_FORMATS[max(0, index)]

    @on(RadioSet.Changed, "#export-format")
    def format_changed(self) -> None:
        box = self.query_one("#export-path", Input)
        path = Path(box.value)
        if path.suffix.lstrip(".") in EXPORT_FORMATS:
            box.value = box.value[: -len(path.suffix)] + "." + self.chosen_format

    def _status(self, message: str, style: str = "") -> None:
        self.query_one("#export-status", Static).update(Text(visible(message), style=style))

    # -- running --------------------------------------------------------------------------

    def action_start(self) -> None:
        if self.running:
            return
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self._status("give a path to write to", "bold red")
            return
        path = resolve_path(text)
        if path.is_dir():
            self._status(f"{path} is a folder; give a file name", "bold red")
            return
        if not path.parent.is_dir():
            self._status(f"no such folder: {path.parent}", "bold red")
            return
        if path.exists() and self._confirm != path:
            self._confirm = path
            self._status(f"{path} exists: enter again replaces it", "bold yellow")
            return
        self._confirm = None
        self._set_running(True)
        total = self._total(self.chosen_scope)
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=total, progress=0)
        bar.add_class("shown")
        self._status(f"exporting to {path}… escape cancels")
        self._run(self.chosen_scope, self.chosen_format, path)

    def _total(self, scope: str) -> int | None:
        if scope == "shown" and self.source.shown_rows is not None:
            return len(self.source.shown_rows)
        return self.loaded_rows if scope == "loaded" else None

    def _set_running(self, running: bool) -> None:
        if running:  # the form is disabled while it runs: focus comes back where it was
            self._refocus = self.focused
        self.running = running
        self.last_state = "running" if running else self.last_state
        for selector in ("#export-scope", "#export-format", "#export-path"):
            self.query_one(selector).disabled = running

    @work(exclusive=True, group="export", exit_on_error=False)
    async def _run(self, scope: str, fmt: ExportFormat, path: Path) -> None:
        source = self.source

        def progress(rows: int, total: int | None) -> None:
            self.post_message(self.Progressed(rows, total))

        try:
            export = RowExport(path, fmt, source.kind, scrub=source.scrub)
        except OSError as exc:
            self.post_message(self.Ended(None, str(exc), 0))
            return
        try:
            if scope == "all":
                await export_pages(export, source.pages(), progress)
            elif scope == "loaded":
                envelopes = loaded_envelopes(source.store, self.loaded_pages)
                await export_envelopes(export, envelopes, self.loaded_rows, progress)
            else:
                items = shown_items(source.store, source.shown_rows or [])
                await export_items(export, items, progress)
            export.finish()
        except asyncio.CancelledError:
            export.abort()
            self.post_message(self.Ended(None, None, export.rows))
            raise
        except (MPilotError, OSError) as exc:
            export.abort()
            self.post_message(self.Ended(None, str(exc), export.rows))
            return
        self.post_message(self.Ended(path, None, export.rows))

    def on_export_screen_progressed(self, message: Progressed) -> None:
        if not self.running:
            return
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=message.total, progress=message.rows)
        of = f" of {message.total:,}" if message.total is not None else ""
        self._status(f"{message.rows:,}{of} rows written · escape cancels")

    def on_export_screen_ended(self, message: Ended) -> None:
        self._set_running(False)
        bar = self.query_one("#export-progress", ProgressBar)
        if message.path is not None:
            self.last_state = "done"
            bar.update(total=max(1, message.rows), progress=max(1, message.rows))
            self._status(f"Exported {message.rows:,} rows to {message.path}", "bold green")
            self.notify(f"Exported {message.rows:,} rows to {message.path}", markup=False)
            (self._refocus or self.query_one("#export-scope")).focus()
            return
        bar.remove_class("shown")
        if message.problem is not None:
            self.last_state = "failed"
            self._status(f"Export failed: {message.problem}; no file was written", "bold red")
        else:
            self.last_state = "cancelled"
            self._status(
                f"Export cancelled after {message.rows:,} rows: no file was written "
                "(enter starts again, escape closes)",
                "bold yellow",
            )
        self.query_one("#export-path", Input).focus()

    def action_cancel(self) -> None:
        if self.running:
            self.workers.cancel_group(self, "export")
            self._status("cancelling…")
        else:
            self.dismiss(None)
