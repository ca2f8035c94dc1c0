"""The client's ``/ws`` request-log feed against demo-server on a real loopback socket:
ticket auth, new entries arriving, the admin hint, and a gateway without the feed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers_net import demo_server
from pydantic import SecretStr

from mpilot_tui.api import (
    AuthenticationError,
    ConnectionSettings,
    GatewayClient,
    PermissionDeniedError,
)
from mpilot_tui.api.logs import LogEvent


@pytest.fixture(scope="module")
def live() -> Iterator[str]:
    with demo_server("--requests", "40", "--requests-per-second", "20", "--auth", "admin") as url:
        yield url


async def take(client: GatewayClient, count: int) -> list[LogEvent]:
    events: list[LogEvent] = []
    async for event in client.follow_logs():
        events.append(event)
        if len(events) >= count:
            break
    return events


async def test_new_entries_arrive_with_ticket_auth(live: str) -> None:
    settings = ConnectionSettings(
        base_url=live, auth="bearer", username="admin", password=SecretStr("admin")
    )
    async with GatewayClient(settings) as client:
        events = await take(client, 5)
        newest = (await client.list_logs({}, 50, 0)).items
    assert all(e.entry.id and e.operation in ("create", "update") for e in events)
    assert all(e.entry.cache_debug is None for e in events)  # the feed strips it
    assert {e.entry.id for e in events} & {e.id for e in newest}
    # the ticket was asked for, and the URL in the history never shows it
    assert any("/api/session/ws-ticket" in r.url for r in client.history)


async def test_without_admin_credentials_the_hint(live: str) -> None:
    settings = ConnectionSettings(base_url=live, auth="bearer", token=SecretStr("sk-bf-x-1234567"))
    async with GatewayClient(settings) as client:
        with pytest.raises(AuthenticationError, match="MPILOT_ADMIN_USERNAME"):
            await take(client, 1)


async def test_a_gateway_without_the_feed() -> None:
    with demo_server("--requests", "5", "--no-logging") as url:
        async with GatewayClient(ConnectionSettings(base_url=url, auth="none")) as client:
            with pytest.raises(PermissionDeniedError, match="no request-log feed"):
                await take(client, 1)
