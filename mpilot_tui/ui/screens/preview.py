"""The content preview: a file's bytes (``…/content``), shown and saved.

Only the first :data:`PREVIEW_CAP` bytes are fetched for the preview (asked for with
``Range``, and the stream is left once they are in, should the gateway send everything).
Until they arrive the preview says it is waiting and for how long: a Bifrost 2.x gateway
downloads the whole file from its provider before it sends any (and ignores ``Range``), so
a large file can keep it waiting; escape cancels. Text (JSONL, JSON, CSV, Markdown, code) is
shown with syntax highlighting; anything else as a hex summary. ``s`` saves the whole
content to a path (the current folder by default) with a progress bar, streamed to disk as
it arrives, so a file of any size can be saved; escape cancels a save, then closes. The
fetch and the save run in workers that only post messages.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, ProgressBar, Static

from ...api import GatewayClient, HttpResponse, MPilotError, Sink
from ...formats.content import (
    PREVIEW_CAP,
    ContentView,
    PreviewHead,
    describe_content,
    matching_lines,
    preview_extent,
)
from ...formats.export import SAVE_CHUNK, FileSink, resolve_path, safe_file_name, save_bytes
from ...formats.text import human_bytes, visible
from ...listing import KINDS, Query, kind_named

__all__ = ["ContentTarget", "PreviewScreen", "render_content"]

SAVE_PAUSE = 0.0
"""Seconds the save yields to the event loop between two chunks (tests slow it down)."""
WAIT_TICK = 1.0
"""Seconds between two updates of the waiting message."""
clock = time.monotonic
"""The preview's stopwatch for the waiting message; tests replace it."""


@dataclass(frozen=True)
class ContentTarget:
    """Which file's content to fetch, and what the listing said about it."""

    mode: str
    """``files`` or ``container-files``."""
    provider: str
    container: str | None
    item_id: str
    name: str
    size: int | None


def render_content(view: ContentView) -> RenderableType:
    """What the preview draws of a content (see :func:`describe_content`): the text
    highlighted (one line a row: wrapping is the screen's choice), or the hex summary."""
    if view.lexer is None:
        return Text(view.text)
    shown = Syntax("", view.lexer, theme="ansi_dark").highlight(view.text) if view.text else Text()
    shown.rstrip()
    shown.no_wrap = True
    return shown


class PreviewScreen(Screen[None]):
    """One file's content."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close/cancel", id="preview.close"),
        Binding("s", "save", "Save to file", id="preview.save"),
        Binding("w", "toggle_wrap", "Wrap", id="preview.wrap"),
        Binding("p", "toggle_pretty", "Pretty/as sent", id="preview.pretty"),
        Binding("slash", "search", "Search", id="preview.search"),
        Binding("n", "next_match", "Next match", id="preview.next"),
        Binding("N", "previous_match", "Previous match", id="preview.previous"),
    ]
    DEFAULT_CSS = """
    PreviewScreen #preview-header { height: auto; background: $panel; padding: 0 1; }
    PreviewScreen #preview-body { height: 1fr; border: round $primary 40%; padding: 0 1; }
    PreviewScreen #preview-content { width: auto; min-width: 100%; }
    PreviewScreen #preview-content.wrapped { width: 100%; }
    PreviewScreen #preview-search { display: none; }
    PreviewScreen #preview-search.shown { display: block; }
    PreviewScreen #save-path { display: none; }
    PreviewScreen #save-path.shown { display: block; }
    PreviewScreen #save-progress { display: none; padding: 0 1; }
    PreviewScreen #save-progress.shown { display: block; }
    PreviewScreen #save-status { height: auto; padding: 0 1; }
    """

    class Loaded(Message):
        def __init__(
            self,
            content: bytes,
            content_type: str,
            elapsed_ms: float,
            total: int | None,
            complete: bool,
        ) -> None:
            super().__init__()
            self.content = content
            """The first bytes, or all of them when ``complete``."""
            self.content_type = content_type
            self.elapsed_ms = elapsed_ms
            self.total = total
            """The whole content's size, when known."""
            self.complete = complete
            """The stream ended by itself: ``content`` is the whole file."""

    class Failed(Message):
        def __init__(self, error: MPilotError) -> None:
            super().__init__()
            self.error = error

    class SaveProgressed(Message):
        def __init__(self, written: int, total: int) -> None:
            super().__init__()
            self.written = written
            self.total = total

    class SaveEnded(Message):
        """The save finished (``path`` set), failed (``problem`` set) or was cancelled."""

        def __init__(self, path: Path | None, problem: str | None, written: int) -> None:
            super().__init__()
            self.path = path
            self.problem = problem
            self.written = written

    def __init__(self, client: GatewayClient, target: ContentTarget) -> None:
        super().__init__()
        self.client = client
        self.target = target
        self.content: bytes | None = None
        """The first bytes of the content (at most :data:`PREVIEW_CAP`)."""
        self.total: int | None = None
        """The whole content's size, when the gateway or the listing said."""
        self.complete = False
        """:attr:`content` is the whole file (then a save needs no second download)."""
        self.rendered: RenderableType | None = None
        """What the body shows (the highlighted text or the hex summary)."""
        self.saving = False
        self._confirm: Path | None = None
        self._started = clock()
        self._arrived = 0
        """Bytes of the preview received so far (counted by the fetch's sink)."""
        self._waiting: Timer | None = None
        self._loaded: PreviewScreen.Loaded | None = None
        self.wrap = False
        """Long lines wrap at the screen's width (``w``) instead of scrolling sideways."""
        self.pretty = True
        """JSON and JSONL are shown indented (``p`` shows them as sent)."""
        self.search = ""
        """What ``/`` looks for (case-insensitive); matches are shown reversed."""
        self.matches: list[int] = []
        """The lines (of the text shown) holding a match."""
        self.match_index = 0

    def compose(self) -> ComposeResult:
        yield Static(id="preview-header")
        with ScrollableContainer(id="preview-body"):
            yield Static(Text("fetching content…", style="italic"), id="preview-content")
        yield Input(id="preview-search", placeholder="search (enter; n / N next / previous)")
        yield Input(id="save-path", placeholder="save to (enter saves, escape cancels)")
        yield ProgressBar(id="save-progress", show_eta=False)
        yield Static(id="save-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#preview-body").border_title = "Content"
        self._show_header(None)
        self.query_one("#preview-body").focus()
        self._started = clock()
        self._load(self.target)
        self.show_waiting()
        self._waiting = self.set_interval(WAIT_TICK, self.show_waiting)

    @property
    def fetching(self) -> bool:
        """The content has neither arrived nor failed yet."""
        return self._waiting is not None

    def show_waiting(self) -> None:
        """Say how long the fetch has waited, and for what."""
        if not self.fetching:
            return
        seconds = max(0.0, clock() - self._started)
        if self._arrived:
            text = Text(f"receiving… {human_bytes(self._arrived)} of the first ", style="italic")
            text.append(f"{human_bytes(PREVIEW_CAP)} after {seconds:,.0f} s · escape cancels")
        else:
            text = Text(f"waiting for the gateway's first byte… {seconds:,.0f} s", style="italic")
            text.append(
                "\nA gateway downloads the whole file from its provider before it sends any"
                " of it, so a large file takes a while. escape cancels.",
                style="dim",
            )
        self.query_one("#preview-content", Static).update(text)

    def _stop_waiting(self) -> None:
        if self._waiting is not None:
            self._waiting.stop()
            self._waiting = None

    def _show_header(self, note: str | None, content_type: str | None = None) -> None:
        target = self.target
        text = Text(visible(target.name or target.item_id), style="bold")
        text.append(f"  {visible(target.item_id)}", style="dim")
        if target.size is not None:
            text.append(f"  {human_bytes(target.size)}")
        if content_type:
            text.append(f"  {visible(content_type)}")
        if note:
            text.append(f"\n{visible(note)}", style="italic")
        self.query_one("#preview-header", Static).update(text)

    def _show_status(self, message: str, style: str = "") -> None:
        self.query_one("#save-status", Static).update(Text(visible(message), style=style))

    # -- fetching -------------------------------------------------------------------------

    async def _fetch(self, sink: Sink, first_bytes: int | None = None) -> HttpResponse:
        target = self.target
        spec = KINDS[kind_named(target.mode)]
        assert spec.content is not None, "the browser previews only kinds with content"
        query = Query(spec.kind, provider=target.provider, container=target.container)
        return await spec.content(self.client, query, target.item_id, sink, first_bytes)

    @work(exclusive=True, group="content", exit_on_error=False)
    async def _load(self, target: ContentTarget) -> None:
        head = PreviewHead(PREVIEW_CAP)

        def take(chunk: bytes) -> bool:
            wanted = head.take(chunk)
            self._arrived = len(head)  # a count the waiting message reads; no widget touched
            return wanted

        try:
            response = await self._fetch(take, first_bytes=PREVIEW_CAP)
        except MPilotError as exc:
            self.post_message(self.Failed(exc))
            return
        total, complete = preview_extent(response.status, response.headers, head, target.size)
        loaded = bytes(head.data)
        self.post_message(
            self.Loaded(loaded, response.content_type, response.elapsed_ms, total, complete)
        )

    def on_preview_screen_loaded(self, message: Loaded) -> None:
        self._stop_waiting()
        self.content = message.content
        self.total = message.total
        self.complete = message.complete
        self._loaded = message
        self._show_content()

    def _show_content(self) -> None:
        """Show the content with the wrap, pretty and search settings of the moment."""
        message = self._loaded
        if message is None:
            return
        view = describe_content(
            message.content,
            message.content_type,
            self.target.name,
            total=message.total,
            complete=message.complete,
            pretty=self.pretty,
        )
        shown = render_content(view)
        note = f"{view.note} · fetched in {message.elapsed_ms:,.0f} ms"
        self.matches = []
        if isinstance(shown, Text):
            shown.no_wrap = not self.wrap
            if self.search:
                shown.highlight_regex(re.compile(re.escape(self.search), re.IGNORECASE),
                                      style="reverse")  # fmt: skip
                self.matches = matching_lines(shown.plain, self.search)
                found = len(self.matches)
                note += f" · {found:,} line(s) match {self.search!r}" + (
                    " (n / N)" if found else ""
                )
        self._show_header(note, message.content_type)
        self.rendered = shown
        content = self.query_one("#preview-content", Static)
        content.set_class(self.wrap, "wrapped")
        content.update(shown)

    # -- wrap, pretty, search -------------------------------------------------------------

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap
        self._show_content()
        self.notify("Long lines wrap." if self.wrap else "Long lines scroll sideways.",
                    timeout=2, markup=False)  # fmt: skip

    def action_toggle_pretty(self) -> None:
        self.pretty = not self.pretty
        self._show_content()

    def action_search(self) -> None:
        box = self.query_one("#preview-search", Input)
        box.add_class("shown")
        # At once, not after a refresh: keys typed right after / go to the field.
        self.set_focus(box)

    @on(Input.Submitted, "#preview-search")
    def search_submitted(self, event: Input.Submitted) -> None:
        self.search = event.value.strip()
        self.match_index = 0
        self._show_content()
        self.query_one("#preview-search", Input).remove_class("shown")
        self.query_one("#preview-body").focus()
        if self.search and not self.matches:
            self.notify(f"No line matches {self.search!r}.", timeout=2, markup=False)
        self.call_after_refresh(self._scroll_to_match)

    def _visual_row(self, line: int) -> int:
        """Where ``line`` of the text starts on screen (wrapped lines take several rows)."""
        if not self.wrap or not isinstance(self.rendered, Text):
            return line
        width = max(1, self.query_one("#preview-content").content_region.width)
        lines = self.rendered.plain.split("\n")[:line]
        return sum(max(1, math.ceil(cell_len(text) / width)) for text in lines)

    def _scroll_to_match(self) -> None:
        if not self.matches:
            return
        line = self.matches[self.match_index % len(self.matches)]
        body = self.query_one("#preview-body", ScrollableContainer)
        body.scroll_to(y=max(0, self._visual_row(line) - 2), animate=False)

    def _step_match(self, step: int) -> None:
        if not self.matches:
            if self.search:
                self.notify(f"No line matches {self.search!r}.", timeout=2, markup=False)
            return
        self.match_index = (self.match_index + step) % len(self.matches)
        self._scroll_to_match()
        line = self.matches[self.match_index]
        self.notify(f"Match {self.match_index + 1:,} of {len(self.matches):,} "
                    f"(line {line + 1:,})", timeout=2, markup=False)  # fmt: skip

    def action_next_match(self) -> None:
        self._step_match(1)

    def action_previous_match(self) -> None:
        self._step_match(-1)

    def on_preview_screen_failed(self, message: Failed) -> None:
        self._stop_waiting()
        error = message.error
        self.query_one("#preview-content", Static).update(
            Group(Text(error.kind, style="bold red"), Text(visible(str(error))))
        )
        self.notify(visible(str(error)), title="Content not fetched", severity="error",
                    markup=False)  # fmt: skip

    # -- saving ---------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.content is None:
            self.notify("The content has not arrived yet.", timeout=2, markup=False)
            return
        if self.saving:
            return
        box = self.query_one("#save-path", Input)
        if not box.value:
            base = self.target.name.rsplit("/", 1)[-1]
            box.value = f"./{safe_file_name(base, self.target.item_id)}"
        box.add_class("shown")
        box.focus()
        self._show_status("enter saves · escape cancels")

    @on(Input.Submitted, "#save-path")
    def save_submitted(self, event: Input.Submitted) -> None:
        if self.content is None or self.saving or not event.value.strip():
            return
        path = resolve_path(event.value)
        if path.is_dir():
            self._show_status(f"{path} is a folder; give a file name", "bold red")
            return
        if not path.parent.is_dir():
            self._show_status(f"no such folder: {path.parent}", "bold red")
            return
        if path.exists() and self._confirm != path:
            self._confirm = path
            self._show_status(f"{path} exists: enter again replaces it", "bold yellow")
            return
        self._confirm = None
        self.saving = True
        # The path is asked for, so the field goes (s opens it again, with this path) and the
        # keys are the screen's again: s, escape, scrolling.
        self._hide_path()
        bar = self.query_one("#save-progress", ProgressBar)
        bar.update(total=self.total or None, progress=0)
        bar.add_class("shown")
        self._show_status(f"saving to {path}… escape cancels")
        if self.complete:
            self._save(path, self.content)  # all of it is here already
        else:
            self._download(path, self.total)

    @work(exclusive=True, group="save", exit_on_error=False)
    async def _save(self, path: Path, content: bytes) -> None:
        written = reported = 0
        # About a hundred progress messages at most: a flood would queue a cancel behind it.
        step = max(SAVE_CHUNK, len(content) // 100)
        writer = save_bytes(path, content, SAVE_CHUNK)
        try:
            for written in writer:
                if written - reported >= step or written == len(content):
                    self.post_message(self.SaveProgressed(written, len(content)))
                    reported = written
                await asyncio.sleep(SAVE_PAUSE)
        except OSError as exc:
            self.post_message(self.SaveEnded(None, str(exc), written))
            return
        except asyncio.CancelledError:
            writer.close()
            self.post_message(self.SaveEnded(None, None, written))
            raise
        self.post_message(self.SaveEnded(path, None, written))

    @work(exclusive=True, group="save", exit_on_error=False)
    async def _download(self, path: Path, total: int | None) -> None:
        """Fetch the whole content again, straight into the file, with progress."""
        step = max(SAVE_CHUNK, (total or 0) // 100)
        reported = 0
        try:
            sink = FileSink(path)
        except OSError as exc:
            self.post_message(self.SaveEnded(None, str(exc), 0))
            return

        def take(chunk: bytes) -> bool:
            nonlocal reported
            sink.write(chunk)
            if sink.written - reported >= step:
                self.post_message(self.SaveProgressed(sink.written, total or 0))
                reported = sink.written
            return True

        with sink:
            try:
                await self._fetch(take)
                sink.finish()
            except (MPilotError, OSError) as exc:
                self.post_message(self.SaveEnded(None, visible(str(exc)), sink.written))
                return
            except asyncio.CancelledError:
                self.post_message(self.SaveEnded(None, None, sink.written))
                raise
        self.post_message(self.SaveProgressed(sink.written, sink.written))
        self.post_message(self.SaveEnded(path, None, sink.written))

    def on_preview_screen_save_progressed(self, message: SaveProgressed) -> None:
        self.query_one("#save-progress", ProgressBar).update(
            total=max(1, message.total) if message.total else None, progress=message.written
        )

    def on_preview_screen_save_ended(self, message: SaveEnded) -> None:
        self.saving = False
        if message.path is not None:
            self._show_status(f"Saved {message.written:,} bytes to {message.path}", "bold green")
            self.notify(f"Saved to {message.path}", timeout=3, markup=False)
        elif message.problem is not None:
            self.query_one("#save-progress", ProgressBar).remove_class("shown")
            self._show_status(f"Not saved: {message.problem}", "bold red")
        else:
            self.query_one("#save-progress", ProgressBar).remove_class("shown")
            self._show_status("Save cancelled: nothing was written", "bold yellow")

    def _hide_path(self) -> None:
        self.query_one("#preview-body").focus()
        self.query_one("#save-path", Input).remove_class("shown")

    def action_close(self) -> None:
        box = self.query_one("#save-path", Input)
        search = self.query_one("#preview-search", Input)
        if search.has_class("shown"):
            search.remove_class("shown")
            self.query_one("#preview-body").focus()
        elif self.saving:
            self.workers.cancel_group(self, "save")
            self._show_status("cancelling the save…")
        elif box.has_class("shown"):
            self._hide_path()
            self._show_status("")
        else:
            if self.fetching:
                self.workers.cancel_group(self, "content")  # the fetch stops with the screen
                self._stop_waiting()
            self.dismiss(None)
