"""Opaque pagination cursors and the gateway's serial paging across provider keys.

The gateway's cursor is base64url of ``{"v":1,"i":<key index>,"c":"<upstream cursor>"}``:
without ``=`` padding on 1.x, with it on 2.x (both decode either way). The upstream cursor
is the id of the last item the upstream scanned ("" = start of that key). A provider's items
are split into contiguous :class:`Segment` s, one per key, walked one after another; a page
never crosses a segment boundary, so it may be short or even empty while ``has_more`` is true.

The emulated upstream reports ``has_more`` when it returned a full page (it does not look
ahead), so a segment exhausted exactly on a page boundary yields one more, empty page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "SCAN_CAP",
    "CursorError",
    "Page",
    "Segment",
    "decode_cursor",
    "encode_cursor",
    "key_segments",
    "page",
    "resolve_after",
]

SCAN_CAP = 50_000
"""At most this many items are examined per page when a filter skips items."""


class CursorError(ValueError):
    """The ``after`` value is not a cursor this gateway can resume from."""


@dataclass(frozen=True)
class Segment:
    """The items ``[start, stop)`` held by provider key ``key``."""

    key: int
    start: int
    stop: int


@dataclass(frozen=True)
class Page:
    """One page: the item indices, and the cursor of the next page (None at the end)."""

    indices: list[int]
    next_cursor: str | None


def encode_cursor(key: int, upstream: str, *, padded: bool = False) -> str:
    """The opaque cursor resuming key ``key`` after upstream cursor ``upstream``."""
    raw = json.dumps({"v": 1, "i": key, "c": upstream}, separators=(",", ":")).encode()
    text = base64.urlsafe_b64encode(raw).decode("ascii")
    return text if padded else text.rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    """``(key index, upstream cursor)`` from an opaque cursor; CursorError if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise CursorError(str(exc)) from exc
    if not isinstance(value, dict) or value.get("v") != 1:
        raise CursorError("unsupported cursor version")
    key, upstream = value.get("i"), value.get("c")
    if type(key) is not int or not isinstance(upstream, str):
        raise CursorError("malformed cursor")
    return key, upstream


def key_segments(total: int, keys: int) -> list[Segment]:
    """``total`` items split into ``keys`` contiguous segments, key 0 first."""
    return [Segment(k, k * total // keys, (k + 1) * total // keys) for k in range(keys)]


def resolve_after(
    after: str,
    segments: Sequence[Segment],
    index_of: Callable[[str], int | None],
    *,
    allow_raw_id: bool,
    past_end_is_empty: bool = False,
) -> tuple[int, int | None]:
    """Where a page starts: ``(segment position, index of the item to resume after)``.

    ``after`` is "" (start), an opaque cursor, or (only when ``allow_raw_id``) a raw item id.
    A key index past the last key is a CursorError, or (``past_end_is_empty``, as 2.x)
    position ``len(segments)``: an empty last page.
    """
    if not after:
        return 0, None
    try:
        key, upstream = decode_cursor(after)
    except CursorError:
        if not allow_raw_id:
            raise
        key, upstream = segments[0].key, after
    positions = [p for p, segment in enumerate(segments) if segment.key == key]
    if not positions and past_end_is_empty and key >= len(segments):
        return len(segments), None
    if not positions:
        raise CursorError(f"no provider key {key}")
    position = positions[0]
    segment = segments[position]
    if not upstream:
        return position, None
    index = index_of(upstream)
    if index is None or not segment.start <= index < segment.stop:
        raise CursorError("unknown upstream cursor")
    return position, index


def page(
    segments: Sequence[Segment],
    position: int,
    after_index: int | None,
    *,
    descending: bool,
    limit: int,
    id_at: Callable[[int], str],
    matches: Callable[[int], bool] | None = None,
    padded: bool = False,
) -> Page:
    """One page from segment ``position``, resuming after ``after_index``; a position past
    the last segment is an empty page with no next one."""
    if position >= len(segments):
        return Page([], None)
    segment = segments[position]
    if descending:
        first = segment.stop - 1 if after_index is None else after_index - 1
        candidates = range(first, segment.start - 1, -1)
    else:
        first = segment.start if after_index is None else after_index + 1
        candidates = range(first, segment.stop)
    found: list[int] = []
    last_scanned: int | None = None
    capped = False
    for scanned, index in enumerate(candidates):
        if len(found) >= limit:
            break
        if matches is not None and scanned >= max(SCAN_CAP, limit):
            capped = True
            break
        last_scanned = index
        if matches is None or matches(index):
            found.append(index)
    upstream_more = last_scanned is not None and (len(found) >= limit or capped)
    if upstream_more and last_scanned is not None:
        next_cursor: str | None = encode_cursor(segment.key, id_at(last_scanned), padded=padded)
    elif position + 1 < len(segments):
        next_cursor = encode_cursor(segments[position + 1].key, "", padded=padded)
    else:
        next_cursor = None
    return Page(found, next_cursor)
