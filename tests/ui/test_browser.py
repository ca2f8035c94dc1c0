"""The browser, driven like a user: keys in, what the screen shows out."""

from __future__ import annotations

import json
from functools import partial

import httpx
import pytest
from helpers_ui import (
    browser,
    detail_caught_up,
    make_app,
    said,
    screen_text,
    text_shown,
    wait_for,
    workers_done,
)
from textual.widgets import Input

from mpilot_tui.api import GatewayClient
from mpilot_tui.api.settings import ConnectionSettings
from mpilot_tui.config.session import Session
from mpilot_tui.ui.app import MPilotApp, create_app
from mpilot_tui.ui.screens.help import HelpScreen
from mpilot_tui.ui.widgets.file_table import FileTable

pytestmark = pytest.mark.asyncio


async def test_first_screen_shows_files() -> None:
    app = make_app(files=300)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) >= 100)
        # The detail pane shows the first row's whole id once the cursor rests on it.
        await wait_for(pilot, lambda: screen.store.ids[0] in screen_text(app))
        text = screen_text(app)
        assert screen.selection.provider == "openai"
        assert "Filename" in text
        assert "rows" in text


async def test_usable_at_80x24() -> None:
    app = make_app(files=50)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) == 50)
        await detail_caught_up(pilot, screen)
        assert screen.has_class("narrow")
        assert screen.store.ids[0][:12] in screen_text(app)
        await pilot.press("j", "j")
        assert screen.table.cursor == 2


async def test_end_pages_in_more_rows_without_duplicate_requests() -> None:
    app = make_app(files=1000)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) >= 200)
        before = len(screen.store)
        await pilot.press("G")
        await wait_for(pilot, lambda: len(screen.store) > before)
        await pilot.press("G", "G", "G")
        await wait_for(pilot, lambda: screen.inflight is None)
        cursors = [r.url for r in app.client.history if "/openai/v1/files" in r.url]
        assert len(cursors) == len(set(cursors)), "the same page was requested twice"
        assert screen.table.cursor >= before - 1


async def test_end_pressed_while_a_page_loads_lands_on_the_new_last_row() -> None:
    app = make_app(files=1000, latency_ms=300)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) >= 100 and screen.inflight is None)
        await pilot.press("G")
        await wait_for(pilot, lambda: screen.inflight is not None)
        loaded = len(screen.store)
        await pilot.press("G")  # the cursor is already on the last loaded row
        await wait_for(pilot, lambda: len(screen.store) > loaded)
        assert screen.table.cursor == len(screen.table.view) - 1
        # Only once: a later page does not drag a cursor the user has moved.
        await pilot.press("k")
        at = screen.table.cursor
        await wait_for(pilot, lambda: screen.inflight is None)
        assert screen.table.cursor == at


async def test_cursor_near_end_prefetches_next_page() -> None:
    app = make_app(files=1000)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) >= 200 and screen.inflight is None)
        loaded = len(screen.store)
        screen.table.move_cursor(loaded - 50)
        await wait_for(pilot, lambda: len(screen.store) > loaded)
        # The highlighted row stays put while rows are appended.
        assert screen.table.cursor == loaded - 50


def asked_for(app: MPilotApp, provider: str, since: int) -> bool:
    """A request for ``provider`` went out after the first ``since`` of the client's history
    (a ring of 500: these tests make far fewer)."""
    return any(f"provider={provider}" in r.url for r in list(app.client.history)[since:])


async def test_switching_provider_drops_late_answers() -> None:
    app = make_app(files=200, latency_ms=150)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        for provider in ("azure", "anthropic", "gemini", "openai", "azure"):
            sent = len(app.client.history)
            screen.select(provider=provider)
            await wait_for(pilot, partial(asked_for, app, provider, sent))
        await wait_for(pilot, lambda: len(screen.store) >= 100 and screen.inflight is None)
        await workers_done(pilot)  # the late answers are in (and dropped)
        providers = {page.extra_fields.provider for page in screen.store.pages}
        assert providers == {"azure"}
        assert len(screen.store) == len(set(screen.store.ids))


async def test_error_keeps_rows_and_shows_every_field() -> None:
    pages = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/openai/v1/files":
            pages["n"] += 1
            if request.url.params.get("after") is None:
                data = [{"id": f"file-{i}", "filename": f"f{i}.jsonl"} for i in range(5)]
                body = {"object": "list", "data": data, "has_more": True, "after": "CUR1"}
                return httpx.Response(200, json=body)
            return httpx.Response(
                503,
                json={
                    "event_id": "evt-123",
                    "type": "server_error",
                    "is_bifrost_error": True,
                    "status_code": 503,
                    "error": {"type": "server_error", "code": "overloaded", "message": "try later"},
                    "extra_fields": {"provider": "openai", "request_type": "file_list"},
                },
            )
        return httpx.Response(404, json={"error": {"message": "no"}})

    settings = ConnectionSettings(base_url="http://gw.test", auth="none", retries=0)
    client = GatewayClient(settings, transport=httpx.MockTransport(handler))
    app = create_app(Session(settings=settings), client)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: screen.last_error is not None)
        await workers_done(pilot)
        assert len(screen.store) == 5
        text = screen_text(app)
        for expected in ("overloaded", "try later", "evt-123", "file_list", "503"):
            assert expected in text
        assert "file-0" in text
        # r retries the page that failed; the rows stay.
        await pilot.press("r")
        await wait_for(pilot, lambda: pages["n"] >= 3)
        assert len(screen.store) == 5
    await client.aclose()


async def test_filter_matches_loaded_rows() -> None:
    app = make_app(files=150)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) == 150)
        target = screen.store.ids[42]
        await pilot.press("slash")
        await pilot.press(*target[-8:])
        await workers_done(pilot)  # the filter runs in a worker
        assert len(screen.view) == 1
        assert screen.table.current_row == 42
        await pilot.press("escape")
        await workers_done(pilot)
        assert len(screen.view) == 150


async def test_copy_id_and_json() -> None:
    app = make_app(files=20)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) == 20)
        await pilot.press("j", "c")
        assert app.clipboard == screen.store.ids[1]
        await pilot.press("y")
        assert json.loads(app.clipboard)["id"] == screen.store.ids[1]


async def test_help_screen_lists_bindings() -> None:
    app = make_app(files=5)
    # Tall enough for the whole key list (at 36 lines it scrolls).
    async with app.run_test(size=(120, 150)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await text_shown(pilot, "browser.refresh")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for binding_id in ("browser.refresh", "browser.filter", "table.last", "app.quit"):
            assert binding_id in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_toggle_order_and_mode() -> None:
    app = make_app(files=30, containers=2, container_files=7)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) == 30)
        first = screen.store.ids[0]
        await pilot.press("o")
        await wait_for(pilot, lambda: len(screen.store) == 30)
        assert screen.selection.order == "asc"
        assert screen.store.ids[-1] == first
        await pilot.press("m")
        # No container chosen yet: the picker opens; pick the first listed container.
        await wait_for(pilot, lambda: len(getattr(app.screen, "ids", [])) >= 2)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: len(screen.store) == 7)
        assert screen.selection.kind == "container_files"
        assert screen.store.kind == "container_files"


async def test_gateway_text_is_inert() -> None:
    hostile = "[bold red]x[/bold red] \x1b]52;c;SGVsbG8=\x07 \u202eevil"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/openai/v1/files":
            body = {"object": "list", "data": [{"id": "file-1", "filename": hostile}]}
            return httpx.Response(200, json=body)
        return httpx.Response(404, json={"error": {"message": "no"}})

    settings = ConnectionSettings(base_url="http://gw.test", auth="none")
    client = GatewayClient(settings, transport=httpx.MockTransport(handler))
    app = create_app(Session(settings=settings), client)
    async with app.run_test(size=(160, 40)) as pilot:
        browser(app)
        await wait_for(pilot, lambda: "\\u202e" in screen_text(app))
        text = screen_text(app)
        assert "[bold red]x" in text
        assert "\\x1b]52" in text
        assert "\\u202e" in text
        assert "\x1b" not in text and "\u202e" not in text
    await client.aclose()


async def test_unsupported_provider_shows_gateway_error() -> None:
    app = make_app(files=10)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) == 10)
        screen.select(provider="groq")
        await wait_for(pilot, lambda: screen.last_error is not None)
        assert screen.table.view.store is screen.store
        assert "unsupported" in str(screen.last_error).lower()


async def test_table_is_the_focused_widget_and_tab_moves_on() -> None:
    app = make_app(files=10)
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.focused, FileTable)
        await pilot.press("tab")
        assert not isinstance(app.focused, FileTable)


async def test_filter_holds_across_a_new_listing() -> None:
    app = make_app(files=150)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) == 150)
        await pilot.press("slash", *"file-", "enter")
        await pilot.press("o")
        # The new listing keeps the filter (and, with it on, pages only on request).
        await wait_for(pilot, lambda: len(screen.store) >= 100 and screen.inflight is None)
        assert app.is_running
        assert screen.selection.order == "asc"
        assert screen.view.filter_text == "file-"
        assert len(screen.view) == len(screen.store)


async def test_keys_typed_in_one_burst_after_slash_go_to_the_filter() -> None:
    """A paste or a fast typist: keys already queued behind / are filter text, not commands."""
    from textual import events

    app = make_app(files=200)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) >= 100 and screen.inflight is None)
        order = screen.selection.order
        # As a terminal delivers them: all queued before the first is acted on.
        for char in "/jsonlo/":
            key = events.Key("slash" if char == "/" else char, char)
            key.set_sender(app)
            driver = app._driver
            assert driver is not None
            driver.send_message(key)
        await wait_for(pilot, lambda: screen.query_one("#filter", Input).value == "jsonlo/")
        assert screen.selection.order == order, "o was typed, not pressed"
        assert screen.table.cursor == 0, "j was typed, not pressed"


async def test_a_failed_first_page_says_so_and_who_failed() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    settings = ConnectionSettings(base_url="http://gw.test", auth="none", retries=0)
    client = GatewayClient(settings, transport=httpx.MockTransport(refuse))
    app = create_app(Session(settings=settings), client)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: screen.last_error is not None)
        await workers_done(pilot)
        text = await text_shown(pilot, "0 rows · stopped by an error (r retries)")
        assert "all loaded" not in text
        titles = [n.title for n in said(app)]
        assert "Connection error" in titles and "Gateway error" not in titles
    await client.aclose()


async def test_filter_counts_in_the_status_bar_not_a_toast_per_key() -> None:
    app = make_app(files=200)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) >= 200 and screen.inflight is None)
        before = len(said(app))
        await pilot.press("slash", *"jsonl")
        await workers_done(pilot)  # the filter runs in a worker
        assert len(said(app)) == before
        await text_shown(pilot, f"({len(screen.view)} shown)")
        assert len(said(app)) == before, "no toast while the status bar counted"
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(said(app)) == before + 1)


async def test_detail_border_keeps_the_row_count_current() -> None:
    app = make_app(files=300)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) >= 200 and screen.inflight is None)
        await detail_caught_up(pilot, screen)
        total = len(screen.view)
        assert f"Detail · row 1 of {total}" in screen_text(app)


async def test_f_then_enter_keeps_paging_until_the_filter_matches() -> None:
    app = make_app(files=1000)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) >= 200 and screen.inflight is None)
        loaded = len(screen.store)
        await pilot.press("F", *"no-such-file-anywhere", "enter")
        # Nothing matches: it pages to the end of the listing, then says so.
        await wait_for(pilot, lambda: screen.finding is None and not screen.has_more, 20)
        assert len(screen.store) == 1000 > loaded


async def test_sidebar_g_and_G_jump_to_the_ends() -> None:
    from mpilot_tui.ui.widgets.sidebar import ProviderSidebar

    app = make_app(files=10)
    async with app.run_test(size=(120, 36)) as pilot:
        sidebar = app.screen.query_one(ProviderSidebar)
        sidebar.focus()
        await wait_for(pilot, lambda: app.focused is sidebar)
        await pilot.press("G")
        assert sidebar.highlighted == sidebar.option_count - 1
        await pilot.press("g")
        assert sidebar.highlighted == 0


async def test_sidebar_follows_a_provider_chosen_elsewhere() -> None:
    from mpilot_tui.ui.widgets.sidebar import ProviderSidebar

    app = make_app(files=10)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) == 10)
        screen.select(provider="azure")
        await workers_done(pilot)
        assert screen.query_one(ProviderSidebar).selected_provider == "azure"


async def test_a_filter_in_slices_takes_every_key_typed_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mpilot_tui.listing.rows import RowView
    from mpilot_tui.ui.screens.browser import BrowserScreen

    monkeypatch.setattr(RowView, "slice_seconds", 0.0)  # one page per slice
    slices: list[int] = []
    handler = BrowserScreen.on_browser_screen_filter_progressed

    def counted(self: BrowserScreen, message: BrowserScreen.FilterProgressed) -> None:
        slices.append(len(message.view))
        handler(self, message)

    monkeypatch.setattr(BrowserScreen, "on_browser_screen_filter_progressed", counted)
    app = make_app(files=400)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await pilot.press("G")
        await wait_for(pilot, lambda: len(screen.store) == 400 and screen.inflight is None)
        target = screen.store.ids[350][-6:]
        await pilot.press("slash", *target)
        box = screen.query_one("#filter", Input)
        await wait_for(pilot, lambda: not screen.view.pending and len(screen.table.view) == 1)
        assert box.value == target
        assert screen.table.current_row == 350
        assert len(slices) >= 4  # the last key's filter alone took a slice per page
        assert target in screen_text(app)
