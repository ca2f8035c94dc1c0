"""The columns of each listing and the CLI's table; the CSV fields and the format names.

The writers for programs are in :mod:`.writers`. What each format holds:

``json`` writes the envelopes as the gateway sent them; ``ndjson`` one item per line;
``csv`` a header row then one row per item, with cells that a spreadsheet would read as a
formula (``=``, ``+``, ``-``, ``@``, tab, CR at the start) prefixed with ``'``; ``table``
fitted to a width, every gateway string passed through :func:`mpilot_tui.formats.text.visible`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TextIO

from rich.cells import cell_len, set_cell_size

from ..api.pagination import PageKind
from .text import finite_number, human_bytes, latency_text, local_time, loose_int, visible

__all__ = [
    "COLUMNS",
    "FILE_FORMATS",
    "FORMATS",
    "Column",
    "FileFormat",
    "Format",
    "csv_safe",
    "fit_cell",
    "layout_columns",
    "widest_cells",
    "write_table",
]

Format = Literal["table", "json", "ndjson", "csv"]
FORMATS: tuple[Format, ...] = ("table", "json", "ndjson", "csv")
Kind = PageKind
FileFormat = Literal["json", "ndjson", "csv"]
"""The formats written for programs (all but ``table``)."""
FILE_FORMATS: tuple[FileFormat, ...] = ("json", "ndjson", "csv")


@dataclass(frozen=True)
class Column:
    """One column of a listing: header, item field, layout and how to show a value."""

    header: str
    key: str
    show: Callable[[Any], str] = str
    minimum: int = 4
    maximum: int = 40
    priority: int = 0
    """Lower shows first; on a narrow screen the highest priorities are dropped."""
    right: bool = False


MAX_CELL_CHARS = 1000
"""Characters of a value a table cell looks at; a cell shows at most 90 cells anyway."""


def _plain(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS] + "…"
    return visible(text)


def _size(value: Any) -> str:
    return human_bytes(value) if isinstance(value, int) else _plain(value)


def _time(value: Any) -> str:
    return local_time(value) if isinstance(value, int | float) else _plain(value)


def _ms_time(value: Any) -> str:
    """Unix milliseconds (the request log's time column) as local time to the second."""
    number = finite_number(value)
    if number is None:
        return _plain(value)
    return local_time(number / 1000, "%Y-%m-%d %H:%M:%S")


def _latency(value: Any) -> str:
    """Microseconds (the store's integer latency column) as ms or s."""
    number = finite_number(value)
    if number is None:
        return _plain(value)
    return latency_text(number / 1000)


def _count(value: Any) -> str:
    number = loose_int(value)
    return _plain(value) if number is None else f"{number:,}"


def _cost(value: Any) -> str:
    """Nano-dollars (the store's integer cost column) as USD."""
    number = finite_number(value)
    if number is None:
        return _plain(value)
    usd = number / 1e9
    return "$0" if usd == 0 else f"${usd:.6f}" if abs(usd) < 0.01 else f"${usd:,.4f}"


COLUMNS: dict[Kind, tuple[Column, ...]] = {
    "files": (
        Column("ID", "id", _plain, 29, 29, 0),
        Column("FILENAME", "filename", _plain, 20, 80, 0),
        Column("PURPOSE", "purpose", _plain, 7, 12, 2),
        Column("STATUS", "status", _plain, 6, 10, 3),
        Column("SIZE", "bytes", _size, 8, 9, 1, right=True),
        Column("CREATED", "created_at", _time, 16, 16, 1),
        Column("EXPIRES", "expires_at", _time, 16, 16, 4),
    ),
    "container_files": (
        Column("ID", "id", _plain, 20, 40, 0),
        Column("PATH", "path", _plain, 20, 90, 0),
        Column("SOURCE", "source", _plain, 6, 11, 2),
        Column("SIZE", "bytes", _size, 8, 9, 1, right=True),
        Column("CREATED", "created_at", _time, 16, 16, 1),
    ),
    "containers": (
        Column("ID", "id", _plain, 20, 40, 0),
        Column("NAME", "name", _plain, 10, 60, 0),
        Column("STATUS", "status", _plain, 7, 10, 2),
        Column("CREATED", "created_at", _time, 16, 16, 1),
        Column("LAST ACTIVE", "last_active_at", _time, 16, 16, 3),
    ),
    "requests": (
        Column("TIME", "time_ms", _ms_time, 19, 19, 0),
        Column("STATUS", "status", _plain, 7, 10, 1),
        Column("PROVIDER/MODEL", "provider_model", _plain, 16, 50, 0),
        Column("TYPE", "object", _plain, 9, 15, 3),
        Column("LATENCY", "latency_us", _latency, 8, 8, 1, right=True),
        Column("TOKENS", "total_tokens", _count, 6, 7, 2, right=True),
        Column("COST", "cost_nusd", _cost, 9, 9, 4, right=True),
        Column("CACHE", "cache", _plain, 17, 17, 0),
    ),
}
"""The columns of each listing, in the CLI's table and the browser alike."""

GAP = 2
"""Cells between two columns."""


def layout_columns(
    columns: Sequence[Column],
    width: int,
    shown: Mapping[str, int] | None = None,
    *,
    whole: Collection[str] = (),
    cut_whole: bool = False,
) -> list[tuple[Column, int]]:
    """The columns that fit ``width``, in order, with their widths.

    ``shown`` holds, by column key, the widest cell among the rows shown: a column then
    wants just that (within its maximum), and a column with nothing to show gets only its
    header's width and is the first to go. Without ``shown`` the columns' own minimum and
    maximum decide.

    Columns are dropped from the highest priority number down until the minimums fit; if
    even the first-priority columns do not fit, they shrink evenly (to 6 cells at least).
    The ``whole`` columns (ids, which users copy) get their widest cell whenever it fits:
    they shrink only after every other column is down to 6 cells, and only if ``cut_whole``
    (the CLI never cuts them: its table is then wider than ``width``). The spare width fills
    the short columns first, then the long ones in priority order.
    """
    least: dict[str, int] = {}
    want: dict[str, int] = {}
    empty: set[str] = set()
    for c in columns:
        if shown is None:
            least[c.key], want[c.key] = c.minimum, c.maximum
            continue
        head = cell_len(c.header)
        content = shown.get(c.key, 0)
        if content <= 0:
            empty.add(c.key)
            least[c.key] = want[c.key] = head
        elif c.key in whole:
            least[c.key] = want[c.key] = max(head, content)
        else:
            want[c.key] = max(head, min(c.maximum, content))
            least[c.key] = min(c.minimum, want[c.key])
    if shown is not None:
        for key in whole:
            if key in least and key not in empty:
                least[key] = want[key]

    def needed(chosen: Sequence[Column]) -> int:
        return sum(least[c.key] for c in chosen) + GAP * (len(chosen) - 1)

    # The last in this order goes first: empty columns, then the highest priority numbers.
    chosen = sorted(columns, key=lambda c: (c.key in empty and c.priority > 0, c.priority))
    if sum(want[c.key] for c in chosen) + GAP * (len(chosen) - 1) > width:
        # An empty column is shown only where every other column is whole beside it.
        chosen = [c for c in chosen if c.key not in empty or c.priority == 0]
    while len(chosen) > 1 and chosen[-1].priority > 0 and needed(chosen) > width:
        chosen.pop()
    kept = [c for c in columns if c in chosen]
    widths = dict(least)

    def total() -> int:
        return sum(widths[c.key] for c in kept) + GAP * (len(kept) - 1)

    for shrinkable in (
        [c for c in kept if c.key not in whole],
        [c for c in kept if c.key in whole] if cut_whole or shown is None else [],
    ):
        while shrinkable and total() > width:
            widest = max(shrinkable, key=lambda c: widths[c.key])
            if widths[widest.key] <= 6:
                break
            widths[widest.key] -= 1
    spare = width - total()
    # Short columns (purpose, status) are filled first: a few cells make them whole, while
    # the long ones (id, filename, path) take what is left, in priority order.
    for column in sorted(kept, key=lambda c: (c.maximum - c.minimum > 10, c.priority)):
        if spare <= 0:
            break
        grow = max(0, min(spare, want[column.key] - widths[column.key]))
        widths[column.key] += grow
        spare -= grow
    return [(c, widths[c.key]) for c in kept]


def widest_cells(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The widest shown cell of each column over ``rows`` (0 where every cell is empty)."""
    widest = dict.fromkeys((c.key for c in columns), 0)
    for row in rows:
        for c in columns:
            value = row.get(c.key)
            if value is not None and value != "":
                length = cell_len(c.show(value))
                if length > widest[c.key]:
                    widest[c.key] = length
    return widest


def fit_cell(text: str, width: int, right: bool = False, ellipsis: str = "…") -> str:
    """Exactly ``width`` cells: cut with an ellipsis, never wrapped; wide characters count 2."""
    if width <= 0:
        return ""
    mark = ellipsis if len(ellipsis) < width else "…"
    if len(text) > 4 * width + 64:
        # Far more characters than cells: cut before measuring (a redraw must stay cheap).
        return str(set_cell_size(text[: 4 * width + 64], width - len(mark))) + mark
    length: int = cell_len(text)
    if length > width:
        return str(set_cell_size(text, width - len(mark))) + mark
    if right:
        return " " * (width - length) + text
    return text + " " * (width - length)


CSV_FIELDS: dict[Kind, tuple[str, ...]] = {
    "files": (
        "id", "filename", "purpose", "status", "status_details", "bytes", "created_at",
        "expires_at", "updated_at",
    ),
    "container_files": ("id", "container_id", "path", "source", "bytes", "created_at"),
    "containers": ("id", "name", "status", "created_at", "last_active_at", "memory_limit"),
    "requests": (
        "id", "timestamp", "status", "provider", "model", "object", "latency", "total_tokens",
        "cost", "cache", "cache_hit_type", "similarity", "threshold", "cache_id",
    ),
}  # fmt: skip
"""CSV columns: raw values (bytes, unix seconds; ms and USD for requests) for scripts."""


def table_row(kind: Kind, item: Any) -> dict[str, Any]:
    """The values a table row of ``kind`` shows, from a parsed item (a model)."""
    # The log's models load with the first request-log item, off the Files view's cold start.
    from ..api.log_models import LogEntry

    if kind == "requests" and isinstance(item, LogEntry):
        return {column.key: getattr(item, column.key) for column in COLUMNS["requests"]}
    dumped: dict[str, Any] = item.model_dump(exclude_unset=True)
    return dumped


def _request_csv_row(item: dict[str, Any]) -> dict[str, Any]:
    """A request-log entry with the derived CSV fields (tokens, the cache's facts) added."""
    from ..api.log_models import LogEntry

    entry = LogEntry.model_validate(item)
    debug = entry.cache_debug
    row = dict(item)
    row["total_tokens"] = entry.total_tokens
    row["cache"] = entry.cache
    row["cache_hit_type"] = debug.kind if debug is not None and debug.hit else None
    row["similarity"] = debug.similarity_value if debug is not None else None
    row["threshold"] = debug.threshold_value if debug is not None else None
    row["cache_id"] = debug.cache_id if debug is not None else None
    return row


CSV_ROWS: dict[Kind, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "requests": _request_csv_row,
}
"""Kinds whose CSV rows hold fields derived from the item (not just its own)."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A cell that no spreadsheet will evaluate: text starting with a formula char gets ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


TABLE_WHOLE = ("id",)
"""Columns the CLI's table never cuts: an id is what a user pastes into the next command."""


def write_table(
    rows: Iterable[dict[str, Any]], kind: Kind, out: TextIO, width: int = 80, ellipsis: str = "…"
) -> int:
    """A table fitted to ``width`` from what the rows hold; returns the number of rows written.

    Ids are never cut: when they do not fit with the other columns at their narrowest, the
    table is wider than ``width``.
    """
    columns = COLUMNS[kind]
    # Each cell is formatted once: the same texts decide the widths and are written.
    texts = [[c.show(row.get(c.key)) for c in columns] for row in rows]
    shown = {c.key: max((_cells(cells[n]) for cells in texts), default=0)
             for n, c in enumerate(columns)}  # fmt: skip
    layout = layout_columns(columns, width, shown, whole=TABLE_WHOLE)
    at = {c.key: n for n, c in enumerate(columns)}
    picks = [(at[c.key], w, c.right) for c, w in layout]
    gap = " " * GAP
    out.write(gap.join(fit_cell(c.header, w, c.right, ellipsis) for c, w in layout).rstrip() + "\n")
    lines = []
    for cells in texts:
        line = gap.join(_fit(cells[n], w, right, ellipsis) for n, w, right in picks)
        lines.append(line.rstrip())
        if len(lines) >= 1000:
            out.write("\n".join(lines) + "\n")
            lines.clear()
    if lines:
        out.write("\n".join(lines) + "\n")
    return len(texts)


def _cells(text: str) -> int:
    """Terminal cells of a shown text (plain printable ASCII: one a character)."""
    return len(text) if text.isascii() and text.isprintable() else cell_len(text)


def _fit(text: str, width: int, right: bool, ellipsis: str) -> str:
    """:func:`fit_cell`, without measuring a plain printable ASCII text that fits."""
    if 0 < len(text) <= width and text.isascii() and text.isprintable():
        return text.rjust(width) if right else text.ljust(width)
    return fit_cell(text, width, right, ellipsis)


def render_table(rows: Iterable[dict[str, Any]], kind: Kind, width: int = 80) -> str:
    buffer = io.StringIO()
    write_table(rows, kind, buffer, width)
    return buffer.getvalue()
