"""Making untrusted text safe to show: control characters become visible escapes.

Every string that comes from a gateway passes through :func:`visible` before it reaches a
terminal, so that ESC sequences (CSI, OSC 8 links, OSC 52 clipboard writes), C1 controls,
bidi overrides and zero-width characters are shown, never obeyed.
"""

from __future__ import annotations

import math
import time
import unicodedata
from datetime import UTC, datetime

from rich.cells import cell_len

__all__ = [
    "ago",
    "cell_width",
    "clock",
    "counted",
    "ellipsize",
    "finite_number",
    "human_bytes",
    "latency_text",
    "local_time",
    "loose_int",
    "utc_iso",
    "visible",
]


clock = time.time
"""Where "now" comes from for relative times; tests replace it to freeze "3 days ago"."""


def _escape_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        table[code] = f"\\x{code:02x}"
    invisible = [
        0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B,
        0x202C, 0x202D, 0x202E, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2066, 0x2067,
        0x2068, 0x2069, 0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB,
    ]  # fmt: skip
    for code in invisible:
        table[code] = f"\\u{code:04x}"
    return table


_ESCAPES = _escape_table()
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Controls, format characters (tags, soft hyphen, …), surrogates and line separators."""


def _escape_rest(char: str) -> str:
    if unicodedata.category(char) not in _INVISIBLE_CATEGORIES:
        return char
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def counted(count: int, plural: str) -> str:
    """``count`` and a plural noun that agrees with it: "1 file", "1,200 files", "0 rows"."""
    noun = plural[:-1] if count == 1 and plural.endswith("s") else plural
    return f"{count:,} {noun}"


def visible(text: object) -> str:
    """``text`` as a single line with every control or invisible character escaped."""
    value = text if isinstance(text, str) else str(text)
    if value.isprintable() and value.isascii():
        return value
    value = value.translate(_ESCAPES)
    if value.isprintable():
        return value
    return "".join(_escape_rest(char) for char in value)


def cell_width(text: str) -> int:
    """The terminal cells ``text`` takes (wide East Asian characters and emoji take two)."""
    return len(text) if text.isascii() else cell_len(text)


def ellipsize(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` cells' worth of characters, ending in an ellipsis."""
    if width <= 0:
        return ""
    if cell_width(text) <= width:
        return text
    if width == 1:
        return "…"
    kept: list[str] = []
    used = 0
    for char in text:
        size = cell_width(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + "…"


def finite_number(value: object) -> float | None:
    """``value`` as a finite float, or None when it is not a number one can draw or do sums
    with (a bool, a string, NaN, an infinity, an integer past the float range)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def loose_int(value: object) -> int | None:
    """``value`` as an int (a whole finite float too); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < 2**63 else None
    number = finite_number(value)
    if number is None or number != int(number) or abs(number) >= 2**63:
        return None
    return int(number)


def _raw_number(value: object) -> str:
    """A value that is no usable number, shown as it came (cut: an integer may have 400
    digits, a wrong type may be anything)."""
    shown = visible(value)
    return shown if len(shown) <= 24 else f"{shown[:20]}…({len(shown)} chars)"


def latency_text(ms: float) -> str:
    """A request's latency in milliseconds as every view writes it (the requests table's
    LATENCY column, the detail pane, the cache explanation): ``3.1 ms``, ``812 ms``,
    ``12.4 s``."""
    if abs(ms) >= 1e9:
        return f"{ms:.3g} ms"
    if abs(ms) >= 10_000:
        return f"{ms / 1000:.1f} s"
    return f"{ms:.0f} ms" if abs(ms) >= 10 else f"{ms:.1f} ms"


def human_bytes(size: object) -> str:
    """``1536`` → ``1.5 KB``; None → ``""``; anything that is not a usable size as it came."""
    if size is None:
        return ""
    value = finite_number(size)
    if value is None:
        return f"{_raw_number(size)} B" if isinstance(size, int | float) else _raw_number(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        # 1023.96 KB would print as "1024.0 KB": move up a unit once rounding reaches 1024.
        limit = 1024 if unit == "B" else 1023.95
        if abs(value) < limit or unit == "TB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def local_time(timestamp: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A unix timestamp as local time (``@value`` for one no calendar holds)."""
    if timestamp is None:
        return ""
    seconds = finite_number(timestamp)
    if seconds is None:
        return f"@{_raw_number(timestamp)}"
    try:
        return datetime.fromtimestamp(seconds).strftime(fmt)
    except (OverflowError, OSError, ValueError):
        return f"@{_raw_number(timestamp)}"


def utc_iso(timestamp: object) -> str:
    """A unix timestamp as UTC ISO 8601 (``@value`` for one no calendar holds)."""
    if timestamp is None:
        return ""
    seconds = finite_number(timestamp)
    if seconds is None:
        return f"@{_raw_number(timestamp)}"
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return f"@{_raw_number(timestamp)}"


def ago(timestamp: object, now: float | None = None) -> str:
    """``3 days ago`` / ``in 2 hours``; ``""`` for what is not a usable timestamp."""
    seconds_then = finite_number(timestamp)
    if seconds_then is None:
        return ""
    delta = (clock() if now is None else now) - seconds_then
    future = delta < 0
    seconds = abs(delta)
    for unit, size in (("year", 31_536_000), ("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            label = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {label}" if future else f"{label} ago"
    return "just now"
