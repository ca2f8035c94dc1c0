"""Deterministic file content of exactly the advertised size, produced lazily.

Content is a short header followed by a body block repeated up to the file's ``bytes``; any
byte range is computed without producing what precedes it, so a 500 MB file costs nothing
until it is read. Text formats end on a line boundary: a final line that would be cut is
replaced by spaces and a newline, so ``.jsonl`` stays one JSON object per non-blank line.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from starlette.responses import StreamingResponse

from mpilot_tui.demo.data import TOPICS
from mpilot_tui.demo.ids import digest

__all__ = [
    "MEDIA_TYPES",
    "Content",
    "content_for",
    "content_response",
    "media_type",
    "parse_range",
]

MEDIA_TYPES: dict[str, str] = {
    "jsonl": "application/jsonl",
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "py": "text/x-python; charset=utf-8",
    "pdf": "application/pdf",
    "png": "image/png",
}
"""Content type per file extension; anything else is ``application/octet-stream``."""
_TEXT = frozenset({"jsonl", "csv", "txt", "md", "py"})
_SENTENCES = (
    "Revenue in the EMEA region grew eleven percent quarter over quarter.",
    "The support backlog fell below two hundred open tickets for the first time.",
    "Customers on the annual plan churned at half the rate of monthly customers.",
    "Latency at the 95th percentile stayed under four hundred milliseconds.",
    "Three invoices were flagged for manual review because totals did not match.",
    "The evaluation set covers refunds, shipping delays and account recovery.",
    "Action item: confirm the data retention policy with the legal team.",
)
_PROMPTS = (
    "Summarise this support ticket in one sentence.",
    "Classify the sentiment of the following review.",
    "Extract the invoice number and total amount.",
    "Translate the customer's message into English.",
    "Suggest a reply to the customer's question about billing.",
)


def media_type(filename: str) -> str:
    """The content type the upstream sends for ``filename``."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return MEDIA_TYPES.get(extension, "application/octet-stream")


@dataclass(frozen=True)
class Content:
    """The bytes of one file: ``header`` then ``body`` repeated, ``size`` bytes in all."""

    media_type: str
    size: int
    header: bytes
    body: bytes
    text: bool

    def _raw(self, start: int, stop: int) -> bytes:
        out = bytearray()
        head = len(self.header)
        if start < head:
            out += self.header[start : min(stop, head)]
            start = head
        while start < stop:
            offset = (start - head) % len(self.body)
            take = min(stop - start, len(self.body) - offset)
            out += self.body[offset : offset + take]
            start += take
        return bytes(out)

    def _cut(self) -> int:
        """Where the padded final line starts (``size`` when the content ends cleanly)."""
        if self.size == 0 or self._raw(self.size - 1, self.size) == b"\n":
            return self.size
        head = len(self.header)
        if self.size <= head:
            return self.header.rfind(b"\n", 0, self.size) + 1
        offset = (self.size - head) % len(self.body)
        found = self.body.rfind(b"\n", 0, offset)
        if found >= 0:
            return self.size - offset + found + 1
        block_start = self.size - offset
        if block_start > head:
            return block_start
        return self.header.rfind(b"\n") + 1

    def read(self, start: int = 0, stop: int | None = None) -> bytes:
        """Bytes ``[start, stop)`` of the content."""
        stop = self.size if stop is None else min(stop, self.size)
        start = max(0, start)
        if start >= stop:
            return b""
        data = bytearray(self._raw(start, stop))
        if self.text:
            cut = self._cut()
            for position in range(max(start, cut), stop):
                data[position - start] = 0x0A if position == self.size - 1 else 0x20
        return bytes(data)

    def chunks(
        self, start: int = 0, stop: int | None = None, size: int = 65_536
    ) -> Iterator[bytes]:
        """Bytes ``[start, stop)`` in chunks of at most ``size``."""
        stop = self.size if stop is None else min(stop, self.size)
        while start < stop:
            end = min(stop, start + size)
            yield self.read(start, end)
            start = end


def content_for(filename: str, size: int, *key: object) -> Content:
    """The content of a file called ``filename`` of ``size`` bytes; ``key`` seeds it."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    rng = random.Random(int.from_bytes(digest("content", *key)[:16], "big"))
    header, body = _blocks(extension, filename, rng)
    return Content(media_type(filename), size, header, body, extension in _TEXT)


def _blocks(extension: str, filename: str, rng: random.Random) -> tuple[bytes, bytes]:
    if extension == "jsonl":
        return b"", "".join(_jsonl_line(filename, rng, n) + "\n" for n in range(40)).encode()
    if extension == "csv":
        rows = "".join(
            f"{n},2026-{rng.randint(7, 10):02d}-{rng.randint(1, 28):02d},"
            f"{rng.choice(('emea', 'amer', 'apac'))},{rng.randint(10, 99_999) / 100:.2f},"
            f"{rng.choice(('paid', 'open', 'refunded'))}\n"
            for n in range(1, 200)
        )
        return b"id,date,region,amount,status\n", rows.encode()
    if extension in ("txt", "md"):
        title = filename.rsplit(".", 1)[0].replace("_", " ")
        header = f"# {title}\n\n" if extension == "md" else f"{title}\n\n"
        lines = "".join(" ".join(rng.sample(_SENTENCES, 3)) + "\n\n" for _ in range(12))
        return header.encode(), lines.encode()
    if extension == "py":
        body = "".join(
            f"summary_{n} = df.groupby('{rng.choice(TOPICS)}')['amount'].sum()\n" for n in range(60)
        )
        return b"import pandas as pd\n\ndf = pd.read_csv('/mnt/data/input.csv')\n", body.encode()
    if extension == "pdf":
        return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", rng.randbytes(4096)
    if extension == "png":
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", rng.randbytes(4096)
    return b"", rng.randbytes(4096)


def _jsonl_line(filename: str, rng: random.Random, n: int) -> str:
    prompt = rng.choice(_PROMPTS)
    answer = rng.choice(_SENTENCES)
    if "output" in filename or "error" in filename:
        status = 400 if "error" in filename else 200
        body: object = {
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}],
        }
        line: object = {
            "id": f"batch_req_{rng.getrandbits(64):016x}",
            "custom_id": f"request-{n + 1}",
            "response": {"status_code": status, "body": body},
        }
    elif "fine_tune" in filename or filename.startswith("ft_"):
        line = {
            "messages": [
                {"role": "system", "content": "You are a helpful support assistant."},
                {"role": "user", "content": prompt},
                {"role": "assistant", "content": answer},
            ]
        }
    elif "eval" in filename or "golden" in filename:
        line = {"item": {"input": prompt, "ideal": answer}}
    else:
        line = {
            "custom_id": f"request-{n + 1}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]},
        }
    return json.dumps(line, separators=(",", ":"))


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``[start, stop)`` of a single ``bytes=`` range, or None to send everything."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec or "-" not in spec or size == 0:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if not first:
            start, stop = max(0, size - int(last)), size
        else:
            start = int(first)
            stop = size if not last else min(size, int(last) + 1)
    except ValueError:
        return None
    return (start, stop) if 0 <= start < stop else None


async def _delayed(chunks: Iterator[bytes], delay_ms: int) -> AsyncIterator[bytes]:
    """``chunks``, after waiting ``delay_ms`` before the first one."""
    await asyncio.sleep(delay_ms / 1000)
    for chunk in chunks:
        yield chunk


def content_response(
    content: Content,
    range_header: str = "",
    *,
    honour_range: bool = True,
    delay_ms: int = 0,
    headers: dict[str, str] | None = None,
) -> StreamingResponse:
    """The streamed content with its upstream content type and exact length.

    With ``honour_range`` (1.x) a single ``Range: bytes=…`` is answered 206 with that slice;
    a 2.x gateway (``honour_range`` False) fetches the whole file from upstream first and
    answers 200 with all of it whatever the ``Range``. ``delay_ms`` is how long the first byte
    waits (the upstream download).
    """
    start, stop, status = 0, content.size, 200
    sent = dict(headers or {})
    if honour_range:
        sent["accept-ranges"] = "bytes"
        wanted = parse_range(range_header, content.size)
        if wanted is not None:
            start, stop, status = wanted[0], wanted[1], 206
            sent["content-range"] = f"bytes {start}-{stop - 1}/{content.size}"
    sent["content-length"] = str(stop - start)
    chunks = content.chunks(start, stop)
    return StreamingResponse(
        _delayed(chunks, delay_ms) if delay_ms > 0 else chunks,
        status_code=status,
        media_type=content.media_type,
        headers=sent,
    )
