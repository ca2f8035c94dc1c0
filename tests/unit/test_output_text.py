"""Output writers (table, json, ndjson, csv) and the text helpers that make gateway text safe."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpilot_tui.formats.table import (
    COLUMNS,
    CSV_FIELDS,
    GAP,
    Kind,
    csv_safe,
    fit_cell,
    layout_columns,
    render_table,
    write_table,
)
from mpilot_tui.formats.text import (
    ago,
    cell_width,
    ellipsize,
    human_bytes,
    local_time,
    utc_iso,
    visible,
)
from mpilot_tui.formats.writers import CsvWriter, ListingWriter, write_csv, write_json, write_ndjson

HOSTILE = [
    "plain",
    "tab\there",
    "new\nline",
    "bell\x07",
    "nul\x00",
    "\x1b[31mred\x1b[0m",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]8;;http://x.invalid\x1b\\link\x1b]8;;\x1b\\",
    "c1 csi \x9b31m",
    "nel\x85",
    "del\x7f",
    "rtl \u202eexe.txt",
    "isolate \u2066x\u2069",
    "zero\u200bwidth\u200d\ufeff",
    "line\u2028sep\u2029",
    "[bold red]x[/]",
    "tag\U000e0041\U000e007f",
    "soft\u00adhyphen",
    "café 日本語 🙂",
]
"""Strings a hostile or careless gateway may send."""

UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}


def _unsafe(text: str) -> list[str]:
    """Characters a terminal would act on or hide, other than the newline that ends a line."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in UNSAFE_CATEGORIES]


def _file(**fields: Any) -> dict[str, Any]:
    row = {
        "id": "file-abc123",
        "object": "file",
        "bytes": 1536,
        "created_at": 1_700_000_000,
        "filename": "report.pdf",
        "purpose": "assistants",
        "status": "processed",
        "status_details": None,
        "expires_at": None,
        "updated_at": None,
    }
    row.update(fields)
    return row


# -- visible() ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x00", "\\x00"),
        ("a\tb", "a\\x09b"),
        ("a\nb\r", "a\\x0ab\\x0d"),
        ("\x07", "\\x07"),
        ("\x7f", "\\x7f"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("\x1b]52;c;ZXZpbA==\x07", "\\x1b]52;c;ZXZpbA==\\x07"),
        ("\x9b31m", "\\x9b31m"),
        ("\x85", "\\x85"),
        ("a\u202eb", "a\\u202eb"),
        ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),
        ("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"),
        ("z\u200bw\u200c\u200dj", "z\\u200bw\\u200c\\u200dj"),
        ("\ufeffbom", "\\ufeffbom"),
        ("\u2060\u2028\u2029", "\\u2060\\u2028\\u2029"),
        ("soft\u00adhyphen", "soft\\u00adhyphen"),
        ("tag\U000e0041", "tag\\U000e0041"),
    ],
)
def test_visible_escapes_controls_and_invisible_characters(raw: str, shown: str) -> None:
    assert visible(raw) == shown


@pytest.mark.parametrize(
    "text",
    ["plain ascii", "café", "日本語のファイル.txt", "emoji 🙂👍🏽", "[bold red]x[/]", "a\\x1b"],
)
def test_visible_keeps_ordinary_text(text: str) -> None:
    assert visible(text) == text


def test_visible_keeps_visible_unicode_spaces() -> None:
    assert visible("a\u00a0b\u3000c") == "a\u00a0b\u3000c"


def test_visible_of_non_strings() -> None:
    assert visible(42) == "42"
    assert visible(None) == "None"


@pytest.mark.parametrize("text", HOSTILE)
def test_visible_output_is_one_safe_line(text: str) -> None:
    shown = visible(text)
    assert "\n" not in shown
    assert _unsafe(shown) == []


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_visible_property(text: str) -> None:
    shown = visible(text)
    assert _unsafe(shown) == []
    assert "\n" not in shown and "\r" not in shown and "\x1b" not in shown
    assert visible(shown) == shown


# -- human_bytes, times ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (None, ""),
        (0, "0 B"),
        (1, "1 B"),
        (1023, "1023 B"),
        (1024, "1.0 KB"),
        (1536, "1.5 KB"),
        (1024 * 1024 - 1, "1.0 MB"),
        (1024 * 1024, "1.0 MB"),
        (int(2.5 * 1024**2), "2.5 MB"),
        (5 * 1024**3, "5.0 GB"),
        (3 * 1024**4, "3.0 TB"),
        (4096 * 1024**4, "4096.0 TB"),
    ],
)
def test_human_bytes(size: int | None, shown: str) -> None:
    assert human_bytes(size) == shown


@pytest.mark.parametrize(
    ("timestamp", "shown"),
    [
        (None, ""),
        (0, "1970-01-01T00:00:00Z"),
        (1_700_000_000, "2023-11-14T22:13:20Z"),
        (1_700_000_000.5, "2023-11-14T22:13:20.500000Z"),
        (10**20, "@100000000000000000000"),
    ],
)
def test_utc_iso(timestamp: float | None, shown: str) -> None:
    assert utc_iso(timestamp) == shown


def test_local_time() -> None:
    expected = datetime.fromtimestamp(1_700_000_000).strftime("%Y-%m-%d %H:%M")
    assert local_time(1_700_000_000) == expected
    assert local_time(1_700_000_000, "%Y") == datetime.fromtimestamp(1_700_000_000).strftime("%Y")
    assert local_time(None) == ""
    assert local_time(10**20) == "@100000000000000000000"


NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("timestamp", "shown"),
    [
        (None, ""),
        (NOW, "just now"),
        (NOW - 59, "just now"),
        (NOW - 60, "1 minute ago"),
        (NOW - 150, "2 minutes ago"),
        (NOW - 3600, "1 hour ago"),
        (NOW - 3 * 86_400 - 5, "3 days ago"),
        (NOW - 400 * 86_400, "1 year ago"),
        (NOW - 800 * 86_400, "2 years ago"),
        (NOW + 2 * 3600 + 1, "in 2 hours"),
        (NOW + 86_400, "in 1 day"),
    ],
)
def test_ago(timestamp: float | None, shown: str) -> None:
    assert ago(timestamp, now=NOW) == shown


# -- ellipsize, widths ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("abcdef", 0, ""),
        ("abcdef", -3, ""),
        ("abcdef", 1, "…"),
        ("abcdef", 3, "ab…"),
        ("abcdef", 6, "abcdef"),
        ("abcdef", 10, "abcdef"),
        ("日本語テキスト", 7, "日本語…"),
        ("日本語テキスト", 14, "日本語テキスト"),
        ("a日本", 4, "a日…"),
    ],
)
def test_ellipsize(text: str, width: int, shown: str) -> None:
    assert ellipsize(text, width) == shown
    assert cell_width(ellipsize(text, width)) <= max(width, 0)


def test_cell_width() -> None:
    assert cell_width("abc") == 3
    assert cell_width("日本") == 4
    assert cell_width("") == 0


@pytest.mark.parametrize(
    ("text", "width", "right", "shown"),
    [
        ("abc", 5, False, "abc  "),
        ("abc", 5, True, "  abc"),
        ("abc", 3, False, "abc"),
        ("abcdef", 4, False, "abc…"),
        ("abcdef", 4, True, "abc…"),
        ("abcdef", 0, False, ""),
        ("日本語", 6, False, "日本語"),
        ("日本語", 5, False, "日本…"),
        ("日本語", 4, False, "日 …"),
    ],
)
def test_fit_cell_is_exactly_the_width(text: str, width: int, right: bool, shown: str) -> None:
    assert fit_cell(text, width, right) == shown
    assert cell_width(fit_cell(text, width, right)) == width


@pytest.mark.parametrize("kind", ["files", "container_files", "containers"])
def test_layout_columns_always_fits_and_keeps_order(kind: str) -> None:
    columns = COLUMNS[kind]  # type: ignore[index]
    for width in range(40, 260):
        layout = layout_columns(columns, width)
        used = sum(w for _, w in layout) + GAP * (len(layout) - 1)
        assert used <= width, (width, layout)
        chosen = [c for c, _ in layout]
        assert chosen == [c for c in columns if c in chosen]
        assert all(c in chosen for c in columns if c.priority == 0)
        assert all(w <= c.maximum for c, w in layout)


def test_layout_columns_drops_low_priority_columns_on_narrow_screens() -> None:
    wide = [c.header for c, _ in layout_columns(COLUMNS["files"], 200)]
    narrow = [c.header for c, _ in layout_columns(COLUMNS["files"], 80)]
    assert wide == [c.header for c in COLUMNS["files"]]
    assert set(narrow) < set(wide)
    assert narrow[:2] == ["ID", "FILENAME"]
    assert "EXPIRES" not in narrow


# -- table --------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    assert text.endswith("\n")
    return text[:-1].split("\n")


def test_table_has_a_header_and_one_line_per_row() -> None:
    out = io.StringIO()
    count = write_table([_file(), _file(id="file-2", filename="b.txt")], "files", out, width=200)
    lines = _lines(out.getvalue())
    assert count == 2
    assert len(lines) == 3
    assert lines[0].split() == [c.header for c in COLUMNS["files"]]
    assert lines[1].split()[:4] == ["file-abc123", "report.pdf", "assistants", "processed"]
    assert "1.5 KB" in lines[1]
    assert local_time(1_700_000_000) in lines[1]


@pytest.mark.parametrize("width", [80, 100, 60, 45, 200])
def test_table_fits_the_width_with_an_ellipsis(width: int) -> None:
    rows = [
        _file(filename="a-very-long-file-name-" * 10, purpose="fine-tune-results" * 3),
        _file(id="file-" + "x" * 90, filename="日本語のファイル名" * 8),
    ]
    text = render_table(rows, "files", width=width)
    id_width = len(rows[1]["id"])
    for line in _lines(text):
        # The ids are never cut: the table is wider than asked only by what they need.
        assert cell_width(line) <= max(width, id_width + GAP + 6), line
    assert rows[1]["id"] in text
    assert "…" in text


def test_table_widths_come_from_what_is_shown() -> None:
    rows = [_file(filename="chart.png", purpose="assistants", status="processed")]
    rows[0].pop("expires_at", None)
    line = _lines(render_table(rows, "files", width=100))[1]
    assert "assistants" in line and "processed" in line and "…" not in line


def test_table_short_rows_are_not_cut() -> None:
    text = render_table([_file()], "files", width=80)
    assert "…" not in text
    assert "report.pdf" in text


@pytest.mark.parametrize("kind", ["files", "container_files", "containers"])
def test_table_escapes_every_hostile_string(kind: Kind) -> None:
    rows = [
        {"id": text, "filename": text, "path": text, "name": text, "status": text, "source": text}
        for text in HOSTILE
    ]
    text = render_table(rows, kind, width=200)
    lines = _lines(text)
    assert len(lines) == len(HOSTILE) + 1
    for line in lines:
        assert _unsafe(line) == [], line
        assert "\x1b" not in line
    assert "\\x1b[31mred" in text
    assert "\\u202e" in text


def test_table_blank_cells_for_missing_values() -> None:
    text = render_table([{"id": "cntr_1"}], "containers", width=80)
    assert _lines(text)[1] == "cntr_1"


def test_table_with_no_rows_is_just_the_header() -> None:
    out = io.StringIO()
    assert write_table([], "container_files", out) == 0
    assert _lines(out.getvalue())[0].split() == ["ID", "PATH", "SOURCE", "SIZE", "CREATED"]


# -- json and ndjson ------------------------------------------------------------------------


def test_json_writes_one_envelope_as_an_object() -> None:
    out = io.StringIO()
    envelope = {"object": "list", "data": [_file(filename=HOSTILE[5])], "has_more": False}
    write_json([envelope], out)
    assert json.loads(out.getvalue()) == envelope
    assert out.getvalue().endswith("}\n")


def test_json_writes_several_envelopes_as_an_array() -> None:
    out = io.StringIO()
    envelopes = [{"data": [_file()]}, {"data": [_file(id="f2")]}]
    write_json(envelopes, out)
    assert json.loads(out.getvalue()) == envelopes


def test_json_with_no_envelopes_is_an_empty_array() -> None:
    out = io.StringIO()
    write_json([], out)
    assert json.loads(out.getvalue()) == []


def test_json_keeps_non_ascii_readable_but_escapes_unsafe_characters() -> None:
    out = io.StringIO()
    envelope = {"data": [{"id": text} for text in HOSTILE]}
    write_json([envelope], out)
    text = out.getvalue()
    assert json.loads(text) == envelope
    assert "日本語" in text
    assert _unsafe(text) == []


def test_ndjson_lines_round_trip_the_original_strings() -> None:
    out = io.StringIO()
    items = [_file(id=f"file-{n}", filename=text) for n, text in enumerate(HOSTILE)]
    count = write_ndjson(items, out)
    text = out.getvalue()
    assert count == len(items)
    lines = _lines(text)
    assert len(lines) == len(items)
    assert [json.loads(line) for line in lines] == items
    assert text.splitlines() == lines
    assert _unsafe(text) == []
    assert "\x1b" not in text
    assert "[bold red]x[/]" in text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=3), max_size=4))
def test_ndjson_property(items: list[dict[str, str]]) -> None:
    out = io.StringIO()
    write_ndjson(items, out)
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == items


# -- csv ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+2", "'=1+2"),
        ('=HYPERLINK("http://x.invalid","y")', '\'=HYPERLINK("http://x.invalid","y")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ok=1", "ok=1"),
        ("", ""),
        (" =1", " =1"),
        (-5, -5),
        (None, None),
    ],
)
def test_csv_safe(value: Any, safe: Any) -> None:
    assert csv_safe(value) == safe


def test_csv_header_then_rows() -> None:
    out = io.StringIO()
    count = write_csv([_file(), _file(id="file-2", bytes=None)], "files", out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert count == 2
    assert rows[0] == list(CSV_FIELDS["files"])
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["id"] == "file-abc123"
    assert record["bytes"] == "1536"
    assert record["created_at"] == "1700000000"
    assert record["expires_at"] == ""
    assert dict(zip(rows[0], rows[2], strict=True))["bytes"] == ""


@pytest.mark.parametrize("kind", ["files", "container_files", "containers"])
def test_csv_header_for_every_kind_even_without_rows(kind: str) -> None:
    out = io.StringIO()
    assert write_csv([], kind, out) == 0  # type: ignore[arg-type]
    assert out.getvalue() == ",".join(CSV_FIELDS[kind]) + "\n"  # type: ignore[index]


def test_csv_guards_every_formula_cell() -> None:
    out = io.StringIO()
    item = _file(
        id="=cmd|' /C calc'!A0",
        filename="+SUM(1)",
        purpose="-2",
        status="@x",
        status_details="\tlead",
        updated_at="\rlead",
    )
    write_csv([item], "files", out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    record = dict(zip(rows[0], rows[1], strict=True))
    for field in ("id", "filename", "purpose", "status", "status_details", "updated_at"):
        assert record[field].startswith("'"), field
    assert record["id"] == "'=cmd|' /C calc'!A0"


def test_csv_nested_values_are_json() -> None:
    out = io.StringIO()
    writer = CsvWriter("containers", out)
    writer.write([{"id": "c", "name": {"a": ["=x"]}, "memory_limit": "1g"}])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert json.loads(record["name"]) == {"a": ["=x"]}
    assert record["memory_limit"] == "1g"


def test_csv_round_trips_strings_with_newlines_and_quotes() -> None:
    out = io.StringIO()
    write_csv([{"id": 'a"b', "path": "x\ny", "source": "user"}], "container_files", out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1][:4] == ['a"b', "", "x\ny", "user"]


def test_csv_quotes_a_bare_carriage_return_so_rows_stay_whole() -> None:
    out = io.StringIO()
    write_csv([{"id": "a\rb", "path": "x\r\ny", "source": "s\nt"}], "container_files", out)
    text = out.getvalue()
    assert text.endswith("\n") and not text.endswith("\r\n")
    assert text.split("\n", 1)[0] == ",".join(CSV_FIELDS["container_files"])
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2
    assert rows[1][:4] == ["a\rb", "", "x\r\ny", "s\nt"]


def _unguard(cell: str, original: str) -> str:
    return cell[1:] if original.startswith(("=", "+", "-", "@", "\t", "\r")) else cell


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=3, max_size=3), max_size=4))
def test_csv_property_rows_round_trip_and_are_guarded(values: list[list[str]]) -> None:
    items = [{"id": a, "path": b, "source": c} for a, b, c in values]
    out = io.StringIO()
    write_csv(items, "container_files", out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(rows) == len(items) + 1
    for item, row in zip(items, rows[1:], strict=True):
        cells = dict(zip(rows[0], row, strict=True))
        for key in ("id", "path", "source"):
            assert not cells[key].startswith(("=", "+", "-", "@", "\t", "\r"))
            assert _unguard(cells[key], item[key]) == item[key]


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
        max_leaves=12,
    )
)
def test_json_property_round_trips_and_stays_terminal_safe(value: Any) -> None:
    out = io.StringIO()
    write_json([value], out)
    assert json.loads(out.getvalue()) == value
    assert _unsafe(out.getvalue()) == []


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_listing_writer_writes_items_as_the_gateway_sent_them(fmt: str) -> None:
    item = {"zeta": [1, {"b": 2}], "id": "file-1", "filename": "=cmd()", "bytes": 5}
    envelope = {"object": "list", "data": [item, "not an item"], "has_more": False}
    out = io.StringIO()
    writer = ListingWriter(fmt, "files", out)  # type: ignore[arg-type]
    assert writer.add_envelope(envelope) == 1
    writer.finish()
    text = out.getvalue()
    if fmt == "ndjson":
        assert text == '{"zeta":[1,{"b":2}],"id":"file-1","filename":"=cmd()","bytes":5}\n'
    elif fmt == "json":
        assert json.loads(text) == envelope
    else:
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[1][:2] == ["file-1", "'=cmd()"]


def test_listing_writer_json_of_loose_items_is_one_list_envelope() -> None:
    out = io.StringIO()
    writer = ListingWriter("json", "files", out)
    writer.finish()
    assert out.getvalue() == ""
    writer.finish(empty_document=True)
    assert json.loads(out.getvalue()) == {"object": "list", "data": [], "has_more": False}
    out = io.StringIO()
    writer = ListingWriter("json", "files", out)
    writer.add_items([{"id": "a"}])
    writer.finish()
    assert json.loads(out.getvalue())["data"] == [{"id": "a"}]
