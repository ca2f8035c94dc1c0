"""Content-Encoding decoding whose output is bounded at every step.

httpx decodes a chunk in one call, so a few kilobytes of ``Content-Encoding: gzip, gzip``
expand to gigabytes before a size cap between chunks can look at them. Here every layer is a
``zlib`` decompressor driven with ``max_length``: no single step produces more than
:data:`DECODE_STEP` bytes, and the caller checks its limits (size, deadline) between steps.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

__all__ = ["ACCEPT_ENCODING", "DECODE_STEP", "MAX_LAYERS", "BodyDecoder", "EncodingRefused"]

DECODE_STEP = 256 * 1024
"""The most decoded bytes one step yields."""
MAX_LAYERS = 2
"""Encodings stacked on one answer beyond this are refused (nothing honest needs more)."""
ACCEPT_ENCODING = "gzip, deflate"
"""What the client asks for; the only encodings it decodes."""

_IDENTITY = frozenset({"", "identity"})


class EncodingRefused(ValueError):
    """An answer's Content-Encoding this client will not decode."""


class _Layer:
    """One zlib layer: gzip, or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, name: str) -> None:
        self.name = name
        wbits = zlib.MAX_WBITS | 16 if name in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._inflater = zlib.decompressobj(wbits)
        self._first = name == "deflate"
        """A deflate body may lack the zlib header; the first failure retries it raw."""

    def steps(self, data: bytes) -> Iterator[bytes]:
        """The decoded form of ``data``, in pieces of at most :data:`DECODE_STEP` bytes."""
        pending = data
        while True:
            try:
                piece = self._inflater.decompress(pending, DECODE_STEP)
            except zlib.error:
                if not self._first:
                    raise
                self._first = False
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                piece = self._inflater.decompress(pending, DECODE_STEP)
            self._first = False
            pending = self._inflater.unconsumed_tail
            if piece:
                yield piece
            if self._inflater.eof or (not pending and len(piece) < DECODE_STEP):
                return

    def flush(self) -> Iterator[bytes]:
        """What the layer still holds once the input has ended, in bounded pieces."""
        if self._inflater.eof:
            return
        yield from self.steps(b"")


class BodyDecoder:
    """Decodes a body's raw chunks by its ``Content-Encoding`` header, step by step."""

    def __init__(self, content_encoding: str | None) -> None:
        names = [
            part.strip().lower() for part in (content_encoding or "").split(",") if part.strip()
        ]
        names = [name for name in names if name not in _IDENTITY]
        unknown = [name for name in names if name not in ("gzip", "x-gzip", "deflate")]
        if unknown:
            raise EncodingRefused(
                f"the answer is encoded with {unknown[0][:40]!r}, which was not asked for "
                f"(Accept-Encoding: {ACCEPT_ENCODING})"
            )
        if len(names) > MAX_LAYERS:
            raise EncodingRefused(
                f"the answer stacks {len(names)} content encodings; at most {MAX_LAYERS} "
                "are decoded"
            )
        # Content-Encoding lists them in the order they were applied: undo the last first.
        self._layers = [_Layer(name) for name in reversed(names)]

    def decode(self, raw: bytes) -> Iterator[bytes]:
        """The decoded bytes of ``raw``, in pieces of at most :data:`DECODE_STEP`."""
        if not self._layers:
            for start in range(0, len(raw), DECODE_STEP):
                yield raw[start : start + DECODE_STEP]
            return
        yield from self._through(0, raw)

    def finish(self) -> Iterator[bytes]:
        """What the layers still hold at the end of the body."""
        for index, layer in enumerate(self._layers):
            for piece in layer.flush():
                yield from self._through(index + 1, piece)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._layers):
            yield data
            return
        for piece in self._layers[index].steps(data):
            yield from self._through(index + 1, piece)
