"""Properties: whatever a gateway sends, the client answers with a page or an MPilotError."""

from __future__ import annotations

import asyncio
import json
import string
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mpilot_tui.api import ConnectionSettings, GatewayClient, MPilotError, Page, PaginationError
from mpilot_tui.api._http import RETRY_AFTER_CAP, parse_retry_after

FIELD_NAMES = [
    "object", "data", "has_more", "after", "first_id", "last_id", "extra_fields", "id",
    "bytes", "created_at", "filename", "purpose", "status", "expires_at", "container_id",
    "path", "source", "latency", "cache_debug", "cache_hit", "similarity", "provider",
    "request_type", "model_requested", "resolved_model_used", "error", "message", "code",
    "type", "event_id", "param", "raw_response", "provider_response_headers",
]  # fmt: skip

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=25,
)
"""Arbitrary JSON, with keys biased towards the names the models know."""

items = st.fixed_dictionaries(
    {"id": json_values | st.text(max_size=8)},
    optional={n: json_values for n in FIELD_NAMES if n != "id"},
)
near_envelopes = st.fixed_dictionaries(
    {"data": st.lists(items, max_size=4)},
    optional={
        "has_more": json_values,
        "after": json_values,
        "last_id": json_values,
        "extra_fields": json_values
        | st.fixed_dictionaries({}, optional={n: json_values for n in FIELD_NAMES}),
    },
)
"""Bodies close to a valid list envelope, so that the deeper models get exercised."""

content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/html",
        "text/plain",
        "application/problem+json",
        "",
        None,
    ]
)
header_text = st.text(alphabet=string.printable.strip() + " ", max_size=40)

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _client(reply: httpx.Response | None, handler: Any = None) -> GatewayClient:
    def answer(request: httpx.Request) -> httpx.Response:
        assert reply is not None
        return httpx.Response(reply.status_code, content=reply.content, headers=dict(reply.headers))

    client = GatewayClient(
        ConnectionSettings(base_url="http://gw.test", auth="none", retries=1),
        transport=httpx.MockTransport(handler or answer),
    )

    async def no_wait(seconds: float) -> None:
        assert 0 <= seconds <= max(RETRY_AFTER_CAP, 8.0)

    client.http.sleep = no_wait
    return client


def _check_page(page: Page[Any]) -> None:
    assert isinstance(page.items, list)
    assert isinstance(page.has_more, bool)
    if not page.has_more:
        assert page.next_cursor is None
    assert page.meta.status == 200


def _list_once(reply: httpx.Response, route: str) -> None:
    async def run() -> None:
        client = _client(reply)
        try:
            if route == "files":
                page: Page[Any] = await client.list_files()
            else:
                page = await client.list_container_files("cntr_1")
            _check_page(page)
        except MPilotError:
            pass
        finally:
            await client.aclose()

    asyncio.run(run())


def _response(status: int, body: bytes, content_type: str | None, **headers: str) -> httpx.Response:
    all_headers = dict(headers)
    if content_type is not None:
        all_headers["content-type"] = content_type
    return httpx.Response(status, content=body, headers=all_headers)


@PROPERTY_SETTINGS
@given(body=json_values | near_envelopes, route=st.sampled_from(["files", "container_files"]))
def test_any_json_body_gives_a_page_or_an_mpilot_error(body: Any, route: str) -> None:
    _list_once(_response(200, json.dumps(body).encode(), "application/json"), route)


@PROPERTY_SETTINGS
@given(
    body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()),
    content_type=content_types,
    route=st.sampled_from(["files", "container_files"]),
)
def test_any_bytes_body_gives_a_page_or_an_mpilot_error(
    body: bytes, content_type: str | None, route: str
) -> None:
    _list_once(_response(200, body, content_type), route)


@PROPERTY_SETTINGS
@given(
    status=st.integers(min_value=400, max_value=599),
    body=st.binary(max_size=300)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.fixed_dictionaries(
        {"error": json_values},
        optional={n: json_values for n in ["event_id", "type", "status_code", "extra_fields"]},
    ).map(lambda v: json.dumps(v).encode()),
    content_type=content_types,
    retry_after=st.none() | header_text,
    route=st.sampled_from(["files", "container_files"]),
)
def test_any_error_status_raises_only_mpilot_errors(
    status: int, body: bytes, content_type: str | None, retry_after: str | None, route: str
) -> None:
    headers = {} if retry_after is None else {"retry-after": retry_after}
    reply = _response(status, body, content_type, **headers)

    async def run() -> None:
        client = _client(reply)
        try:
            if route == "files":
                await client.list_files()
            else:
                await client.list_container_files("cntr_1")
        except MPilotError as exc:
            assert getattr(exc, "status", status) == status
            assert str(exc)
        else:
            raise AssertionError(f"status {status} did not raise")
        finally:
            await client.aclose()

    asyncio.run(run())


@PROPERTY_SETTINGS
@given(value=header_text | st.text(max_size=40))
def test_parse_retry_after_is_none_or_within_the_cap(value: str) -> None:
    seconds = parse_retry_after(value)
    assert seconds is None or 0.0 <= seconds <= RETRY_AFTER_CAP


pages = st.lists(
    st.tuples(
        st.lists(st.sampled_from(["f1", "f2", "f3", "f4", "f5", "f6"]), max_size=3, unique=True),
        st.booleans(),
        st.none() | st.sampled_from(["c1", "c2", "c3", "c4"]),
    ),
    min_size=1,
    max_size=8,
)


@PROPERTY_SETTINGS
@given(served=pages)
def test_iter_files_always_terminates(served: list[tuple[list[str], bool, str | None]]) -> None:
    """Pages are served in order and the last repeats forever: paging still stops."""
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if len(requests) > len(served) + 5:
            raise AssertionError("paging did not stop")
        ids, has_more, after = served[min(len(requests), len(served)) - 1]
        body: dict[str, Any] = {"data": [{"id": i} for i in ids], "has_more": has_more}
        if after is not None:
            body["after"] = after
        return httpx.Response(200, json=body)

    async def run() -> None:
        client = _client(None, handler)
        seen: set[str] = set()
        try:
            async for page in client.iter_files():
                ids = {item.id for item in page.items}
                assert not ids & seen, "a repeated item was yielded"
                seen |= ids
        except PaginationError:
            pass
        finally:
            await client.aclose()

    asyncio.run(run())
    assert len(requests) <= len(served) + 1
