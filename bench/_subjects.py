"""The two tables the benchmarks compare, each in its own headless app, filled to a size.

- :class:`OursSubject`: the real app (``create_app`` on the in-process demo gateway) with the
  browser screen and its ``FileTable``. The demo serves the first (empty) page; rows are then
  loaded straight into the screen's ``RowStore`` from a :class:`_common.PageFactory`, and the
  screen's own fetching is switched off so that only the benchmark adds pages.
- :class:`DataTableSubject`: Textual's ``DataTable`` given the same rows as cell strings
  (formatted with the browser's own column formatters), sized like our table in the browser.

Several subjects can be open at once (one app each) so that a benchmark can interleave its
timed steps across sizes: every call into a subject runs inside its app's context.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

from _common import APP_SIZE, PageFactory, install_output_sink, packed_ahead, render_frame, settle
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from mpilot_tui.config.session import demo_session
from mpilot_tui.demo import DemoConfig
from mpilot_tui.formats.table import COLUMNS
from mpilot_tui.ui.app import create_app
from mpilot_tui.ui.screens.browser import BrowserScreen
from mpilot_tui.ui.widgets.file_table import FileTable

__all__ = ["DataTableSubject", "OursSubject", "Timing", "cells_of"]

Timing = tuple[float, float]
"""Milliseconds of wall time and of this thread's CPU time."""


async def wait_for(predicate: Callable[[], Any], pilot: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.01)


async def measure(step: Callable[[], Awaitable[None] | None]) -> Timing:
    """Time one step (sync or async without real waits): wall ms, thread CPU ms."""
    gc.collect(0)
    wall, cpu = time.perf_counter(), time.thread_time()
    result = step()
    if result is not None:
        await result
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


def cells_of(items: list[Any]) -> list[tuple[str, ...]]:
    """The browser's cell strings for DataTable rows."""
    columns = COLUMNS["files"]
    return [tuple(column.show(getattr(item, column.key)) for column in columns) for item in items]


class OursSubject:
    """The browser app holding ``size`` rows."""

    name = "ours"

    def __init__(self, app: Any, pilot: Any, factory: PageFactory) -> None:
        self.app = app
        self.pilot = pilot
        self.factory = factory
        self.screen: BrowserScreen = app.screen
        self.table = self.screen.query_one(FileTable)

    @classmethod
    async def open(cls, stack: AsyncExitStack, factory: PageFactory, size: int) -> OursSubject:
        app = create_app(demo_session(DemoConfig(files=0)))
        pilot = await stack.enter_async_context(app.run_test(size=APP_SIZE))
        with app._context():
            install_output_sink(app)
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            await wait_for(lambda: screen.inflight is None and bool(screen.store.pages), pilot)
            # Only the benchmark answers: the listing's asks are never sent.
            screen.send = lambda ask: None  # type: ignore[method-assign]
            screen.listing.restart()
            screen.table.show_listing()
            subject = cls(app, pilot, factory)
            subject.fill(size)
            await settle(pilot)
        return subject

    @property
    def rows(self) -> int:
        return len(self.screen.store)

    def fill(self, size: int) -> None:
        """Load rows up to ``size`` straight into the screen's store (untimed)."""
        listing = self.screen.listing
        for page in self.factory.pages(size - len(listing.store)):
            ask = listing.inflight or listing.want_more()
            assert ask is not None
            listing.page_loaded(ask, page, packed_ahead(page))
        self.table.rows_appended()

    async def append_step(self) -> Timing:
        """Scroll to the end (untimed), then time a page arriving and the next frame."""
        with self.app._context():
            self.table.move_cursor(len(self.table.view) - 1)
            self.table.scroll_end(animate=False, immediate=True)
            await settle(self.pilot)
            screen = self.screen
            # The page answers the request in flight, as a real one would.
            ask = screen.listing.inflight or screen.listing.want_more()
            assert ask is not None
            message = BrowserScreen.PageLoaded(ask, self.factory.page())

            def step() -> None:
                screen.on_listing_screen_page_loaded(message)
                render_frame(self.app)

            timing = await measure(step)
            await settle(self.pilot)
        return timing

    async def place_cursor(self, position: int) -> None:
        with self.app._context():
            self.table.move_cursor(position)
            self.table.scroll_to(y=position, animate=False, immediate=True)
            await settle(self.pilot)

    async def cursor_step(self) -> Timing:
        """Time moving the cursor down one row (the key's action) and the next frame."""
        with self.app._context():

            def step() -> None:
                self.table.action_cursor_down()
                render_frame(self.app)

            timing = await measure(step)
            await settle(self.pilot)
        return timing


class DataTableApp(App[None]):
    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable()
        # The size our table gets in the browser at 120x36, so both paint the same area.
        table.styles.width = 56
        table.styles.height = 30
        yield table


class DataTableSubject:
    """Textual's DataTable holding ``size`` rows."""

    name = "DataTable"

    def __init__(self, app: DataTableApp, pilot: Any, factory: PageFactory) -> None:
        self.app = app
        self.pilot = pilot
        self.factory = factory
        self.table: DataTable[str] = app.query_one(DataTable)

    @classmethod
    async def open(cls, stack: AsyncExitStack, factory: PageFactory, size: int) -> DataTableSubject:
        app = DataTableApp()
        pilot = await stack.enter_async_context(app.run_test(size=APP_SIZE))
        with app._context():
            install_output_sink(app)
            subject = cls(app, pilot, factory)
            subject.table.add_columns(*(column.header for column in COLUMNS["files"]))
            while subject.table.row_count < size:
                subject.table.add_rows(cells_of(factory.page().items))
            await subject.frame()
            await settle(pilot)
        return subject

    @property
    def rows(self) -> int:
        return self.table.row_count

    async def frame(self) -> None:
        """The dimension update DataTable defers to idle, then the next frame."""
        await self.table._on_idle(events.Idle())
        render_frame(self.app)

    async def append_step(self) -> Timing:
        with self.app._context():
            table = self.table
            table.move_cursor(row=table.row_count - 1, animate=False)
            table.scroll_end(animate=False, immediate=True)
            await settle(self.pilot)
            items = self.factory.page().items

            async def step() -> None:
                table.add_rows(cells_of(items))
                await self.frame()

            timing = await measure(step)
            await settle(self.pilot)
        return timing

    async def place_cursor(self, position: int) -> None:
        with self.app._context():
            self.table.move_cursor(row=position, animate=False, scroll=False)
            self.table.scroll_to(y=position, animate=False, immediate=True)
            await settle(self.pilot)

    async def cursor_step(self) -> Timing:
        with self.app._context():

            async def step() -> None:
                self.table.action_cursor_down()
                await self.frame()

            timing = await measure(step)
            await settle(self.pilot)
        return timing
