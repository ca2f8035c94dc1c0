"""The C allocator asked to give big freed blocks back to the system (glibc only).

glibc's ``malloc`` serves a block of 128 KB or more with a mapping of its own, unmapped when
the block is freed, until the first such block is freed: from then on it raises that limit
to the freed block's size (up to 32 MB) and serves blocks up to that size from its heap,
which it gives back only from the top. A big listing is exactly that pattern: each page's
body (1.5 MB for 1,000 request-log entries) is parsed, compressed and freed between the
store's columns, which grow and stay; numpy's temporary arrays (a sort's keys, a filter's
masks, the cache summary's columns) come and go the same way. At a million request-log
entries ~25 MB of freed heap stayed in the process's memory, and the peak grew by more.
Setting the limit explicitly (to glibc's own default) turns the raising off, so such blocks
are unmapped again when freed: the peak RSS of ``bench/requests_interactive.py`` at 1M
entries went from 305 to 271 MB.

:func:`tune` is called once, when a store first grows big (see
:mod:`mpilot_tui.listing.rows`); a ``MALLOC_MMAP_THRESHOLD_`` in the environment (glibc's
own setting) is left as the user set it. Elsewhere (macOS, musl) nothing changes.
"""

from __future__ import annotations

import os
import sys

__all__ = ["MMAP_THRESHOLD", "tune"]

M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter number for the threshold (``malloc.h``)."""
MMAP_THRESHOLD = 128 * 1024
"""glibc's default threshold, kept: only the raising of it is turned off."""

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
