"""Progress of a long ``--all`` listing, on stderr when stderr is a terminal.

One line, rewritten in place (``\\r`` and erase-line) after each page: rows, pages and the
rate. It is erased before anything else is written (rows on a shared terminal, the closing
narration), so it never mixes with the output, and at the end. Nothing is written when
stderr is not a terminal (a log file, a pipe), and never anything on stdout.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress"]

ERASE = "\r\x1b[K"
"""Back to the start of the line, and erase it."""


class Progress:
    """The progress line of one listing."""

    def __init__(
        self,
        stream: TextIO,
        noun: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        enabled: bool | None = None,
    ) -> None:
        self.stream = stream
        self.noun = noun
        self.clock = clock
        self.enabled = _is_terminal(stream) if enabled is None else enabled
        self.started = clock()
        self.shown = False

    def line(self, rows: int, pages: int) -> str:
        """What the line says (ASCII, so any terminal encoding holds it)."""
        seconds = max(self.clock() - self.started, 1e-9)
        return (
            f"{rows:,} {self.noun}, {pages:,} page{'s' if pages != 1 else ''}, "
            f"{rows / seconds:,.0f} rows/s, {seconds:,.0f} s (ctrl+c stops)"
        )

    def update(self, rows: int, pages: int) -> None:
        """Show how far the listing has come."""
        if not self.enabled:
            return
        width = shutil.get_terminal_size((80, 24)).columns
        # One cell short of the width: a full line would wrap, and \r would not clear it.
        self.stream.write(ERASE + self.line(rows, pages)[: max(1, width - 1)])
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        """Erase the line (before other output, and at the end)."""
        if self.shown:
            self.stream.write(ERASE)
            self.stream.flush()
            self.shown = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
