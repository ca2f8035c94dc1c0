"""What comes after a page, read from its raw body before its items are validated.

The gateway's cursors are serial: the next page can only be asked for once this one's
``has_more`` and ``after`` are known. Validating a page of 10,000 items into models takes
tens of milliseconds, and a bulk run (everything asked for) would wait that long between
an answer and the next request. :class:`PageAnswer` splits reading a page in two: its
:class:`EarlyFacts` (``has_more`` and the cursor, from the envelope's tail), then its
models (:meth:`PageAnswer.page`, with every error typed as a whole decode types it).

The facts are read without parsing the items: the envelope's members after its last
top-level array (the gateway sends ``data`` first, then ``has_more``, ``after`` and
``extra_fields``) are parsed on their own, which is only possible where the array is a
member of the top-level object (a candidate inside an item or ``extra_fields`` leaves
closers over and does not parse). Where the tail does not say both ``has_more`` and the
cursor (another key order, a file list without ``after``), the whole body is parsed with
:func:`json.loads` instead; where that fails too, there are no early facts and the caller
validates before it asks for anything. The facts are a prediction: once the page is
validated, the listing compares its real cursor with the one the next request was sent
with, and drops that request when they differ.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from .pagination import ItemT, Page, PageKind

__all__ = ["EarlyFacts", "PageAnswer", "read_facts"]

TAIL_ATTEMPTS = 6
"""Candidate ends of a top-level array tried from the end of the body."""
TAIL_MAX_BYTES = 256 * 1024
"""The longest tail parsed on its own; beyond it the whole body is parsed."""


@dataclass(frozen=True)
class EarlyFacts:
    """What a page says of the next one, known before its items are validated."""

    has_more: bool
    next_cursor: str | None
    """The cursor to send back (``after``; the fallback of the kind when it is absent)."""
    request_after: str | None
    """The cursor this page was asked for with."""
    url: str

    def has_next_page(self) -> bool:
        return self.has_more and bool(self.next_cursor)


class PageAnswer(Generic[ItemT]):
    """A listing page's answer, past its status and content-type checks, its items not yet
    validated. :attr:`early` is what it says of the next page (None: not known before
    :meth:`page`, which the caller then calls before it asks for anything)."""

    def __init__(
        self,
        kind: PageKind,
        validate: Callable[[], Page[ItemT]],
        facts: Callable[[], EarlyFacts | None] | None = None,
    ) -> None:
        self.kind = kind
        self._validate: Callable[[], Page[ItemT]] = validate
        self._facts: Callable[[], EarlyFacts | None] | None = facts
        self._page: Page[ItemT] | None = None

    @classmethod
    def of(cls, page: Page[ItemT]) -> PageAnswer[ItemT]:
        """An answer already validated (a kind read in one step, a test's page)."""
        answer = cls(page.kind, lambda: page)
        answer._page = page
        return answer

    @functools.cached_property
    def early(self) -> EarlyFacts | None:
        """``has_more`` and the cursor, read from the body without validating it (read on
        first use: a caller that does not ask ahead never pays for it)."""
        return None if self._facts is None or self._page is not None else self._facts()

    def page(self) -> Page[ItemT]:
        """The page as models; raises the client's error for a shape the API does not
        promise, exactly as a whole decode would."""
        if self._page is None:
            self._page = self._validate()
        return self._page


def read_facts(
    content: bytes,
    *,
    request_after: str | None,
    url: str,
    cursor_keys: tuple[str, ...],
    last_id_fallback: bool,
) -> EarlyFacts | None:
    """``has_more`` and the next cursor of a list envelope, or None when they cannot be
    read without validating it (then nothing is predicted).

    ``cursor_keys`` are the envelope keys the cursor comes from, in order of preference
    (``after``, then ``last_id`` for container lists); ``last_id_fallback``: with
    ``has_more`` and no cursor, the last item's id is the cursor (file lists).
    """
    members = _tail_members(content)
    if members is not None and _says_enough(members, cursor_keys):
        return _facts(members, None, request_after, url, cursor_keys, last_id_fallback)
    try:
        body = json.loads(content.decode("utf-8"), parse_constant=_refuse)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict):
        return None
    data = body.get("data")
    if not isinstance(data, list):
        return None
    return _facts(body, data, request_after, url, cursor_keys, last_id_fallback)


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _tail_members(content: bytes) -> dict[str, Any] | None:
    """The top-level members after the envelope's last top-level array, parsed alone."""
    end = len(content)
    for _ in range(TAIL_ATTEMPTS):
        at = content.rfind(b'],"', 0, end)
        if at < 0 or len(content) - at > TAIL_MAX_BYTES:
            return None
        try:
            members = json.loads(b"{" + content[at + 2 :], parse_constant=_refuse)
        except (ValueError, RecursionError):
            end = at
            continue
        return members if isinstance(members, dict) else None
    return None


def _says_enough(members: dict[str, Any], cursor_keys: tuple[str, ...]) -> bool:
    """The tail holds ``has_more``, and the cursor when more follow."""
    if "has_more" not in members:
        return False
    return members["has_more"] is not True or any(members.get(key) for key in cursor_keys)


def _facts(
    envelope: dict[str, Any],
    data: list[Any] | None,
    request_after: str | None,
    url: str,
    cursor_keys: tuple[str, ...],
    last_id_fallback: bool,
) -> EarlyFacts | None:
    has_more = envelope.get("has_more", False)
    if not isinstance(has_more, bool):
        return None  # a shape error: the validation says so, before anything is sent
    values = [envelope.get(key) for key in cursor_keys]
    if any(value is not None and not isinstance(value, str) for value in values):
        return None
    cursor: str | None = next((value for value in values if value), None)
    if cursor is None and has_more and last_id_fallback and data:
        last = data[-1]
        item_id = last.get("id") if isinstance(last, dict) else None
        cursor = item_id if isinstance(item_id, str) else None
    return EarlyFacts(has_more, cursor if has_more else None, request_after, url)
