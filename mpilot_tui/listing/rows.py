"""Compact storage for a listing's loaded rows: columns, not an object per row.

A million rows must fit in a few hundred MB and append in constant time, so each column is
a compact sequence (:mod:`.columns`: coded or packed text, 32-bit integers while they fit,
the ids read back from the search text), and the full item is re-parsed on demand from its
page's response body, which is kept zlib-compressed (past the first 4 MB of them, in a
temporary file: :mod:`.spill`). Views (filter, sort) are arrays of
32-bit row indexes over the store. No Textual here.
"""

from __future__ import annotations

import gc
import json
import time
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress
from operator import attrgetter
from typing import Any, cast

from pydantic_core import PydanticSerializationError, from_json, to_json

from .. import allocator
from ..api.models import ExtraFields
from ..api.pagination import Page, PageKind, ResponseMeta, items_of
from ..formats.table import CSV_FIELDS, CSV_ROWS
from .columns import OFFSET_MAX, IdColumn, IntColumn, TextColumn
from .spill import Spill

__all__ = [
    "MISSING",
    "PACK_AHEAD_BYTES",
    "Packed",
    "PageRecord",
    "RowStore",
    "RowView",
    "pack",
    "prepare",
]

Kind = PageKind
MISSING = -(2**63)
"""The value an integer column holds where the gateway omitted the field."""

TEXT_COLUMNS: dict[Kind, tuple[str, ...]] = {
    "files": ("filename", "purpose", "status", "status_details"),
    "container_files": ("path", "source"),
    "containers": ("name", "status"),
    "requests": ("provider_model", "status", "object", "cache"),
}
"""String columns besides ``id``; each distinct value is held once while they are few
(:class:`~.columns.TextColumn`). (A file's
``status_details`` is kept for CSV exports made from the columns, see :func:`export_hints`.
A request's time is the ``time_ms`` integer column: its ISO text, unique per row, cost
~80 MB at 1M.)"""
INT_COLUMNS: dict[Kind, tuple[str, ...]] = {
    "files": ("bytes", "created_at", "expires_at"),
    "container_files": ("bytes", "created_at"),
    "containers": ("created_at", "last_active_at"),
    "requests": ("time_ms", "latency_us", "total_tokens", "cost_nusd"),
}
ROW_TYPE = "i"
"""The ``array`` typecode of row indexes (views, kept orders): 32 bits, 4 MB a million."""


SEARCH_SEP = "\x00"
"""Between a row's strings in a page's folded search text."""
ROW_SEP = "\x01"
"""Between rows in a page's folded search text."""
FREEZE_FIRST = 1_000
"""Rows at which the store first moves what is alive to the collector's permanent generation
(then at each doubling): a full collection then skips the loaded pages' objects, so it does
not pause scrolling for a time that grows with the listing."""


def export_hints(store: RowStore, page: Page[Any]) -> tuple[tuple[int, int] | None, bool]:
    """What an export of ``page`` (just appended to ``store``) can take from what is stored,
    checked once, when the page is stored, against its body parsed as an export parses it:

    - where the body holds its items byte for byte as the NDJSON writer writes them (each
      as pydantic-core serialises it), joined by ``,``, with ``},{`` nowhere but between two
      items: an export then writes the lines straight from the body (``},{`` turned into
      ``}\\n{``) instead of parsing and serialising it (None: it does not);
    - whether every CSV field of every item is what the store's columns hold (or absent
      where the store has no such column): CSV rows are then made from the columns.
    """
    if store.kind in UNHINTED_KINDS:
        return None, False
    try:
        envelope = from_json(page.raw)
    except ValueError:
        return None, False
    items = items_of(store.kind, envelope)
    if not items or not all(type(item) is dict for item in items):
        return None, False
    dicts = cast(list[dict[str, Any]], items)
    cells = len(dicts) == len(page.items) and _columns_hold(store, dicts, page.items)
    try:
        text = to_json(items, inf_nan_mode="null")
    except PydanticSerializationError:
        return None, cells
    at = page.raw.find(text)
    if at < 0 or text.count(b"},{") != len(items) - 1:
        return None, cells
    return (at + 1, at + len(text) - 1), cells


UNHINTED_KINDS = frozenset({"requests"})
"""Kinds whose pages are not checked for the export: a request-log page (1,000 entries, ~1.5
MB) would take an estimated 10 ms more to store (one parse and one serialisation of it, at
the speed measured on file pages), against ~30 ms for its append (not measured here)."""


def _columns_hold(store: RowStore, items: list[dict[str, Any]], models: list[Any]) -> bool:
    """Whether the columns give each CSV field of ``items`` as the items have it (a field
    with no column: absent or null in every item)."""
    if store.kind in CSV_ROWS:
        return False  # its rows hold fields derived from the item
    fields = CSV_FIELDS[store.kind]
    for name in fields:
        values = [item.get(name) for item in items]
        if name == "id" or name in store.text:
            if not all(type(v) is str or v is None for v in values):
                return False
            stored = [getattr(model, name, None) or "" for model in models]
            if [v or "" for v in values] != stored:
                return False
        elif name in store.ints:
            if not all(v is None or (type(v) is int and MISSING < v < 2**63) for v in values):
                return False
            if values != [getattr(model, name, None) for model in models]:
                return False
        elif any(v is not None for v in values):
            return False
    return True


PACK_AHEAD_BYTES = 64 * 1024
"""Page bodies from this size are compressed ahead of landing, in a thread (zlib lets go of
the GIL): a request-log page of 1000 entries (~700 KB) took ~6 ms of the event loop."""
PACK_LEVEL = 1
"""zlib's level for a body compressed on the event loop (as it lands)."""
PACK_AHEAD_LEVEL = 6
"""zlib's level for a body compressed ahead, in a thread: a request-log page of 1000 takes
~16 ms there instead of ~7 and keeps 31% fewer bytes (~126 KB against ~184; 56 MB less at
1M entries), and the event loop does not wait for it."""


@dataclass(frozen=True, slots=True)
class Packed:
    """A page body and its compressed form, made ahead (see :func:`pack`), and optionally
    its items' column values (see :func:`prepare`); a store uses them only for that very
    body and those very items (a page rewritten meanwhile, e.g. repeats dropped, is packed
    and read again when it lands)."""

    raw: bytes
    compressed: bytes
    items: list[Any] | None = None
    columns: dict[str, list[Any]] | None = None
    """Each text and integer column's values for :attr:`items` (as :func:`_field` reads
    them)."""


def pack(raw: bytes, level: int = PACK_LEVEL) -> Packed:
    """``raw`` compressed as a store keeps a page's body; safe to run in a thread."""
    return Packed(raw, zlib.compress(raw, level))


def prepare(page: Page[Any]) -> Packed:
    """What a store does to a big page before taking it in, done ahead, in a thread: its
    body compressed (zlib lets go of the GIL) and its items' column values read (a request
    log entry's columns are computed properties: ~9 ms for a page of 1000, which the event
    loop then need not spend when the page lands). Reads the page only."""
    items = page.items
    names = (*TEXT_COLUMNS[page.kind], *INT_COLUMNS[page.kind])
    columns = {name: _field(items, name) for name in names}
    return Packed(page.raw, pack(page.raw, PACK_AHEAD_LEVEL).compressed, items, columns)


def _freeze_long_lived() -> None:
    """Collect the young generations, then freeze what survives (see ``FREEZE_FIRST``)."""
    gc.collect(1)
    gc.freeze()


HEAVY_EXTRA_FIELDS = ("raw_request", "raw_response")
"""``extra_fields`` that may repeat a whole upstream answer (as Python objects, ~40 KB a page
of 100): a page record keeps them only inside its compressed body and rebuilds them on
demand, so a million rows do not hold ten thousand parsed copies of their own data."""
RECENT_EXTRAS = 4
"""How many pages' rebuilt ``extra_fields`` a store keeps at hand."""


class _RecentExtras:
    """The full ``extra_fields`` of the few pages asked for (or delivered) most recently."""

    def __init__(self, size: int = RECENT_EXTRAS) -> None:
        self.size = size
        self.entries: OrderedDict[PageRecord, ExtraFields] = OrderedDict()

    def get(self, key: PageRecord) -> ExtraFields | None:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: PageRecord, extra: ExtraFields) -> None:
        self.entries[key] = extra
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


class PageRecord:
    """One page as delivered: where its rows start, and what the response said."""

    __slots__ = ("_body", "_heavy", "_items", "_light_extra", "_recent", "cells", "count",
                 "kind", "lines", "meta", "start")  # fmt: skip

    def __init__(
        self,
        start: int,
        count: int,
        extra_fields: ExtraFields,
        meta: ResponseMeta,
        compressed: bytes,
        recent: _RecentExtras | None = None,
        kind: Kind = "files",
        spill: Spill | None = None,
    ) -> None:
        self.kind: Kind = kind
        self.start = start
        self.count = count
        self.meta = meta
        self._body = compressed if spill is None else spill.place(compressed)
        """The response body, zlib-compressed (or where ``spill`` wrote it)."""
        self._items: list[dict[str, Any]] | None = None
        self.cells = False
        """Whether the store's columns hold every CSV field of the page's items as the body
        has it (see :func:`export_hints`): a CSV export then writes them from the columns."""
        self.lines: tuple[int, int] | None = None
        """Where the body holds its items exactly as NDJSON writes them, ``},{`` between two
        (see :func:`ndjson_span`); None when it does not."""
        self._recent = recent or _RecentExtras(1)
        heavy = {name for name in HEAVY_EXTRA_FIELDS if getattr(extra_fields, name) is not None}
        self._heavy = bool(heavy)
        self._light_extra = (
            extra_fields.model_copy(update=dict.fromkeys(heavy)) if heavy else extra_fields
        )
        if heavy:
            self._recent.put(self, extra_fields)

    @property
    def extra_fields(self) -> ExtraFields:
        """The page's ``extra_fields`` as the response carried them."""
        if not self._heavy:
            return self._light_extra
        full = self._recent.get(self)
        if full is None:
            body = json.loads(zlib.decompress(self.compressed))
            sent = body.get("extra_fields") if isinstance(body, dict) else None
            sent = sent if isinstance(sent, dict) else {}
            heavy = {name: sent.get(name) for name in HEAVY_EXTRA_FIELDS}
            full = self._light_extra.model_copy(update=heavy)
            self._recent.put(self, full)
        return full

    @property
    def compressed(self) -> bytes:
        """The response body, zlib-compressed, to re-parse one item on demand (read back from
        the store's file when it was spilled there; safe in any thread)."""
        body = self._body
        return body if isinstance(body, bytes) else body.read()

    @property
    def spilled(self) -> bool:
        """The body is in the store's file, not in memory (see :mod:`.spill`)."""
        return not isinstance(self._body, bytes)

    def items(self) -> list[dict[str, Any]]:
        if self._items is None:
            body = json.loads(zlib.decompress(self.compressed))
            self._items = cast(list[dict[str, Any]], items_of(self.kind, body))
        return self._items

    def forget(self) -> None:
        self._items = None

    def __repr__(self) -> str:
        return f"PageRecord(start={self.start}, count={self.count}, meta={self.meta!r})"


class RowStore:
    """The rows of one listing, appended page by page."""

    def __init__(self, kind: Kind) -> None:
        self.kind: Kind = kind
        self.text: dict[str, TextColumn] = {name: TextColumn() for name in TEXT_COLUMNS[kind]}
        self.ints: dict[str, IntColumn] = {name: IntColumn() for name in INT_COLUMNS[kind]}
        self.pages: list[PageRecord] = []
        self._page_starts: list[int] = []
        self._recent_page: PageRecord | None = None
        self._recent_extras = _RecentExtras()
        self.spill = Spill()
        """Where page bodies go past the first :data:`~.spill.SPILL_AFTER` bytes."""
        self._text = bytearray()
        """The search text of every row (UTF-8, lone surrogates passed through): the id as it
        came when it is ASCII (else casefolded), then the casefolded name; ``SEARCH_SEP``
        between a row's strings, ``ROW_SEP`` after each row. A filter looks for its needle in
        this one buffer (with numpy on a big store), ASCII letters without case."""
        self._starts: array[int] = array("I")
        """Where each row's search text starts in :attr:`_text` (64 bits past 4 GB)."""
        self.ids = IdColumn(self._text, self._starts, len(self.search_columns()))
        """The ids, read back from the search text (see :class:`~.columns.IdColumn`)."""
        self._needs_fold: dict[str, bool] = {}
        """Text columns (and ``id``) holding a value that casefolding changes."""
        self.updates = 0
        """How many times a row was changed in place (:meth:`update_row`)."""
        self._freeze_at = FREEZE_FIRST
        self._anchors: dict[tuple[bytes, bool], int] = {}
        """Each needle's rarest byte (see :meth:`anchor`)."""
        self._orders: dict[tuple[str, bool], array[int]] = {}
        """Orders of every row kept by :meth:`sorted_rows`, the most recently used last."""

    def __len__(self) -> int:
        return len(self.ids)

    def append_page(self, page: Page[Any], packed: Packed | None = None) -> range:
        """Add a page's items; returns the range of the new row indexes. ``packed``: its body
        compressed ahead (off the event loop), used when it is this page's body."""
        start = len(self.ids)
        items = page.items
        ids: list[str] = list(map(attrgetter("id"), items))
        ahead = packed.columns if packed is not None and packed.items is items else None
        for name, column in self.text.items():
            values = ahead[name] if ahead is not None else _field(items, name)
            if None in values or "" in values:
                values = [value or "" for value in values]
            column.extend(values)
        for name, numbers in self.ints.items():
            values = ahead[name] if ahead is not None else _field(items, name)
            if set(map(type, values)) <= {int} and _in_range(values):
                numbers.extend(values)  # the usual case: every value a plain integer
            else:
                numbers.extend(map(_int_or_missing, values))
        ready = packed.compressed if packed is not None and packed.raw is page.raw else None
        record = PageRecord(
            start=start,
            count=len(page.items),
            extra_fields=page.extra_fields,
            meta=page.meta,
            compressed=ready if ready is not None else pack(page.raw).compressed,
            recent=self._recent_extras,
            kind=self.kind,
            spill=self.spill,
        )
        record.lines, record.cells = export_hints(self, page)
        self.pages.append(record)
        self._page_starts.append(start)
        self._index_page(start, ids)
        self.ids.added(ids)
        if start < NUMPY_ROWS <= len(self.ids):
            _import_numpy_soon()
        if len(page.raw) >= allocator.MMAP_THRESHOLD and len(self.ids) >= NUMPY_ROWS:
            allocator.tune()  # pages this big come and go by the hundred: see its module
        if len(self.ids) >= self._freeze_at:
            self._freeze_at = 2 * len(self.ids)
            _freeze_long_lived()
        return range(start, len(self.ids))

    def update_row(self, row: int, item: Any) -> None:
        """Put a newer version of ``row``'s item in its columns (live mode: a request that was
        in flight has finished). The id and the search text stay; kept sort orders are
        dropped (the next sort sorts again); the page's body keeps the item as it came."""
        for name, column in self.text.items():
            column[row] = getattr(item, name, None) or ""
        for name, numbers in self.ints.items():
            numbers[row] = _int_or_missing(getattr(item, name, None))
        self._orders.clear()
        self.updates += 1

    def _index_page(self, start: int, ids: list[str]) -> None:
        """Add the new rows' search text (each row's starts with its id, as it came when it
        is ASCII; the rest folded once), and note which columns need folding."""
        columns = self.search_columns()
        named = [_folded(self.text[name][start:]) for name in columns[1:]]
        shown = ids
        if not ROW_SEP.join(ids).isascii():
            shown = [value if value.isascii() else value.casefold() for value in ids]
        rows = [SEARCH_SEP.join(values) for values in zip(shown, *named, strict=True)]
        if rows:
            joined = ROW_SEP.join(rows)
            at = len(self._text)
            if joined.isascii():  # one byte a character: the rows' lengths are their sizes
                lengths = list(map(len, rows))
                self._text += joined.encode("ascii")
            else:
                encoded = [row.encode("utf-8", "surrogatepass") for row in rows]
                lengths = list(map(len, encoded))
                self._text += ROW_SEP.encode().join(encoded)
            self._text += ROW_SEP.encode()
            if len(self._text) > OFFSET_MAX and self._starts.typecode == "I":
                self._starts = array("q", self._starts)
                self.ids.shared_with(self._starts)
            self._starts.extend(accumulate([n + 1 for n in lengths[:-1]], initial=at))
        for name in ("id", *self.text):
            if self._needs_fold.get(name):
                continue
            values = ids if name == "id" else self.text[name][start:]
            sample = ROW_SEP.join(values)
            self._needs_fold[name] = sample.casefold() != sample

    def sorted_rows(self, column: str, reverse: bool = False) -> array[int]:
        """Every row in ``column``'s order (stable); kept for the next call, which merges in
        the rows appended meanwhile instead of sorting again. Not to be changed in place."""
        key = (column, reverse)
        kept = self._orders.pop(key, None)
        if kept is None:
            order = sort_rows(self, range(len(self)), column, reverse)
        elif len(kept) < len(self):
            order = merge_rows(self, kept, range(len(kept), len(self)), column, reverse)
        else:
            order = kept
        self._orders[key] = order
        while len(self._orders) > KEPT_ORDERS:
            del self._orders[next(iter(self._orders))]
        return order

    def anchor(self, needle: bytes, nocase: bool) -> int:
        """Where in ``needle`` its rarest byte is, as counted in the first ``ANCHOR_SAMPLE``
        bytes of the search text (remembered once there are that many: a page landing in a
        filtered view does not count them again)."""
        known = self._anchors.get((needle, nocase))
        if known is not None:
            return known
        sample = bytes(self._text[:ANCHOR_SAMPLE])
        if nocase:
            sample = sample.lower()
        counts = [sample.count(byte) for byte in needle]
        at = counts.index(min(counts))
        if len(sample) == ANCHOR_SAMPLE:
            if len(self._anchors) >= ANCHORS_KEPT:
                self._anchors.clear()
            self._anchors[needle, nocase] = at
        return at

    def search_columns(self) -> tuple[str, ...]:
        """The columns a filter looks in: the id and the kind's first text column."""
        return ("id", *TEXT_COLUMNS[self.kind][:1])

    def page_index(self, row: int) -> int:
        """The index in :attr:`pages` of the page that delivered ``row``."""
        return max(bisect_right(self._page_starts, row) - 1, 0)

    def needs_fold(self, column: str) -> bool:
        """Whether casefolding changes any value of ``column`` (else it sorts as it is)."""
        return self._needs_fold.get(column, False)

    def page_of(self, row: int) -> PageRecord:
        """The page that delivered ``row``."""
        # The last page starting at or before ``row``; an empty page shares its start with
        # the page after it, so the rightmost match is the one that holds the row.
        return self.pages[self.page_index(row)]

    def item(self, row: int) -> dict[str, Any]:
        """The full item at ``row`` as the gateway sent it (re-parsed from its page)."""
        record = self.page_of(row)
        if self._recent_page is not record:
            if self._recent_page is not None:
                self._recent_page.forget()
            self._recent_page = record
        items = record.items()
        offset = row - record.start
        if 0 <= offset < len(items) and isinstance(items[offset], dict):
            return dict(items[offset])
        return self.summary(row)

    def summary(self, row: int) -> dict[str, Any]:
        """The stored columns of ``row`` (the item's main fields)."""
        values: dict[str, Any] = {"id": self.ids[row]}
        for name, column in self.text.items():
            values[name] = column[row]
        for name, numbers in self.ints.items():
            value = numbers[row]
            values[name] = None if value == MISSING else value
        return values

    def value(self, column: str, row: int) -> Any:
        if column == "id":
            return self.ids[row]
        if column in self.text:
            return self.text[column][row]
        value = self.ints[column][row]
        return None if value == MISSING else value

    def search_text(self, row: int) -> Iterable[str]:
        """The strings a filter looks in: the id and the name or path."""
        for name in self.search_columns():
            yield self.ids[row] if name == "id" else self.text[name][row]


FILTER_SLICE_S = 0.01
"""Seconds of filtering per :meth:`RowView.filter_step` before it returns to the event loop."""
FLOAT_EXACT = 2**53
"""Integers up to this size sort as floats (exactly, and about three times faster)."""
SCAN_ROWS = 32_768
"""Rows whose search text one step of a filter looks through with numpy (~1.7 MB)."""
ROWWISE_ROWS = 1_000
"""Rows one step of a filter tests one by one (a small store, or a needle holding a
separator)."""
ANCHOR_SAMPLE = 1 << 20
"""Bytes of search text counted to choose the rarest byte of a needle to look for first."""
ANCHORS_KEPT = 256
"""Needles whose rarest byte a store remembers."""

Ranges = list[tuple[int, int, Any]]
"""Where a needle occurs: per range of rows (``lo``, ``hi``) in store order, the numpy array
of its start offsets in the store's search text (the next key narrows these)."""


class _FilterJob:
    """A filter on its way: the needle, the rows still to look at and the matches so far.

    Its work is looked at in store order, so the matches stay in store order: first the
    occurrences of an earlier needle inside this one (``base``, narrowed range by range),
    then the rest of the rows from ``next_row`` on (including rows that arrive meanwhile).
    """

    __slots__ = ("anchor", "base", "base_at", "encoded", "found", "needle", "next_row",
                 "nocase", "offset", "old_size", "ranges", "rowwise", "scratch")  # fmt: skip

    def __init__(self, store: RowStore, needle: str, base: tuple[bytes, Ranges] | None) -> None:
        self.needle = needle
        self.encoded = needle.encode("utf-8", "surrogatepass")
        self.found: array[int] = array(ROW_TYPE)
        self.rowwise = (
            len(store) < NUMPY_ROWS or SEARCH_SEP in needle or ROW_SEP in needle or not needle
        )
        """Test row by row (no numpy): small stores, and needles a row's text cannot show."""
        self.ranges: Ranges | None = None if self.rowwise else []
        """This needle's occurrences, range by range (None: not kept)."""
        self.base: Ranges = []
        self.base_at = 0
        self.offset = 0
        self.old_size = 0
        if base is not None and not self.rowwise and base[0] in self.encoded:
            self.base = base[1]
            self.offset = self.encoded.find(base[0])
            self.old_size = len(base[0])
        self.next_row = self.base[-1][1] if self.base else 0
        self.nocase = store.needs_fold("id")
        """Whether the search text holds ids with capitals (compared without case)."""
        self.anchor = 0
        if not self.rowwise:
            self.anchor = store.anchor(self.encoded, self.nocase)
        self.scratch: tuple[Any, Any] | None = None
        """Buffers each step's scan compares its bytes in (see :func:`_scan`)."""

    def remaining(self, store: RowStore) -> bool:
        return self.base_at < len(self.base) or self.next_row < len(store)

    def step(self, store: RowStore) -> None:
        """Look at the next range of rows (earlier occurrences, or rows not seen yet)."""
        if self.base_at < len(self.base):
            lo, hi, earlier = self.base[self.base_at]
            self.base_at += 1
            self._take(store, lo, hi, _narrow(store, lo, hi, earlier, self))
            return
        lo = self.next_row
        if self.rowwise:
            hi = min(lo + ROWWISE_ROWS, len(store))
            needle = self.needle
            self.found.extend([r for r in range(lo, hi) if _matches_row(store, r, needle)])
        else:
            hi = min(lo + SCAN_ROWS, len(store))
            self._take(store, lo, hi, _scan(store, lo, hi, self))
        self.next_row = hi

    def _take(self, store: RowStore, lo: int, hi: int, found: Any) -> None:
        if self.ranges is not None:
            self.ranges.append((lo, hi, found))
        _extend_rows(self.found, store, lo, hi, found)


def _matches_row(store: RowStore, row: int, needle: str) -> bool:
    return any(needle in text.casefold() for text in store.search_text(row))


def _views(store: RowStore, lo: int, hi: int) -> tuple[Any, Any, int, int]:
    """numpy views of the search text and the row starts, and the bytes of rows lo..hi.
    Views only for the length of one call: the store's buffers cannot grow while viewed."""
    import numpy as np

    text = np.frombuffer(store._text, dtype=np.uint8)
    starts = np.frombuffer(store._starts, dtype=store._starts.typecode)
    end = int(starts[hi]) if hi < len(starts) else len(text)
    return text, starts, int(starts[lo]), end


def _scan(store: RowStore, lo: int, hi: int, job: _FilterJob) -> Any:
    """Start offsets of ``job``'s needle in the search text of rows lo..hi."""
    import numpy as np

    text, starts, begin, end = _views(store, lo, hi)
    needle, anchor = job.encoded, job.anchor
    size = len(needle)
    cells = end - begin
    if job.scratch is None or len(job.scratch[0]) < cells:
        # One pair of buffers for every step, not two fresh arrays of ~1.7 MB a step: the C
        # allocator maps a block that size anew each time (see mpilot_tui.allocator), and
        # the kernel's zeroing of its pages cost ~40 ms of a first key at 1M rows.
        job.scratch = (np.empty(cells, dtype=np.uint8), np.empty(cells, dtype=np.bool_))
    folded, hits = job.scratch[0][:cells], job.scratch[1][:cells]
    found = np.flatnonzero(_same(text[begin:end], needle[anchor], job.nocase, folded, hits))
    del folded, hits
    found += begin - anchor
    if anchor:  # the needle would start before these rows
        found = found[found >= begin]
    if size - anchor > 1:  # or end after them
        found = found[found <= end - size]
    for at, byte in enumerate(needle):
        if at != anchor and len(found):
            found = found[_same(text[found + at], byte, job.nocase)]
    del text, starts
    return found


def _same(cells: Any, byte: int, nocase: bool, folded: Any = None, hits: Any = None) -> Any:
    """Where the numpy bytes ``cells`` are ``byte`` (a folded needle's), an ASCII letter in
    either case when ``nocase`` (what casefolding it would make of it); in ``folded`` and
    ``hits`` (buffers of ``cells``' size) when given."""
    import numpy as np

    if nocase and 0x61 <= byte <= 0x7A:
        cells = np.bitwise_or(cells, 0x20, out=folded)
    return np.equal(cells, byte, out=hits)


def _narrow(store: RowStore, lo: int, hi: int, earlier: Any, job: _FilterJob) -> Any:
    """Start offsets of ``job``'s needle among an earlier needle's in rows lo..hi (the
    earlier needle sits at ``job.offset`` inside this one)."""
    text, starts, begin, end = _views(store, lo, hi)
    needle, offset, known = job.encoded, job.offset, job.old_size
    found = earlier - offset
    found = found[(found >= begin) & (found <= end - len(needle))]
    for at, byte in enumerate(needle):
        if not offset <= at < offset + known and len(found):
            found = found[_same(text[found + at], byte, job.nocase)]
    del text, starts
    return found


def _extend_rows(rows: array[int], store: RowStore, lo: int, hi: int, found: Any) -> None:
    """Append to ``rows`` the rows (of lo..hi) holding the offsets ``found``, once each."""
    import numpy as np

    if not len(found):
        return
    starts = np.frombuffer(store._starts, dtype=store._starts.typecode)
    # How many offsets come before each row's start: a row holds one where the next row's
    # count is higher (one search per row, however many offsets a row holds).
    before = np.searchsorted(found, starts[lo:hi])
    del starts
    after = np.empty_like(before)
    after[:-1] = before[1:]
    after[-1] = len(found)
    held = np.flatnonzero(after > before)
    held += lo
    rows.frombytes(held.astype(rows.typecode, copy=False).tobytes())


class RowView:
    """Which stored rows are shown, in what order: all, filtered and/or sorted.

    A filter can run in slices (:meth:`begin_filter`, then :meth:`filter_step` until it
    returns True) so that the event loop gets a turn between them; :attr:`indexes` holds the
    matches found so far meanwhile. :meth:`set_filter` does the whole of it at once.
    """

    slice_seconds = FILTER_SLICE_S
    """How long one :meth:`filter_step` runs by default."""

    def __init__(self, store: RowStore) -> None:
        self.store = store
        self.indexes: array[int] | None = None
        """Store rows in display order; None means every row in arrival order."""
        self.filter_text = ""
        self.sort_column: str | None = None
        self.sort_reverse = False
        self._matches: array[int] | None = None
        """The rows matching :attr:`filter_text` in store order (None: no filter)."""
        self._job: _FilterJob | None = None
        self._occurrences: tuple[bytes, Ranges] | None = None
        """The finished filter's needle and where it occurs, for the next key to narrow."""

    def __len__(self) -> int:
        return len(self.store) if self.indexes is None else len(self.indexes)

    def row(self, position: int) -> int:
        """The store row shown at ``position``."""
        return position if self.indexes is None else self.indexes[position]

    def position_of(self, row: int) -> int | None:
        if self.indexes is None:
            return row if 0 <= row < len(self.store) else None
        if self.sort_column is None:
            found = bisect_left(self.indexes, row)  # the matches are in store order
            return found if found < len(self.indexes) and self.indexes[found] == row else None
        try:
            return self.indexes.index(row)
        except ValueError:
            return None

    @property
    def active(self) -> bool:
        return bool(self.filter_text) or self.sort_column is not None

    @property
    def pending(self) -> bool:
        """A filter begun with :meth:`begin_filter` has rows left to look at."""
        return self._job is not None

    # -- filter -----------------------------------------------------------------------------

    def set_filter(self, text: str) -> None:
        self.begin_filter(text)
        while not self.filter_step(None):
            pass

    def begin_filter(self, text: str) -> None:
        """Start filtering by ``text``; narrows the previous needle's occurrences when the
        new text holds it (a key typed at either end)."""
        job = self._job
        self.filter_text = text
        if not text:
            self._job = None
            self._matches = None
            self._occurrences = None
            self._show()
            return
        # Every occurrence of the longer needle holds one of the shorter: narrow those.
        earlier = self._occurrences
        if job is not None:
            earlier = (job.encoded, job.ranges) if job.ranges and not job.base else None
        self._occurrences = None
        self._job = _FilterJob(self.store, text.casefold(), earlier)
        self._matches = self._job.found
        if self.sort_column is None:
            self.indexes = self._job.found

    def filter_step(self, budget: float | None = -1.0) -> bool:
        """Filter for about ``budget`` seconds (None: to the end; by default
        :attr:`slice_seconds`); True once it is done."""
        job = self._job
        if job is None:
            return True
        if budget is not None and budget < 0:
            budget = self.slice_seconds
        deadline = None if budget is None else time.perf_counter() + budget
        store = self.store
        while job.remaining(store):
            job.step(store)
            if deadline is not None and time.perf_counter() >= deadline:
                return False
        self._job = None
        self._occurrences = None if job.ranges is None else (job.encoded, job.ranges)
        self._show()
        return True

    # -- sort -------------------------------------------------------------------------------

    def set_sort(self, column: str | None, reverse: bool = False) -> None:
        self.sort_column = column
        self.sort_reverse = reverse
        self._show()

    def rebuild(self) -> None:
        self._occurrences = None
        if self._job is not None:
            self.set_filter(self.filter_text)
            return
        if self.filter_text:
            self._matches = None
            self.set_filter(self.filter_text)
            return
        self._show()

    def _show(self) -> None:
        """Set :attr:`indexes` from the finished matches and the sort."""
        if self._job is not None:
            return  # filter_step shows the matches once it is done
        matches = self._matches if self.filter_text else None
        if self.sort_column is None:
            self.indexes = matches
            return
        store, column, reverse = self.store, self.sort_column, self.sort_reverse
        if matches is not None and len(matches) * SORT_TOGETHER < len(store):
            self.indexes = sort_rows(store, matches, column, reverse)
            return
        order = store.sorted_rows(column, reverse)
        if matches is None:
            self.indexes = order  # shared with the store: views never change it in place
            return
        self.indexes = _kept_in_order(order, matches, len(store))

    # -- pages arriving ---------------------------------------------------------------------

    def extend(self, new_rows: range) -> None:
        """Take in rows just appended to the store, keeping the filter and sort: matches are
        appended (or merged into the sorted order by bisection, not re-sorted)."""
        if not self.active or not new_rows:
            return
        if self._job is not None:
            return  # the filter on its way looks at the new rows too
        if self.filter_text:
            assert self._matches is not None
            added = _FilterJob(self.store, self.filter_text.casefold(), None)
            added.next_row = new_rows.start
            while added.remaining(self.store):
                added.step(self.store)
            occurrences = self._occurrences
            if occurrences is not None and added.ranges is not None:
                occurrences[1].extend(added.ranges)
            else:
                self._occurrences = None
            new = list(added.found)
            self._matches.extend(added.found)
        else:
            new = list(new_rows)
        if self.sort_column is None:
            return
        assert self.indexes is not None
        self.indexes = merge_rows(self.store, self.indexes, new, self.sort_column,
                                  self.sort_reverse)  # fmt: skip


SORT_TOGETHER = 8
"""A filtered view this many times smaller than the store sorts its own rows; a bigger one
takes them out of the store's (kept) order of every row."""
KEPT_ORDERS = 2
"""How many (column, direction) orders of every row a store keeps for the next sort (a
million rows: 4 MB each; a click on a column whose order is not kept sorts again, 25-90 ms
at a million rows with numpy, against ~10 ms from a kept one)."""


def sort_key(store: RowStore, column: str) -> Callable[[int], Any]:
    """The sort key of a row: the number, or the casefolded text."""
    if column in store.ints:
        # The raw array, read in C: a narrow column's stand-in for MISSING is the smallest
        # 32-bit value, so it orders as MISSING does (first).
        return store.ints[column].data.__getitem__
    values = store.ids if column == "id" else store.text[column]
    fold = store.needs_fold(column)
    if values.values is not None:  # coded: each distinct value keyed (and folded) once
        table = [value.casefold() for value in values.values] if fold else values.values
        codes = values.codes
        return lambda r: table[codes[r]]
    if not fold:
        return values.__getitem__
    return lambda r: values[r].casefold()


def sort_rows(store: RowStore, rows: Iterable[int], column: str, reverse: bool) -> array[int]:
    """``rows`` sorted by ``column``, stable (ties stay in store order either way)."""
    if isinstance(rows, range) and len(rows) == len(store) and len(store) >= NUMPY_ROWS:
        return _sort_all(store, column, reverse)
    if column in store.ints:
        numbers = store.ints[column]
        low, high = min(numbers, default=0), max(numbers, default=0)
        exact = high <= FLOAT_EXACT and (
            low >= -FLOAT_EXACT
            or all(n == MISSING or n >= -FLOAT_EXACT for n in numbers)  # MISSING is exact too
        )
        keys: Any = array("d", numbers) if exact else numbers
        return array(ROW_TYPE, sorted(rows, key=keys.__getitem__, reverse=reverse))
    return array(ROW_TYPE, sorted(rows, key=sort_key(store, column), reverse=reverse))


NUMPY_ROWS = 20_000
"""From this many rows a store sorts every row with numpy (imported then, in a thread)."""


def _sort_all(store: RowStore, column: str, reverse: bool) -> array[int]:
    """Every row of ``store`` sorted by ``column`` with numpy (the same stable order as
    ``sorted``): integers by a stable argsort; coded text by a stable argsort of the ranks
    of its distinct values (each compared once); ids by a stable argsort of their bytes in
    the search text (UTF-8 orders as code points do); packed text, and ids holding a
    separator, by ``sorted``."""
    import numpy as np

    if column in store.ints:
        keys = store.ints[column].keys()
        later = keys[1:]
        if not np.any(later > keys[:-1] if reverse else later < keys[:-1]):
            # Already in order (the gateway sorted the listing by this column, as a request
            # log comes newest first): a stable sort keeps every row where it is. ~2 ms at
            # 1M rows, against ~35 ms for the argsort.
            return _order_array(np.arange(len(keys), dtype=ROW_TYPE))
        del later
        if reverse:
            keys = ~keys  # order-reversing and exact (-x overflows at MISSING); ties keep order
        return _order_array(np.argsort(keys, kind="stable"))
    if column == "id":
        byte_keys = _id_keys(store)
        if byte_keys is not None:
            if reverse:
                # Every byte inverted, in place: the keys then sort the other way round (the
                # zero padding of a shorter id becomes 0xFF, after every byte an id holds),
                # and equal ids keep store order as a stable descending sort keeps them.
                cells = byte_keys.view(np.uint8)
                np.subtract(255, cells, out=cells)
                del cells
            return _order_array(np.argsort(byte_keys, kind="stable"))
        values: Sequence[str] = list(store.ids)
    else:
        text = store.text[column]
        if text.values is not None:
            return _sort_coded(store, column, text.values, text.codes, reverse)
        values = list(text)
    fold = store.needs_fold(column)
    key = (lambda r: values[r].casefold()) if fold else values.__getitem__
    return array(ROW_TYPE, sorted(range(len(store)), key=key, reverse=reverse))


def _sort_coded(
    store: RowStore, column: str, table: list[str], codes: array[int], reverse: bool
) -> array[int]:
    import numpy as np

    fold = store.needs_fold(column)
    keyed = [value.casefold() if fold else value for value in table]
    ordered = sorted(set(keyed), reverse=reverse)
    rank_of = {key: rank for rank, key in enumerate(ordered)}
    ranks = np.array([rank_of[key] for key in keyed], dtype=np.uint16)  # 16 bits: a radix sort
    row_ranks = ranks[np.frombuffer(codes, dtype=codes.typecode)]
    return _order_array(np.argsort(row_ranks, kind="stable"))


ID_KEY_MAX = 64
"""The longest id (in bytes) sorted by its bytes with numpy; longer ones sort by ``sorted``
(a key array is this many bytes a row)."""
KEY_ROWS = 4_096
"""Rows whose id bytes are gathered at a time: the gather's index arrays are 8 bytes an id
byte (~1 MB for 4096 ids of 29 bytes; 32,768 rows a time made ~17 MB of them on top of the
key array)."""


def _id_keys(store: RowStore) -> Any:
    """Each row's sort key for ``id`` as a numpy byte string (the id's search text, its
    ASCII capitals lowered where the store folds ids: casefolded, as the search text holds
    an id that is not ASCII), or None when an id holds a separator or is empty or longer
    than ``ID_KEY_MAX``."""
    import numpy as np

    size = len(store)
    if not size or store.ids.separated:
        return None
    text = np.frombuffer(store._text, dtype=np.uint8)
    starts = np.frombuffer(store._starts, dtype=store._starts.typecode)
    lengths = np.empty(size, dtype=np.int32)
    for lo in range(0, size, KEY_ROWS):
        hi = min(lo + KEY_ROWS, size)
        begin = int(starts[lo])
        end = int(starts[hi]) if hi < size else len(text)
        zeros = np.flatnonzero(text[begin:end] == 0)
        zeros += begin  # each row's id ends at the first separator from its start
        lengths[lo:hi] = zeros[np.searchsorted(zeros, starts[lo:hi])] - starts[lo:hi]
    width = int(lengths.max())
    if not 0 < width <= ID_KEY_MAX or int(lengths.min()) == 0:
        del text, starts
        return None
    keys = np.zeros(size, dtype=f"S{width}")
    cells = keys.view(np.uint8).reshape(size, width)
    across = np.arange(width)
    same = int(lengths.min()) == width
    fold = store.needs_fold("id")
    # One index buffer for every block (a fresh ~1 MB one per block was mapped and zeroed
    # anew each time: see mpilot_tui.allocator).
    places = np.empty((min(KEY_ROWS, size), width), dtype=np.int64)
    for lo in range(0, size, KEY_ROWS):
        hi = min(lo + KEY_ROWS, size)
        at = places[: hi - lo]
        np.add(starts[lo:hi, None], across, out=at)
        if same:
            np.take(text, at, out=cells[lo:hi])
        else:
            inside = across < lengths[lo:hi, None]
            np.multiply(at, inside, out=at)  # past an id's end: byte 0 of the text, then 0
            np.take(text, at, out=cells[lo:hi])
            np.multiply(cells[lo:hi], inside, out=cells[lo:hi])
        if fold:
            block = cells[lo:hi]
            np.add(block, 0x20, out=block, where=(block >= 0x41) & (block <= 0x5A))
    del text, starts, cells, places
    return keys


def _kept_in_order(order: array[int], rows: array[int], size: int) -> array[int]:
    """The rows of ``order`` (an order of a store's ``size`` rows) that are among ``rows``."""
    if size < NUMPY_ROWS:
        wanted = bytearray(size)
        for row in rows:
            wanted[row] = 1
        return array(ROW_TYPE, compress(order, map(wanted.__getitem__, order)))
    import numpy as np

    everything = np.frombuffer(order, dtype=order.typecode)
    chosen = np.zeros(size, dtype=np.bool_)
    chosen[np.frombuffer(rows, dtype=rows.typecode)] = True
    return _order_array(everything[chosen[everything]])


def _order_array(order: Any) -> array[int]:
    """A numpy array of row indexes as an ``array`` of :data:`ROW_TYPE`."""
    import numpy as np

    result: array[int] = array(ROW_TYPE)
    # Straight from numpy's buffer: no bytes copy in between (4 MB a million rows).
    result.frombytes(np.ascontiguousarray(order, dtype=ROW_TYPE).data.cast("B"))
    return result


def _import_numpy_soon() -> None:
    """Import numpy in a thread: the first sort or filter of a big listing then does not
    wait for it on the event loop."""
    import sys
    import threading

    if "numpy" not in sys.modules:
        threading.Thread(target=__import__, args=("numpy",), daemon=True).start()


def merge_rows(
    store: RowStore, shown: array[int], new: Iterable[int], column: str, reverse: bool
) -> array[int]:
    """``shown`` (sorted) with the ``new`` rows put in place by bisection, as a stable sort
    of them all would place them (new rows come after the rows they tie with)."""
    key = sort_key(store, column)
    new = sorted(new, key=key, reverse=reverse)
    if not new:
        return shown
    places: list[int] = []
    taken = 0
    for row in new:
        value = key(row)
        lo, hi = taken, len(shown)
        while lo < hi:  # the first shown row that sorts after ``row``
            mid = (lo + hi) // 2
            other = key(shown[mid])
            if (other < value) if reverse else (value < other):
                hi = mid
            else:
                lo = mid + 1
        places.append(lo)
        taken = lo
    # One array of the final size, filled by slices: one copy of the order, not one growth
    # per row (nor a joined copy of it first).
    merged: array[int] = array(shown.typecode, [0]) * (len(shown) + len(new))
    target, source = memoryview(merged), memoryview(shown)
    taken = 0
    for k, (row, place) in enumerate(zip(new, places, strict=True)):
        target[taken + k : place + k] = source[taken:place]
        target[place + k] = row
        taken = place
    target[taken + len(new) :] = source[taken:]
    target.release()
    source.release()
    return merged


def _folded(values: list[str]) -> list[str]:
    """``values`` casefolded (in one call while none holds ``ROW_SEP``)."""
    parts = ROW_SEP.join(values).casefold().split(ROW_SEP)
    return parts if len(parts) == len(values) else [value.casefold() for value in values]


def _field(items: Sequence[Any], name: str) -> list[Any]:
    """Every item's ``name`` (None where an item has no such attribute)."""
    try:
        return list(map(attrgetter(name), items))
    except AttributeError:
        return [getattr(item, name, None) for item in items]


def _in_range(values: list[int]) -> bool:
    return not values or (min(values) > MISSING and max(values) < 2**63)


def _int_or_missing(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and MISSING < value < 2**63:
        return value
    return MISSING
