"""What today's gateway (Bifrost 2.x) sends, read right while 1.4/1.5 answers still are."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from mpilot_tui.api import errors
from mpilot_tui.api.providers import STANDARD_PROVIDERS, provider_info

BEDROCK_ID = base64.b64encode(b"s3://bucket/key\xfb\xff").decode()
"""A bedrock file id: standard base64, so it can hold '/'."""


def list_item(file_id: str, **fields: Any) -> dict[str, Any]:
    """A 2.x list item: no expires_at, no updated_at."""
    return {"id": file_id, "object": "file", "bytes": 5, "created_at": 1_700_000_000,
            "filename": "a.jsonl", "purpose": "batch", "status": "processed", **fields}  # fmt: skip


def test_bedrock_id_holds_a_slash() -> None:
    assert "/" in BEDROCK_ID


async def test_list_items_of_2x_and_pending_upload(gw: Any) -> None:
    body = {"object": "list", "data": [list_item("file-a", status="pending_upload")]}
    gw.queue(gw.json(200, body))
    page = await gw.client().list_files()
    item = page.items[0]
    assert item.status == "pending_upload"
    assert item.expires_at is None and item.updated_at is None
    assert "expires_at" not in item.model_dump(exclude_unset=True)


async def test_routing_info_and_new_extra_fields(gw: Any) -> None:
    extra = {
        "request_type": "file_list", "provider": "openai", "latency": 4,
        "routing_info": {"provider": "openai", "model": "", "key_id": "k-2", "key_name": "eu",
                         "fallback_index": 1},
        "routing_metadata": {"rule": "r1"}, "request_costs": {"total": 0.0},
        "dropped_compat_plugin_params": ["x"],
    }  # fmt: skip
    gw.queue(gw.json(200, {"object": "list", "data": [], "extra_fields": extra}))
    page = await gw.client().list_files()
    routing = page.extra_fields.routing_info
    assert routing is not None and routing.provider == "openai"
    assert routing.unknown_fields() == {"key_id": "k-2", "key_name": "eu", "fallback_index": 1}
    kept = page.extra_fields.unknown_fields()
    assert kept["routing_metadata"] == {"rule": "r1"}
    assert kept["dropped_compat_plugin_params"] == ["x"]


async def test_bifrost_headers_are_recorded_with_the_upstream_latency(gw: Any) -> None:
    headers = {
        "x-bifrost-provider": "openai",
        "x-bifrost-request-type": "file_list",
        "x-bifrost-upstream-latency-ms": "37.5",
        "x-bifrost-routing-info-key-alias": "eu",
        "x-request-id": "r-1",
    }
    gw.queue(gw.json(200, gw.file_list(["f"]), headers=headers))
    client = gw.client()
    page = await client.list_files()
    names = [name for name, _ in page.meta.bifrost_headers]
    assert names == [
        "x-bifrost-provider",
        "x-bifrost-request-type",
        "x-bifrost-upstream-latency-ms",
        "x-bifrost-routing-info-key-alias",
    ]
    assert page.meta.upstream_latency_ms == 37.5
    assert list(client.history)[-1].upstream_latency_ms == 37.5


@pytest.mark.parametrize("value", ["soon", "-4", "inf", ""])
async def test_a_bad_upstream_latency_is_ignored(gw: Any, value: str) -> None:
    gw.queue(gw.json(200, gw.file_list(["f"]), headers={"x-bifrost-upstream-latency-ms": value}))
    page = await gw.client().list_files()
    assert page.meta.upstream_latency_ms is None


def cursor(index: int, native: str, *, padded: bool) -> str:
    raw = json.dumps({"v": 1, "i": index, "c": native}, separators=(",", ":")).encode()
    text = base64.urlsafe_b64encode(raw).decode()
    return text if padded else text.rstrip("=")


@pytest.mark.parametrize("padded", [True, False], ids=["padded", "unpadded"])
async def test_cursors_with_and_without_padding_go_back_as_sent(gw: Any, padded: bool) -> None:
    first, second = cursor(0, "file-b", padded=padded), cursor(1, "", padded=padded)
    assert first.endswith("=") if padded else "=" not in first
    gw.queue(
        gw.json(200, gw.file_list(["file-a", "file-b"], has_more=True, after=first)),
        gw.json(200, gw.file_list(["file-c"], has_more=True, after=second)),
        # A key index past the last key: 200, an empty list, no has_more.
        gw.json(200, {"object": "list", "data": []}),
    )
    ids = [item.id async for page in gw.client().iter_files() for item in page.items]
    assert ids == ["file-a", "file-b", "file-c"]
    sent = [request.url.params.get("after") for request in gw.requests]
    assert sent == [None, first, second]


async def test_file_list_falls_back_to_the_last_id(gw: Any) -> None:
    gw.queue(
        gw.json(200, gw.file_list(["file-a", "file-b"], has_more=True)),  # no after
        gw.json(200, gw.file_list(["file-c"])),
    )
    ids = [item.id async for page in gw.client().iter_files() for item in page.items]
    assert ids == ["file-a", "file-b", "file-c"]
    assert gw.requests[1].url.params["after"] == "file-b"


async def test_retry_after_from_the_provider_is_honoured(gw: Any) -> None:
    gw.queue(
        gw.json(503, gw.envelope(503, message="busy"), headers={"retry-after": "3"}),
        gw.json(200, gw.file_list(["f"])),
    )
    await gw.client().list_files()
    assert gw.sleeps == [3.0]


DASHBOARD = b"<!doctype html><html><title>Bifrost</title></html>"


async def test_an_id_with_a_slash_says_the_gateway_cannot_serve_it(gw: Any) -> None:
    gw.handler = lambda request: gw.raw(200, DASHBOARD, "text/html")(request)
    client = gw.client()
    with pytest.raises(errors.UnroutableIdError) as caught:
        await client.retrieve_file(BEDROCK_ID, "bedrock")
    message = str(caught.value)
    assert "cannot serve the id" in message and "by path" in message
    assert "base URL is fine" in message
    assert gw.last.url.raw_path.decode().count("%2F") == BEDROCK_ID.count("/")
    with pytest.raises(errors.UnroutableIdError):
        await client.file_content(BEDROCK_ID, "bedrock", first_bytes=1024)
    with pytest.raises(errors.UnroutableIdError):
        await client.file_content(BEDROCK_ID, "bedrock", sink=lambda chunk: True)
    # Without a '/', the dashboard still means a wrong base URL.
    with pytest.raises(errors.DashboardHTMLError) as plain:
        await client.retrieve_file("file-abc")
    assert not isinstance(plain.value, errors.UnroutableIdError)
    assert "base URL" in str(plain.value)


async def test_content_is_any_type_but_the_dashboard(gw: Any) -> None:
    gw.queue(gw.raw(200, b"\x00\x01", "application/octet-stream"))
    response = await gw.client().file_content("file-abc")
    assert response.content == b"\x00\x01"


def test_provider_tables_are_current() -> None:
    assert {"sarvam", "databricks"} <= set(STANDARD_PROVIDERS)
    assert provider_info("vertex").files
    assert provider_info("my-own-llm").standard is False


async def test_an_html_file_is_content_like_any_other(gw: Any) -> None:
    gw.queue(gw.raw(200, b"<html>my upload</html>", "text/html"))
    response = await gw.client().file_content("file-page")
    assert response.content == b"<html>my upload</html>"
