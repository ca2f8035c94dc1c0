"""The request-log calls of the client: against the demo gateway (ASGITransport) and odd
shapes at the transport (MockTransport)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from mpilot_tui.api import (
    AuthenticationError,
    ConnectionSettings,
    GatewayClient,
    NotFoundError,
    RequestValidationError,
)
from mpilot_tui.api.log_models import LogEntry
from mpilot_tui.api.logs import LogsUnavailableError, parse_ws_message, ws_url
from mpilot_tui.demo.app import create_app
from mpilot_tui.demo.config import DemoConfig
from mpilot_tui.reqlog import LogFilters

BASE = "http://demo.test"
TOKEN = "sk-bf-demo-7c1e2a9f3a"


def demo_client(count: int = 120, **config: Any) -> GatewayClient:
    settings_kw = config.pop("settings", {"auth": "none"})
    app = create_app(DemoConfig(requests=count, **config))
    settings = ConnectionSettings(base_url=BASE, **settings_kw)
    return GatewayClient(settings, transport=httpx.ASGITransport(app=app))


async def test_list_logs_pages_by_offset_with_total_count() -> None:
    async with demo_client(120) as client:
        first = await client.list_logs({}, 50, 0)
        last = await client.list_logs({}, 50, 100)
    assert first.kind == "requests" and len(first.items) == 50
    assert first.total_count == 120 and first.has_more and first.next_offset == 50
    assert len(last.items) == 20 and not last.has_more and last.next_offset == 120
    assert all(isinstance(e, LogEntry) and e.id for e in first.items)
    assert {e.id for e in first.items}.isdisjoint({e.id for e in last.items})
    assert json.loads(first.raw)["logs"][0]["id"] == first.items[0].id
    assert "/api/logs" in first.meta.url and first.meta.status == 200


async def test_list_logs_sends_the_filters() -> None:
    async with demo_client(400) as client:
        params = LogFilters(cache="semantic", sort_by="latency", order="asc").to_params(None)
        page = await client.list_logs(params, 100, 0)
    assert page.items, "the demo has semantic hits"
    assert all(e.cache_debug is not None and e.cache_debug.kind == "semantic" for e in page.items)
    latencies = [e.latency for e in page.items if e.latency is not None]
    assert latencies == sorted(latencies)


async def test_limit_and_offset_are_checked_before_sending() -> None:
    async with demo_client(5) as client:
        for limit, offset in ((0, 0), (1001, 0), (10, -1)):
            with pytest.raises(RequestValidationError):
                await client.list_logs({}, limit, offset)


async def test_get_log_keeps_the_whole_entry() -> None:
    async with demo_client(30) as client:
        row = (await client.list_logs({}, 1, 0)).items[0]
        result = await client.get_log(row.id)
        with pytest.raises(NotFoundError, match="no request-log entry") as missing:
            await client.get_log("no-such-log")
    assert isinstance(result.item, LogEntry) and result.item.id == row.id
    raw = json.loads(result.raw)
    assert raw["id"] == row.id and "timestamp" in raw
    assert not isinstance(missing.value, LogsUnavailableError)


async def test_log_stats_keeps_the_raw_object_and_compares() -> None:
    async with demo_client(300) as client:
        result = await client.log_stats(LogFilters(period="30d").to_params(None), compare=True)
    assert result.raw["total_requests"] == 300 == result.stats.total_requests
    assert result.stats.hit_rate is not None and 0 < result.stats.hit_rate < 1
    assert result.raw["has_previous_period"] is True and result.previous is not None
    assert json.loads(result.body) == result.raw


async def test_log_filterdata() -> None:
    async with demo_client(100) as client:
        data = await client.log_filterdata()
    assert data.names("models") and all(isinstance(m, str) for m in data.names("models"))
    assert data.names("no-such-dimension") == []


async def test_a_gateway_without_logging_is_unavailable_not_a_bad_base_url() -> None:
    async with demo_client(10, logging=False) as client:
        for call in (
            client.list_logs({}, 10, 0),
            client.log_stats({}),
            client.log_filterdata(),
            client.get_log("abc"),
        ):
            with pytest.raises(LogsUnavailableError, match="keeps no request log") as caught:
                await call
            assert "The base URL is fine" in str(caught.value)
        files = await client.list_files()  # the file routes keep working
    assert files.items


@pytest.mark.parametrize(
    ("status", "body", "ctype"),
    [
        (404, b'{"error":{"message":"Route not found: /api/logs"}}', "application/json"),
        (405, b"Method Not Allowed", "text/plain"),
        (200, b"<!doctype html><title>Bifrost</title>", "text/html; charset=utf-8"),
        (404, b"404 page not found", "text/plain"),
    ],
)
async def test_missing_routes_of_every_shape(gw: Any, status: int, body: bytes, ctype: str) -> None:
    gw.queue(gw.raw(status, body, ctype))
    client = gw.client()
    with pytest.raises(LogsUnavailableError) as caught:
        await client.list_logs({}, 10, 0)
    assert str(status) in str(caught.value)


async def test_a_virtual_key_alone_gets_the_admin_hint() -> None:
    settings = {"auth": "bearer", "token": SecretStr(TOKEN)}
    async with demo_client(10, auth="vk+admin", settings=settings) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.list_logs({}, 10, 0)
    text = str(caught.value)
    assert "MPILOT_ADMIN_USERNAME" in text and "MPILOT_ADMIN_PASSWORD" in text
    assert TOKEN not in text


async def test_admin_credentials_open_the_log() -> None:
    settings = {"auth": "bearer", "token": SecretStr(TOKEN), "username": "admin",
                "password": SecretStr("admin")}  # fmt: skip
    async with demo_client(10, auth="vk+admin", settings=settings) as client:
        page = await client.list_logs({}, 10, 0)
        ticket = await client.ws_ticket()
    assert len(page.items) == 10 and ticket


async def test_odd_list_shapes_are_tolerated(gw: Any) -> None:
    body = {"logs": [{"id": "a", "latency": "fast", "cost": 1e308 * 10}, "junk", 5,
                     {"id": 7, "token_usage": []}],
            "pagination": {"total_count": "lots"}, "stats": [], "has_logs": "yes"}  # fmt: skip
    gw.queue(gw.json(200, body))
    page = await gw.client().list_logs({}, 4, 0)
    assert [e.id for e in page.items] == ["a", "7"]
    assert page.total_count is None and page.has_more  # no usable total, a full page (4 sent)


async def test_logs_null_is_an_empty_last_page(gw: Any) -> None:
    gw.queue(gw.json(200, {"logs": None, "pagination": {"total_count": 0}, "has_logs": False}))
    page = await gw.client().list_logs({}, 10, 0)
    assert page.items == [] and not page.has_more


async def test_an_error_envelope_maps_to_the_typed_error(gw: Any) -> None:
    gw.queue(gw.json(400, {"is_bifrost_error": False, "status_code": 400,
                           "error": {"message": "limit cannot exceed 1000"}}))  # fmt: skip
    with pytest.raises(Exception, match="limit cannot exceed 1000") as caught:
        await gw.client().list_logs({}, 10, 0)
    assert type(caught.value).__name__ == "APIStatusError"


def test_ws_url_and_messages() -> None:
    assert ws_url("http://gw:8080", "t1") == "ws://gw:8080/ws?ticket=t1"
    assert ws_url("https://user:pw@gw/base/", None) == "wss://gw/base/ws"
    create = parse_ws_message(
        json.dumps(
            {"type": "log", "operation": "create", "payload": {"id": "x", "status": "processing"}}
        )
    )
    assert create is not None and create.operation == "create" and create.entry.id == "x"
    update = parse_ws_message(b'{"type":"log","operation":"weird","payload":{"id":"y"}}')
    assert update is not None and update.operation == "update"
    for other in ('{"type":"mcp_log","payload":{"id":"z"}}', "not json", "[]",
                  '{"type":"log","payload":"x"}', '{"type":"log","payload":{}}',
                  "[" * 100_000):  # fmt: skip
        assert parse_ws_message(other) is None
