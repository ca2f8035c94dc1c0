"""The real httpx transport against tiny HTTP servers on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from pydantic import SecretStr

from mpilot_tui.api import (
    ConnectError,
    ConnectionSettings,
    GatewayClient,
    RedirectError,
    TimeoutError,
)

TOKEN = "sk-bf-loopback-0123456789"


@dataclass
class Seen:
    """What one loopback server received."""

    request_lines: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


Answer = Callable[[str], tuple[int, dict[str, str], bytes] | None]


async def _serve(answer: Answer) -> tuple[asyncio.Server, int, Seen]:
    seen = Seen()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        seen.request_lines.append(lines[0])
        seen.headers.append(
            {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
        )
        target = lines[0].split(" ")[1]
        reply = answer(target)
        if reply is None:  # never answer; wait until the client gives up and hangs up
            await reader.read()
            writer.close()
            return
        status, headers, body = reply
        out = [f"HTTP/1.1 {status} X", f"content-length: {len(body)}", "connection: close"]
        out += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, port, seen


@pytest.fixture
async def servers() -> AsyncIterator[list[asyncio.Server]]:
    started: list[asyncio.Server] = []
    yield started
    for server in started:
        server.close()
        await server.wait_closed()


def _client(base_url: str, **overrides: object) -> tuple[GatewayClient, list[float]]:
    values: dict[str, object] = {"auth": "x-bf-vk", "token": SecretStr(TOKEN), "timeout": 5.0}
    values.update(overrides)
    client = GatewayClient(ConnectionSettings(base_url=base_url, **values))  # type: ignore[arg-type]
    sleeps: list[float] = []

    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    client.http.sleep = record
    return client, sleeps


def _json(body: object) -> tuple[int, dict[str, str], bytes]:
    return 200, {"content-type": "application/json"}, json.dumps(body).encode()


async def test_a_real_round_trip(servers: list[asyncio.Server]) -> None:
    server, port, seen = await _serve(
        lambda target: _json({"data": [{"id": "file-1"}], "extra_fields": {"latency": 2}})
    )
    servers.append(server)
    client, _ = _client(f"http://127.0.0.1:{port}")
    async with client:
        page = await client.list_files(limit=5)
    assert page.items[0].id == "file-1"
    assert seen.request_lines == ["GET /openai/v1/files?provider=openai&limit=5 HTTP/1.1"]
    assert seen.headers[0]["x-bf-vk"] == TOKEN
    assert page.meta.url == f"http://127.0.0.1:{port}/openai/v1/files?provider=openai&limit=5"


async def test_connection_refused_is_a_connect_error_naming_the_host() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client, sleeps = _client(f"http://127.0.0.1:{port}")
    async with client:
        with pytest.raises(ConnectError) as caught:
            await client.list_files()
    assert "127.0.0.1" in str(caught.value)
    assert len(sleeps) == 2
    assert len(client.history) == 3


async def test_a_server_that_never_answers_times_out(servers: list[asyncio.Server]) -> None:
    server, port, _ = await _serve(lambda target: None)
    servers.append(server)
    client, sleeps = _client(f"http://127.0.0.1:{port}", timeout=0.3)
    async with client:
        with pytest.raises(TimeoutError, match=r"127\.0\.0\.1"):
            await client.list_files()
    assert sleeps == []


async def test_cross_origin_redirect_never_reaches_the_other_server(
    servers: list[asyncio.Server],
) -> None:
    other, other_port, other_seen = await _serve(lambda target: _json({"data": []}))
    servers.append(other)
    location = f"http://localhost:{other_port}/openai/v1/files"
    gateway, port, seen = await _serve(lambda target: (302, {"location": location}, b""))
    servers.append(gateway)
    for auth in ("bearer", "x-bf-vk"):
        client, _ = _client(f"http://127.0.0.1:{port}", auth=auth)
        async with client:
            with pytest.raises(RedirectError):
                await client.list_files()
    await asyncio.sleep(0.05)
    assert other_seen.request_lines == []
    assert len(seen.request_lines) == 2


async def test_same_origin_redirect_is_followed_over_the_wire(
    servers: list[asyncio.Server],
) -> None:
    def answer(target: str) -> tuple[int, dict[str, str], bytes]:
        if target.startswith("/openai/"):
            return 307, {"location": "/moved" + target}, b""
        return _json({"data": [{"id": "moved"}]})

    server, port, seen = await _serve(answer)
    servers.append(server)
    client, _ = _client(f"http://127.0.0.1:{port}", auth="bearer")
    async with client:
        page = await client.list_files()
    assert page.items[0].id == "moved"
    assert [h.get("authorization") for h in seen.headers] == [f"Bearer {TOKEN}"] * 2
    assert seen.request_lines[1].startswith("GET /moved/openai/v1/files?provider=openai ")
