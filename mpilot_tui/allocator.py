"""The C allocator asked to give big freed blocks back to the system (glibc only).

glibc's ``malloc`` serves a block of 128 KB or more with a mapping of its own, unmapped when
the block is freed, until the first such block is freed: from then on it raises that limit
to the freed block's size (up to 32 MB) and serves blocks up to that size from its heap,
which it gives back only from the top. A big listing is exactly that pattern: each page's
body (1.5 MB for 1,000 request-log entries) is parsed, compressed and freed between the
store's columns, which grow and stay; numpy's temporary arrays (a sort's keys, a filter's
masks, the cache summary's columns) come and go the same way. At a million request-log
entries ~25 MB of freed heap stayed in the process's memory, and the peak grew by more.
Setting the limit explicitly turns the raising off, so such blocks are unmapped again when
freed: the peak RSS of ``bench/requests_interactive.py`` at 1M entries went from 305 to
271 MB (with the threshold at 128 KB; at 1 MB, :data:`MMAP_THRESHOLD`, the peak came out
the same in a later run of both).

:func:`tune` is called when a big store (20,000 rows or more) takes a page body of 1 MB or
more (a request log's pages of 1,000 entries; files paged 10,000 at a time to the end), see
:mod:`mpilot_tui.listing.rows`; a ``MALLOC_MMAP_THRESHOLD_`` in the environment (glibc's
own setting) is left as the user set it. Elsewhere (macOS, musl) nothing changes. Not for
every listing: a fixed threshold also maps anew the blocks that a listing of small pages
would reuse (an export's, a filter's), and in A/B runs on 1M files in pages of 100 the
export and the first filter key came out slower, for 7 MB of peak that listing did not
need (its peak was within its 250 MB already).
"""

from __future__ import annotations

import os
import sys

__all__ = ["MMAP_THRESHOLD", "tune"]

M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter number for the threshold (``malloc.h``)."""
MMAP_THRESHOLD = 1024 * 1024
"""Blocks from this size up get a mapping of their own (glibc's default is 128 KB, raised
as blocks are freed). 1 MB: a request-log page's body (1.5 MB) and numpy's arrays over a
big store are unmapped when freed, while the blocks an export or a filter makes by the
thousand (a files page's body decompressed, ~150 KB) are reused from the heap: at 128 KB
each of those was mapped and its pages zeroed by the kernel anew, and an NDJSON export of
1M files took ~0.4 s longer."""

_tuned: bool | None = None


def tune() -> bool:
    """Fix glibc's mmap threshold (once per process); whether it is fixed."""
    global _tuned
    if _tuned is None:
        _tuned = _fix_threshold()
    return _tuned


def _fix_threshold() -> bool:
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
