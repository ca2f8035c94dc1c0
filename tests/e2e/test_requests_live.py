"""The Requests view's live mode over a real loopback socket: demo-server's ``/ws`` feed
(ticket auth) brings new requests into the table, marked, with the cursor left alone."""

from __future__ import annotations

import pytest
from helpers_net import demo_server
from helpers_ui import browser, wait_for, workers_done
from pydantic import SecretStr

from mpilot_tui.api import ConnectionSettings
from mpilot_tui.config.session import Session
from mpilot_tui.ui.app import create_app

pytestmark = pytest.mark.asyncio


async def test_live_mode_follows_the_ws_feed() -> None:
    with demo_server("--requests", "300", "--requests-per-second", "5", "--auth", "admin") as url:
        settings = ConnectionSettings(
            base_url=url, auth="bearer", username="admin", password=SecretStr("admin"), retries=0
        )
        app = create_app(Session(settings=settings, default_mode="requests"))
        async with app.run_test(size=(160, 40)) as pilot:
            screen = browser(app)
            await wait_for(pilot, lambda: len(screen.store) >= 100 and screen.inflight is None, 20)
            await pilot.press("j", "j")
            await workers_done(pilot)
            chosen = screen.store.ids[screen.table.current_row or 0]
            await pilot.press("L")
            await wait_for(pilot, lambda: screen.live_how == "ws", 5)
            await wait_for(pilot, lambda: screen.live_new >= 3, 20)
            assert screen.live_how == "ws"  # the feed stayed up: no fallback to polling
            assert screen.store.ids[screen.table.current_row or 0] == chosen
            assert len(set(screen.store.ids)) == len(screen.store)
            assert any("/api/session/ws-ticket" in r.url for r in app.client.history)
            await pilot.press("L")
            assert screen.live_run == 0
