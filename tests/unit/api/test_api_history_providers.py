"""The request history the inspector shows, and ``GET /api/providers``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from mpilot_tui.api import DashboardHTMLError, NotFoundError, RequestHistory
from mpilot_tui.api.history import RequestRecord, redact_headers

# -- history ------------------------------------------------------------------------------


async def test_history_records_every_attempt(gw: Any) -> None:
    gw.queue(
        gw.raw(503, b"busy", "text/plain"),
        httpx.ConnectError("[Errno 111] Connection refused"),
        gw.json(200, gw.file_list(["file-1", "file-2"])),
    )
    client = gw.client()
    await client.list_files()
    records = list(client.history)
    assert len(records) == 3
    assert client.history.total == 3
    assert [r.attempt for r in records] == [1, 2, 3]
    assert [r.status for r in records] == [503, None, 200]
    assert records[1].error == "ConnectError"
    assert records[1].error_message is not None and "gw.test" in records[1].error_message
    assert records[0].body == b"busy"
    assert records[2].item_count == 2
    assert all(r.method == "GET" for r in records)
    assert all(r.elapsed_ms > 0 for r in records)


async def test_history_redacts_credential_headers(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([]), headers={"set-cookie": "session=abc"}))
    client = gw.client(auth="basic", username="admin", password=SecretStr("pw-123456789"))
    await client.list_files()
    record = list(client.history)[-1]
    request_headers = dict(record.request_headers)
    assert request_headers == {"Authorization": "<redacted>", "x-bf-vk": "<redacted>"}
    response_headers = dict(record.response_headers)
    assert response_headers["set-cookie"] == "<redacted>"
    assert response_headers["content-type"] == "application/json"
    assert gw.TOKEN not in repr(record)
    assert "pw-123456789" not in repr(record)


async def test_history_url_has_no_user_info(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list([])))
    client = gw.client("http://admin:hunter2hunter2@gw.test")
    await client.list_files(purpose="batch")
    record = list(client.history)[-1]
    assert record.url == "http://gw.test/openai/v1/files?provider=openai&purpose=batch"
    assert record.path_and_query == "/openai/v1/files?provider=openai&purpose=batch"
    assert "hunter2" not in repr(record)


async def test_history_records_the_error_of_a_status_answer(gw: Any) -> None:
    gw.queue(gw.json(404, gw.envelope(404, message="container not found")))
    client = gw.client()
    with pytest.raises(NotFoundError):
        await client.list_container_files("cntr_x")
    record = list(client.history)[-1]
    assert record.status == 404
    assert record.error == "NotFoundError"
    assert record.error_message is not None and "container not found" in record.error_message


async def test_history_keeps_gateway_latency_and_gap(gw: Any) -> None:
    gw.queue(gw.json(200, gw.file_list(["f"])))
    client = gw.client()
    await client.list_files()
    record = list(client.history)[-1]
    assert record.gateway_latency_ms == 3
    assert record.latency_gap_ms == pytest.approx(record.elapsed_ms - 3)


async def test_a_shared_history_collects_requests_of_two_clients(gw: Any) -> None:
    from mpilot_tui.api import GatewayClient

    shared = RequestHistory(capacity=10)
    gw.queue(gw.json(200, gw.file_list([])))
    for _ in range(2):
        client = GatewayClient(
            gw.settings(), transport=httpx.MockTransport(gw._handle), history=shared
        )
        gw.clients.append(client)
        await client.list_files()
    assert len(shared) == 2


def test_history_ring_is_bounded_and_counts_the_total() -> None:
    history = RequestHistory(capacity=3)
    for n in range(5):
        history.add(RequestRecord(started_at=float(n), method="GET", url=f"http://h/{n}"))
    assert len(history) == 3
    assert history.total == 5
    assert [r.url for r in history] == ["http://h/2", "http://h/3", "http://h/4"]
    history.clear()
    assert len(history) == 0


def test_redact_headers_is_case_insensitive_and_keeps_repeats() -> None:
    headers = httpx.Headers(
        [("AUTHORIZATION", "Bearer x"), ("X-Api-Key", "k"), ("Cookie", "c"), ("a", "1"), ("a", "2")]
    )
    assert redact_headers(headers) == (
        ("authorization", "<redacted>"),
        ("x-api-key", "<redacted>"),
        ("cookie", "<redacted>"),
        ("a", "1"),
        ("a", "2"),
    )
    assert redact_headers({"X-BF-VK": "sk-bf-1", "Proxy-Authorization": "p", "b": "2"}) == (
        ("X-BF-VK", "<redacted>"),
        ("Proxy-Authorization", "<redacted>"),
        ("b", "2"),
    )


def test_path_and_query_edge_cases() -> None:
    assert RequestRecord(0.0, "GET", "http://h").path_and_query == "/"
    assert RequestRecord(0.0, "GET", "/relative?q=1").path_and_query == "/relative?q=1"
    assert RequestRecord(0.0, "GET", "http://h").latency_gap_ms is None


# -- providers ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
async def test_list_providers_not_permitted(gw: Any, status: int) -> None:
    gw.queue(gw.json(status, gw.envelope(status, code="virtual_key_required", message="no")))
    result = await gw.client().list_providers()
    assert gw.last.url.path == "/api/providers"
    assert result.permitted is False
    assert result.providers == []
    assert result.message is not None
    assert "not permitted" in result.message
    assert str(status) in result.message


async def test_list_providers_not_permitted_with_a_plain_body(gw: Any) -> None:
    gw.queue(gw.raw(401, b"Unauthorized", "text/plain"))
    result = await gw.client().list_providers()
    assert result.permitted is False
    assert result.message is not None and "Unauthorized" in result.message


async def test_list_providers_parses_providers(gw: Any) -> None:
    gw.queue(
        gw.json(
            200,
            {
                "providers": [
                    {"name": "openai", "provider_status": "active", "keys": [{"id": "k"}]},
                    {"name": "my-custom-llm"},
                ],
                "total": 2,
            },
        )
    )
    result = await gw.client(
        auth="basic", username="admin", password=SecretStr("x")
    ).list_providers()
    assert result.permitted is True
    assert result.message is None
    assert [p.name for p in result.providers] == ["openai", "my-custom-llm"]
    assert result.providers[0].provider_status == "active"
    assert result.providers[1].provider_status is None


async def test_list_providers_other_errors_raise(gw: Any) -> None:
    gw.queue(gw.json(404, gw.envelope(404, message="no route")))
    with pytest.raises(NotFoundError):
        await gw.client().list_providers()


async def test_list_providers_on_the_dashboard_raises(gw: Any) -> None:
    gw.queue(gw.raw(200, b"<html></html>", "text/html"))
    with pytest.raises(DashboardHTMLError):
        await gw.client().list_providers()


def test_history_resize_keeps_the_newest_records() -> None:
    history = RequestHistory(capacity=5)
    for n in range(5):
        history.add(RequestRecord(started_at=float(n), method="GET", url=f"http://h/{n}"))
    history.resize(2)
    assert [r.url for r in history] == ["http://h/3", "http://h/4"]
    history.add(RequestRecord(started_at=5.0, method="GET", url="http://h/5"))
    assert len(history) == 2 and history.total == 6
    with pytest.raises(ValueError):
        history.resize(0)
