"""The demo gateway's realtime feed: ``/ws`` with ticket auth, pushing new log entries."""

from __future__ import annotations

import base64
from typing import Literal

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from mpilot_tui.demo import DemoConfig, create_app

BASIC = {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode()}


def test_new_entries_are_pushed_as_create_then_update() -> None:
    app = create_app(DemoConfig(requests=200, requests_per_second=0))
    with TestClient(app) as client, client.websocket_connect("/ws") as socket:
        feed = app.state.log_feed
        (first,) = feed.arrive()
        created = socket.receive_json()
        assert created["type"] == "log" and created["operation"] == "create"
        payload = created["payload"]
        assert payload["status"] == "processing"
        assert payload["created_at"] == payload["timestamp"]
        assert payload["id"] == app.state.log_store.id_at(first)
        feed.arrive()
        messages = [socket.receive_json(), socket.receive_json()]
        updated = next(m for m in messages if m["payload"]["id"] == payload["id"])
        assert updated["operation"] == "update"
        assert updated["payload"]["status"] in ("success", "error", "cancelled")
        for message in messages:
            assert "cache_debug" not in message["payload"]
            assert "output_message" not in message["payload"]
        # The arrived entries are in the log, newest first, and keep their cache_debug there.
        rows = client.get("/api/logs", params={"limit": 2}).json()["logs"]
        assert rows[1]["id"] == payload["id"]
        assert client.get("/api/logs").json()["pagination"]["total_count"] == 202


def test_arrivals_move_the_gateway_clock() -> None:
    app = create_app(DemoConfig(requests=100, requests_per_second=2))
    client = TestClient(app)
    before = client.get("/api/logs", params={"period": "1h"}).json()["pagination"]["total_count"]
    app.state.log_feed.arrive(10)
    rows = client.get("/api/logs", params={"limit": 11}).json()["logs"]
    assert rows[0]["timestamp"] == "2026-10-15T12:00:05Z"
    after = client.get("/api/logs", params={"period": "1h"}).json()["pagination"]["total_count"]
    assert after == before + 10


@pytest.mark.parametrize("auth", ["admin", "vk+admin"])
def test_the_socket_needs_a_ticket_when_admin_auth_is_on(
    auth: Literal["admin", "vk+admin"],
) -> None:
    client = TestClient(create_app(DemoConfig(auth=auth, requests=10)))
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws"):
        pass
    assert client.post("/api/session/ws-ticket").status_code == 401
    ticket = client.post("/api/session/ws-ticket", headers=BASIC).json()["ticket"]
    with client.websocket_connect(f"/ws?ticket={ticket}"):
        pass
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(f"/ws?ticket={ticket}"):
        pass  # a ticket is good for one connection
    login = client.post("/api/session/login", json={"username": "admin", "password": "admin"})
    token = login.cookies["token"]
    with client.websocket_connect("/ws"):  # the cookie
        pass
    client.cookies.clear()
    with client.websocket_connect(f"/ws?token={token}"):
        pass


def test_no_socket_without_logging() -> None:
    client = TestClient(create_app(DemoConfig(logging=False)))
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws"):
        pass


def test_the_request_log_is_built_on_first_use_not_at_startup() -> None:
    """A gateway with arrivals builds its request log (numpy tables) when the log is first
    reached, not in its lifespan: the browser's first page of files does not wait for it.
    From then on the arrival loop runs."""
    app = create_app(DemoConfig(requests=100, requests_per_second=200))
    logs = app.state._logs
    with TestClient(app) as client:
        assert client.get("/openai/v1/files", params={"limit": 2}).status_code == 200
        assert "store" not in vars(logs) and "feed" not in vars(logs)
        first = client.get("/api/logs").json()["pagination"]["total_count"]
        assert "store" in vars(logs) and logs.feed._task is not None
        assert first >= 100
    assert logs.feed._task is None  # the lifespan's end stopped it


def test_a_restarted_gateway_starts_its_arrivals_again_on_first_use() -> None:
    app = create_app(DemoConfig(requests=100, requests_per_second=200))
    logs = app.state._logs
    for _ in range(2):
        with TestClient(app) as client:
            client.get("/api/logs")
            assert logs.feed._task is not None
        assert logs.feed._task is None
