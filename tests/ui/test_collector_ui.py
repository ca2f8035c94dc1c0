"""The browser lets the garbage collector go once the start is over (mpilot_tui.collector)."""

from __future__ import annotations

import asyncio
import gc

import httpx
import pytest
from helpers_ui import browser, make_app, wait_for

from mpilot_tui import collector
from mpilot_tui.api import GatewayClient
from mpilot_tui.api.settings import ConnectionSettings
from mpilot_tui.config.session import Session
from mpilot_tui.ui import app as app_module
from mpilot_tui.ui.app import create_app

pytestmark = pytest.mark.asyncio


@pytest.fixture
def held(collector_restored: None) -> None:
    """The collector held as the console script holds it (see ``collector_restored``)."""
    collector.hold()


@pytest.mark.usefixtures("held")
async def test_the_collector_comes_back_once_the_first_rows_are_drawn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app_module, "COLLECTOR_HELD_AT_MOST", 60.0)  # not the fallback
    app = make_app(files=50)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        assert not gc.isenabled()  # mounted, no answer yet
        await wait_for(pilot, lambda: len(screen.store) == 50)
        await wait_for(pilot, gc.isenabled)
        assert gc.get_freeze_count() > 0


@pytest.mark.usefixtures("held")
async def test_the_collector_comes_back_when_the_first_page_is_slow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app_module, "COLLECTOR_HELD_AT_MOST", 0.05)

    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(60)
        return httpx.Response(500)

    settings = ConnectionSettings(base_url="http://gw.test", auth="none", retries=0)
    client = GatewayClient(settings, transport=httpx.MockTransport(never))
    app = create_app(Session(settings=settings), client)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, gc.isenabled)
        assert not len(browser(app).store)  # no answer came, and the collector is on
