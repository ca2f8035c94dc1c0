"""The preview's content logic, without Textual: sniffing, the shown text and its note, the
hex summary, JSON indenting, and the whole size from a response's headers."""

from __future__ import annotations

import json

import pytest

from mpilot_tui.formats.content import (
    HEX_BYTES,
    PRETTY_LINES,
    PreviewHead,
    binary_kind,
    content_size,
    describe_content,
    extension,
    hex_dump,
    is_text,
    lexer_for,
    matching_lines,
    pretty_json,
    preview_extent,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.JSONL", "jsonl"), ("dir.v2/README", ""), ("x.tar.gz", "gz"), ("noext", ""),
     ("dir/.env", "env"), ("", "")],
)  # fmt: skip
def test_extension_is_the_last_parts_and_lower_case(name: str, expected: str) -> None:
    assert extension(name) == expected


def test_is_text_by_type_extension_or_utf8_and_never_with_nul() -> None:
    assert is_text(b"\xff\xfe", "text/plain", "blob"), "the content type says text"
    assert is_text(b"\xff\xfe", "application/octet-stream", "notes.log"), "the extension does"
    assert is_text("héllo".encode(), "application/octet-stream", "blob"), "valid UTF-8"
    # A sample cut in the middle of a character is still text.
    assert is_text("aé".encode()[:2], "", "blob")
    assert not is_text(b"\xff\xfe\xfd", "application/octet-stream", "blob")
    assert not is_text(b"a\x00b", "text/plain", "a.txt"), "a NUL byte wins over everything"
    assert not is_text(b"", "application/octet-stream", "blob"), "nothing is not text"


def test_binary_kind_by_signature() -> None:
    assert binary_kind(b"%PDF-1.7 ...") == "PDF document"
    assert binary_kind(b"\x89PNG\r\n\x1a\n") == "PNG image"
    assert binary_kind(b"\x1f\x8b\x08") == "gzip data"
    assert binary_kind(b"\x00\x01") == "binary"


def test_lexer_by_extension_then_content_type() -> None:
    assert lexer_for("a.yml", "text/plain") == "yaml"
    assert lexer_for("blob", "application/json; charset=utf-8") == "json"
    assert lexer_for("notes.txt", "text/plain") == "text"


def test_hex_dump_lines_of_sixteen_with_ascii() -> None:
    dump = hex_dump(bytes(range(0x41, 0x41 + 20)) + b"\x00\x7f")
    lines = dump.split("\n")
    assert len(lines) == 2
    assert lines[0].startswith("00000000  41 42 43") and lines[0].endswith("|ABCDEFGHIJKLMNOP|")
    assert lines[1].startswith("00000010  51 52 53 54 00 7f") and lines[1].endswith("|QRST..|")
    assert lines[0].index("|") == lines[1].index("|"), "the ASCII column lines up"
    assert hex_dump(b"") == ""


def test_pretty_json_document_jsonl_records_and_a_cut_line() -> None:
    text, note = pretty_json('{"a": [1, 2]}', jsonl=False)
    assert text.split("\n")[:2] == ["{", '  "a": ['] and note == "pretty-printed (p: as sent)"
    assert pretty_json("42", jsonl=False) == ("42", None), "a scalar stays as it is"
    assert pretty_json("not json", jsonl=False) == ("not json", None)
    lines = '{"a": 1}\n{"b": 2}\n{"cut'
    text, note = pretty_json(lines, jsonl=True)
    assert text.endswith('\n{"cut') and '  "a": 1' in text and note is not None


def test_pretty_json_stops_indenting_past_the_line_budget() -> None:
    record = json.dumps({"k": list(range(10))})  # 13 lines indented
    records = 2 * PRETTY_LINES // 13
    text, note = pretty_json("\n".join([record] * records), jsonl=True)
    assert note is not None and note.startswith("the first ") and "records" in note
    done = int(note.split()[2].replace(",", ""))
    assert 0 < done < records
    assert text.split("\n")[-1] == record, "the records past the budget stay as sent"
    huge = json.dumps(list(range(PRETTY_LINES + 5)))
    assert pretty_json(huge, jsonl=False) == (huge, None), "a document too long stays as sent"


def test_describe_text_escapes_controls_and_tells_a_cut() -> None:
    view = describe_content(b"one\ttab\r\nbell\x07\n", "text/plain", "a.txt")
    assert not view.binary and view.lexer == "text"
    assert view.text == "one tab\nbell\\x07", "tabs expanded, CR dropped, BEL escaped"
    assert view.note == "text · 2 lines"
    cut = describe_content(b"x" * 100, "text/plain", "a.txt", cap=10, total=5000)
    assert cut.text == "x" * 10
    assert cut.note == "text · 1 lines · the first 10 B of 4.9 KB shown (s saves it all)"
    unknown = describe_content(b"abc", "text/plain", "a.txt", complete=False)
    assert "of a size not told shown" in unknown.note


def test_describe_json_pretty_or_as_sent_and_jsonl_label() -> None:
    content = b'{"a":1}\n{"b":2}\n'
    pretty = describe_content(content, "application/octet-stream", "rows.jsonl")
    assert pretty.lexer == "json" and pretty.note.startswith("JSONL · 2 lines · pretty")
    raw = describe_content(content, "application/octet-stream", "rows.jsonl", pretty=False)
    assert raw.text == '{"a":1}\n{"b":2}' and raw.note == "JSONL · 2 lines"


def test_describe_binary_as_hex_of_the_first_bytes() -> None:
    content = b"%PDF" + bytes(1000)
    view = describe_content(content, "application/pdf", "doc.pdf")
    assert view.binary and view.lexer is None
    assert view.text == hex_dump(content[:HEX_BYTES])
    assert view.note == f"PDF document · hex of the first {HEX_BYTES} of 1,004 bytes"
    head = describe_content(content[:300], "application/pdf", "doc.pdf", complete=False)
    assert head.note.endswith("of a size not told")
    told = describe_content(content[:300], "", "doc.pdf", total=9000, complete=False)
    assert told.note.endswith("of 9,000 bytes")


def test_matching_lines_case_insensitive_and_literal() -> None:
    text = "Alpha\nbeta (x)\nALPHA beta\n"
    assert matching_lines(text, "alpha") == [0, 2]
    assert matching_lines(text, "(x)") == [1], "the search is literal, not a pattern"
    assert matching_lines(text, "") == []


def test_preview_head_takes_up_to_the_cap_and_says_when_to_stop() -> None:
    head = PreviewHead(cap=10)
    assert head.take(b"12345") and len(head) == 5 and not head.cut
    assert not head.take(b"6789012"), "full: no more wanted"
    assert bytes(head.data) == b"1234567890" and head.cut
    exact = PreviewHead(cap=4)
    assert not exact.take(b"abcd") and exact.cut, "exactly the cap: it is left there"


@pytest.mark.parametrize(
    ("status", "headers", "listed", "expected"),
    [
        (206, {"content-range": "bytes 0-9/5000"}, 7, 5000),
        (206, {"content-range": "bytes 0-9/*"}, 7, 7),  # the whole size not told
        (206, {}, None, None),
        (200, {"content-length": " 123 "}, 7, 123),
        (200, {"content-length": "12x"}, 7, 7),
        (200, {"content-range": "bytes 0-9/5000"}, 7, 7),  # only a 206 has a range
        (500, {"content-length": "10"}, 7, 7),
    ],
)
def test_content_size_from_range_length_or_listing(
    status: int, headers: dict[str, str], listed: int | None, expected: int | None
) -> None:
    assert content_size(status, headers, listed) == expected


def _head(data: bytes, cap: int) -> PreviewHead:
    head = PreviewHead(cap=cap)
    head.take(data)
    return head


def test_preview_extent_whole_or_first_bytes_of_a_size() -> None:
    # A 200 whose stream ended by itself under the cap: the whole file.
    assert preview_extent(200, {}, _head(b"abc", 10), 99) == (3, True)
    # A 206 whose range was the whole file (Content-Range says so) even at the cap.
    assert preview_extent(206, {"content-range": "bytes 0-9/10"}, _head(b"x" * 10, 10), 99) == (
        10,
        True,
    )
    # A 206 of the first bytes of a larger file: its size from Content-Range.
    assert preview_extent(206, {"content-range": "bytes 0-9/500"}, _head(b"x" * 10, 10), 99) == (
        500,
        False,
    )
    # A 200 cut at the cap (the gateway ignored Range): Content-Length, else the listing's.
    assert preview_extent(200, {"content-length": "800"}, _head(b"x" * 20, 10), 99) == (800, False)
    assert preview_extent(200, {}, _head(b"x" * 20, 10), 99) == (99, False)
    # A 206 that ended short of the cap, with no whole size: not known to be whole.
    assert preview_extent(206, {}, _head(b"abc", 10), None) == (None, False)
