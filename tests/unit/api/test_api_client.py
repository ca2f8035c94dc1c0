"""GatewayClient over httpx.MockTransport: requests sent, pages built, errors raised."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from helpers_net import keep
from pydantic import SecretStr

from mpilot_tui.api import (
    APIStatusError,
    AuthenticationError,
    ConnectError,
    ConnectionSettings,
    DashboardHTMLError,
    GatewayClient,
    NotFoundError,
    NotJSONError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    RequestValidationError,
    ServerError,
    ShapeError,
    TimeoutError,
    TransportError,
    _http,
)

# -- requests: paths, query parameters, headers ---------------------------------------------


async def test_list_files_path_and_default_provider(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list(["file-1"])))
    page = await gw.client().list_files()
    request = gw.last
    assert request.method == "GET"
    assert request.url.path == "/openai/v1/files"
    assert dict(request.url.params) == {"provider": "openai"}
    assert [f.id for f in page.items] == ["file-1"]
    assert page.kind == "files"


async def test_list_files_sends_every_given_parameter(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([])))
    await gw.client().list_files(
        provider="my-custom", purpose="batch", limit=7, after="eyJ2IjoxfQ==", order="asc"
    )
    assert dict(gw.last.url.params) == {
        "provider": "my-custom",
        "purpose": "batch",
        "limit": "7",
        "after": "eyJ2IjoxfQ==",
        "order": "asc",
    }


async def test_list_container_files_path_and_provider_always_sent(gw: Any) -> None:
    gw.queue(gw.json(200, gw.container_file_list(["cfile_1"])))
    page = await gw.client().list_container_files("cntr_1")
    assert gw.last.url.path == "/v1/containers/cntr_1/files"
    assert dict(gw.last.url.params) == {"provider": "openai"}
    assert page.kind == "container_files"
    assert page.items[0].container_id == "cntr_1"


async def test_list_container_files_sends_limit_after_order(gw: Any) -> None:
    gw.queue(gw.json(200, gw.container_file_list([])))
    await gw.client().list_container_files(
        "cntr_1", provider="azure", limit=100, after="c1", order="desc"
    )
    assert dict(gw.last.url.params) == {
        "provider": "azure",
        "limit": "100",
        "after": "c1",
        "order": "desc",
    }


@pytest.mark.parametrize(
    ("container_id", "raw_segment"),
    [
        ("cntr/../x", "cntr%2F..%2Fx"),
        ("a b?c#d", "a%20b%3Fc%23d"),
        ("ü", "%C3%BC"),
        ("..", "%2E%2E"),
        (".", "%2E"),
    ],
)
async def test_container_id_is_one_quoted_path_segment(
    gw: Any, container_id: str, raw_segment: str
) -> None:
    gw.queue(gw.json(200, gw.container_file_list([])))
    await gw.client().list_container_files(container_id)
    assert gw.last.url.raw_path.split(b"?")[0] == f"/v1/containers/{raw_segment}/files".encode()


async def test_file_id_dot_segments_cannot_climb_out_of_the_route(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file("x")))
    await gw.client().retrieve_file("..")
    assert gw.last.url.raw_path.split(b"?")[0] == b"/openai/v1/files/%2E%2E"


async def test_list_containers_path(gw: Any) -> None:
    gw.queue(gw.json(200, {"data": [{"id": "cntr_1", "name": "n"}]}))
    page = await gw.client().list_containers(limit=5)
    assert gw.last.url.path == "/v1/containers"
    assert dict(gw.last.url.params) == {"provider": "openai", "limit": "5"}
    assert page.items[0].name == "n"
    assert page.kind == "containers"


@pytest.mark.parametrize("limit", [0, 101, -1])
async def test_container_limit_outside_1_to_100_is_refused_before_sending(
    gw: Any, limit: int
) -> None:
    client = gw.client()
    with pytest.raises(RequestValidationError, match=r"1\.\.100"):
        await client.list_container_files("cntr_1", limit=limit)
    with pytest.raises(RequestValidationError):
        await client.list_containers(limit=limit)
    assert gw.requests == []
    assert len(client.history) == 0


@pytest.mark.parametrize("limit", [1, 100])
async def test_container_limit_bounds_are_allowed(gw: Any, limit: int) -> None:
    gw.queue(gw.json(200, gw.container_file_list([])))
    await gw.client().list_container_files("cntr_1", limit=limit)
    assert gw.last.url.params["limit"] == str(limit)


async def test_file_limit_zero_is_refused_but_large_limits_are_sent(gw: Any) -> None:
    client = gw.client()
    with pytest.raises(RequestValidationError):
        await client.list_files(limit=0)
    assert gw.requests == []
    gw.queue(gw.json(200, gw.file_list([])))
    await client.list_files(limit=10_000)
    assert gw.last.url.params["limit"] == "10000"


@pytest.mark.parametrize("container_id", ["", "   "])
async def test_empty_container_id_is_refused(gw: Any, container_id: str) -> None:
    with pytest.raises(RequestValidationError):
        await gw.client().list_container_files(container_id)
    assert gw.requests == []


async def test_bearer_auth_header(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([])))
    await gw.client(auth="bearer").list_files()
    assert gw.last.headers["authorization"] == f"Bearer {gw.TOKEN}"
    assert "x-bf-vk" not in gw.last.headers
    assert gw.last.headers["accept"] == "application/json"
    assert gw.last.headers["user-agent"].startswith("mpilot-tui/")


async def test_x_bf_vk_auth_header(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([])))
    await gw.client(auth="x-bf-vk").list_files()
    assert gw.last.headers["x-bf-vk"] == gw.TOKEN
    assert "authorization" not in gw.last.headers


async def test_basic_auth_with_virtual_key(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([])))
    await gw.client(auth="basic", username="admin", password=SecretStr("pa:ss")).list_files()
    expected = base64.b64encode(b"admin:pa:ss").decode()
    assert gw.last.headers["authorization"] == f"Basic {expected}"
    assert gw.last.headers["x-bf-vk"] == gw.TOKEN


async def test_basic_auth_without_virtual_key(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([])))
    client = gw.client(auth="basic", username="admin", password=SecretStr("pw"), token=None)
    await client.list_files()
    assert gw.last.headers["authorization"].startswith("Basic ")
    assert "x-bf-vk" not in gw.last.headers


async def test_no_auth_sends_no_credentials(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([])))
    await gw.client(auth="none").list_files()
    assert "authorization" not in gw.last.headers
    assert "x-bf-vk" not in gw.last.headers


async def test_bearer_without_token_sends_no_credentials(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([])))
    await gw.client(auth="bearer", token=None).list_files()
    assert "authorization" not in gw.last.headers


async def test_explicit_bearer_wins_over_user_info_in_the_base_url(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([])))
    await gw.client("http://user:hunter2@gw.test").list_files()
    assert gw.last.headers["authorization"] == f"Bearer {gw.TOKEN}"


async def test_base_url_with_a_path_prefix_keeps_it(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([])))
    await gw.client("http://gw.test/bifrost").list_files()
    assert gw.last.url.path == "/bifrost/openai/v1/files"


# -- pages and their meta -------------------------------------------------------------------


async def test_page_cursor_is_the_responses_after(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list(["file-1", "file-2"], has_more=True, after="CURSOR==")))
    page = await gw.client().list_files(after="PREV")
    assert page.has_more is True
    assert page.next_cursor == "CURSOR=="
    assert page.request_after == "PREV"
    assert page.has_next_page() is True


async def test_page_without_has_more_has_no_next_page(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list(["file-1"], after="ignored-without-has-more")))
    page = await gw.client().list_files()
    assert page.has_more is False
    assert page.next_cursor is None
    assert page.has_next_page() is False


async def test_has_more_without_cursor_falls_back_to_the_last_item(gw: Any) -> None:
    # A gateway passing the upstream body through raw (2.x, openai with raw responses on).
    gw.queue(gw.json(200, gw.file_list(["file-1", "file-2"], has_more=True)))
    page = await gw.client().list_files()
    assert page.has_more is True
    assert page.next_cursor == "file-2"


async def test_has_more_without_cursor_or_items_has_no_next_page(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([], has_more=True)))
    page = await gw.client().list_files()
    assert page.has_more is True
    assert page.has_next_page() is False


async def test_file_list_never_uses_a_last_id(gw: Any) -> None:
    body = gw.file_list(["file-1"], has_more=True, last_id="file-elsewhere")
    gw.queue(gw.json(200, body))
    page = await gw.client().list_files()
    assert page.next_cursor == "file-1"  # the item's own id, never the field


async def test_container_list_prefers_after_over_last_id(gw: Any) -> None:
    body = gw.container_file_list(["cfile_1"], has_more=True, after="OPAQUE", last_id="cfile_1")
    gw.queue(gw.json(200, body))
    page = await gw.client().list_container_files("cntr_1")
    assert page.next_cursor == "OPAQUE"


async def test_container_list_falls_back_to_last_id_when_after_is_absent(gw: Any) -> None:
    body = gw.container_file_list(["cfile_1"], has_more=True, last_id="cfile_1")
    gw.queue(gw.json(200, body))
    page = await gw.client().list_container_files("cntr_1")
    assert page.next_cursor == "cfile_1"
    assert page.has_next_page()


async def test_container_list_without_has_more_ignores_last_id(gw: Any) -> None:
    gw.queue(gw.json(200, gw.container_file_list(["cfile_1"], last_id="cfile_1")))
    page = await gw.client().list_container_files("cntr_1")
    assert page.next_cursor is None


async def test_containers_listing_falls_back_to_last_id(gw: Any) -> None:
    gw.queue(gw.json(200, {"data": [{"id": "cntr_9"}], "has_more": True, "last_id": "cntr_9"}))
    page = await gw.client().list_containers()
    assert page.next_cursor == "cntr_9"


async def test_page_meta_and_raw_body(gw: Any) -> None:
    body = gw.file_list(["file-1"])
    reply = gw.json(200, body)
    gw.queue(reply)
    page = await gw.client().list_files(limit=3)
    raw = reply(httpx.Request("GET", "http://x")).content
    assert page.meta.method == "GET"
    assert page.meta.status == 200
    assert page.meta.size == len(raw)
    assert page.raw == raw
    assert page.meta.elapsed_ms > 0
    assert page.meta.started_at > 1_600_000_000
    assert page.meta.url == "http://gw.test/openai/v1/files?provider=openai&limit=3"
    assert page.extra_fields.request_type == "file_list"
    assert page.extra_fields.latency == 3


async def test_meta_url_has_no_credentials_from_the_base_url(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([])))
    page = await gw.client("http://admin:s3cretpass@gw.test:8080").list_files()
    assert page.meta.url == "http://gw.test:8080/openai/v1/files?provider=openai"
    assert "admin" not in page.meta.url
    assert "s3cretpass" not in page.meta.url


async def test_cache_debug_reaches_the_page_and_the_history(gw: Any) -> None:
    body = gw.file_list(["file-1"])
    body["extra_fields"]["cache_debug"] = {
        "cache_hit": True,
        "hit_type": "semantic",
        "similarity": 0.97,
        "threshold": 0.9,
    }
    gw.queue(gw.json(200, body))
    client = gw.client()
    page = await client.list_files()
    assert page.extra_fields.cache_debug is not None
    assert page.extra_fields.cache_debug.hit_type == "semantic"
    record = list(client.history)[-1]
    assert (record.cache_hit, record.hit_type, record.similarity, record.threshold) == (
        True,
        "semantic",
        0.97,
        0.9,
    )
    assert record.item_count == 1
    assert record.gateway_latency_ms == 3


async def test_retrieve_file_returns_its_own_extra_fields(gw: Any) -> None:
    gw.queue(gw.json(200, {**gw.file("file-7"), "extra_fields": {"request_type": "file_retrieve"}}))
    result = await gw.client().retrieve_file("file-7", provider="azure")
    assert gw.last.url.path == "/openai/v1/files/file-7"
    assert gw.last.url.params["provider"] == "azure"
    assert result.item.id == "file-7"
    assert result.extra_fields.request_type == "file_retrieve"
    assert result.meta.status == 200


async def test_retrieve_container_file_path(gw: Any) -> None:
    gw.queue(gw.json(200, {"id": "cfile_1", "container_id": "cntr_1", "path": "/a"}))
    result = await gw.client().retrieve_container_file("cntr_1", "cfile_1")
    assert gw.last.url.path == "/v1/containers/cntr_1/files/cfile_1"
    assert result.item.id == "cfile_1"


async def test_file_content_returns_raw_bytes(gw: Any) -> None:
    gw.queue(gw.raw(200, b"\x00\x01binary", "application/octet-stream"))
    response = await gw.client().file_content("file-1")
    assert gw.last.url.path == "/openai/v1/files/file-1/content"
    assert response.content == b"\x00\x01binary"


async def test_file_content_error_status_raises(gw: Any) -> None:
    gw.queue(gw.json(404, gw.envelope(404, message="no such file")))
    with pytest.raises(NotFoundError):
        await gw.client().container_file_content("cntr_1", "cfile_1")
    assert gw.last.url.path == "/v1/containers/cntr_1/files/cfile_1/content"


class _Chunks(httpx.AsyncByteStream):
    """A body that arrives in chunks and counts how many were pulled."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.pulled += 1
            yield chunk


async def test_content_streams_to_a_sink_past_the_size_cap(
    gw: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_http, "MAX_BODY", 10)  # a held body would be refused at 10 bytes
    body = _Chunks([b"a" * 8] * 5)
    gw.queue(lambda request: httpx.Response(200, stream=body))
    got: list[bytes] = []
    response = await gw.client().file_content("file-1", sink=keep(got))
    assert b"".join(got) == b"a" * 40
    assert response.content == b"" and response.size == 40
    assert "range" not in gw.last.headers


async def test_content_sink_stops_early_and_asks_for_first_bytes(gw: Any) -> None:
    body = _Chunks([b"x" * 100] * 50)  # a gateway that ignores Range sends everything
    gw.queue(lambda request: httpx.Response(200, stream=body))
    head = bytearray()

    def take(chunk: bytes) -> bool:
        head.extend(chunk)
        return len(head) < 250

    await gw.client().container_file_content("cntr_1", "cfile_1", sink=take, first_bytes=250)
    assert gw.last.headers["range"] == "bytes=0-249"
    assert len(head) == 300 and body.pulled == 3, "the rest of the body was never read"


async def test_content_asks_for_uncompressed_bytes(gw: Any) -> None:
    """Sizes and ranges must count the bytes that are saved, not gzip's."""
    gw.queue(gw.raw(200, b"abc", "text/plain"))
    await gw.client().file_content("file-1", sink=lambda c: True, first_bytes=2)
    assert gw.last.headers["accept-encoding"] == "identity"


async def test_first_bytes_keep_the_overall_deadline_a_whole_download_does_not(
    gw: Any,
) -> None:
    class Trickle(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            for _ in range(6):
                await asyncio.sleep(0.05)
                yield b"x"

    gw.handler = lambda request: httpx.Response(200, stream=Trickle())
    client = gw.client(timeout=0.1)  # the whole answer: 0.2 s; the trickle takes 0.3 s
    with pytest.raises(TimeoutError):
        await client.file_content("file-1", sink=lambda c: True, first_bytes=100)
    got: list[bytes] = []
    await client.file_content("file-1", sink=keep(got))
    assert b"".join(got) == b"x" * 6


async def test_content_range_not_satisfiable_falls_back_to_everything(gw: Any) -> None:
    gw.queue(gw.raw(416, b"", "text/plain"), gw.raw(200, b"", "text/plain"))
    response = await gw.client().file_content("file-1", sink=lambda c: True, first_bytes=64)
    assert response.status == 200
    assert [("range" in r.headers) for r in gw.requests] == [True, False]


async def test_content_error_status_is_not_handed_to_the_sink(gw: Any) -> None:
    gw.queue(gw.json(404, gw.envelope(404, message="no such file")))
    got: list[bytes] = []
    with pytest.raises(NotFoundError, match="no such file"):
        await gw.client().file_content("file-1", sink=keep(got))
    assert got == []


async def test_a_failing_sink_ends_the_request_with_its_own_error(gw: Any) -> None:
    gw.queue(lambda request: httpx.Response(200, stream=_Chunks([b"a", b"b"])))

    def full_disk(chunk: bytes) -> bool:
        raise OSError(28, "No space left on device")

    client = gw.client()
    with pytest.raises(OSError, match="No space left"):
        await client.file_content("file-1", sink=full_disk)
    assert list(client.history)[-1].error == "OSError"


async def test_health_and_version(gw: Any) -> None:
    gw.queue(gw.json(200, {"status": "ok", "components": {}}), gw.json(200, "v1.5.1"))
    client = gw.client()
    assert await client.health() == {"status": "ok", "components": {}}
    assert gw.last.url.path == "/health"
    assert await client.version() == "v1.5.1"
    assert gw.last.url.path == "/api/version"


async def test_version_as_object_and_wrong_shape(gw: Any) -> None:
    gw.queue(gw.json(200, {"version": "1.4.18"}), gw.json(200, [1, 2]))
    client = gw.client()
    assert await client.version() == "1.4.18"
    with pytest.raises(ShapeError):
        await client.version()


# -- error statuses ----------------------------------------------------------------------------

STATUS_CLASSES = [
    (400, APIStatusError),
    (401, AuthenticationError),
    (402, APIStatusError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (429, RateLimitError),
    (499, APIStatusError),
    (500, ServerError),
    (502, ServerError),
    (503, ServerError),
    (504, ServerError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
async def test_error_status_with_the_gateway_envelope(
    gw: Any, status: int, cls: type[APIStatusError]
) -> None:
    body = {
        "event_id": "evt-outer",
        "type": "invalid_request_error",
        "is_bifrost_error": True,
        "status_code": status,
        "error": {
            "type": "invalid_request_error",
            "code": "some_code",
            "message": "the gateway says no",
            "param": "provider",
            "event_id": "evt-inner",
            "error": "go: detailed reason",
        },
        "extra_fields": {"provider": "anthropic", "request_type": "file_list"},
    }
    gw.queue(gw.json(status, body))
    with pytest.raises(cls) as caught:
        await gw.client().list_files()
    error = caught.value
    assert type(error) is cls
    assert error.status == status
    assert error.type == "invalid_request_error"
    assert error.code == "some_code"
    assert error.message == "the gateway says no"
    assert error.param == "provider"
    assert error.event_id == "evt-inner"
    assert error.provider == "anthropic"
    assert error.request_type == "file_list"
    assert error.detail == "go: detailed reason"
    assert error.url == "http://gw.test/openai/v1/files?provider=openai"
    text = str(error)
    assert text.startswith(f"{status} invalid_request_error/some_code: the gateway says no")
    assert "evt-inner" in text
    assert ("provider", "anthropic") in error.fields()


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
async def test_error_status_with_a_plain_text_proxy_body(
    gw: Any, status: int, cls: type[APIStatusError]
) -> None:
    gw.queue(gw.raw(status, b"upstream connect error\n  or disconnect", "text/plain"))
    with pytest.raises(cls) as caught:
        await gw.client(retries=0).list_files()
    error = caught.value
    assert type(error) is cls
    assert error.status == status
    assert error.type is None and error.code is None and error.event_id is None
    assert "upstream connect error or disconnect" in error.message
    assert "not the gateway's error envelope" in error.message
    assert error.body_excerpt is not None and error.body_excerpt.startswith("upstream connect")


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_error_status_with_a_proxy_html_page_names_its_title(gw: Any, status: int) -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body><hr>nginx</body></html>"
    gw.queue(gw.raw(status, page, "text/html"))
    with pytest.raises(ServerError) as caught:
        await gw.client(retries=0).list_files()
    message = caught.value.message
    assert "HTML page titled '502 Bad Gateway'" in message
    assert "proxy" in message
    assert "<hr>" not in message


async def test_error_status_with_an_empty_body(gw: Any) -> None:
    gw.queue(gw.raw(500, b"", None))
    with pytest.raises(ServerError) as caught:
        await gw.client().list_files()
    assert caught.value.message == "Internal Server Error (empty no content type body)"


async def test_error_json_that_is_not_the_envelope_is_shown_as_a_foreign_body(gw: Any) -> None:
    gw.queue(gw.json(400, {"detail": "bad things"}))
    with pytest.raises(APIStatusError) as caught:
        await gw.client().list_files()
    assert caught.value.type is None
    assert '{"detail": "bad things"}' in caught.value.message


async def test_envelope_without_a_message_falls_back_to_detail_then_type(gw: Any) -> None:
    gw.queue(
        gw.json(500, gw.envelope(500, error="failed to get config for provider: not found")),
        gw.json(500, {"type": "unsupported_operation", "error": {}}),
    )
    client = gw.client()
    with pytest.raises(ServerError) as first:
        await client.list_files()
    assert first.value.message == "failed to get config for provider: not found"
    assert first.value.detail is None
    with pytest.raises(ServerError) as second:
        await client.list_files()
    assert second.value.message == "unsupported_operation"
    assert second.value.event_id is None


async def test_outer_event_id_is_used_when_the_inner_one_is_missing(gw: Any) -> None:
    gw.queue(gw.json(401, gw.envelope(401, code="virtual_key_not_found", message="no key")))
    with pytest.raises(AuthenticationError) as caught:
        await gw.client().list_files()
    assert caught.value.event_id == "evt-outer"
    assert caught.value.code == "virtual_key_not_found"


@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=utf-8"])
async def test_200_html_is_the_dashboard(gw: Any, content_type: str) -> None:
    gw.queue(gw.raw(200, b"<!doctype html><html><div id=root></div></html>", content_type))
    with pytest.raises(DashboardHTMLError) as caught:
        await gw.client().list_files()
    assert isinstance(caught.value, NotJSONError)
    assert "the base URL serves the dashboard, not the API" in str(caught.value)


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", None])
async def test_non_json_content_type_is_not_json(gw: Any, content_type: str | None) -> None:
    gw.queue(gw.raw(200, b'{"data": []}', content_type))
    with pytest.raises(NotJSONError) as caught:
        await gw.client().list_files()
    assert not isinstance(caught.value, DashboardHTMLError)
    assert "expected JSON" in str(caught.value)


@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe{}", b'{"data": [}'])
async def test_invalid_json_with_a_json_content_type_is_not_json(gw: Any, body: bytes) -> None:
    gw.queue(gw.raw(200, body, "application/json"))
    with pytest.raises(NotJSONError) as caught:
        await gw.client().list_files()
    assert "not valid JSON" in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        [],
        None,
        "a string",
        {"data": "not a list"},
        {"data": [{"no_id": True}]},
        {"data": [], "has_more": {"x": 1}},
        {"object": "list"},
    ],
)
async def test_wrong_shapes_are_shape_errors(gw: Any, body: object) -> None:
    gw.queue(gw.json(200, body))
    with pytest.raises(ShapeError) as caught:
        await gw.client().list_files()
    assert "unexpected answer shape" in str(caught.value)
    assert caught.value.url is not None


async def test_shape_error_names_the_field_but_not_the_huge_value(gw: Any) -> None:
    huge = "Z" * 100_000
    gw.queue(gw.json(200, {"data": [{"id": "file-1", "bytes": huge, "created_at": huge}]}))
    with pytest.raises(ShapeError) as caught:
        await gw.client().list_files()
    text = str(caught.value)
    assert "data.0.bytes" in text
    assert "ZZZZZZZZZZ" not in text
    assert len(text) < 1000


async def test_shape_error_lists_at_most_three_problems(gw: Any) -> None:
    gw.queue(gw.json(200, {"data": [{"id": i} for i in range(6)]}))
    with pytest.raises(ShapeError, match=r"\(and 3 more\)"):
        await gw.client().list_files()


async def test_unknown_fields_in_a_response_are_not_fatal(gw: Any) -> None:
    body = gw.file_list(["file-1"], brand_new={"x": 1})
    body["data"][0]["novel"] = [1]
    body["extra_fields"]["model_requested"] = "gpt-4o"
    body["extra_fields"]["surprise"] = "kept"
    gw.queue(gw.json(200, body))
    page = await gw.client().list_files()
    assert page.items[0].unknown_fields() == {"novel": [1]}
    assert page.extra_fields.unknown_fields() == {"surprise": "kept"}
    assert page.extra_fields.requested_model == "gpt-4o"


async def test_unexpected_redirect_status_without_location_is_a_protocol_error(gw: Any) -> None:
    gw.queue(gw.raw(302, b"", None))
    with pytest.raises(ProtocolError, match="unexpected 302"):
        await gw.client().list_files()


# -- transport failures ---------------------------------------------------------------------


async def test_connect_error_names_the_host(gw: Any) -> None:
    gw.queue(httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(ConnectError) as caught:
        await gw.client("http://gateway.example.invalid:8080", retries=0).list_files()
    assert isinstance(caught.value, TransportError)
    assert "gateway.example.invalid" in str(caught.value)
    assert "refused" in str(caught.value)


async def test_dns_failure_says_the_host_could_not_be_resolved(gw: Any) -> None:
    gw.queue(httpx.ConnectError("[Errno -2] Name or service not known"))
    with pytest.raises(ConnectError, match=r"could not resolve host nowhere\.invalid"):
        await gw.client("http://nowhere.invalid", retries=0).list_files()


async def test_tls_failure_says_tls(gw: Any) -> None:
    gw.queue(httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))
    with pytest.raises(ConnectError, match=r"TLS failed with gw\.test"):
        await gw.client("https://gw.test", retries=0).list_files()


async def test_read_timeout_is_a_timeout_error_and_not_retried(gw: Any) -> None:
    gw.queue(httpx.ReadTimeout("timed out"))
    with pytest.raises(TimeoutError) as caught:
        await gw.client(timeout=7).list_files()
    assert isinstance(caught.value, TransportError)
    assert "gw.test" in str(caught.value)
    assert "7 s" in str(caught.value)
    assert len(gw.requests) == 1
    assert gw.sleeps == []


async def test_connect_timeout_is_a_connect_error(gw: Any) -> None:
    gw.queue(httpx.ConnectTimeout("timed out"))
    with pytest.raises(ConnectError, match=r"connecting to gw\.test timed out"):
        await gw.client(retries=0).list_files()


async def test_broken_connection_is_a_transport_error(gw: Any) -> None:
    gw.queue(httpx.RemoteProtocolError("peer closed connection"))
    with pytest.raises(TransportError, match="broke mid-answer"):
        await gw.client().list_files()


@pytest.mark.parametrize("base_url", ["ftp://gw.test", "not a url", "http://[::1"])
async def test_invalid_base_url_is_a_request_validation_error(base_url: str) -> None:
    with pytest.raises(RequestValidationError, match="invalid"):
        client = GatewayClient(ConnectionSettings(base_url=base_url))
        try:
            await client.list_files()
        finally:
            await client.aclose()


# -- secrets never leak into messages ---------------------------------------------------------


async def test_token_echoed_by_a_hostile_gateway_is_masked(gw: Any) -> None:
    token = gw.TOKEN
    body = {
        "event_id": f"evt-{token}",
        "is_bifrost_error": True,
        "error": {
            "type": f"type {token}",
            "code": f"code-{token}",
            "message": f"invalid key Bearer {token}",
            "param": f"param {token}",
            "error": f"go error: {token}",
        },
        "extra_fields": {"provider": f"p-{token}", "request_type": f"r-{token}"},
    }
    gw.queue(gw.json(401, body))
    client = gw.client()
    with pytest.raises(AuthenticationError) as caught:
        await client.list_files()
    error = caught.value
    assert token not in str(error)
    assert token not in error.message
    assert token not in repr(error.fields())
    assert "sk-bf-…cdef" in error.message
    record = list(client.history)[-1]
    assert record.error_message is not None and token not in record.error_message


async def test_token_echoed_in_a_plain_text_body_is_masked(gw: Any) -> None:
    gw.queue(gw.raw(403, f"key {gw.TOKEN} blocked".encode(), "text/plain"))
    with pytest.raises(PermissionDeniedError) as caught:
        await gw.client(auth="x-bf-vk").list_files()
    assert gw.TOKEN not in str(caught.value)
    assert caught.value.body_excerpt is not None
    assert gw.TOKEN not in caught.value.body_excerpt


async def test_basic_credentials_echoed_back_are_masked(gw: Any) -> None:
    pair = base64.b64encode(b"admin:correct-horse-battery").decode()
    gw.queue(gw.raw(401, f"bad Authorization: Basic {pair}".encode(), "text/plain"))
    client = gw.client(
        auth="basic", username="admin", password=SecretStr("correct-horse-battery"), token=None
    )
    with pytest.raises(AuthenticationError) as caught:
        await client.list_files()
    assert pair not in str(caught.value)


async def test_user_info_password_echoed_back_is_masked(gw: Any) -> None:
    pair = base64.b64encode(b"admin:url-password-1234").decode()
    gw.queue(gw.raw(401, f"got Basic {pair} and url-password-1234".encode(), "text/plain"))
    client = gw.client("http://admin:url-password-1234@gw.test", auth="none", token=None)
    with pytest.raises(AuthenticationError) as caught:
        await client.list_files()
    assert gw.last.headers["authorization"] == f"Basic {pair}"
    assert "url-password-1234" not in str(caught.value)
    assert pair not in str(caught.value)
