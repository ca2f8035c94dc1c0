"""``demo-server --access-log``: one line a request, written when its answer is sent.

``127.0.0.1:52144 "GET /api/logs?limit=50 HTTP/1.1" 200 3.2 ms``. Values of query parameters
that carry credentials (``ticket``, ``token``) are masked; headers are never written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = ["SECRET_PARAMETERS", "AccessLog"]

SECRET_PARAMETERS = frozenset({"ticket", "token", "password", "api_key", "key"})
"""Query parameters whose values the log masks."""

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


def _target(scope: Scope) -> str:
    path = str(scope.get("path", ""))
    query = scope.get("query_string", b"").decode("latin-1")
    if not query:
        return path
    pairs = [
        (name, "***" if name.lower() in SECRET_PARAMETERS else value)
        for name, value in parse_qsl(query, keep_blank_values=True)
    ]
    return f"{path}?{urlencode(pairs, safe=',:*')}"


class AccessLog:
    """ASGI middleware writing one line a request through ``write``."""

    def __init__(self, app: Any, write: Callable[[str], None]) -> None:
        self.app = app
        self.write = write

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: list[int] = []

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            elif message["type"] == "websocket.accept":
                status.append(101)
            elif message["type"] == "websocket.close" and not status:
                status.append(403)
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            client = scope.get("client") or ("-", 0)
            method = scope.get("method", "GET") if scope["type"] == "http" else "WS"
            elapsed = (time.perf_counter() - started) * 1000
            code = status[0] if status else 0
            self.write(
                f'{client[0]}:{client[1]} "{method} {_target(scope)}" {code} {elapsed:.1f} ms'
            )
