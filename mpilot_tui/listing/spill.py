"""Where a big store keeps its compressed page bodies: past the first ``SPILL_AFTER`` bytes,
in an unlinked temporary file instead of the process's memory.

A store keeps every page's response body (zlib-compressed) so that nothing the gateway sent
is lost: the detail pane, copy and export read the items back from it. At a million
request-log entries those bodies are ~120 MB, more than every column and the search text
together; they are read only for one page at a time (a row's detail) or once each, in
order (an export). So once a store holds ``SPILL_AFTER`` bytes of them in memory, each
further body is written to a temporary file and read back with ``os.pread`` when asked for
(from the page cache as a rule: ~0.02 ms for a page of 1000 entries).

The file is made with :func:`tempfile.TemporaryFile` (in ``TMPDIR``): readable by this user
only and without a name (on Linux it never had one), so it goes away with the process,
however the process ends, and with the store once nothing reads the store any more. A
body that cannot be written (a full disk, a read-only ``TMPDIR``) stays in memory, and so
do all after it: nothing is lost, the store only keeps more in memory. ``MPILOT_TUI_SPILL=0``
keeps every body in memory (for a machine where the log's prompts must not touch a disk).
No Textual here.
"""

from __future__ import annotations

import os
import tempfile
from typing import IO

__all__ = ["SPILL_AFTER", "SPILL_ENV", "Spill", "Spilled", "spill_allowed"]

SPILL_AFTER = 4 * 1024 * 1024
"""Compressed bytes a store keeps in memory before it writes bodies to its file: a listing
of up to ~33,000 request-log entries (or ~100,000 files) never touches the disk. (16 MB
before: 12 MB more of a big listing's memory, for bodies read once in a while.)"""
SPILL_ENV = "MPILOT_TUI_SPILL"
"""``0`` (or ``off``, ``no``, ``false``) keeps every page body in memory."""


def spill_allowed() -> bool:
    """Whether bodies may be written to a temporary file (``MPILOT_TUI_SPILL``; and
    ``os.pread``, which a file read by several threads at once needs, exists here)."""
    setting = os.environ.get(SPILL_ENV, "").strip().lower()
    return setting not in {"0", "off", "no", "false"} and hasattr(os, "pread")


class Spilled:
    """One body in a :class:`Spill`'s file: where it is, and how long."""

    __slots__ = ("length", "offset", "spill")

    def __init__(self, spill: Spill, offset: int, length: int) -> None:
        self.spill = spill
        self.offset = offset
        self.length = length

    def read(self) -> bytes:
        return self.spill.read(self.offset, self.length)


class Spill:
    """One store's bodies past the first ``keep`` bytes, appended to a temporary file.

    Written from the event loop only (as pages land); read from any thread (``pread`` at a
    place, never a shared file position)."""

    def __init__(self, keep: int | None = None, allowed: bool | None = None) -> None:
        self.keep = SPILL_AFTER if keep is None else keep
        self.kept = 0
        """Bytes of bodies held in memory (the first ``keep``, and any not written)."""
        self.spilled = 0
        """Bytes of bodies in the file."""
        self._file: IO[bytes] | None = None
        self._on = spill_allowed() if allowed is None else allowed

    def place(self, body: bytes) -> bytes | Spilled:
        """``body`` itself while the store keeps bodies in memory, else where it was written."""
        if self._on and self.kept + len(body) > self.keep:
            try:
                return self._write(body)
            except OSError:
                self._on = False  # the disk said no: keep this body and the rest in memory
        self.kept += len(body)
        return body

    def _write(self, body: bytes) -> Spilled:
        if self._file is None:
            # It lives as long as the store (closed when the spill is garbage): no `with`.
            self._file = tempfile.TemporaryFile(prefix="mpilot-tui-")  # noqa: SIM115
        descriptor, offset = self._file.fileno(), self.spilled
        view = memoryview(body)
        while view:
            written = os.pwrite(descriptor, view, offset + len(body) - len(view))
            view = view[written:]
        self.spilled += len(body)
        return Spilled(self, offset, len(body))

    def read(self, offset: int, length: int) -> bytes:
        assert self._file is not None
        descriptor = self._file.fileno()
        parts = []
        while length:
            part = os.pread(descriptor, length, offset)
            if not part:
                raise OSError(f"the store's body file ended {length} bytes early")
            parts.append(part)
            offset, length = offset + len(part), length - len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)
