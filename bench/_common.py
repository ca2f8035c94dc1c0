"""Shared helpers for the benchmark scripts: statistics, tables, verdicts, frames and pages.

Nothing here is part of the package or of pytest; the scripts import it as a sibling module.

Frames: a headless Textual app does not turn its compositor updates into terminal output, and
it paints on a timer. :func:`render_frame` does synchronously what the screen's update timer
does on the next frame -- it gathers the refresh flags widgets set (as ``Widget._check_refresh``
would post them), then calls ``Screen._on_timer_update``, the same private method
``textual.pilot.Pilot.pause`` calls -- and :func:`install_output_sink` makes the app render
each compositor update to the escape sequences a terminal would receive. So a timed frame
includes layout (when needed), the widgets' ``render_line`` calls, the compositor's cuts and
the terminal encoding; it leaves out only the write to the terminal itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from textual.app import App
from textual.widget import Widget

__all__ = [
    "APP_SIZE",
    "PageFactory",
    "base_parser",
    "install_output_sink",
    "machine",
    "median",
    "percentile",
    "print_table",
    "render_frame",
    "settle",
    "verdict",
]

APP_SIZE = (120, 36)
"""Terminal size of every in-process benchmark app (columns, lines)."""


# -- statistics and printing ------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value at ``fraction`` (0..1) of the sorted values (nearest rank)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def machine() -> str:
    """A generic description of the machine: cores, architecture, Python (no names, no paths)."""
    version = ".".join(platform.python_version_tuple()[:2])
    return f"{os.cpu_count()}-core {platform.machine()}, {platform.system()}, Python {version}"


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain text table on stdout, right-aligned numbers."""
    body = [list(row) for row in rows]
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in body]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(isinstance(row[i], int | float) or row[i] == "-" for row in body)
               for i in range(len(headers))]  # fmt: skip
    for index, row in enumerate(cells):
        line = [
            c.rjust(w) if right else c.ljust(w)
            for c, w, right in zip(row, widths, numeric, strict=True)
        ]
        print("  ".join(line).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))
    sys.stdout.flush()


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def verdict(target: str, passed: bool, detail: str) -> bool:
    """Print the one PASS/FAIL line of a target; returns ``passed``."""
    print(f"{'PASS' if passed else 'FAIL'}  {target}: {detail}", flush=True)
    return passed


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--tiny", action="store_true", help="a seconds-long run that only checks the script works"
    )
    return parser


# -- frames -----------------------------------------------------------------------------------


def install_output_sink(app: App[Any]) -> list[int]:
    """Make ``app`` encode every compositor update for a terminal, as it does when not headless.

    Returns a list that collects the size (characters) of each frame's terminal output.
    """
    from textual._compositor import CompositorUpdate

    frame_sizes: list[int] = []

    def display(screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate) and not app._batch_count:
            frame_sizes.append(len(renderable.render_segments(app.console)))

    app._display = display  # type: ignore[method-assign]
    return frame_sizes


def packed_ahead(page: Any) -> Any:
    """A page's body compressed as the app's fetch worker compresses it before the page
    lands (a big body, in a thread, while the event loop is free), or None."""
    from mpilot_tui.listing.rows import PACK_AHEAD_BYTES, prepare

    return prepare(page) if len(page.raw) >= PACK_AHEAD_BYTES else None


def page_landing(ask: Any, page: Any) -> Any:
    """The message a page lands with, made as the app's fetch worker makes it (see
    :func:`packed_ahead`), so a timed landing holds only the event loop's own work."""
    from mpilot_tui.ui.screens.browser import BrowserScreen

    return BrowserScreen.PageLoaded(ask, page, packed_ahead(page))


def render_frame(app: App[Any]) -> None:
    """Paint the next frame now: deliver pending refreshes and run the screen's frame update."""
    screen = app.screen
    for widget in screen.walk_children(Widget, with_self=False):
        _collect_refresh(screen, widget)
    screen._on_timer_update()


def _collect_refresh(screen: Any, widget: Widget) -> None:
    """What ``Widget._check_refresh`` posts to the screen, applied at once."""
    if widget._scroll_required:
        widget._scroll_required = False
        if not widget._layout_required:
            screen._scroll_required = True
    if widget._repaint_required:
        widget._repaint_required = False
        if widget.display:
            screen._dirty_widgets.add(widget)
    if widget._layout_required:
        widget._layout_required = False
        for ancestor in widget.ancestors:
            if not isinstance(ancestor, Widget):
                break
            ancestor._clear_arrangement_cache()
            ancestor._layout_updates += 1
            if not ancestor.styles.auto_dimensions:
                break
        screen._layout_required = True


async def settle(pilot: Any) -> None:
    """Let the app handle what the timed step queued (messages, resize events), untimed."""
    await pilot.pause()
    await asyncio.sleep(0)


# -- pages ------------------------------------------------------------------------------------


class PageFactory:
    """Pages of the demo gateway's files, fast enough to load a million rows.

    The first ``templates`` pages are real answers of the in-process demo gateway (through
    :class:`~mpilot_tui.api.GatewayClient`, so parsed exactly as the app parses them). Page
    ``k`` after that reuses template ``k % templates`` with every id rewritten to a unique
    29-character id (the length of a demo id), so the store, the page guard and the paging
    cursor all see distinct rows. Filenames and response bodies repeat every
    ``templates`` pages; the memory benchmark does not use this factory for that reason.
    """

    def __init__(self, templates: list[Any]) -> None:
        self.templates = templates
        self.made = 0

    @classmethod
    async def from_demo(cls, templates: int = 20, page_size: int = 100) -> PageFactory:
        from mpilot_tui.api import GatewayClient
        from mpilot_tui.demo import DemoConfig, create_app

        pages: list[Any] = []
        demo = create_app(DemoConfig(files=templates * page_size))
        async with GatewayClient.for_demo(demo) as client:
            async for page in client.iter_files("openai", None, page_size, None, "desc"):
                pages.append(page)
        return cls(pages)

    def page(self) -> Any:
        """The next page: unique ids, a unique cursor, ``has_more`` true."""
        from dataclasses import replace

        number = self.made
        self.made += 1
        template = self.templates[number % len(self.templates)]
        if number < len(self.templates):
            items = template.items
        else:
            items = [
                item.model_copy(update={"id": f"file-{number:019d}{k:05d}"})
                for k, item in enumerate(template.items)
            ]
        return replace(
            template,
            items=items,
            has_more=True,
            next_cursor=f"bench-cursor-{number + 1}",
            request_after=f"bench-cursor-{number}" if number else None,
        )

    def pages(self, rows: int) -> Iterator[Any]:
        """Pages until ``rows`` rows have been made (the last page may be whole)."""
        made = 0
        while made < rows:
            page = self.page()
            made += len(page.items)
            yield page
