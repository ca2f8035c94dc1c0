"""An ASGI transport that streams the app's answer instead of buffering all of it.

``httpx.ASGITransport`` returns a response only once the app has sent its whole body. For the
in-process demo gateway that is wrong in two ways a user sees: a 2.x gateway answers a
content request with the whole file (it ignores ``Range``), so a preview of a 500 MB file
would wait for, and hold, all 500 MB; and a delayed first byte could not be shown as a wait.
:class:`StreamingASGITransport` hands the response back as soon as its headers are sent and
passes the body on chunk by chunk through a small queue (the app waits while the reader does
not read). Closing the response early tells the app the client went away and stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import httpx

__all__ = ["StreamingASGITransport"]

BODY_QUEUE_CHUNKS = 4
"""Body chunks the app may send ahead of the reader before its ``send`` waits."""

_End = object()
"""Marks the end of the body in the queue."""


class _BodyStream(httpx.AsyncByteStream):
    """The body as the app sends it; closing it early cancels the app."""

    def __init__(
        self, queue: asyncio.Queue[object], task: asyncio.Task[None], gone: asyncio.Event
    ) -> None:
        self._queue = queue
        self._task = task
        self._gone = gone

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            chunk = await self._queue.get()
            if chunk is _End:
                return
            if isinstance(chunk, BaseException):
                raise chunk
            assert isinstance(chunk, bytes)
            yield chunk

    async def aclose(self) -> None:
        self._gone.set()
        if not self._task.done():
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """Requests answered by an in-process ASGI app, responses streamed as the app sends them."""

    def __init__(self, app: Any, root_path: str = "") -> None:
        self.app = app
        self.root_path = root_path

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for (k, v) in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": ("127.0.0.1", 123),
            "root_path": self.root_path,
        }
        request_chunks = request.stream.__aiter__()
        request_done = False
        gone = asyncio.Event()
        started: asyncio.Future[tuple[int, list[tuple[bytes, bytes]]]] = (
            asyncio.get_running_loop().create_future()
        )
        body: asyncio.Queue[object] = asyncio.Queue(maxsize=BODY_QUEUE_CHUNKS)
        ended = False

        async def receive() -> dict[str, Any]:
            nonlocal request_done
            if request_done:
                await gone.wait()
                return {"type": "http.disconnect"}
            try:
                chunk = await request_chunks.__anext__()
            except StopAsyncIteration:
                request_done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal ended
            if message["type"] == "http.response.start":
                if not started.done():
                    started.set_result((message["status"], list(message.get("headers", []))))
            elif message["type"] == "http.response.body" and not ended:
                chunk = message.get("body", b"")
                if chunk and request.method != "HEAD":
                    await body.put(bytes(chunk))
                if not message.get("more_body", False):
                    ended = True
                    await body.put(_End)

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                if not started.done():
                    started.set_exception(exc)
                elif not ended:
                    await body.put(exc)
                return
            if not started.done():
                started.set_exception(RuntimeError("the ASGI app sent no response"))
            elif not ended:
                await body.put(_End)

        task = asyncio.create_task(run())
        try:
            status, headers = await started
        except BaseException:
            gone.set()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            raise
        return httpx.Response(status, headers=headers, stream=_BodyStream(body, task, gone))
