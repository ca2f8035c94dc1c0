"""The formats written for programs: JSON, NDJSON and CSV, and the listing writer that
streams any of them (or the table) page by page."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any, TextIO

from pydantic_core import PydanticSerializationError, to_json

from ..api.pagination import ITEMS_KEY, items_of
from ..api.redaction import Redactor
from .table import CSV_FIELDS, CSV_ROWS, FileFormat, Kind, csv_safe

__all__ = [
    "CsvWriter",
    "ListingWriter",
    "json_text",
    "paste_safe",
    "write_csv",
    "write_json",
    "write_ndjson",
]

_NOT_ASCII = re.compile(r"[^\x00-\x7e]")
_JSON_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
"""Characters JSON may carry raw but a terminal or a line splitter would act on (DEL, C1
controls, bidi, zero-width and tag characters, line separators): written as ``\\uXXXX``
escapes, which every JSON reader decodes back to the same character."""


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if unicodedata.category(char) not in _JSON_UNSAFE_CATEGORIES:
        return char
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _json_text(value: Any, **options: Any) -> str:
    """JSON text keeping non-ASCII as is, unless it holds lone surrogates (then escaped)."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, **options)
    except ValueError:
        # A number like 1e400 parses as infinity, which JSON cannot carry: null, as pydantic.
        value = _finite(value)
        text = json.dumps(value, ensure_ascii=False, **options)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, **options)
    if text.isascii() and "\x7f" not in text:
        return text
    return _NOT_ASCII.sub(_json_escape, text)


def json_text(value: Any) -> str:
    """``value`` as one line of JSON, escaped as ``json``/``ndjson`` output is (controls, C1,
    bidi and zero-width characters as ``\\uXXXX``; out-of-range numbers as ``null``)."""
    return _json_text(value)


def paste_safe(text: str) -> str:
    """``text`` with the characters ``json``/``ndjson`` output escapes (C0 and C1 controls, DEL,
    bidi, zero-width and format characters, line separators) written as ``\\uXXXX``, and the
    rest as it is: what is safe to put on a clipboard that may be pasted into a terminal."""
    return _PASTE_UNSAFE.sub(_paste_escape, text)


_PASTE_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\U0010ffff]")


def _paste_escape(match: re.Match[str]) -> str:
    # A lone surrogate cannot be sent at all (it is not UTF-8): escaped like a control.
    if unicodedata.category(match.group()) == "Cs":
        return f"\\u{ord(match.group()):04x}"
    return _json_escape(match)


def _finite(value: Any) -> Any:
    """``value`` with every infinite or NaN float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def write_json(envelopes: Sequence[Any], out: TextIO, *, array: bool = False) -> None:
    """One envelope as an object, several (or any number, with ``array``) as an array:
    always one valid JSON document."""
    document = envelopes[0] if len(envelopes) == 1 and not array else list(envelopes)
    out.write(_json_text(document, indent=2))
    out.write("\n")


def write_ndjson(items: Iterable[Any], out: TextIO) -> int:
    """One JSON object per line (strings round-trip exactly; controls are JSON-escaped).

    Serialised by pydantic-core (in Rust: a listing of many pages is dominated by this);
    what it cannot write (a lone surrogate) falls back to the standard library for that item
    alone, so a line's bytes do not depend on which items are written with it.
    """
    items = list(items)
    if not items:
        return 0
    try:
        text = b"\n".join([to_json(item, inf_nan_mode="null") for item in items]).decode()
    except (PydanticSerializationError, UnicodeDecodeError):
        text = "\n".join([_ndjson_line(item) for item in items])
    else:
        if not text.isascii() or "\x7f" in text:
            text = _NOT_ASCII.sub(_json_escape, text)
    out.write(text)
    out.write("\n")
    return len(items)


def _ndjson_line(item: Any) -> str:
    """One item's line, by pydantic-core when it can write it, else the standard library."""
    try:
        text = to_json(item, inf_nan_mode="null").decode()
    except (PydanticSerializationError, UnicodeDecodeError):
        return _json_text(item, separators=(",", ":"))
    if not text.isascii() or "\x7f" in text:
        text = _NOT_ASCII.sub(_json_escape, text)
    return text


class CsvWriter:
    """Writes CSV rows for one kind of listing, header first, formula-safe."""

    def __init__(self, kind: Kind, out: TextIO) -> None:
        self.fields = CSV_FIELDS[kind]
        self._derive = CSV_ROWS.get(kind)
        self._out = out
        # With "\r\n" as terminator the csv module quotes cells holding a bare CR too (with
        # "\n" it leaves them unquoted and readers split the row); rows still end in "\n".
        self._row = io.StringIO()
        self._writer = csv.writer(self._row, lineterminator="\r\n")
        self._write_row(self.fields)

    def _write_row(self, cells: Sequence[Any]) -> None:
        self._row.seek(0)
        self._row.truncate()
        self._writer.writerow(cells)
        self._out.write(self._row.getvalue()[:-2] + "\n")

    def write(self, items: Iterable[dict[str, Any]]) -> int:
        items = items if isinstance(items, list) else list(items)
        if not items:
            return 0
        if self._derive is not None:
            derive = self._derive
            items = [derive(item) if isinstance(item, dict) else item for item in items]
        if set(map(type, items)) != {dict}:
            return self.write_rows(items)
        # A column at a time (C loops, not a Python call per cell), then all rows at once;
        # exactly the cells write_rows makes.
        return self.write_columns([list(map(dict.get, items, repeat(f))) for f in self.fields])

    def write_columns(self, values: list[list[Any]]) -> int:
        """Write rows given as each field's values (in :attr:`fields` order, all of one
        length): the same bytes as :meth:`write` of items holding those values."""
        columns = [_csv_column(column) for column in values]
        count = len(columns[0]) if columns else 0
        if not count:
            return 0
        if len(columns) > 1:
            # Joined here as the csv module writes them (str() of each cell; a cell holding
            # a comma, a quote, CR or LF quoted, its quotes doubled), a C loop per column.
            texts: list[list[str]] = []
            for column in columns:
                strings = column if set(map(type, column)) == {str} else list(map(str, column))
                joined = "".join(strings)
                if any(special in joined for special in _QUOTED_BY):
                    strings = [_quoted(cell) for cell in strings]
                texts.append(strings)
            self._out.write("\n".join(map(",".join, zip(*texts, strict=True))))
            self._out.write("\n")
            return count
        self._row.seek(0)
        self._row.truncate()
        self._writer.writerows(zip(*columns, strict=True))
        text = self._row.getvalue()
        if text.count("\r\n") != count:  # a cell holds CRLF: only row ends change
            for cells in zip(*columns, strict=True):
                self._write_row(cells)
            return count
        self._out.write(text.replace("\r\n", "\n"))
        return count

    def write_rows(self, items: Iterable[dict[str, Any]]) -> int:
        """:meth:`write`, one row at a time."""
        count = 0
        for item in items:
            self._write_row([csv_safe(_csv_cell(item.get(f))) for f in self.fields])
            count += 1
        return count


_STARTS_FORMULA = re.compile(r"[=+\-@\t\r]").match
"""Whether a string starts with one of ``_FORMULA_START``."""
_FORMULA_FIRSTS = frozenset("=+-@\t\r")
"""The first characters ``_STARTS_FORMULA`` matches."""
_FIRST_CHAR = itemgetter(slice(0, 1))
_QUOTED_BY = (",", '"', "\r", "\n")
_NEEDS_QUOTES = re.compile('[,"\r\n]')
"""Characters that make the csv module quote a cell (the delimiter, the quote, and the line
terminator's characters)."""


def _quoted(cell: str) -> str:
    """``cell`` as the csv module writes it (minimal quoting, quotes doubled)."""
    if cell and _NEEDS_QUOTES.search(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell


_PLAIN_CELLS = frozenset({int, float, bool})
_NONE_OR_PLAIN = _PLAIN_CELLS | {str, type(None)}
_TEXT_OR_NONE = frozenset({str, type(None)})


def _csv_column(values: list[Any]) -> list[Any]:
    """``csv_safe(_csv_cell(value))`` of every value, sparing the work where a whole column
    needs none (plain strings, numbers, and None as an empty cell)."""
    types = set(map(type, values))
    if types <= _PLAIN_CELLS:
        return values
    if types <= _NONE_OR_PLAIN:
        if type(None) in types:
            values = ["" if v is None else v for v in values]  # "" is never a formula
        if str not in types:
            return values
        if types <= _TEXT_OR_NONE:
            if _FORMULA_FIRSTS.isdisjoint(map(_FIRST_CHAR, values)):
                return values
            return [csv_safe(v) for v in values]
    return [csv_safe(_csv_cell(v)) for v in values]


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_csv(items: Iterable[dict[str, Any]], kind: Kind, out: TextIO) -> int:
    """A header row, then one row per item."""
    return CsvWriter(kind, out).write(items)


class ListingWriter:
    """Writes a listing as ``json``, ``ndjson`` or ``csv`` to ``out``: the CLI's output and the
    browser's export both go through here, so the two are byte for byte the same.

    Items are written as the gateway sent them (its key order, unknown fields and all). CSV
    and NDJSON are written as they come; JSON is one document, so the envelopes are held until
    :meth:`finish`. Items added loose (a filtered or sorted selection) become one list envelope.
    """

    def __init__(
        self,
        fmt: FileFormat,
        kind: Kind,
        out: TextIO,
        *,
        array: bool = False,
        scrub: Callable[[Any], Any] | None = None,
    ) -> None:
        self.format = fmt
        self.scrub = scrub
        """Masks the connection's secrets in a decoded JSON value (a gateway may echo the
        token into data): what is written is what the screen shows."""
        self.kind: Kind = kind
        self.out = out
        self.array = array
        """JSON: an array of envelopes even when there is one (``files --all`` promises it)."""
        self.rows = 0
        """Items written (or, for JSON, collected) so far."""
        self._csv = CsvWriter(kind, out) if fmt == "csv" else None
        self._envelopes: list[Any] = []
        self._loose: list[dict[str, Any]] = []

    def add_items(self, items: Sequence[dict[str, Any]]) -> int:
        """Write items; for JSON they are collected into one list envelope."""
        if self.scrub is not None:
            items = [self.scrub(item) for item in items]
        return self._write_items(items)

    def _write_items(self, items: Sequence[dict[str, Any]]) -> int:
        if self._csv is not None:
            written = self._csv.write(items)
        elif self.format == "ndjson":
            written = write_ndjson(items, self.out)
        else:
            self._loose.extend(items)
            written = len(items)
        self.rows += written
        return written

    @property
    def masks(self) -> bool:
        """Whether ``scrub`` may change what is written (not: none, or a redactor's with no
        secrets)."""
        masker = getattr(self.scrub, "__self__", None)
        return self.scrub is not None and not (isinstance(masker, Redactor) and not masker)

    @property
    def writes_lines(self) -> bool:
        """NDJSON with nothing to mask: :meth:`add_lines` may be given items' lines."""
        return self.format == "ndjson" and not self.masks

    @property
    def writes_columns(self) -> bool:
        """CSV with nothing to mask: :meth:`add_columns` may be given the fields' values."""
        return self._csv is not None and not self.masks

    def add_columns(self, values: list[list[Any]]) -> int:
        """Write rows given as each CSV field's values (``CsvWriter.write_columns``)."""
        if self._csv is None or self.masks:
            raise ValueError("columns are written only as CSV with nothing to mask")
        written = self._csv.write_columns(values)
        self.rows += written
        return written

    def add_lines(self, lines: bytes, count: int) -> int:
        """Write ``count`` items given as the lines pydantic-core serialises them to (joined
        by newlines): the same bytes as :meth:`add_items` of the items parsed from them."""
        if not self.writes_lines:
            raise ValueError("lines are written only as NDJSON with nothing to mask")
        text = lines.decode()
        if not text.isascii() or "\x7f" in text:
            text = _NOT_ASCII.sub(_json_escape, text)
        self.out.write(text)
        self.out.write("\n")
        self.rows += count
        return count

    def add_envelope(self, envelope: Any) -> int:
        """Write one page's envelope: kept whole for JSON, its ``data`` items otherwise."""
        if self.scrub is not None:
            envelope = self.scrub(envelope)
        items = [item for item in items_of(self.kind, envelope) if isinstance(item, dict)]
        if self.format == "json":
            self._envelopes.append(envelope)
            self.rows += len(items)
            return len(items)
        return self._write_items(items)

    def finish(self, *, empty_document: bool = False) -> None:
        """Write what is held (the JSON document). With nothing held, JSON is written only if
        ``empty_document`` (then as an empty list envelope)."""
        if self.format == "json" and (self._envelopes or self._loose or empty_document):
            envelopes = self._envelopes
            if self._loose or not envelopes:
                key = ITEMS_KEY.get(self.kind)
                loose = (
                    {key: self._loose}
                    if key
                    else {"object": "list", "data": self._loose, "has_more": False}
                )
                envelopes = [*envelopes, loose]
            write_json(envelopes, self.out, array=self.array)

    def clear(self) -> None:
        """Let go of what is held."""
        self._envelopes.clear()
        self._loose.clear()
