"""The realtime feed (``GET /ws``) and the arrival of new request-log entries.

New entries arrive at ``requests_per_second`` while the gateway runs (or when
:meth:`LogFeed.arrive` is called, as tests do). Each arrival is pushed to every connected
socket as ``{"type":"log","operation":"create","payload":…}`` (the entry starts in
``processing``), and each entry that stops being in flight as an ``update``. Payloads are
trimmed as W2 sends them (last input message, no outputs, ``cache_debug`` nil'd).

The upgrade needs admin credentials when admin auth is on: a one-time ``?ticket=`` from
``POST /api/session/ws-ticket``, a ``?token=`` session, or the ``token`` cookie.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from mpilot_tui.demo.auth import Sessions, admin_required
from mpilot_tui.demo.config import DemoConfig
from mpilot_tui.demo.errors import api_error
from mpilot_tui.demo.logs_data import LogStore
from mpilot_tui.demo.logs_entry import ws_payload

__all__ = ["LogFeed", "ws_endpoint"]

TICK_SECONDS = 0.05
"""How often the arrival loop wakes up at high rates."""


class LogFeed:
    """Arrivals of new entries, and the sockets they are pushed to."""

    def __init__(self, config: DemoConfig, store: LogStore) -> None:
        self.config = config
        self.store = store
        self.subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._task: asyncio.Task[None] | None = None

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=10_000)
        self.subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self.subscribers.discard(queue)

    def arrive(self, entries: int = 1) -> list[int]:
        """Let ``entries`` new requests arrive and tell every socket; their indices."""
        before = set(self.store.processing())
        arrived = self.store.arrive(entries)
        after = set(self.store.processing())
        messages: list[dict[str, Any]] = []
        for index in sorted(before - after):
            messages.append(self._message("update", index))
        for index in arrived:
            operation = "create" if index in after else "update"
            messages.append(self._message(operation, index))
        for queue in list(self.subscribers):
            for message in messages:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(message)
        return arrived

    def _message(self, operation: str, index: int) -> dict[str, Any]:
        return {"type": "log", "operation": operation, "payload": ws_payload(self.store, index)}

    # -- the arrival loop --------------------------------------------------------------------

    def start(self) -> None:
        """Start the arrival loop (no-op without a rate, or when it already runs)."""
        if self.config.requests_per_second > 0 and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        rate = self.config.requests_per_second
        started = time.monotonic()
        due = 0
        while True:
            await asyncio.sleep(
                max(TICK_SECONDS, 1 / rate) if rate < 1 / TICK_SECONDS else TICK_SECONDS
            )
            target = int((time.monotonic() - started) * rate)
            if target > due:
                self.arrive(target - due)
                due = target


def ws_endpoint(feed: LogFeed, sessions: Sessions) -> Any:
    """The ``/ws`` endpoint."""

    async def endpoint(websocket: WebSocket) -> None:
        if admin_required(feed.config) and not _authorized(websocket, sessions):
            if "websocket.http.response" in websocket.scope.get("extensions", {}):
                await websocket.send_denial_response(api_error(401, "Unauthorized"))
            else:
                await websocket.close(code=1008)
            return
        await websocket.accept()
        queue = feed.subscribe()
        receiver = asyncio.get_running_loop().create_task(_drain(websocket))
        try:
            while not receiver.done():
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait(
                    {getter, receiver}, return_when=asyncio.FIRST_COMPLETED
                )
                if getter in done:
                    await websocket.send_json(getter.result())
                else:
                    getter.cancel()
        except WebSocketDisconnect:
            pass
        finally:
            feed.unsubscribe(queue)
            receiver.cancel()

    return endpoint


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


def _authorized(websocket: WebSocket, sessions: Sessions) -> bool:
    ticket = websocket.query_params.get("ticket", "")
    if ticket:
        return sessions.redeem(ticket)
    token = websocket.query_params.get("token", "") or websocket.cookies.get("token", "")
    return bool(token) and token in sessions.tokens
