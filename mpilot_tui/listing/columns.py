"""Compact columns for the row store: a million rows without a million Python objects.

- :class:`TextColumn`: each distinct value once and a 16-bit code a row; once a column
  holds more than ``CODED_MAX`` distinct values (mostly distinct ones) it is *packed*: one
  UTF-8 buffer and the offsets of its values, each value decoded when read.
- :class:`IntColumn`: 32-bit integers, widened to 64 bits when a value does not fit;
  ``MISSING`` (the store's "omitted" value) reads back as it was written.
- :class:`IdColumn`: the ids, read back from the store's search text (packed once one is not
  ASCII).

Each is a ``Sequence`` (index, negative index, slice to a list, iteration, ``len``) that
compares equal to a list of the same values, so callers read them as they read lists.
No Textual here.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, islice
from typing import Any, overload

__all__ = ["CODED_MAX", "IdColumn", "IntColumn", "TextColumn"]

MISSING = -(2**63)
"""As :data:`mpilot_tui.listing.rows.MISSING` (repeated here: rows imports this module)."""
NARROW_MISSING = -(2**31)
"""What a 32-bit :class:`IntColumn` holds where the value is ``MISSING``."""
CODED_MAX = 1 << 16
"""Distinct values past which a :class:`TextColumn` is packed rather than coded."""
OFFSET_MAX = 2**32 - 1
"""The largest offset a 32-bit offset array holds (a bigger buffer widens it to 64 bits)."""


def _index(position: int, size: int) -> int:
    if position < 0:
        position += size
    if not 0 <= position < size:
        raise IndexError("column index out of range")
    return position


class _Column(Sequence[Any]):
    """Equality with lists and other columns, by value."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Column | list | tuple):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(islice(self, 5))!r}{'…' if len(self) > 5 else ''})"


class TextColumn(_Column):
    """Strings, coded (few distinct values) or packed (mostly distinct ones)."""

    __slots__ = ("_buffer", "_code_of", "_nul", "_offsets", "_overrides", "codes", "values")

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values: list[str] | None = []
        """Coded: every distinct value once, in order of first arrival (None: packed)."""
        self.codes: array[int] = array("H")
        """Coded: each row's index in :attr:`values`."""
        self._code_of: dict[str, int] = {}
        self._buffer = bytearray()
        """Packed: every value in UTF-8, each followed by ``\\x00`` (so that a run of values
        decodes and splits in two C calls)."""
        self._offsets: array[int] = array("I", [0])
        """Packed: where each value starts (and, last, where the next would)."""
        self._nul = False
        """Packed: some value holds ``\\x00`` itself (a run is then cut by its offsets)."""
        self._overrides: dict[int, str] = {}
        """Packed: rows changed in place (a packed value cannot change its length)."""
        self.extend(values)

    @property
    def coded(self) -> bool:
        return self.values is not None

    def __len__(self) -> int:
        return len(self.codes) if self.values is not None else len(self._offsets) - 1

    @overload
    def __getitem__(self, position: int) -> str: ...
    @overload
    def __getitem__(self, position: slice) -> list[str]: ...
    def __getitem__(self, position: int | slice) -> str | list[str]:
        if isinstance(position, slice):
            lo, hi, step = position.indices(len(self))
            if step != 1:
                return [self[row] for row in range(lo, hi, step)]
            return self._span(lo, hi)
        row = _index(position, len(self))
        if self.values is not None:
            return self.values[self.codes[row]]
        if self._overrides and row in self._overrides:
            return self._overrides[row]
        offsets = self._offsets
        return self._buffer[offsets[row] : offsets[row + 1] - 1].decode("utf-8", "surrogatepass")

    def _span(self, lo: int, hi: int) -> list[str]:
        if hi <= lo:
            return []
        if self.values is not None:
            return list(map(self.values.__getitem__, self.codes[lo:hi]))
        offsets, buffer = self._offsets, self._buffer
        if self._nul:
            pairs = zip(offsets[lo:hi], offsets[lo + 1 : hi + 1], strict=True)
            found = [buffer[a : b - 1].decode("utf-8", "surrogatepass") for a, b in pairs]
        else:
            run = buffer[offsets[lo] : offsets[hi] - 1].decode("utf-8", "surrogatepass")
            found = run.split("\x00")
        if self._overrides:
            for row, value in self._overrides.items():
                if lo <= row < hi:
                    found[row - lo] = value
        return found

    def __iter__(self) -> Iterator[str]:
        if self.values is not None:
            return map(self.values.__getitem__, self.codes)
        size, chunk = len(self), 4096
        return (
            value for lo in range(0, size, chunk) for value in self._span(lo, min(lo + chunk, size))
        )

    def extend(self, values: Iterable[str]) -> None:
        values = values if isinstance(values, list) else list(values)
        if self.values is None:
            self._pack(values)
            return
        code_of, table = self._code_of, self.values
        for value in dict.fromkeys(values):
            if value not in code_of:
                code_of[value] = len(table)
                table.append(value)
        if len(table) > CODED_MAX:
            old = list(self)
            self.values, self._code_of, self.codes = None, {}, array("H")
            self._pack(old)
            self._pack(values)
            return
        self.codes.extend(map(code_of.__getitem__, values))

    def _pack(self, values: list[str]) -> None:
        if not values:
            return
        joined = "\x00".join(values) + "\x00"
        if joined.count("\x00") != len(values):
            self._nul = True
        self._buffer += joined.encode("utf-8", "surrogatepass")
        if joined.isascii():
            lengths: Iterable[int] = (len(value) + 1 for value in values)
        else:
            lengths = (len(value.encode("utf-8", "surrogatepass")) + 1 for value in values)
        if len(self._buffer) > OFFSET_MAX and self._offsets.typecode == "I":
            self._offsets = array("q", self._offsets)
        self._offsets.extend(islice(accumulate(lengths, initial=self._offsets[-1]), 1, None))

    def __setitem__(self, position: int, value: str) -> None:
        row = _index(position, len(self))
        if self.values is None:
            self._overrides[row] = value
            return
        code = self._code_of.get(value)
        if code is None:
            if len(self.values) >= CODED_MAX:
                old = list(self)
                old[row] = value
                self.values, self._code_of, self.codes = None, {}, array("H")
                self._pack(old)
                return
            code = self._code_of[value] = len(self.values)
            self.values.append(value)
        self.codes[row] = code

    def nbytes(self) -> int:
        """Bytes held by the arrays and buffer (not the distinct strings themselves)."""
        size = self.codes.itemsize * len(self.codes) + len(self._buffer)
        return size + self._offsets.itemsize * len(self._offsets)


class IntColumn(_Column):
    """Integers (each ``MISSING`` or within 64 bits), 32 bits a row while they fit."""

    __slots__ = ("data",)

    def __init__(self, values: Iterable[int] = ()) -> None:
        self.data: array[int] = array("i")
        self.extend(values)

    @property
    def typecode(self) -> str:
        return self.data.typecode

    def __len__(self) -> int:
        return len(self.data)

    @overload
    def __getitem__(self, position: int) -> int: ...
    @overload
    def __getitem__(self, position: slice) -> array[int]: ...
    def __getitem__(self, position: int | slice) -> int | array[int]:
        data = self.data
        if isinstance(position, slice):
            part = data[position]
            if data.typecode == "q":
                return part
            wide = array("q", part)
            if NARROW_MISSING in part:
                wide = array("q", [MISSING if n == NARROW_MISSING else n for n in part])
            return wide
        value = data[position]
        return MISSING if value == NARROW_MISSING and data.typecode == "i" else value

    def values_or_none(self, lo: int, hi: int) -> list[int] | list[int | None]:
        """Rows ``lo..hi`` as a list, ``None`` where the value is ``MISSING`` (what a CSV
        writer wants; a few C calls, not a read per row)."""
        numbers: list[int] = self.data[lo:hi].tolist()
        sentinel = NARROW_MISSING if self.data.typecode == "i" else MISSING
        if sentinel in numbers:
            return [None if n == sentinel else n for n in numbers]
        return numbers

    def __iter__(self) -> Iterator[int]:
        data = self.data
        if data.typecode == "q" or NARROW_MISSING not in data:
            return iter(data)
        return (MISSING if n == NARROW_MISSING else n for n in data)

    def _widen(self) -> None:
        self.data = array("q", iter(self))

    def extend(self, values: Iterable[int]) -> None:
        """Add integers (``MISSING`` or ``MISSING < n < 2**63``)."""
        values = values if isinstance(values, list) else list(values)
        if not values:
            return
        if self.data.typecode == "i":
            low, high = min(values), max(values)
            missing = low == MISSING
            if missing:
                low = min((n for n in values if n != MISSING), default=0)
            if high >= 2**31 or low <= NARROW_MISSING:
                self._widen()
            elif missing:
                values = [NARROW_MISSING if n == MISSING else n for n in values]
        self.data.extend(values)

    def __setitem__(self, position: int, value: int) -> None:
        if self.data.typecode == "i":
            if value == MISSING:
                value = NARROW_MISSING
            elif not NARROW_MISSING < value < 2**31:
                self._widen()
        self.data[position] = value

    def keys(self) -> Any:
        """The column as a numpy array (no copy); ``MISSING`` is the smallest value of its
        dtype either way, so it sorts first, as in 64 bits."""
        import numpy as np

        return np.frombuffer(self.data, dtype=self.data.typecode)


class IdColumn(TextColumn):
    """A store's ids, read back from the store's search text while they can be.

    The search text holds each row's id as it came when the id is ASCII (a filter compares
    ASCII letters without case there, which is what casefolding them does), so while every
    id is ASCII and free of the text's separators (``\\x00``/``\\x01``) the ids cost no bytes
    of their own: a row's id is its search text up to the first separator. The first id
    that is not (an id is folded in the search text then) turns the column into a packed
    :class:`TextColumn` of its own (one UTF-8 buffer and 32-bit offsets, ~33 bytes a row
    for a 29-character id, against ~85 as a list of ``str``)."""

    __slots__ = ("_count", "_fields", "_shared", "_starts", "_text", "separated")

    def __init__(self, text: bytearray | None = None, starts: array[int] | None = None,
                 fields: int = 1) -> None:  # fmt: skip
        super().__init__()
        self.values = None
        self.separated = False
        """Whether some id holds a separator of the search text (``\\x00``/``\\x01``)."""
        self._text = text if text is not None else bytearray()
        self._starts: array[int] = starts if starts is not None else array("I")
        """The store's search text and where each row's starts (:meth:`shared_with`)."""
        self._fields = fields
        """Strings in a row's search text (the id first), each ended by a separator."""
        self._shared = text is not None
        """Whether the ids are read from the search text (else from this column's buffer)."""
        self._count = 0

    @property
    def shared(self) -> bool:
        """Whether the ids are read back from the store's search text."""
        return self._shared

    def shared_with(self, starts: array[int]) -> None:
        """The store's row starts after it widened them to 64 bits."""
        self._starts = starts

    def __len__(self) -> int:
        return self._count if self._shared else super().__len__()

    @overload
    def __getitem__(self, position: int) -> str: ...
    @overload
    def __getitem__(self, position: slice) -> list[str]: ...
    def __getitem__(self, position: int | slice) -> str | list[str]:
        if not self._shared:
            return super().__getitem__(position)
        if isinstance(position, slice):
            lo, hi, step = position.indices(len(self))
            if step != 1:
                return [self[row] for row in range(lo, hi, step)]
            return self._span(lo, hi)
        row = _index(position, self._count)
        begin = self._starts[row]
        end = self._text.find(b"\x00", begin, self._row_end(row))
        return self._text[begin : end if end >= 0 else self._row_end(row)].decode("ascii")

    def _row_end(self, row: int) -> int:
        """Where ``row``'s search text ends (at its row separator)."""
        return self._starts[row + 1] - 1 if row + 1 < len(self._starts) else len(self._text) - 1

    def _span(self, lo: int, hi: int) -> list[str]:
        if not self._shared:
            return super()._span(lo, hi)
        if hi <= lo:
            return []
        run = self._text[self._starts[lo] : self._row_end(hi - 1)].decode("utf-8", "surrogatepass")
        fields = self._fields
        # Each row's strings and the rows between them, split at once: the ids are every
        # ``fields``-th part while no string of a row holds a separator itself.
        parts = (run.replace("\x01", "\x00") if fields > 1 else run).split(
            "\x00" if fields > 1 else "\x01"
        )
        if len(parts) == fields * (hi - lo):
            return parts[::fields] if fields > 1 else parts
        return [self[row] for row in range(lo, hi)]  # a name holding a separator

    def added(self, ids: list[str]) -> None:
        """Add the ids of rows just stored (their search text is already in the store's)."""
        joined = "".join(ids)
        if not self.separated:
            self.separated = "\x00" in joined or "\x01" in joined
        if self._shared and (self.separated or not joined.isascii()):
            self._own()
        if self._shared:
            self._count += len(ids)
        else:
            self.extend(ids)

    def _own(self) -> None:
        """Copy the ids read so far into a buffer of this column's own (read from now on)."""
        size, chunk = self._count, 4096
        spans = [self._span(lo, min(lo + chunk, size)) for lo in range(0, size, chunk)]
        self._shared = False
        for values in spans:
            self._pack(values)

    def __setitem__(self, position: int, value: str) -> None:
        if self._shared:
            self._own()
        super().__setitem__(position, value)

    def nbytes(self) -> int:
        return 0 if self._shared else super().nbytes()
