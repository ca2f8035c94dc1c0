"""Fixtures for the demo gateway tests: in-process clients and a page walker.

Every test that uses ``make_client`` or ``client`` runs on each generation (``bifrost``:
1.4, 1.5, 2.2) unless it pins one (``make_client(bifrost=...)`` with its own parametrize, or
``@pytest.mark.bifrost(...)``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from helpers_generations import pytest_generate_tests

from mpilot_tui.demo import DemoConfig, create_app

__all__ = ["pytest_generate_tests"]

BASE_URL = "http://demo.invalid"

MakeClient = Callable[..., httpx.AsyncClient]
Walk = Callable[..., Awaitable[list[dict[str, Any]]]]


@pytest.fixture
async def make_client(bifrost: str) -> AsyncIterator[MakeClient]:
    """``make_client(**config_fields)``: a client talking to a fresh demo app in-process, of
    generation ``bifrost`` unless the fields say otherwise."""
    clients: list[httpx.AsyncClient] = []

    def make(config: DemoConfig | None = None, **fields: Any) -> httpx.AsyncClient:
        fields.setdefault("bifrost", bifrost)
        app = create_app(config or DemoConfig(**fields))
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def client(make_client: MakeClient) -> httpx.AsyncClient:
    """A client for the default demo gateway."""
    return make_client()


@pytest.fixture
def walk() -> Walk:
    """``await walk(client, path, params, max_pages=…)``: every page body, following ``after``."""

    async def walk_pages(
        client: httpx.AsyncClient,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        max_pages: int = 500,
        headers: dict[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        pages: list[dict[str, Any]] = []
        query = dict(params or {})
        seen_cursors: set[str] = set()
        for _ in range(max_pages):
            response = await client.get(path, params=query, headers=headers)
            assert response.status_code == 200, response.text
            body = response.json()
            pages.append(body)
            if not body.get("has_more"):
                assert "after" not in body
                return pages
            cursor = body["after"]
            assert cursor not in seen_cursors, "the gateway repeated a cursor"
            seen_cursors.add(cursor)
            query["after"] = cursor
        raise AssertionError(f"more than {max_pages} pages")

    return walk_pages
