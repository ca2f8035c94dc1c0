"""The in-process transport streams the app's answer: a whole-body 2.x content answer is read
only as far as the reader wants, and closing early stops the app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import httpx
import pytest

from mpilot_tui.api import GatewayClient
from mpilot_tui.api._asgi import StreamingASGITransport
from mpilot_tui.demo import DemoConfig, create_app

BASE = "http://demo.invalid"


class EndlessApp:
    """An ASGI app that answers 200 and sends 64 KB chunks until it is stopped."""

    def __init__(self) -> None:
        self.sent = 0
        self.stopped = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            while True:
                await send({"type": "http.response.body", "body": b"x" * 65_536, "more_body": True})
                self.sent += 1
        finally:
            self.stopped.set()


async def test_a_reader_that_stops_early_stops_the_app() -> None:
    app = EndlessApp()
    client = httpx.AsyncClient(transport=StreamingASGITransport(app), base_url=BASE)
    async with client, client.stream("GET", "/big") as response:
        assert response.status_code == 200
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read >= 256 * 1024:
                break
    await app.stopped.wait()
    # The app ran only a few chunks ahead of the reader (the queue bounds it).
    assert app.sent <= 4 + 4 + 1


async def test_json_answers_are_the_same_as_the_buffering_transport() -> None:
    config = DemoConfig(files=30, keys=2)
    answers = []
    for transport in (StreamingASGITransport(create_app(config)),
                      httpx.ASGITransport(app=create_app(config))):  # fmt: skip
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            page = await client.get("/openai/v1/files", params={"limit": 7})
            error = await client.get("/openai/v1/files", params={"provider": "groq"})
            answers.append((page.status_code, page.json(), dict(page.headers), error.status_code))
    assert answers[0] == answers[1]


async def test_an_app_that_fails_before_answering_raises() -> None:
    async def broken(scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    async with httpx.AsyncClient(transport=StreamingASGITransport(broken), base_url=BASE) as c:
        with pytest.raises(RuntimeError, match="boom"):
            await c.get("/")


async def test_preview_of_a_huge_file_on_a_22_demo_reads_only_its_cap() -> None:
    # 2.2 ignores Range and sends the whole file; the client's sink stops at its cap and the
    # transport stops the demo there, instead of producing (and buffering) hundreds of MB.
    client = GatewayClient.for_demo(create_app(DemoConfig(files=400)))
    async with client:
        page = await client.list_files(limit=400)
        huge = max(page.items, key=lambda item: item.bytes or 0)
        assert (huge.bytes or 0) > 100_000_000
        head = bytearray()

        def take(chunk: bytes) -> bool:
            head.extend(chunk[: 256 * 1024 - len(head)])
            return len(head) < 256 * 1024

        response = await client.file_content(huge.id, sink=take, first_bytes=256 * 1024)
    assert response.status == 200  # the whole body was offered, Range ignored
    assert len(head) == 256 * 1024
    assert response.headers["content-length"] == str(huge.bytes)


# -- what a server gives the app beyond HTTP: lifespan and WebSockets ------------------------


async def test_lifespan_runs_the_demo_arrivals_and_closing_stops_them() -> None:
    from mpilot_tui.config.session import demo_session

    session = demo_session(DemoConfig(requests=50, requests_per_second=200))
    client = session.client()
    first = await client.list_logs({}, 10, 0)
    assert first.total_count is not None and first.total_count >= 50
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while (await client.list_logs({}, 10, 0)).total_count == first.total_count:
        assert loop.time() < deadline, "no new request arrived"
        await asyncio.sleep(0.05)  # polling the app's state, not pacing the test
    await client.aclose()


async def test_a_still_demo_runs_no_lifespan() -> None:
    from mpilot_tui.config.session import demo_session

    client = demo_session(DemoConfig(requests=50)).client()
    async with client:
        await client.list_logs({}, 10, 0)
        transport = client._transport
        assert isinstance(transport, StreamingASGITransport)
        assert transport._lifespan_task is None


async def test_requests_that_come_during_startup_wait_for_it_and_reuse_restarts() -> None:
    """Two first requests at once: neither reaches the app before its startup is done (the
    browser's first page, its gateway facts and /ws start together); a transport closed and
    used again runs a new lifespan rather than one told to shut down at once."""
    release = asyncio.Event()
    events: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            assert message["type"] == "lifespan.startup"
            await release.wait()
            events.append("started")
            await send({"type": "lifespan.startup.complete"})
            await receive()
            events.append("stopped")
            await send({"type": "lifespan.shutdown.complete"})
            return
        events.append("request")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    transport = StreamingASGITransport(app, lifespan=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
        pending = asyncio.gather(client.get("/a"), client.get("/b"))
        for _ in range(20):
            await asyncio.sleep(0)
        assert events == [], "no request before the startup completed"
        release.set()
        await pending
        assert events == ["started", "request", "request"]
    assert events[-1] == "stopped"  # closing the client closed the transport
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
        await client.get("/c")
    assert events == ["started", "request", "request", "stopped", "started", "request", "stopped"]


async def test_websocket_in_process_denied_then_accepted_with_a_ticket() -> None:
    from pydantic import SecretStr

    from mpilot_tui.api import ConnectionSettings, errors

    config = DemoConfig(requests=50, auth="admin")
    gateway = create_app(config)
    denied = GatewayClient.for_demo(gateway, ConnectionSettings(base_url=BASE, retries=0))
    with pytest.raises(errors.AuthenticationError):
        async for _event in denied.follow_logs():
            break
    settings = ConnectionSettings(
        base_url=BASE, username="admin", password=SecretStr("admin"), retries=0
    )
    client = GatewayClient.for_demo(gateway, settings)
    feed = gateway.state.log_feed
    events = client.follow_logs()
    first = asyncio.ensure_future(anext(events))
    while not feed.subscribers:
        await asyncio.sleep(0.01)  # until the socket is open (a condition, not a pace)
    feed.arrive(1)
    event = await asyncio.wait_for(first, 10)
    assert event.operation in ("create", "update") and event.entry.id
    assert "cache_debug" not in event.raw  # the feed strips it, as W2 does
    assert isinstance(events, AsyncGenerator)
    await events.aclose()  # closes the socket: the app unsubscribes
    assert not feed.subscribers


async def test_a_whole_body_request_is_answered_in_the_callers_task() -> None:
    """A JSON request (no sink) runs the app in the caller's own task, as httpx's buffering
    transport does; a content request with a sink still runs it in a task of its own."""
    tasks: list[asyncio.Task[Any] | None] = []
    inner = create_app(DemoConfig(files=5, keys=1))

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            tasks.append(asyncio.current_task())
        await inner(scope, receive, send)

    client = GatewayClient.for_demo(app)
    async with client:
        page = await client.list_files("openai", None, 3, None, "desc")
        assert tasks == [asyncio.current_task()]
        chunks: list[bytes] = []

        def sink(chunk: bytes) -> bool:
            chunks.append(chunk)
            return True

        await client.file_content(page.items[0].id, sink=sink)
        assert len(tasks) == 2 and tasks[1] is not asyncio.current_task()
        assert b"".join(chunks)
    assert len(page.items) == 3


async def test_a_whole_body_app_that_fails_mid_body_fails_the_read() -> None:
    async def failing(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{", "more_body": True})
        raise RuntimeError("boom mid-body")

    transport = StreamingASGITransport(failing)
    request = httpx.Request("GET", f"{BASE}/x", extensions={"mpilot.whole_body": True})
    response = await transport.handle_async_request(request)
    assert response.status_code == 200
    with pytest.raises(RuntimeError, match="boom mid-body"):
        await response.aread()


async def test_start_runs_the_lifespan_before_the_first_request() -> None:
    """The browser calls ``start`` at mount: the startup runs while the first frame is drawn,
    and the first request does not wait a turn of the loop for it."""
    from mpilot_tui.config.session import demo_session

    client = demo_session(DemoConfig(requests=50, requests_per_second=5)).client()
    transport = client._transport
    assert isinstance(transport, StreamingASGITransport)
    client.start()
    started = transport._started
    assert started is not None and not started.done()
    await asyncio.wait_for(asyncio.shield(started), 5)
    await client.list_files("openai", None, 3, None, "desc")
    assert transport._started is started  # the same startup, not a second one
    await client.aclose()


async def test_a_whole_body_head_answer_has_no_body_on_either_path() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ignored", "more_body": False})

    transport = StreamingASGITransport(app)
    for extensions in ({"mpilot.whole_body": True}, {}):
        request = httpx.Request("HEAD", f"{BASE}/x", extensions=extensions)
        response = await transport.handle_async_request(request)
        assert await response.aread() == b""
