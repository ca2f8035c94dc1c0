"""Property-based: arbitrary answers never escape the client's exception tree.

Hypothesis feeds arbitrary JSON (and arbitrary bytes, statuses and content types) to every
parsing route of the client, then takes whatever parsed through the display layer (row
store, table, CSV, JSON, the detail pane's JSON view). Anything raised must be an
``MPilotError``; anything shown must be inert.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import unicodedata
from collections.abc import Iterator
from typing import Any, Literal

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from mpilot_tui.api import GatewayClient, MPilotError, Page, PageGuard
from mpilot_tui.api.settings import ConnectionSettings
from mpilot_tui.formats.table import csv_safe, fit_cell, write_table
from mpilot_tui.formats.text import visible
from mpilot_tui.formats.writers import CsvWriter, write_json, write_ndjson
from mpilot_tui.listing.rows import RowStore
from mpilot_tui.ui.widgets.detail import json_text

# One worker, so the module's event loop and client are made once.
pytestmark = pytest.mark.xdist_group("property-loop")

FIELD_NAMES = [
    "object", "data", "has_more", "after", "first_id", "last_id", "extra_fields", "id",
    "filename", "purpose", "status", "bytes", "created_at", "expires_at", "path", "source",
    "container_id", "name", "providers", "provider", "latency", "cache_debug", "cache_hit",
    "similarity", "threshold", "error", "message", "code", "type", "event_id", "raw_response",
    "request_type", "version", "metadata", "expires_after", "minutes",
]  # fmt: skip
"""Names the models know, so that generated objects reach deep into them."""

TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=12)
"""Any code point at all: controls, surrogates, bidi and private use included."""
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | TEXT, children, max_size=6)
    ),
    max_leaves=30,
)
ITEM = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=8)},
    optional={name: JSON for name in FIELD_NAMES if name != "id"},
)
ENVELOPE = st.fixed_dictionaries(
    {"data": st.lists(ITEM, max_size=5)},
    optional={
        "has_more": JSON, "after": JSON | st.text(max_size=30), "extra_fields": JSON,
        "last_id": JSON, "object": JSON, "providers": JSON, "error": JSON,
    },
)  # fmt: skip
SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
INT = st.integers(min_value=-(2**63), max_value=2**63)
VALID_TEXT = st.text(alphabet=st.characters(exclude_categories=SURROGATES), max_size=12)
"""Any code point a JSON encoder can carry as UTF-8 (a lone surrogate is refused as not JSON)."""
VALID_JSON = st.recursive(
    SCALARS.filter(lambda v: not isinstance(v, str)) | VALID_TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(VALID_TEXT, children, max_size=4)
    ),
    max_leaves=12,
)
PLAUSIBLE_ITEM = st.fixed_dictionaries(
    {"id": VALID_TEXT.filter(bool)},
    optional={
        "filename": VALID_TEXT, "purpose": VALID_TEXT, "status": VALID_TEXT,
        "path": VALID_TEXT, "source": VALID_TEXT, "name": VALID_TEXT,
        "container_id": VALID_TEXT, "bytes": INT, "created_at": INT, "expires_at": INT,
        "last_active_at": INT, "zz_unknown": VALID_JSON, "extra_fields": VALID_JSON,
    },
)  # fmt: skip
PLAUSIBLE_EXTRA = st.fixed_dictionaries(
    {},
    optional={
        "provider": VALID_TEXT, "latency": INT, "zz_unknown": VALID_JSON,
        "cache_debug": st.fixed_dictionaries({"cache_hit": st.booleans()}),
    },
)  # fmt: skip
PLAUSIBLE = st.fixed_dictionaries(
    {"object": st.just("list"), "data": st.lists(PLAUSIBLE_ITEM, max_size=6)},
    optional={
        "has_more": st.booleans(), "after": VALID_TEXT, "last_id": VALID_TEXT,
        "zz_unknown": VALID_JSON, "extra_fields": PLAUSIBLE_EXTRA,
    },
)  # fmt: skip
"""Envelopes of the documented shape with hostile text and unknown fields: they parse."""
BODY = (
    JSON.map(lambda v: json.dumps(v).encode())
    | ENVELOPE.map(lambda v: json.dumps(v).encode())
    | PLAUSIBLE.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=64)
)
STATUS = st.sampled_from([200, 200, 200, 201, 204, 302, 400, 401, 403, 404, 429, 500, 502])
CONTENT_TYPE = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/html", "text/plain", ""]
)
RETRY_AFTER = st.none() | st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20
)


class Answer:
    """What the mock gateway answers next."""

    status = 200
    body = b""
    content_type = "application/json"
    retry_after: str | None = None


def gateway(request: httpx.Request) -> httpx.Response:
    headers = {"content-type": Answer.content_type} if Answer.content_type else {}
    if Answer.retry_after is not None:
        headers["retry-after"] = Answer.retry_after
    return httpx.Response(Answer.status, content=Answer.body, headers=headers)


@pytest.fixture(scope="module")
def loop_and_client() -> Iterator[tuple[asyncio.AbstractEventLoop, GatewayClient]]:
    loop = asyncio.new_event_loop()
    settings = ConnectionSettings(base_url="http://gw.invalid", auth="none", retries=0)
    client = GatewayClient(settings, transport=httpx.MockTransport(gateway))
    yield loop, client
    loop.run_until_complete(client.aclose())
    loop.close()


def calls(client: GatewayClient) -> list[Any]:
    return [
        client.list_files,
        lambda: client.list_container_files("cntr_1"),
        client.list_containers,
        lambda: client.retrieve_file("file-1"),
        lambda: client.retrieve_container_file("cntr_1", "cfile-1"),
        client.list_providers,
        client.version,
        client.health,
    ]


def assert_inert(text: str) -> None:
    bad = [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs")]
    assert not bad, bad


def show(page: Page[Any]) -> None:
    """Everything the app and the CLI do with a page, on a page from arbitrary input."""
    with contextlib.suppress(MPilotError):
        PageGuard().check(page)
    store = RowStore(page.kind)
    rows = store.append_page(page)
    for row in rows:
        assert_inert(visible(store.item(row)))
        store.summary(row)
        json_text(store.item(row))
    dumped = [item.model_dump(exclude_unset=True) for item in page.items]
    out = io.StringIO()
    write_table(dumped, page.kind, out, 100)
    assert_inert(out.getvalue())
    CsvWriter(page.kind, io.StringIO()).write(dumped)
    ndjson = io.StringIO()
    write_ndjson([item.model_dump(mode="json", exclude_unset=True) for item in page.items], ndjson)
    for line in ndjson.getvalue().splitlines():
        json.loads(line)
    document = io.StringIO()
    write_json([json.loads(page.raw)], document)
    json.loads(document.getvalue())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(status=STATUS, body=BODY, content_type=CONTENT_TYPE, retry_after=RETRY_AFTER)
def test_nothing_escapes_the_exception_tree(
    loop_and_client: tuple[asyncio.AbstractEventLoop, GatewayClient],
    status: int,
    body: bytes,
    content_type: str,
    retry_after: str | None,
) -> None:
    loop, client = loop_and_client
    Answer.status, Answer.body = status, body
    Answer.content_type, Answer.retry_after = content_type, retry_after
    for call in calls(client):
        try:
            result = loop.run_until_complete(call())
        except MPilotError as exc:
            assert str(exc)
            assert_inert(visible(str(exc)))
            continue
        if isinstance(result, Page):
            show(result)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=PLAUSIBLE)
def test_plausible_pages_parse_and_show_inert(
    loop_and_client: tuple[asyncio.AbstractEventLoop, GatewayClient], body: dict[str, Any]
) -> None:
    Answer.status, Answer.body = 200, json.dumps(body).encode()
    Answer.content_type, Answer.retry_after = "application/json", None
    loop, client = loop_and_client
    for call in calls(client)[:3]:
        page = loop.run_until_complete(call())
        assert len(page.items) == len(body["data"])
        show(page)


@settings(max_examples=200, deadline=None)
@given(value=JSON)
def test_json_output_round_trips_and_is_inert(value: Any) -> None:
    out = io.StringIO()
    write_ndjson([value], out)
    line = out.getvalue()
    assert line.count("\n") == 1
    assert_inert(line)
    assert json.loads(line) == value


@settings(max_examples=300, deadline=None)
@given(text=TEXT | st.text(max_size=200), width=st.integers(min_value=1, max_value=60))
def test_shown_text_is_one_inert_line_of_exactly_the_width(text: str, width: int) -> None:
    shown = visible(text)
    assert_inert(shown)
    assert "\n" not in shown
    assert cell_len(fit_cell(shown, width)) == width


@settings(max_examples=300, deadline=None)
@given(text=TEXT | st.from_regex(r"\A[=+\-@\t\r].*", fullmatch=False))
def test_csv_cells_never_start_a_formula(text: str) -> None:
    safe = csv_safe(text)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    out = io.StringIO()
    CsvWriter("files", out).write([{"id": text, "filename": text}])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1][0] == safe
