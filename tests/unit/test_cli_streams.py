"""Output streams whose encoding cannot hold every character (latin-1, ASCII)."""

from __future__ import annotations

import io
import json

from mpilot_tui.cli.streams import fit_streams_to_encoding, holds_unicode, use_json_escapes
from mpilot_tui.formats.table import write_table
from mpilot_tui.formats.writers import write_ndjson


def _stream(encoding: str) -> tuple[io.BytesIO, io.TextIOWrapper]:
    raw = io.BytesIO()
    return raw, io.TextIOWrapper(raw, encoding=encoding, newline="")


def test_json_on_ascii_output_escapes_and_round_trips() -> None:
    raw, out = _stream("ascii")
    use_json_escapes(out)
    item = {"filename": "r\u00e9sum\u00e9 \u2026 \u65e5\u672c \U0001f600.txt"}
    write_ndjson([item], out)
    out.flush()
    assert json.loads(raw.getvalue().decode("ascii")) == item


def test_text_on_latin1_output_uses_ascii_stand_ins(monkeypatch: object) -> None:
    raw, out = _stream("latin-1")
    import sys

    monkeypatch.setattr(sys, "stdout", out)  # type: ignore[attr-defined]
    fit_streams_to_encoding()
    rows = [{"id": "file-1", "filename": "caf\u00e9 \u65e5\u672c\u8a9e" + "x" * 80}]
    write_table(rows, "files", out, 60, ellipsis="...")
    out.write("\u2014 \u256d\u2500\u256e \u2603\n")
    out.flush()
    text = raw.getvalue().decode("latin-1")
    assert "caf\u00e9" in text  # latin-1 holds it: kept
    assert "..." in text and "- +-+ ?" in text


def test_utf8_streams_are_left_alone() -> None:
    _, out = _stream("utf-8")
    assert holds_unicode(out)
    use_json_escapes(out)
    assert out.errors == "strict"
