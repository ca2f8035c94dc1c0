"""The real httpx transport against tiny HTTP servers on 127.0.0.1 (never the internet), and
the client against the demo gateway of each generation served on a loopback socket."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from pydantic import SecretStr

from mpilot_tui.api import (
    AuthenticationError,
    ConnectError,
    ConnectionSettings,
    FileObject,
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


# -- the demo gateway of each generation, over a real socket ---------------------------------

DEMO_FILES = 250


@dataclass
class Served:
    base_url: str
    config: object


@pytest.fixture
async def demo_gateway(bifrost: str) -> AsyncIterator[Served]:
    """The demo gateway of generation ``bifrost`` (vk+admin auth, three provider keys) served
    by uvicorn on a loopback socket in this event loop."""
    import uvicorn

    from mpilot_tui.demo import DemoConfig, create_app

    config = DemoConfig(
        bifrost=bifrost,  # type: ignore[arg-type]
        auth="vk+admin",
        keys=3,
        files=DEMO_FILES,
        requests=50,
        virtual_key=TOKEN,
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        assert not task.done(), "the demo gateway did not start"
        await asyncio.sleep(0.01)
    try:
        yield Served(f"http://127.0.0.1:{sock.getsockname()[1]}", config)
    finally:
        server.should_exit = True
        await task
        sock.close()


def _demo_client(bifrost: str, base_url: str, **overrides: object) -> GatewayClient:
    # 1.4 wants admin credentials on inference too: Basic on every route, the key in x-bf-vk.
    values: dict[str, object] = {
        "auth": "basic" if bifrost == "1.4" else "bearer",
        "token": SecretStr(TOKEN),
        "username": "admin",
        "password": SecretStr("admin"),
        "timeout": 10.0,
        "retries": 0,
    }
    values.update(overrides)
    return GatewayClient(ConnectionSettings(base_url=base_url, **values))  # type: ignore[arg-type]


async def test_every_file_of_every_key_once_on_each_generation(
    demo_gateway: Served, bifrost: str
) -> None:
    async with _demo_client(bifrost, demo_gateway.base_url) as client:
        ids: list[str] = []
        cursors: list[str | None] = []
        async for page in client.iter_files(limit=40):
            ids += [item.id for item in page.items]
            cursors.append(page.next_cursor)
        assert len(ids) == len(set(ids)) == DEMO_FILES
        # 2.x pads its cursors, 1.x does not; the client follows both.
        padded = [c for c in cursors if c and c.endswith("=")]
        assert bool(padded) is (bifrost == "2.2")
        item = await client.retrieve_file(ids[7])
        assert item.item.id == ids[7]
        # 2.x lists leave updated_at out; its retrieve has it (1.4 never does).
        assert isinstance(item.item, FileObject)
        assert (item.item.updated_at is not None) is (bifrost != "1.4")
        providers = await client.list_providers()
        assert providers.permitted
        assert "openai" in {entry.name for entry in providers.providers}


async def test_the_first_bytes_of_a_file_on_each_generation(
    demo_gateway: Served, bifrost: str
) -> None:
    async with _demo_client(bifrost, demo_gateway.base_url) as client:
        page = await client.list_files(limit=100)
        small = min(page.items, key=lambda item: item.bytes or 0)
        head = await client.file_content(small.id, first_bytes=64)
        whole = await client.file_content(small.id)
    # 1.x honours Range (206, 64 bytes); 2.2 sends everything (200): the same first bytes.
    assert head.status == (200 if bifrost == "2.2" else 206)
    assert len(whole.content) == small.bytes
    assert whole.content.startswith(head.content[:64])


async def test_a_revoked_key_is_a_401_on_each_generation(
    demo_gateway: Served, bifrost: str
) -> None:
    wrong = SecretStr("sk-bf-revoked-0000")
    async with _demo_client(bifrost, demo_gateway.base_url, token=wrong) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.list_files(limit=1)
    assert caught.value.status == 401
    code = "access_not_found" if bifrost == "2.2" else "virtual_key_not_found"
    assert code in (caught.value.type, caught.value.code)
    assert "sk-bf-revoked-0000" not in str(caught.value)
