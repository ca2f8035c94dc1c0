"""A fake gateway at the transport (``httpx.MockTransport``) for the api unit tests.

Helpers are reached through the ``gw`` fixture (tests folders have no ``__init__.py``, so a
shared helper module could collide with another folder's).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from helpers_generations import pytest_generate_tests
from pydantic import SecretStr

from mpilot_tui.api import ConnectionSettings, GatewayClient

TOKEN = "sk-bf-test-0123456789abcdef"
"""The virtual key every fake client is given unless a test says otherwise."""

Reply = Callable[[httpx.Request], httpx.Response]

__all__ = ["pytest_generate_tests"]
"""A test asking for ``bifrost`` runs once per demo gateway generation (helpers_generations)."""


class FakeGateway:
    """Answers requests from a queue of replies; the last reply repeats when the queue ends."""

    TOKEN = TOKEN

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.replies: list[Reply | BaseException] = []
        self.handler: Reply | None = None
        self.sleeps: list[float] = []
        self.clients: list[GatewayClient] = []

    # -- replies -------------------------------------------------------------------------

    @staticmethod
    def json(
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Reply:
        content = json.dumps(body).encode()

        def reply(request: httpx.Request) -> httpx.Response:
            return httpx.Response(
                status, content=content, headers={"content-type": content_type, **(headers or {})}
            )

        return reply

    @staticmethod
    def raw(
        status: int, content: bytes, content_type: str | None, headers: dict[str, str] | None = None
    ) -> Reply:
        all_headers = dict(headers or {})
        if content_type is not None:
            all_headers["content-type"] = content_type

        def reply(request: httpx.Request) -> httpx.Response:
            return httpx.Response(status, content=content, headers=all_headers)

        return reply

    @staticmethod
    def file(file_id: str, **fields: Any) -> dict[str, Any]:
        return {
            "id": file_id,
            "object": "file",
            "bytes": 10,
            "created_at": 1_700_000_000,
            "filename": f"{file_id}.jsonl",
            "purpose": "batch",
            "status": "processed",
            **fields,
        }

    @staticmethod
    def file_list(
        ids: list[str], has_more: bool | None = None, after: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "object": "list",
            "data": [FakeGateway.file(i) for i in ids],
            "extra_fields": {"request_type": "file_list", "provider": "openai", "latency": 3},
        }
        if has_more is not None:
            body["has_more"] = has_more
        if after is not None:
            body["after"] = after
        body.update(extra)
        return body

    @staticmethod
    def container_file_list(
        ids: list[str],
        has_more: bool | None = None,
        after: str | None = None,
        last_id: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "object": "list",
            "data": [
                {
                    "id": i,
                    "object": "container.file",
                    "container_id": "cntr_1",
                    "path": f"/mnt/data/{i}.txt",
                    "bytes": 5,
                    "created_at": 1_700_000_000,
                    "source": "user",
                }
                for i in ids
            ],
            "extra_fields": {"request_type": "container_file_list", "provider": "openai"},
        }
        if ids:
            body["first_id"] = ids[0]
        if has_more is not None:
            body["has_more"] = has_more
        if after is not None:
            body["after"] = after
        if last_id is not None:
            body["last_id"] = last_id
        return body

    @staticmethod
    def envelope(status: int, **error: Any) -> dict[str, Any]:
        """The gateway's error envelope with the given ``error`` fields."""
        return {
            "event_id": "evt-outer",
            "type": error.get("type", "invalid_request_error"),
            "is_bifrost_error": True,
            "status_code": status,
            "error": error,
            "extra_fields": {"provider": "openai", "request_type": "file_list"},
        }

    def queue(self, *replies: Reply | BaseException) -> None:
        self.replies.extend(replies)

    # -- plumbing ------------------------------------------------------------------------

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.handler is not None:
            return self.handler(request)
        if not self.replies:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, BaseException):
            raise reply
        return reply(request)

    def settings(self, base_url: str = "http://gw.test", **overrides: Any) -> ConnectionSettings:
        values: dict[str, Any] = {"auth": "bearer", "token": SecretStr(TOKEN)}
        values.update(overrides)
        return ConnectionSettings(base_url=base_url, **values)

    def client(self, base_url: str = "http://gw.test", **overrides: Any) -> GatewayClient:
        """A client on this fake gateway whose backoff sleeps are recorded, not waited."""
        client = GatewayClient(
            self.settings(base_url, **overrides), transport=httpx.MockTransport(self._handle)
        )

        async def record_sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        client.http.sleep = record_sleep
        self.clients.append(client)
        return client

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


@pytest.fixture
async def gw() -> AsyncIterator[FakeGateway]:
    gateway = FakeGateway()
    yield gateway
    for client in gateway.clients:
        await client.aclose()
