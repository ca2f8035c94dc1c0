"""Drawing on a terminal that cannot show Unicode (``LC_ALL=C``, a latin-1 locale).

Textual writes the screen to ``sys.__stderr__``; on a terminal whose encoding is ASCII,
Python's ``backslashreplace`` turns each box-drawing character into a literal ``\\u256d``
(six cells where one was laid out), and the screen falls apart. When the stream cannot
encode the box-drawing characters (or ``MPILOT_TUI_ASCII=1`` asks for it), the app's driver
writes every frame through :func:`to_ascii`: each character becomes ASCII of the very same
width (``+-|`` for box drawing, ``~`` for ``…``, ``*`` for ``●``, ``?`` otherwise), so the
layout Textual computed stays true cell for cell. Escape sequences are ASCII and pass as
they are.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from typing import TextIO

from rich.cells import get_character_cell_size
from textual.driver import Driver

__all__ = ["ASCII_ENV", "STAND_INS", "ascii_driver", "needs_ascii", "to_ascii"]

ASCII_ENV = "MPILOT_TUI_ASCII"
"""``1`` draws in ASCII whatever the terminal's encoding; ``0`` never does."""

STAND_INS: dict[str, str] = {
    "…": "~", "·": ".", "•": "*", "●": "*", "○": "o", "◆": "*", "◇": "o", "■": "#", "□": "o",
    "▲": "^", "▴": "^", "▼": "v", "▾": "v", "▶": ">", "►": ">", "▸": ">", "◀": "<", "◂": "<",
    "→": ">", "←": "<", "↑": "^", "↓": "v", "⏎": "<", "✔": "+", "✓": "+", "✘": "x", "✗": "x",
    "⚠": "!", "—": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'", "“": '"', "”": '"',
    "\u00d7": "x", "\u00a0": " ", "≥": ">", "≤": "<", "±": "+", "°": "o",
    "▁": "_", "▂": "_", "▃": "_", "▔": "-", "▀": "#", "▄": "#", "▅": "#", "▆": "#", "▇": "#",
    "█": "#", "▉": "#", "▊": "|", "▋": "|", "▌": "|", "▍": "|", "▎": "|", "▏": "|", "▐": "|",
    "▕": "|", "░": ".", "▒": ":", "▓": "#",
}  # fmt: skip
"""One-cell ASCII for the characters the app draws; box drawing is worked out by name."""


def _stand_in(char: str) -> str:
    """ASCII that takes as many cells as ``char``."""
    if char in STAND_INS:
        return STAND_INS[char]
    cells = get_character_cell_size(char)
    if cells == 0:
        return ""
    if cells == 1 and 0x2500 <= ord(char) <= 0x257F:
        name = unicodedata.name(char, "")
        if " AND " not in name and "HORIZONTAL" in name and "VERTICAL" not in name:
            return "-"
        if " AND " not in name and "VERTICAL" in name and "HORIZONTAL" not in name:
            return "|"
        return "+"  # corners, tees, crosses
    return "?" * cells


class _Table(dict[int, str]):
    """A ``str.translate`` table that works out each character's stand-in once."""

    def __missing__(self, code: int) -> str:
        value = chr(code) if code < 0x80 else _stand_in(chr(code))
        self[code] = value
        return value


_TABLE = _Table()


def to_ascii(text: str) -> str:
    """``text`` in ASCII, cell for cell."""
    return text if text.isascii() else text.translate(_TABLE)


def needs_ascii(stream: TextIO | None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether the app should draw in ASCII on ``stream`` (the terminal Textual writes to)."""
    setting = (os.environ if environ is None else environ).get(ASCII_ENV, "").strip()
    if setting in ("1", "0"):
        return setting == "1"
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return False
    try:
        "╭─│…●▅".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return True
    return False


def ascii_driver(base: type[Driver]) -> type[Driver]:
    """``base`` (the platform's driver) writing every frame through :func:`to_ascii`."""

    class AsciiDriver(base):  # type: ignore[valid-type,misc]
        def write(self, data: str) -> None:
            super().write(to_ascii(data))

    AsciiDriver.__name__ = f"Ascii{base.__name__}"
    return AsciiDriver
