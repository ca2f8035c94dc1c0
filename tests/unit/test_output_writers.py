"""The fast writers write exactly what the plain ones do: CSV a column at a time against
CSV a row at a time, and bodies parsed by pydantic-core against ``json.loads``."""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mpilot_tui.formats.export import parse_body
from mpilot_tui.formats.table import CSV_FIELDS
from mpilot_tui.formats.writers import CsvWriter

CELL_TEXT = st.text(alphabet="ab=+-@\t\r\n\",' é\x00\ud800", max_size=5)
"""Formula starts, CR, LF, quotes, commas, NUL and a lone surrogate."""
CELL = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | CELL_TEXT
    | st.lists(CELL_TEXT, max_size=2)
    | st.dictionaries(CELL_TEXT, CELL_TEXT, max_size=2)
)
FIELDS = list(CSV_FIELDS["files"])


def uniform_column(field: str) -> st.SearchStrategy[Any]:
    """Columns of one type (or one type and None), the shapes the fast path spares."""
    return st.sampled_from([st.none(), st.integers(0, 10**12), CELL_TEXT, CELL])


@st.composite
def items(draw: st.DrawFn) -> list[dict[str, Any]]:
    kinds = {field: draw(uniform_column(field)) for field in FIELDS}
    count = draw(st.integers(0, 8))
    made = []
    for _ in range(count):
        item: dict[str, Any] = {}
        for field in FIELDS:
            if draw(st.integers(0, 9)) == 0:
                continue  # a missing field
            item[field] = (
                draw(kinds[field] | st.none()) if draw(st.booleans()) else draw(kinds[field])
            )
        made.append(item)
    return made


def written(items: list[dict[str, Any]], by_row: bool) -> str:
    out = io.StringIO()
    writer = CsvWriter("files", out)
    count = writer.write_rows(items) if by_row else writer.write(items)
    assert count == len(items)
    return out.getvalue()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages=st.lists(items(), min_size=1, max_size=3))
def test_csv_a_column_at_a_time_is_the_same_text_as_a_row_at_a_time(
    pages: list[list[dict[str, Any]]],
) -> None:
    fast, plain = io.StringIO(), io.StringIO()
    fast_writer, plain_writer = CsvWriter("files", fast), CsvWriter("files", plain)
    for page in pages:
        fast_writer.write(page)
        plain_writer.write_rows(page)
    assert fast.getvalue() == plain.getvalue()


def test_csv_cells_that_need_work_get_it() -> None:
    page: list[dict[str, Any]] = [
        {"id": "=1+1", "filename": "a\r\nb", "bytes": None, "status_details": {"x": 1}},
        {"id": "ok", "filename": "-x", "bytes": 3, "purpose": "@p", "status": "\rs"},
    ]
    assert written(page, by_row=False) == written(page, by_row=True)
    text = written(page, by_row=False)
    assert "'=1+1" in text and '"a\r\nb"' in text and "'-x" in text and "'@p" in text
    assert text.count("\n") == 4 and "\r\n" not in text.replace("a\r\nb", "")


@settings(max_examples=300, deadline=None)
@given(value=st.recursive(
    st.none() | st.booleans() | st.integers(-(2**80), 2**80) | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
))  # fmt: skip
def test_bodies_parse_as_json_loads_parses_them(value: Any) -> None:
    body = json.dumps(value).encode("utf-8", "surrogatepass")
    parsed, expected = parse_body(body), json.loads(body)
    assert json.dumps(parsed) == json.dumps(expected)  # NaN != NaN, so compare their JSON
    assert type(parsed) is type(expected)


CELLS = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.text(alphabet=',"\r\n a=+-@\t\x00é\u2028', max_size=6),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELLS, min_size=9, max_size=9), max_size=6))
def test_csv_rows_joined_a_column_at_a_time_are_the_csv_modules_rows(
    rows: list[list[Any]],
) -> None:
    fields = CSV_FIELDS["files"]
    items = [dict(zip(fields, row, strict=True)) for row in rows]
    joined, module = io.StringIO(), io.StringIO()
    CsvWriter("files", joined).write(items)
    CsvWriter("files", module).write_rows(items)  # the csv module, a row at a time
    assert joined.getvalue() == module.getvalue()
