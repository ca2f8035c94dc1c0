"""The in-process transport streams the app's answer: a whole-body 2.x content answer is read
only as far as the reader wants, and closing early stops the app."""

from __future__ import annotations

import asyncio
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
