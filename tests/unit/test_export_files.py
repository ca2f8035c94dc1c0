"""Files written by an export or a save appear whole or not at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mpilot_tui.formats.export import FileSink, RowExport, save_bytes


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
