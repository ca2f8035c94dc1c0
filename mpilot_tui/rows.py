"""Compact storage for a listing's loaded rows: columns, not an object per row.

A million rows must fit in a few hundred MB and append in constant time, so each column is
a list of (shared) strings or an ``array`` of integers, and the full item is re-parsed on
demand from its page's response body, which is kept zlib-compressed. Views (filter, sort)
are arrays of row indexes over the store. No Textual here.
"""

from __future__ import annotations

import json
import zlib
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from .api.models import ExtraFields
from .api.pagination import Page, PageKind, ResponseMeta

__all__ = ["MISSING", "PageRecord", "RowStore", "RowView"]

Kind = PageKind
MISSING = -(2**63)
"""The value an integer column holds where the gateway omitted the field."""

TEXT_COLUMNS: dict[Kind, tuple[str, ...]] = {
    "files": ("filename", "purpose", "status"),
    "container_files": ("path", "source"),
    "containers": ("name", "status"),
}
"""String columns besides ``id``; short repeated values share one string object."""
INT_COLUMNS: dict[Kind, tuple[str, ...]] = {
    "files": ("bytes", "created_at", "expires_at"),
    "container_files": ("bytes", "created_at"),
    "containers": ("created_at", "last_active_at"),
}
SHARED_COLUMNS = frozenset({"purpose", "status", "source"})
"""Columns with few distinct values, interned so each row holds only a reference."""


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

    __slots__ = ("_heavy", "_items", "_light_extra", "_recent", "compressed", "count", "meta",
                 "start")  # fmt: skip

    def __init__(
        self,
        start: int,
        count: int,
        extra_fields: ExtraFields,
        meta: ResponseMeta,
        compressed: bytes,
        recent: _RecentExtras | None = None,
    ) -> None:
        self.start = start
        self.count = count
        self.meta = meta
        self.compressed = compressed
        """The response body, zlib-compressed, to re-parse one item on demand."""
        self._items: list[dict[str, Any]] | None = None
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

    def items(self) -> list[dict[str, Any]]:
        if self._items is None:
            body = json.loads(zlib.decompress(self.compressed))
            data = body.get("data") if isinstance(body, dict) else None
            self._items = data if isinstance(data, list) else []
        return self._items

    def forget(self) -> None:
        self._items = None

    def __repr__(self) -> str:
        return f"PageRecord(start={self.start}, count={self.count}, meta={self.meta!r})"


class RowStore:
    """The rows of one listing, appended page by page."""

    def __init__(self, kind: Kind) -> None:
        self.kind: Kind = kind
        self.ids: list[str] = []
        self.text: dict[str, list[str]] = {name: [] for name in TEXT_COLUMNS[kind]}
        self.ints: dict[str, array[int]] = {name: array("q") for name in INT_COLUMNS[kind]}
        self.pages: list[PageRecord] = []
        self._page_starts: list[int] = []
        self._shared: dict[str, str] = {}
        self._recent_page: PageRecord | None = None
        self._recent_extras = _RecentExtras()

    def __len__(self) -> int:
        return len(self.ids)

    def append_page(self, page: Page[Any]) -> range:
        """Add a page's items; returns the range of the new row indexes."""
        start = len(self.ids)
        shared = self._shared
        self.ids.extend(item.id for item in page.items)
        for name, column in self.text.items():
            if name in SHARED_COLUMNS:
                column.extend(
                    shared.setdefault(value, value)
                    for value in (getattr(item, name) or "" for item in page.items)
                )
            else:
                column.extend(getattr(item, name) or "" for item in page.items)
        for name, numbers in self.ints.items():
            numbers.extend(_int_or_missing(getattr(item, name, None)) for item in page.items)
        record = PageRecord(
            start=start,
            count=len(page.items),
            extra_fields=page.extra_fields,
            meta=page.meta,
            compressed=zlib.compress(page.raw, 1),
            recent=self._recent_extras,
        )
        self.pages.append(record)
        self._page_starts.append(start)
        return range(start, len(self.ids))

    def page_of(self, row: int) -> PageRecord:
        """The page that delivered ``row``."""
        # The last page starting at or before ``row``; an empty page shares its start with
        # the page after it, so the rightmost match is the one that holds the row.
        index = bisect_right(self._page_starts, row) - 1
        return self.pages[max(index, 0)]

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
        yield self.ids[row]
        first = TEXT_COLUMNS[self.kind][0]
        yield self.text[first][row]


class RowView:
    """Which stored rows are shown, in what order: all, filtered and/or sorted."""

    def __init__(self, store: RowStore) -> None:
        self.store = store
        self.indexes: array[int] | None = None
        """Store rows in display order; None means every row in arrival order."""
        self.filter_text = ""
        self.sort_column: str | None = None
        self.sort_reverse = False

    def __len__(self) -> int:
        return len(self.store) if self.indexes is None else len(self.indexes)

    def row(self, position: int) -> int:
        """The store row shown at ``position``."""
        return position if self.indexes is None else self.indexes[position]

    def position_of(self, row: int) -> int | None:
        if self.indexes is None:
            return row if 0 <= row < len(self.store) else None
        try:
            return self.indexes.index(row)
        except ValueError:
            return None

    @property
    def active(self) -> bool:
        return bool(self.filter_text) or self.sort_column is not None

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.rebuild()

    def set_sort(self, column: str | None, reverse: bool = False) -> None:
        self.sort_column = column
        self.sort_reverse = reverse
        self.rebuild()

    def rebuild(self) -> None:
        if not self.active:
            self.indexes = None
            return
        rows: Iterable[int] = range(len(self.store))
        if self.filter_text:
            rows = [r for r in rows if self._matches(r)]
        if self.sort_column is not None:
            rows = sorted(rows, key=self._sort_key(), reverse=self.sort_reverse)
        self.indexes = array("q", rows)

    def extend(self, new_rows: range) -> None:
        """Take in rows just appended to the store, keeping the filter and sort."""
        if not self.active:
            return
        if self.sort_column is not None:
            self.rebuild()
            return
        assert self.indexes is not None
        self.indexes.extend(r for r in new_rows if self._matches(r))

    def _matches(self, row: int) -> bool:
        needle = self.filter_text.casefold()
        return any(needle in text.casefold() for text in self.store.search_text(row))

    def _sort_key(self) -> Callable[[int], Any]:
        column = self.sort_column or "id"
        store = self.store
        if column in store.ints:
            numbers = store.ints[column]
            return lambda r: numbers[r]
        values = store.ids if column == "id" else store.text[column]
        return lambda r: values[r].casefold()


def _int_or_missing(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and MISSING < value < 2**63:
        return value
    return MISSING
