"""Output that a non-UTF-8 terminal or pipe can hold (``PYTHONIOENCODING=latin-1``, ``LC_ALL=C``).

Python raises ``UnicodeEncodeError`` when a character has no place in the stream's encoding.
The CLI instead writes what the encoding holds: text gets ASCII stand-ins (``...`` for ``…``,
``+-|`` for box drawing) or ``?``; JSON gets ``\\uXXXX`` escapes, which every JSON reader
decodes back to the very same character, so no data is lost.
"""

from __future__ import annotations

import codecs
import io
import sys
from typing import TextIO

__all__ = ["ASCII_STAND_INS", "fit_streams_to_encoding", "holds_unicode", "use_json_escapes"]

ASCII_STAND_INS: dict[str, str] = {
    "…": "...", "—": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'", "“": '"', "”": '"',
    "•": "*", "▲": "^", "▼": "v", "→": "->", "←": "<-", "\u00d7": "x", "─": "-", "━": "-", "│": "|",
    "┃": "|", "╭": "+", "╮": "+", "╰": "+", "╯": "+", "┌": "+", "┐": "+", "└": "+",
    "┘": "+", "├": "+", "┤": "+", "┬": "+", "┴": "+", "┼": "+", "\u00a0": " ",
}  # fmt: skip
"""What a character the output cannot hold is written as, in text; anything else is ``?``."""

TEXT_ERRORS = "mpilot-text"
JSON_ERRORS = "mpilot-json"


def _text_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    piece = error.object[error.start : error.end]
    return "".join(ASCII_STAND_INS.get(char, "?") for char in piece), error.end


def _json_fallback(error: UnicodeError) -> tuple[str, int]:
    """``\\uXXXX`` (a surrogate pair above the BMP): valid inside a JSON string, where every
    non-ASCII character of our JSON output is."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), error.end


codecs.register_error(TEXT_ERRORS, _text_fallback)
codecs.register_error(JSON_ERRORS, _json_fallback)


def holds_unicode(stream: TextIO) -> bool:
    """Whether ``stream``'s encoding can hold every character."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
    return encoding in ("utf-8", "utf8", "utf-16", "utf-32", "gb18030")


def _set_errors(stream: TextIO, errors: str) -> None:
    if isinstance(stream, io.TextIOWrapper) and not holds_unicode(stream):
        stream.reconfigure(errors=errors)


def fit_streams_to_encoding() -> None:
    """stdout and stderr write ASCII stand-ins for what their encoding cannot hold."""
    _set_errors(sys.stdout, TEXT_ERRORS)
    _set_errors(sys.stderr, TEXT_ERRORS)


def use_json_escapes(stream: TextIO) -> None:
    """``stream`` carries JSON: what its encoding cannot hold is written ``\\uXXXX``."""
    _set_errors(stream, JSON_ERRORS)
