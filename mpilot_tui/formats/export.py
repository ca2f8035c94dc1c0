"""Writing listing rows to a file as CSV, JSON or NDJSON, with the CLI's own writers.

No Textual here. The browser's export screen drives a :class:`RowExport` from a worker, one
page (or one chunk of loaded rows) at a time, and shows the progress reported after each
step. The formats are :mod:`.writers`: ``json`` holds the envelopes as the gateway
sent them, ``ndjson`` one item per line, ``csv`` a header then one formula-safe row per item.

A file is written under a temporary name next to the target and renamed into place only
when it is complete, so a cancelled or failed export leaves nothing behind at either name.
CSV and NDJSON are written as the rows come; JSON is one document, so its envelopes are
held until the end (as the CLI's ``--all --format json`` does).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import zlib
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from pydantic_core import from_json

from ..api.pagination import Page, items_of
from ..listing.rows import RowStore
from .table import CSV_FIELDS, FileFormat, Kind
from .writers import ListingWriter

__all__ = [
    "EXPORT_FORMATS",
    "ExportFormat",
    "FileSink",
    "LoadedPages",
    "Progress",
    "RowExport",
    "default_export_name",
    "export_envelopes",
    "export_items",
    "export_pages",
    "loaded_envelopes",
    "parse_body",
    "resolve_path",
    "safe_file_name",
    "save_bytes",
    "shown_items",
]

ExportFormat = FileFormat
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "json", "ndjson")
"""The file formats of an export: the CLI's, less its screen-only ``table``."""

Progress = Callable[[int, int | None], None]
"""Called after each step with the rows written so far and the total, when known."""

ROWS_PER_STEP = 2_000
"""Loaded rows written between two looks at the clock."""
ROWS_PER_BATCH = 1_000
"""Rows of loaded pages collected before they are written (CSV, NDJSON)."""
CELLS_PER_BATCH = 5_000
"""Rows made from the store's columns at a time (CSV)."""
STEP_SECONDS = 0.012
"""Writing between two turns of the event loop (so that frames keep coming)."""
PROGRESS_SECONDS = 0.1
"""At most one progress report this often (each repaints the dialog), and one at the end."""
SAVE_CHUNK = 256 * 1024
"""Bytes written between two progress reports when saving content."""

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(text: str, fallback: str = "file") -> str:
    """``text`` as one harmless file name: no separators, controls or leading dots."""
    name = _UNSAFE_NAME.sub("_", text).strip("._")[:80]
    return name or fallback


def default_export_name(kind: Kind, provider: str, fmt: ExportFormat) -> str:
    """``mpilot-<kind>-<provider>.<ext>``, e.g. ``mpilot-files-openai.csv``."""
    return f"mpilot-{kind.replace('_', '-')}-{safe_file_name(provider, 'provider')}.{fmt}"


def resolve_path(text: str, base: Path | None = None) -> Path:
    """A typed path made absolute: ``~`` expanded, relative to ``base`` (the current folder)."""
    path = Path(text.strip()).expanduser()
    return path if path.is_absolute() else (base or Path.cwd()) / path


def _partial_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.part")


class _PartialFile:
    """A file written under a temporary name beside ``path`` and renamed into place by
    :meth:`finish` only when complete; :meth:`abort` (also on leaving a ``with`` block by an
    exception) leaves nothing at either name. Raises ``OSError`` when it cannot be created.
    """

    def __init__(self, path: Path, out: IO[Any]) -> None:
        self.path = path
        self.partial = _partial_path(path)
        """Where the file is written until it is complete."""
        self._out = out
        self.done = False

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self.done:
            self.abort()

    def _complete(self) -> None:
        """Write what is still held before the file is closed (subclasses)."""

    def finish(self) -> Path:
        """Complete the file and move it to :attr:`path`."""
        try:
            self._complete()
            self._out.close()
            os.replace(self.partial, self.path)
        except BaseException:
            self.abort()
            raise
        self.done = True
        return self.path

    def abort(self) -> None:
        """Drop what was written (even when closing fails, as on a full disk)."""
        self.done = True
        try:
            self._out.close()
        except OSError:
            pass  # the buffered rest could not be flushed: it is being thrown away anyway
        finally:
            self.partial.unlink(missing_ok=True)


class RowExport(_PartialFile):
    """One export in progress: items or whole envelopes in, one file out."""

    def __init__(
        self, path: Path, fmt: ExportFormat, kind: Kind, scrub: Callable[[Any], Any] | None = None
    ) -> None:
        # backslashreplace: a lone surrogate in a CSV cell is written escaped, not fatal.
        out = open(  # noqa: SIM115 - closed in finish()/abort()
            _partial_path(path), "w", encoding="utf-8", errors="backslashreplace", newline=""
        )
        super().__init__(path, out)
        self.format: ExportFormat = fmt
        self.kind: Kind = kind
        self._writer = ListingWriter(fmt, kind, out, scrub=scrub)

    @property
    def rows(self) -> int:
        """Items written (or, for JSON, collected) so far."""
        return self._writer.rows

    def add_items(self, items: Sequence[dict[str, Any]]) -> int:
        """Write items (a filtered or sorted selection); JSON wraps them in one list envelope."""
        return self._writer.add_items(items)

    def add_envelope(self, envelope: Any) -> int:
        """Write one page's envelope: kept whole for JSON, its ``data`` items otherwise."""
        return self._writer.add_envelope(envelope)

    @property
    def writes_columns(self) -> bool:
        """Whether :meth:`add_columns` may be used (CSV, nothing to mask)."""
        return self._writer.writes_columns

    def add_columns(self, values: list[list[Any]]) -> int:
        """Write rows given as each CSV field's values (see ``ListingWriter``)."""
        return self._writer.add_columns(values)

    @property
    def writes_lines(self) -> bool:
        """Whether :meth:`add_lines` may be used (NDJSON, nothing to mask)."""
        return self._writer.writes_lines

    def add_lines(self, lines: bytes, count: int) -> int:
        """Write ``count`` items given as their NDJSON lines (see ``ListingWriter``)."""
        return self._writer.add_lines(lines, count)

    def _complete(self) -> None:
        self._writer.finish(empty_document=True)

    def abort(self) -> None:
        self._writer.clear()
        super().abort()


class LoadedPages:
    """A listing's loaded pages (the first ``pages``): iterated, their envelopes as the
    gateway sent them; :func:`export_envelopes` writes NDJSON from their bodies and CSV from
    the store's columns where it can."""

    def __init__(self, store: RowStore, pages: int | None = None) -> None:
        self.store = store
        self.records = store.pages[:pages]

    def __iter__(self) -> Iterator[Any]:
        for record in self.records:
            yield parse_body(zlib.decompress(record.compressed))


def loaded_envelopes(store: RowStore, pages: int | None = None) -> LoadedPages:
    """The envelopes of a listing's loaded pages (the first ``pages``), as the gateway sent
    them."""
    return LoadedPages(store, pages)


def parse_body(body: bytes) -> Any:
    """A response body parsed as ``json.loads`` does, by pydantic-core when it can (about
    1.5x faster); what it refuses (a lone surrogate escape, a BOM) by the standard library."""
    try:
        return from_json(body)
    except ValueError:
        return json.loads(body)


def shown_items(store: RowStore, rows: Sequence[int]) -> list[dict[str, Any]]:
    """The full items at store ``rows``, in that order; each page is parsed once."""
    wanted: dict[int, list[tuple[int, int]]] = {}
    for position, row in enumerate(rows):
        record = store.page_of(row)
        wanted.setdefault(id(record), []).append((position, row))
    found: list[dict[str, Any] | None] = [None] * len(rows)
    for record in store.pages:
        needed = wanted.get(id(record))
        if not needed:
            continue
        body = json.loads(zlib.decompress(record.compressed))
        items = items_of(store.kind, body)
        for position, row in needed:
            offset = row - record.start
            item = items[offset] if 0 <= offset < len(items) else None
            found[position] = item if isinstance(item, dict) else store.summary(row)
    return [item if item is not None else store.summary(rows[i]) for i, item in enumerate(found)]


class _Pacer:
    """When to give the event loop a turn and when to report progress, by the clock."""

    def __init__(self, export: RowExport, total: int | None, progress: Progress) -> None:
        self.export = export
        self.total = total
        self.progress = progress
        now = time.perf_counter()
        self.turn_at = now + STEP_SECONDS
        self.report_at = now + PROGRESS_SECONDS

    async def step(self, force_turn: bool = False) -> None:
        now = time.perf_counter()
        if now >= self.report_at:
            self.report_at = now + PROGRESS_SECONDS
            self.progress(self.export.rows, self.total)
        if force_turn or now >= self.turn_at:
            await asyncio.sleep(0)
            self.turn_at = time.perf_counter() + STEP_SECONDS

    def done(self) -> None:
        self.progress(self.export.rows, self.total)


async def export_items(
    export: RowExport, items: Sequence[dict[str, Any]], progress: Progress
) -> None:
    """Write ``items`` in steps, reporting progress and letting the event loop run between."""
    total = len(items)
    pacer = _Pacer(export, total, progress)
    for start in range(0, total, ROWS_PER_STEP):
        export.add_items(items[start : start + ROWS_PER_STEP])
        await pacer.step()
    pacer.done()


async def export_envelopes(
    export: RowExport, envelopes: Iterable[Any], total: int | None, progress: Progress
) -> None:
    """Write loaded pages' envelopes: JSON keeps each whole; CSV and NDJSON write the items
    of several pages at a time (the same bytes as page by page, fewer calls)."""
    pacer = _Pacer(export, total, progress)
    if export.format == "json":
        for envelope in envelopes:
            export.add_envelope(envelope)
            await pacer.step()
        pacer.done()
        return
    if isinstance(envelopes, LoadedPages) and export.writes_lines:
        await _export_lines(export, envelopes, pacer)
        return
    if isinstance(envelopes, LoadedPages) and export.writes_columns:
        await _export_cells(export, envelopes, pacer)
        return
    batch: list[dict[str, Any]] = []
    for envelope in envelopes:
        batch += [item for item in items_of(export.kind, envelope) if isinstance(item, dict)]
        if len(batch) >= ROWS_PER_BATCH:
            export.add_items(batch)
            batch = []
            await pacer.step()
    if batch:
        export.add_items(batch)
    pacer.done()


async def _export_lines(export: RowExport, pages: LoadedPages, pacer: _Pacer) -> None:
    """NDJSON of loaded pages: each page whose body holds its items as NDJSON writes them
    (checked when it was stored) is written from the body, the rest parsed and serialised;
    the same bytes either way."""
    kind = export.kind
    lines: list[bytes] = []
    count = 0
    for record in pages.records:
        body = zlib.decompress(record.compressed)
        span = record.lines
        if span is not None:
            lines.append(body[span[0] : span[1]].replace(b"},{", b"}\n{"))
            count += record.count
        else:
            if lines:
                export.add_lines(b"\n".join(lines), count)
                lines, count = [], 0
            items = items_of(kind, parse_body(body))
            export.add_items([item for item in items if isinstance(item, dict)])
            await pacer.step()  # a page parsed and written: let the UI paint and cancel
        if count >= ROWS_PER_BATCH:
            export.add_lines(b"\n".join(lines), count)
            lines, count = [], 0
            await pacer.step()
    if lines:
        export.add_lines(b"\n".join(lines), count)
    pacer.done()


async def _export_cells(export: RowExport, pages: LoadedPages, pacer: _Pacer) -> None:
    """CSV of loaded pages: the rows of each page whose CSV fields the store's columns hold
    (checked when it was stored) are made from the columns, the rest parsed from the body;
    the same bytes either way."""
    store, kind = pages.store, export.kind
    fields = CSV_FIELDS[kind]
    start = end = 0  # rows still to write from the columns

    def flush() -> None:
        if end > start:
            export.add_columns(_csv_values(store, fields, start, end))

    for record in pages.records:
        if record.cells:
            if record.start != end:
                flush()
                start = record.start
            end = record.start + record.count
            if end - start < CELLS_PER_BATCH:
                continue
            flush()
        else:
            flush()
            items = items_of(kind, parse_body(zlib.decompress(record.compressed)))
            export.add_items([item for item in items if isinstance(item, dict)])
            end = record.start + record.count
        start = end
        await pacer.step()
    flush()
    pacer.done()


def _csv_values(store: RowStore, fields: Sequence[str], start: int, end: int) -> list[list[Any]]:
    """Each CSV field's values for rows start..end, from the columns (None where the store
    has no column, or the number is missing)."""
    values: list[list[Any]] = []
    for name in fields:
        if name == "id":
            values.append(store.ids[start:end])
        elif name in store.text:
            values.append(store.text[name][start:end])
        elif name in store.ints:
            values.append(store.ints[name].values_or_none(start, end))
        else:
            values.append([None] * (end - start))
    return values


async def export_pages(
    export: RowExport, pages: AsyncIterator[Page[Any]], progress: Progress
) -> int:
    """Write every page the iterator fetches; returns the number of pages."""
    count = 0
    pacer = _Pacer(export, None, progress)
    async for page in pages:
        export.add_envelope(parse_body(page.raw))
        count += 1
        # An in-process transport may never suspend: yield, so the screen shows progress and
        # a cancel gets in.
        await pacer.step(force_turn=True)
    pacer.done()
    return count


class FileSink(_PartialFile):
    """Bytes written to ``path`` as they come; its :meth:`write` is a
    :data:`~mpilot_tui.api._http.Sink` for a streamed download."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, open(_partial_path(path), "wb"))  # noqa: SIM115
        self.written = 0

    def write(self, chunk: bytes) -> bool:
        self._out.write(chunk)
        self.written += len(chunk)
        return True


def save_bytes(path: Path, content: bytes, chunk: int = SAVE_CHUNK) -> Generator[int, None, None]:
    """Write ``content`` to ``path`` in chunks, yielding the bytes written after each.

    Closing the generator early (a cancelled save) removes the partial file.
    """
    with FileSink(path) as sink:
        for start in range(0, len(content), chunk):
            sink.write(content[start : start + chunk])
            yield sink.written
        if not content:
            yield 0
        sink.finish()
