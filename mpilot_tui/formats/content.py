"""A file's content as the preview shows it, worked out without Textual or the network.

What the content is (text, or which kind of binary: :func:`is_text`, :func:`binary_kind`),
what the preview shows of it (:func:`describe_content`: the decoded, terminal-safe text with
JSON and JSONL indented, or a hex summary, and the note under the header), how much of it
came and how large the whole is (:class:`PreviewHead`, :func:`content_size`,
:func:`preview_extent`: ``Content-Range`` of a 206, ``Content-Length`` of a 200, else the
listing's word), and which lines a search matches. The preview screen only draws the result
(its highlighting is rich's :class:`~rich.syntax.Syntax`).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .text import human_bytes, visible

__all__ = [
    "HEX_BYTES",
    "LEXERS",
    "PRETTY_LINES",
    "PREVIEW_CAP",
    "ContentView",
    "PreviewHead",
    "binary_kind",
    "content_size",
    "describe_content",
    "extension",
    "hex_dump",
    "is_text",
    "lexer_for",
    "matching_lines",
    "pretty_json",
    "preview_extent",
]

PREVIEW_CAP = 256 * 1024
"""Bytes of text shown (and highlighted) at most; the rest is only saved."""
PRETTY_LINES = 2000
"""Lines of indented JSON shown at most; past them the records stay as sent."""
HEX_BYTES = 256
"""Bytes of a binary file shown as hex."""
LEXERS = {
    "jsonl": "json", "json": "json", "md": "markdown", "py": "python", "yaml": "yaml",
    "yml": "yaml", "xml": "xml", "html": "html", "js": "javascript", "toml": "toml",
}  # fmt: skip
"""Syntax highlighting by file extension; other text is shown plain (lexer ``text``)."""
TEXT_EXTENSIONS = (*LEXERS, "txt", "csv", "log", "tsv")
"""Extensions that make a file text whatever its bytes look like (no NUL among them)."""
TEXT_TYPES = ("text/", "json", "xml", "yaml", "javascript", "csv")
"""Parts of a ``Content-Type`` that make the content text."""
SIGNATURES = (
    (b"%PDF", "PDF document"), (b"\x89PNG", "PNG image"), (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
)  # fmt: skip
"""The first bytes of common binary formats, and what the preview calls them."""
PRETTY_NOTE = "pretty-printed (p: as sent)"


# -- what the content is -------------------------------------------------------------------


def extension(name: str) -> str:
    """The lower-cased extension of a file name's last part (``""``: none)."""
    return name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""


def is_text(sample: bytes, content_type: str, name: str) -> bool:
    """Whether ``sample`` (the content's first bytes) is shown as text: no NUL byte, and a
    text content type, a text extension, or bytes that decode as UTF-8 (a character cut at
    the sample's end is allowed)."""
    if b"\x00" in sample:
        return False
    if any(marker in content_type for marker in TEXT_TYPES):
        return True
    if extension(name) in TEXT_EXTENSIONS:
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return bool(sample)


def binary_kind(content: bytes) -> str:
    """What a binary content is, by its first bytes (``binary`` when none is known)."""
    return next((label for sig, label in SIGNATURES if content.startswith(sig)), "binary")


def lexer_for(name: str, content_type: str) -> str:
    """The highlighting for a text file: by extension, else JSON by content type, else
    ``text`` (plain)."""
    lexer = LEXERS.get(extension(name), "text")
    if lexer == "text" and "json" in content_type:
        return "json"
    return lexer


# -- what the preview shows ------------------------------------------------------------------


def hex_dump(data: bytes) -> str:
    """``data`` as offset, 16 hex bytes and their printable ASCII, a line per 16 bytes."""
    lines = []
    for offset in range(0, len(data), 16):
        row = data[offset : offset + 16]
        hexed = " ".join(f"{b:02x}" for b in row).ljust(47)
        shown = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in row)
        lines.append(f"{offset:08x}  {hexed}  |{shown}|")
    return "\n".join(lines)


def _indented(piece: str) -> str | None:
    """A JSON object or array indented; None for anything else (a scalar, a cut line)."""
    try:
        value = json.loads(piece)
    except ValueError:
        return None
    if not isinstance(value, dict | list):
        return None
    return json.dumps(value, indent=2, ensure_ascii=False)


def pretty_json(text: str, jsonl: bool) -> tuple[str, str | None]:
    """``text`` (JSON, or JSONL: one value a line) indented, and what the note says of it
    (None: nothing was indented). A line (or a document) that does not parse, such as the
    cut end of a preview, stays as it is; past :data:`PRETTY_LINES` lines the rest stays as
    sent (the screen draws every line, so a very long one would hold it up)."""
    if not jsonl:
        whole = _indented(text)
        if whole is not None:
            if whole.count("\n") >= PRETTY_LINES:
                return text, None
            return whole, PRETTY_NOTE
        if "\n" not in text.strip():
            return text, None
    out: list[str] = []
    used = done = records = 0
    for line in text.split("\n"):
        records += bool(line.strip())
        pretty = _indented(line) if line.strip() and used < PRETTY_LINES else None
        if pretty is not None:
            done += 1
            used += pretty.count("\n") + 1
            out.append(pretty)
        else:
            used += 1
            out.append(line)
    if not done:
        return text, None
    if used >= PRETTY_LINES and done < records:
        return "\n".join(out), f"the first {done:,} records {PRETTY_NOTE}"
    return "\n".join(out), PRETTY_NOTE


@dataclass(frozen=True)
class ContentView:
    """What the preview shows of a content: ``text`` highlighted with ``lexer``, or (when
    ``lexer`` is None) a hex dump; ``note`` describes it in a line."""

    text: str
    lexer: str | None
    note: str

    @property
    def binary(self) -> bool:
        return self.lexer is None


def describe_content(
    content: bytes,
    content_type: str,
    name: str,
    cap: int = PREVIEW_CAP,
    total: int | None = None,
    complete: bool = True,
    pretty: bool = True,
) -> ContentView:
    """What the preview shows of ``content``, and a one-line description of it.

    ``content`` is the whole file when ``complete``, else its first bytes, of ``total`` when
    that is known. With ``pretty``, JSON and each line of JSONL are indented. The text is
    terminal-safe (control characters escaped, tabs expanded)."""
    sample = content[:cap]
    size = max(len(content), total or 0)
    cut = not complete or size > cap
    if not is_text(sample, content_type, name):
        of = f"{size:,} bytes" if complete or size > len(content) else "a size not told"
        note = f"{binary_kind(content)} · hex of the first {min(len(content), HEX_BYTES):,} of {of}"
        return ContentView(hex_dump(content[:HEX_BYTES]), None, note)
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(sample, final=not cut)
    lines = [visible(line.rstrip("\r").expandtabs(4)) for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    lexer = lexer_for(name, content_type)
    code = "\n".join(lines)
    indented: str | None = None
    if pretty and lexer == "json" and code:
        code, indented = pretty_json(code, jsonl=extension(name) == "jsonl")
    label = "JSONL" if extension(name) == "jsonl" else lexer
    note = f"{label} · {len(lines):,} lines"
    if indented:
        note += f" · {indented}"
    if cut:
        whole = human_bytes(size) if size > len(sample) else "a size not told"
        note += f" · the first {human_bytes(len(sample))} of {whole} shown (s saves it all)"
    return ContentView(code, lexer, note)


def matching_lines(text: str, search: str) -> list[int]:
    """The lines of ``text`` (numbered from 0) holding ``search``, case-insensitive."""
    if not search:
        return []
    pattern = re.compile(re.escape(search), re.IGNORECASE)
    return [number for number, line in enumerate(text.split("\n")) if pattern.search(line)]


# -- how much came, of how much ---------------------------------------------------------------


class PreviewHead:
    """The first ``cap`` bytes of a content stream, as a sink takes them: :meth:`take`
    says whether more is wanted (no, once ``cap`` bytes are in)."""

    def __init__(self, cap: int = PREVIEW_CAP) -> None:
        self.cap = cap
        self.data = bytearray()
        self.cut = False
        """The stream held more than was taken (or exactly ``cap``: it was left there)."""

    def take(self, chunk: bytes) -> bool:
        room = self.cap - len(self.data)
        self.data.extend(chunk[:room])
        self.cut = self.cut or len(chunk) >= room
        return not self.cut

    def __len__(self) -> int:
        return len(self.data)


def content_size(status: int, headers: Mapping[str, str], listed: int | None) -> int | None:
    """The whole content's size: from ``Content-Range`` (a 206), else ``Content-Length`` (a
    200), else what the listing said (``listed``)."""
    if status == 206:
        _, _, whole = str(headers.get("content-range", "")).rpartition("/")
        if whole.strip().isdigit():
            return int(whole)
    elif status == 200:
        length = str(headers.get("content-length", "")).strip()
        if length.isdigit():
            return int(length)
    return listed


def preview_extent(
    status: int, headers: Mapping[str, str], head: PreviewHead, listed: int | None
) -> tuple[int | None, bool]:
    """The whole content's size (when known) and whether ``head`` holds all of it.

    Whole when the stream ended by itself (for a 206: when its range was all of it), or when
    the gateway says the file is exactly as long as what came; the gateway's own word (an
    identity-encoded length) is asked before the listing's."""
    told = content_size(status, headers, None)
    complete = told == len(head) or (not head.cut and status != 206)
    return (len(head) if complete else (told or listed)), complete
