"""An ASGI transport that streams the app's answer instead of buffering all of it.

``httpx.ASGITransport`` returns a response only once the app has sent its whole body. For the
in-process demo gateway that is wrong in two ways a user sees: a 2.x gateway answers a
content request with the whole file (it ignores ``Range``), so a preview of a 500 MB file
would wait for, and hold, all 500 MB; and a delayed first byte could not be shown as a wait.
:class:`StreamingASGITransport` hands the response back as soon as its headers are sent and
passes the body on chunk by chunk through a small queue (the app waits while the reader does
not read). Closing the response early tells the app the client went away and stops it.

It also carries what a server would give the app beyond HTTP: the app's **lifespan** (started
before the first request and shut down when the transport closes, when asked for: the demo's
arrival of new requests runs there) and **WebSockets** (:meth:`StreamingASGITransport.
open_websocket`, the ASGI ``websocket`` scope driven in process: the demo's ``/ws`` feed).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

import httpx

from ._http import WHOLE_BODY

__all__ = ["ASGIWebSocket", "StreamingASGITransport", "WebSocketClosed", "WebSocketRefused"]

BODY_QUEUE_CHUNKS = 4
"""Body chunks the app may send ahead of the reader before its ``send`` waits."""

LIFESPAN_SHUTDOWN_SECONDS = 5.0
"""How long closing the transport waits for the app's lifespan shutdown."""

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


def _receiver(
    request_body: httpx.AsyncByteStream, gone: asyncio.Event
) -> Callable[[], Awaitable[dict[str, Any]]]:
    """The app's ``receive``: the request's body in chunks, then a disconnect once ``gone``
    is set (the answer is complete, or the client went away)."""
    request_chunks = request_body.__aiter__()
    request_done = False

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

    return receive


class _FailedBody(httpx.AsyncByteStream):
    """The body of an answer whose app failed after its headers: reading it raises, as the
    streamed body does."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        raise self._error
        yield b""  # pragma: no cover - makes this an async generator


class WebSocketRefused(Exception):
    """The app refused the WebSocket upgrade (``status``: its denial response's, or 403 when
    it closed the socket before accepting it)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"the WebSocket upgrade was refused ({status})")
        self.status = status


class WebSocketClosed(Exception):
    """The app closed the WebSocket."""


class ASGIWebSocket:
    """An accepted in-process WebSocket: :meth:`recv` the app's frames, :meth:`close` it."""

    def __init__(self, frames: asyncio.Queue[str | bytes | None], task: asyncio.Task[None]) -> None:
        self._frames = frames
        self._task = task
        self.gone = asyncio.Event()
        """Set when the client closes: the app's next ``receive`` is a disconnect."""

    async def recv(self) -> str | bytes:
        """The next frame; :class:`WebSocketClosed` once the app closed the socket."""
        frame = await self._frames.get()
        if frame is None:
            raise WebSocketClosed
        return frame

    async def close(self) -> None:
        self.gone.set()
        if not self._task.done():
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """Requests answered by an in-process ASGI app, responses streamed as the app sends them.

    ``lifespan``: run the app's lifespan (startup before the first request, shutdown when the
    transport closes), as a server would."""

    def __init__(self, app: Any, root_path: str = "", *, lifespan: bool = False) -> None:
        self.app = app
        self.root_path = root_path
        self.lifespan = lifespan
        self._lifespan_task: asyncio.Task[None] | None = None
        self._started: asyncio.Future[None] | None = None
        self._shutdown = asyncio.Event()

    def start(self) -> None:
        """Begin the app's lifespan startup now, if it has one to run (needs a running loop);
        requests wait for it to be done as before."""
        if self.lifespan and self._started is None:
            self._started = asyncio.get_running_loop().create_future()
            self._lifespan_task = asyncio.create_task(self._run_lifespan(self._started))

    async def _start_lifespan(self) -> None:
        """Send the app ``lifespan.startup`` once and wait until it completes (an app without
        a lifespan just fails it: then there is none). Every request waits for the same
        startup: one that comes while it runs does not reach the app before it is done."""
        self.start()
        assert self._started is not None
        await asyncio.shield(self._started)

    async def _run_lifespan(self, started: asyncio.Future[None]) -> None:
        sent_startup = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_startup
            if not sent_startup:
                sent_startup = True
                return {"type": "lifespan.startup"}
            await self._shutdown.wait()
            return {"type": "lifespan.shutdown"}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"].startswith("lifespan.startup.") and not started.done():
                started.set_result(None)

        try:
            with contextlib.suppress(Exception):  # an app without a lifespan
                await self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
        finally:
            if not started.done():
                started.set_result(None)

    async def aclose(self) -> None:
        task, self._lifespan_task, self._started = self._lifespan_task, None, None
        if task is not None:
            self._shutdown.set()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, LIFESPAN_SHUTDOWN_SECONDS)
            self._shutdown = asyncio.Event()  # a reused transport starts a new lifespan

    def _scope(self, kind: str, url: httpx.URL, headers: list[tuple[bytes, bytes]]) -> Any:
        return {
            "type": kind,
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "headers": [(k.lower(), v) for (k, v) in headers],
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "server": (url.host, url.port),
            "client": ("127.0.0.1", 123),
            "root_path": self.root_path,
        }

    async def _answer_inline(
        self, scope: dict[str, Any], request_body: httpx.AsyncByteStream
    ) -> httpx.Response:
        """The app's whole answer, run in this task, its body buffered as
        ``httpx.ASGITransport`` does, for a request marked :data:`~._http.WHOLE_BODY`. A
        streamed answer runs the app in a task of its own: the caller waits a turn of the
        event loop for it to start and another for its headers, and in the browser each
        turn can wait behind a whole frame being drawn (the first page of files came a
        frame later)."""
        complete = asyncio.Event()
        receive = _receiver(request_body, complete)
        status: int | None = None
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body" and not complete.is_set():
                if scope["method"] != "HEAD":
                    chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    complete.set()

        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            if status is None:
                raise
            if not complete.is_set():  # failed mid-body
                return httpx.Response(status, headers=headers, stream=_FailedBody(exc))
        finally:
            complete.set()
        if status is None:
            raise RuntimeError("the ASGI app sent no response")
        return httpx.Response(status, headers=headers, content=b"".join(chunks))

    async def open_websocket(
        self, url: str, headers: list[tuple[bytes, bytes]] | None = None
    ) -> ASGIWebSocket:
        """Open a WebSocket to the app at ``url`` (``ws://host/path?query``): the accepted
        socket, or :class:`WebSocketRefused` with the app's status."""
        if self.lifespan:
            await self._start_lifespan()
        scope = self._scope("websocket", httpx.URL(url), headers or [])
        scope["subprotocols"] = []
        scope["extensions"] = {"websocket.http.response": {}}
        frames: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        """200 once accepted, else the refusal's status."""
        connected = False
        socket: ASGIWebSocket | None = None

        async def receive() -> dict[str, Any]:
            nonlocal connected
            if not connected:
                connected = True
                return {"type": "websocket.connect"}
            assert socket is not None
            await socket.gone.wait()
            return {"type": "websocket.disconnect", "code": 1000}

        async def send(message: MutableMapping[str, Any]) -> None:
            kind = message["type"]
            if kind == "websocket.accept" and not answer.done():
                answer.set_result(200)
            elif kind == "websocket.http.response.start" and not answer.done():
                answer.set_result(int(message["status"]))
            elif kind == "websocket.close":
                if not answer.done():
                    answer.set_result(403)
                frames.put_nowait(None)
            elif kind == "websocket.send":
                text = message.get("text")
                frames.put_nowait(text if text is not None else bytes(message.get("bytes", b"")))

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            finally:
                if not answer.done():
                    answer.set_result(403)
                frames.put_nowait(None)

        task = asyncio.create_task(run())
        socket = ASGIWebSocket(frames, task)
        try:
            status = await answer
        except BaseException:
            await socket.close()
            raise
        if status != 200:
            await socket.close()
            raise WebSocketRefused(status)
        return socket

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        if self.lifespan:
            await self._start_lifespan()
        scope = self._scope("http", request.url, request.headers.raw)
        scope["method"] = request.method
        if request.extensions.get(WHOLE_BODY):
            return await self._answer_inline(scope, request.stream)
        gone = asyncio.Event()
        receive = _receiver(request.stream, gone)
        started: asyncio.Future[tuple[int, list[tuple[bytes, bytes]]]] = (
            asyncio.get_running_loop().create_future()
        )
        body: asyncio.Queue[object] = asyncio.Queue(maxsize=BODY_QUEUE_CHUNKS)
        ended = False

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
