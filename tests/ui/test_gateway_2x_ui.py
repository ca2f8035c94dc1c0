"""The browser on a Bifrost 2.x gateway: what its list answers leave out, its x-bifrost-*
headers, and a content fetch that waits for the first byte."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
import pytest
from helpers_ui import browser, detail_caught_up, loaded, screen_text, wait_for
from rich.console import Console
from textual.widgets import Static

from mpilot_tui.api import GatewayClient
from mpilot_tui.api.settings import ConnectionSettings
from mpilot_tui.config.session import Session
from mpilot_tui.ui.app import MPilotApp, create_app
from mpilot_tui.ui.screens import preview as preview_module
from mpilot_tui.ui.screens.browser import BrowserScreen
from mpilot_tui.ui.screens.inspector import InspectorScreen
from mpilot_tui.ui.screens.preview import PreviewScreen

pytestmark = pytest.mark.asyncio

ROUTED = {
    "x-bifrost-provider": "openai",
    "x-bifrost-request-type": "file_list",
    "x-bifrost-upstream-latency-ms": "41",
    "x-bifrost-routing-info-key-alias": "eu-key",
}
ITEM = {"id": "file-2x", "object": "file", "bytes": 10, "created_at": 1_700_000_000,
        "filename": "batch.jsonl", "purpose": "batch", "status": "pending_upload"}  # fmt: skip


def detail_text(app: MPilotApp) -> str:
    """The detail pane's item and extra_fields sections, unwrapped."""
    console = Console(width=400, color_system=None, file=io.StringIO())
    with console.capture() as capture:
        for section in ("#detail-item", "#detail-extra"):
            console.print(app.screen.query_one(section, Static).content)
    return capture.get()


def app_on(handler: Any) -> MPilotApp:
    settings = ConnectionSettings(base_url="http://gw.test", auth="none", retries=0)
    client = GatewayClient(settings, transport=httpx.MockTransport(handler))
    return create_app(Session(settings=settings), client)


def listing(request: httpx.Request) -> httpx.Response | None:
    if request.url.path == "/openai/v1/files":
        extra = {"request_type": "file_list", "provider": "openai", "latency": 12,
                 "routing_info": {"provider": "openai", "key_alias": "eu-key"}}  # fmt: skip
        body = {"object": "list", "data": [ITEM], "extra_fields": extra}
        return httpx.Response(200, json=body, headers=ROUTED)
    if request.url.path == "/openai/v1/files/file-2x":
        return httpx.Response(200, json={**ITEM, "updated_at": 1_700_000_500})
    return None


def answer(request: httpx.Request) -> httpx.Response:
    return listing(request) or httpx.Response(404, json={"error": {"message": "no"}})


async def test_detail_says_what_a_list_answer_leaves_out() -> None:
    app = app_on(answer)
    async with app.run_test(size=(160, 50)) as pilot:
        screen: BrowserScreen = browser(app)
        await loaded(pilot, screen, 1)
        await detail_caught_up(pilot, screen)
        text = detail_text(app)
        assert "expires_at" in text and "updated_at" in text
        assert text.count("not in the list answer; press f to fetch the item") == 2
        assert "pending_upload" in text
        # routing_info and the x-bifrost-* headers, with the upstream time beside the others.
        assert "key_alias eu-key" in text
        assert "upstream 41 ms  gateway 12 ms  client" in text
        assert "routing-info-key-alias eu-key" in text
        assert "upstream-latency-ms 41" in text
        await pilot.press("f")
        await wait_for(pilot, lambda: "Fetched file-2x" in detail_text(app))
        fetched = detail_text(app)
        assert "not in the list answer" not in fetched
        assert "updated_at" in fetched


async def test_inspector_shows_the_upstream_latency_and_the_headers() -> None:
    app = app_on(answer)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot, browser(app), 1)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        inspector = app.screen
        assert isinstance(inspector, InspectorScreen)
        listed = next(i for i, r in enumerate(inspector.records) if "/openai/v1/files" in r.url)
        inspector.query_one("DataTable").move_cursor(row=listed)  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: "upstream 41.0 ms" in screen_text(app))
        text = screen_text(app)
        assert "x-bifrost-upstream-latency-ms 41" in text
        assert "x-bifrost-provider openai" in text


async def test_preview_shows_it_is_waiting_and_escape_cancels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 2.x gateway sends nothing until it has the whole file from upstream."""
    now = [100.0]
    monkeypatch.setattr(preview_module, "clock", lambda: now[0])
    cancelled = asyncio.Event()
    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/content"):
            try:
                await release.wait()  # the gateway is still downloading from upstream
            except asyncio.CancelledError:
                cancelled.set()
                raise
        return answer(request)

    app = app_on(handler)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 1)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen))
        preview = app.screen
        assert isinstance(preview, PreviewScreen)
        # Both lines at once: the first may be drawn a frame before the layout gives the
        # text its second line (the content grew from one line to two).
        await wait_for(
            pilot,
            lambda: all(
                part in screen_text(app)
                for part in ("waiting for the gateway's first byte… 0 s", "escape cancels")
            ),
        )
        now[0] += 12
        preview.show_waiting()
        await wait_for(pilot, lambda: "first byte… 12 s" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, cancelled.is_set)
        assert app.is_running
