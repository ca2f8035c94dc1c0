"""Files written by an export or a save appear whole or not at all."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from mpilot_tui.api.models import ExtraFields, FileObject
from mpilot_tui.api.pagination import Page, ResponseMeta, items_of
from mpilot_tui.api.redaction import Redactor
from mpilot_tui.formats.export import (
    ExportFormat,
    FileSink,
    RowExport,
    export_envelopes,
    loaded_envelopes,
    parse_body,
    save_bytes,
)
from mpilot_tui.listing.rows import RowStore

META = ResponseMeta("GET", "http://gateway.test/openai/v1/files", 200, 1.0, 10, 0.0)


def test_file_sink_puts_the_file_in_place_only_when_finished(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with FileSink(target) as sink:
        sink.write(b"abc")
        sink.write(b"def")
        assert not target.exists()
        assert sink.partial.exists()
        sink.finish()
    assert target.read_bytes() == b"abcdef"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


class _FullDisk:
    """A file on a disk that has just filled up: writes fail, and so does the flush on close."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def write(self, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    def close(self) -> None:
        self.real.close()
        raise OSError(28, "No space left on device")


def test_a_full_disk_leaves_no_partial_file(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "out.bin")
    sink.write(b"some")
    sink._out = _FullDisk(sink._out)  # type: ignore[assignment]
    with pytest.raises(OSError, match="No space left"), sink:
        sink.write(b"more")
    assert list(tmp_path.iterdir()) == []


def test_an_export_abandoned_midway_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "rows.ndjson"
    with pytest.raises(RuntimeError), RowExport(target, "ndjson", "files") as export:
        export.add_items([{"id": "file-1"}])
        raise RuntimeError("cancelled")
    assert list(tmp_path.iterdir()) == []


def test_a_closed_save_generator_leaves_nothing(tmp_path: Path) -> None:
    writer = save_bytes(tmp_path / "c.txt", b"x" * 10, chunk=4)
    assert next(writer) == 4
    writer.close()
    assert list(tmp_path.iterdir()) == []


def _page(body: bytes, items: int) -> Page[Any]:
    models = [FileObject(id=f"f{k}") for k in range(items)]
    return Page("files", models, False, None, None, ExtraFields(), META, body)


def assert_loaded_export_is_parsed_export(
    store: RowStore, bodies: list[bytes], fmt: ExportFormat, folder: Path
) -> None:
    """The dialog's export of the loaded rows (no secrets to mask) writes what writing the
    items parsed from the bodies writes."""
    fast, plain = folder / f"fast.{fmt}", folder / f"plain.{fmt}"
    export = RowExport(fast, fmt, "files", scrub=Redactor().scrub_json)
    asyncio.run(export_envelopes(export, loaded_envelopes(store), None, lambda *_: None))
    export.finish()
    reference = RowExport(plain, fmt, "files")
    for body in bodies:
        items = items_of("files", parse_body(body))
        reference.add_items([item for item in items if isinstance(item, dict)])
    reference.finish()
    assert fast.read_bytes() == plain.read_bytes()
    assert export.rows == reference.rows == 2 * len(bodies)


BODIES = [
    # As the writer serialises them: written from the body.
    b'{"object":"list","data":[{"id":"f0","bytes":1},{"id":"f1","filename":"\xc3\xa9\xe2\x80\xa8"}]}',
    b'{"data":[{"id":"f0","filename":"a},{b"},{"id":"f1"}],"has_more":false}',  # },{ in a name
    b'{"data": [{"id": "f0"}, {"id": "f1"}]}',  # spaces
    b'{"data":[{"id":"f0","bytes":1.50},{"id":"f1","e":"\\u00e9\\/"}]}',  # other forms
    b'{"data":[{"id":"f0","n":NaN},{"id":"f1","x":1e400}]}',
    b'{"data":[{"id":"f0","s":"\\ud800"},{"id":"f1"}]}',  # a lone surrogate
    b'{"data":[{"id":"f0","k":1,"k":2},{"id":"f1"}]}',  # a repeated key
    b'{"data":[{"id":"f0","c":"\x7f\xc2\x85"},{"id":"f1"}]}',  # DEL, C1: escaped on output
]


def test_ndjson_of_loaded_pages_is_the_same_bytes_from_the_body_or_parsed(
    tmp_path: Path,
) -> None:
    store = RowStore("files")
    for body in BODIES:
        store.append_page(_page(body, 2))
    assert store.pages[0].lines is not None and store.pages[7].lines is not None
    assert [record.lines is None for record in store.pages[1:7]] == [True] * 6
    assert_loaded_export_is_parsed_export(store, BODIES, "ndjson", tmp_path)


CSV_BODIES = [
    # Every CSV field as the columns hold it: rows made from the columns.
    b'{"data":[{"id":"f0","bytes":1,"filename":"=1+2","purpose":"p"},{"id":"f1","x":[1]}]}',
    b'{"data":[{"id":"f2","bytes":null,"created_at":5,"filename":"a\\r\\nb"},{"id":"f3"}]}',
    b'{"data":[{"id":"f4","bytes":1.0},{"id":"f5"}]}',  # a float where the column has an int
    b'{"data":[{"id":"f6","status_details":"x"},{"id":"f7"}]}',
    b'{"data":[{"id":"f8","bytes":true},{"id":"f9","bytes":99999999999999999999}]}',
    b'{"data":[{"id":"f10","filename":"\\u00e9"},{"id":"f11","updated_at":3}]}',  # no column
]


def test_csv_of_loaded_pages_is_the_same_bytes_from_the_columns_or_parsed(
    tmp_path: Path,
) -> None:
    store = RowStore("files")
    for body in CSV_BODIES:
        items = items_of("files", parse_body(body))
        models = [FileObject.model_validate(item, strict=False) for item in items]
        store.append_page(Page("files", models, False, None, None, ExtraFields(), META, body))
    assert [record.cells for record in store.pages] == [True, True, False, True, False, False]
    assert_loaded_export_is_parsed_export(store, CSV_BODIES, "csv", tmp_path)
