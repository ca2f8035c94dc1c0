"""Deterministic hashing and the object-id codec of the demo gateway.

Every generated value comes from :func:`digest` of the seed and the object's coordinates, so
nothing is stored. An id carries its object's position in its last seven characters (scrambled
by an invertible affine map, so neighbouring ids look unrelated) and a hash tag in the rest:
:func:`parse_id` recovers the position in O(1) and rejects ids the demo never issued.
"""

from __future__ import annotations

import hashlib
import uuid

__all__ = ["ID_WIDTH", "base62", "digest", "make_id", "parse_id", "stable_uuid", "unit"]

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DIGITS = {char: value for value, char in enumerate(_ALPHABET)}

ID_WIDTH = 24
"""Characters after the prefix of every demo id (``file-`` + 24, ``cfile_`` + 24, …)."""
_INDEX_WIDTH = 7
_INDEX_SPACE = 62**_INDEX_WIDTH
_INDEX_MULTIPLIER = 2_654_435_761
"""Coprime with 62**7, so ``index * M + C`` is a bijection on the index space."""
_INDEX_INVERSE = pow(_INDEX_MULTIPLIER, -1, _INDEX_SPACE)
_INDEX_OFFSET = 1_234_567_891


def digest(*parts: object) -> bytes:
    """A 32-byte hash of ``parts``; the single source of every pseudo-random value."""
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.blake2b(text.encode(), digest_size=32).digest()


def unit(*parts: object) -> float:
    """A deterministic float in [0, 1) drawn from ``parts``."""
    return int.from_bytes(digest(*parts)[:8], "big") / 2**64


def stable_uuid(*parts: object) -> str:
    """A version-4-looking UUID that is the same every time for the same ``parts``."""
    return str(uuid.UUID(bytes=digest(*parts)[:16], version=4))


_PAIRS = [high + low for high in _ALPHABET for low in _ALPHABET]
"""Every two-digit base-62 string, indexed by its value: half the divisions per id."""


def base62(value: int, width: int) -> str:
    """``value`` (< 62**width) as exactly ``width`` base-62 digits."""
    chunks = []
    for _ in range(width // 2):
        value, pair = divmod(value, 62 * 62)
        chunks.append(_PAIRS[pair])
    if width % 2:
        chunks.append(_ALPHABET[value % 62])
    return "".join(reversed(chunks))


def _unbase62(text: str) -> int | None:
    value = 0
    for char in text:
        digit = _DIGITS.get(char)
        if digit is None:
            return None
        value = value * 62 + digit
    return value


def make_id(prefix: str, scope: str, index: int) -> str:
    """The id of object ``index`` in ``scope`` (scope includes the seed and the provider)."""
    if not 0 <= index < _INDEX_SPACE:
        raise ValueError(f"index out of range: {index}")
    tag_width = ID_WIDTH - _INDEX_WIDTH
    tag = int.from_bytes(digest("id", scope, index), "big") % 62**tag_width
    code = (index * _INDEX_MULTIPLIER + _INDEX_OFFSET) % _INDEX_SPACE
    return prefix + base62(tag, tag_width) + base62(code, _INDEX_WIDTH)


def parse_id(prefix: str, scope: str, text: str) -> int | None:
    """The index :func:`make_id` encoded in ``text``, or None if it is not one of ours."""
    if not text.startswith(prefix) or len(text) != len(prefix) + ID_WIDTH:
        return None
    code = _unbase62(text[-_INDEX_WIDTH:])
    if code is None:
        return None
    index = ((code - _INDEX_OFFSET) * _INDEX_INVERSE) % _INDEX_SPACE
    return index if make_id(prefix, scope, index) == text else None
