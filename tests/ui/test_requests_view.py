"""The Requests view, driven like a user on the in-process demo gateway's request log."""

from __future__ import annotations

import statistics
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from click.testing import CliRunner
from helpers_ui import Driver, browser, said, screen_text, text_shown, wait_for, workers_done
from pydantic import SecretStr
from starlette.applications import Starlette

from mpilot_tui.api import GatewayClient
from mpilot_tui.api.settings import DEMO_BASE_URL, ConnectionSettings
from mpilot_tui.cli import DEMO_BROWSER_REQUESTS_PER_SECOND
from mpilot_tui.config.session import Session, demo_session
from mpilot_tui.demo import DemoConfig
from mpilot_tui.demo import create_app as create_gateway
from mpilot_tui.formats.table import COLUMNS
from mpilot_tui.formats.text import cell_width, latency_text
from mpilot_tui.reqlog import LogFilters, cache_outcome
from mpilot_tui.ui.app import MPilotApp, create_app
from mpilot_tui.ui.screens.browser import BrowserScreen
from mpilot_tui.ui.screens.help import HelpScreen
from mpilot_tui.ui.screens.request_filters import RequestFilterDialog
from mpilot_tui.ui.screens.request_stats import RequestStatsScreen
from mpilot_tui.ui.widgets.bars import ModeBar
from mpilot_tui.ui.widgets.file_table import FileTable

pytestmark = pytest.mark.asyncio


def requests_app(
    mode: str = "requests", session: Session | None = None, **demo: Any
) -> tuple[MPilotApp, Starlette]:
    """The app on a demo gateway the test can reach (to let new requests arrive)."""
    config = DemoConfig(**{"requests": 400, **demo})
    gateway = create_gateway(config)
    session = session or demo_session(config, default_mode=mode)
    client = GatewayClient(session.settings, transport=httpx.ASGITransport(app=gateway))
    return create_app(session, client), gateway


async def listed(pilot: Driver, screen: BrowserScreen, rows: int = 1) -> None:
    await wait_for(
        pilot,
        lambda: (
            screen.store.kind == "requests"
            and screen.inflight is None
            and (len(screen.store) >= rows or not screen.has_more)
        ),
    )
    await workers_done(pilot)


def log_params(app: MPilotApp) -> dict[str, str]:
    """The query of the last ``GET /api/logs`` page the app sent."""
    urls = [r.url for r in app.client.history if urlsplit(r.url).path == "/api/logs"]
    assert urls, "no /api/logs request was made"
    return {k: v[-1] for k, v in parse_qs(urlsplit(urls[-1]).query).items()}


def column(screen: BrowserScreen, name: str) -> list[Any]:
    return [screen.store.value(name, screen.view.row(p)) for p in range(len(screen.view))]


# -- opening the view ------------------------------------------------------------------------


async def test_view_flag_opens_the_app_on_a_view(monkeypatch: pytest.MonkeyPatch) -> None:
    from mpilot_tui.cli import main

    seen: list[Session] = []

    def run_app(session: Session) -> int:
        seen.append(session)
        return 0

    monkeypatch.setattr("mpilot_tui.ui.app.run_app", run_app)
    result = CliRunner().invoke(main, ["--demo", "--view", "requests"])
    assert result.exit_code == 0, result.output
    assert seen[0].default_mode == "requests"
    # in the browser the in-process demo lets new requests arrive, for live mode
    assert seen[0].demo_config.requests_per_second == DEMO_BROWSER_REQUESTS_PER_SECOND > 0
    result = CliRunner().invoke(main, ["--demo", "--view", "logs"])
    assert result.exit_code == 2
    assert "files" in result.output and "container-files" in result.output


async def test_view_requests_opens_on_the_request_log() -> None:
    app, _ = requests_app()
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await listed(pilot, screen, 100)
        text = screen_text(app)
        assert "Requests" in text and "Cache" in text and "Provider/model" in text
        assert "HIT direct" in text or "HIT semantic" in text
        assert "all providers" in text
        params = log_params(app)
        assert "end_time" in params  # a fixed end: new requests do not shift the offsets


async def test_m_cycles_to_requests_and_R_opens_it() -> None:
    app, _ = requests_app(mode="files", files=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) == 30)
        await pilot.press("R")
        await listed(pilot, screen, 50)
        assert screen.selection.kind == "requests"
        await pilot.press("m")  # requests -> files
        await wait_for(pilot, lambda: screen.store.kind == "files" and len(screen.store) == 30)
        await pilot.press("m")  # files -> container files (no container yet: the picker)
        await wait_for(pilot, lambda: screen.selection.kind == "container_files")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await pilot.press("m")  # container files -> requests
        await listed(pilot, screen, 50)
        assert "Requests" in screen_text(app)


async def test_end_follows_to_the_true_end_without_repeats() -> None:
    app, _ = requests_app(requests=950)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await listed(pilot, screen, 100)
        await pilot.press("G")
        await wait_for(pilot, lambda: not screen.has_more and screen.inflight is None, 10)
        assert len(screen.store) == 950
        assert len(set(screen.store.ids)) == 950
        assert screen.table.cursor == 949


# -- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "param", "value"),
    [
        (LogFilters(cache="hits"), "cache_hit_types", "direct,semantic"),
        (LogFilters(cache="direct"), "cache_hit_types", "direct"),
        (LogFilters(cache="semantic"), "cache_hit_types", "semantic"),
        (LogFilters(status="error"), "status", "error"),
        (LogFilters(model="gpt-4o-mini"), "models", "gpt-4o-mini"),
        (LogFilters(object="embedding"), "objects", "embedding"),
        (LogFilters(period="7d"), "period", "7d"),
        (LogFilters(since="2026-10-14T00:00:00.000Z"), "start_time", "2026-10-14T00:00:00.000Z"),
        (LogFilters(until="2026-10-14T00:00:00.000Z"), "end_time", "2026-10-14T00:00:00.000Z"),
        (LogFilters(search="sentiment"), "content_search", "sentiment"),
        (LogFilters(min_latency=1000), "min_latency", "1000"),
        (LogFilters(max_latency=50), "max_latency", "50"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
async def test_each_filter_goes_to_the_gateway_shows_a_chip_and_clears_with_one_key(
    filters: LogFilters, param: str, value: str
) -> None:
    app, _ = requests_app()
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await listed(pilot, screen)
        screen.set_log_filters(filters)
        await listed(pilot, screen)
        assert log_params(app)[param] == value
        chips = filters.chips()
        assert len(chips) == 1
        assert chips[0][1] in screen_text(app)
        store = screen.store
        for row in range(len(store)):
            entry = store.item(row)
            if param == "cache_hit_types":
                assert entry["cache_debug"]["hit_type"] in value.split(",")
            elif param == "status":
                assert entry["status"] == "error"
            elif param == "objects":
                assert entry["object"] == "embedding"
            elif param == "min_latency":
                assert entry["latency"] >= 1000
            elif param == "max_latency":
                assert entry["latency"] <= 50
        await pilot.press("1")  # the chip's digit clears its filter
        await listed(pilot, screen)
        assert screen.log_filters == LogFilters()
        assert param not in log_params(app) or param == "end_time"
        assert "no filter" in screen_text(app)


EVERY_FILTER = LogFilters(
    cache="misses", status="success", provider="openai", model="gpt-4o-mini",
    object="chat.completion", since="2026-10-01T08:30:00.000Z", search="review",
    min_latency=10, max_latency=5000, sort_by="latency", order="asc",
)  # fmt: skip
"""One of each filter of the Requests view (nine chips)."""


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
async def test_every_filter_stays_in_sight_in_the_mode_bar_and_each_digit_clears_one(
    size: tuple[int, int],
) -> None:
    app, _ = requests_app()
    async with app.run_test(size=size) as pilot:
        screen = browser(app)
        await listed(pilot, screen)
        bar = screen.query_one(ModeBar)
        assert bar.size.height == 1
        screen.set_log_filters(EVERY_FILTER)
        await listed(pilot, screen)
        filters = EVERY_FILTER
        while filters.chips():
            await pilot.pause()
            shown = bar.plain
            whole, short = dict(filters.chips()), dict(filters.chips(short=True))
            for number, key in enumerate(whole, start=1):
                assert whole[key] in shown or short[key] in shown, (key, shown)
                assert f"{number} " in shown
            assert bar.size.height == len(shown.splitlines()), shown  # no line is cut off
            assert all(cell_width(line) <= bar.size.width for line in shown.splitlines())
            assert f"order: {filters.order or 'desc'}" in shown  # the tail is never cut
            await pilot.press(str(len(whole)))  # the last chip's digit
            await listed(pilot, screen)
            assert len(screen.log_filters.chips()) == len(whole) - 1
            filters = screen.log_filters
        await pilot.pause()
        assert "no filter" in bar.plain and bar.size.height == 1


async def test_a_click_on_a_chip_of_the_second_line_clears_that_filter() -> None:
    app, _ = requests_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = browser(app)
        await listed(pilot, screen)
        screen.set_log_filters(EVERY_FILTER)
        await listed(pilot, screen)
        await pilot.pause()
        bar = screen.query_one(ModeBar)
        lines = bar.plain.splitlines()
        assert len(lines) >= 2
        label = dict(EVERY_FILTER.chips(short=True))["search"]
        line = next(n for n, text in enumerate(lines) if label in text)
        assert line >= 1
        await pilot.click(ModeBar, offset=(lines[line].index(label) + 1, line))
        await listed(pilot, screen)
        assert screen.log_filters == EVERY_FILTER.cleared("search")


async def test_live_mode_says_how_it_follows_in_the_mode_bar_at_80_columns() -> None:
    app, _ = requests_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = browser(app)
        await listed(pilot, screen, 100)
        screen.set_log_filters(LogFilters(cache="hits", provider="openai"))
        await listed(pilot, screen)
        await pilot.press("L")
        await wait_for(pilot, lambda: screen.live_how == "polling")
        bar = screen.query_one(ModeBar)
        await wait_for(pilot, lambda: "live: polling every 2 s · 0 new" in bar.plain)
        assert "hits" in bar.plain and "openai" in bar.plain
        assert bar.size.height == len(bar.plain.splitlines())
        await pilot.press("L")


async def test_misses_and_any_filter_the_loaded_rows_and_say_so() -> None:
    app, _ = requests_app()
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await listed(pilot, screen)
        await pilot.press("H", "H", "H", "H", "H")  # any, hits, direct, semantic, misses
        await listed(pilot, screen, 20)
        assert screen.log_filters.cache == "misses"
        assert "cache_hit_types" not in log_params(app)
        assert len(screen.store) >= 20
        assert all(cache_outcome(screen.store.item(r)) == "miss" for r in range(len(screen.store)))
        text = screen_text(app)
        assert "loaded rows" in text
        screen.set_log_filters(LogFilters(cache="any"))
        await listed(pilot, screen, 20)
        outcomes = {cache_outcome(screen.store.item(r)) for r in range(len(screen.store))}
        assert "skipped" not in outcomes and "miss" in outcomes
        await pilot.press("X")
        await listed(pilot, screen, 20)
        outcomes = {cache_outcome(screen.store.item(r)) for r in range(len(screen.store))}
        assert "skipped" in outcomes


async def test_sidebar_provider_filters_the_requests_and_all_providers_clears_it() -> None:
    app, _ = requests_app()
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await listed(pilot, screen)
        await pilot.click("#sidebar")
        sidebar = screen.query_one("#sidebar")
        sidebar.focus()
        await pilot.press("down", "enter")  # the entry under "all providers": openai
        await listed(pilot, screen)
        assert screen.log_filters.provider == "openai"
        assert log_params(app)["providers"] == "openai"
        assert set(column(screen, "provider_model")) and all(
            pm.startswith("openai/") for pm in column(screen, "provider_model")
        )
        assert "provider: openai" in screen_text(app)
        sidebar.focus()
        await pilot.press("home", "enter")
        await listed(pilot, screen)
        assert screen.log_filters.provider is None
        assert "providers" not in log_params(app)


async def test_filter_dialog_applies_every_field_and_refuses_bad_values() -> None:
    app, _ = requests_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = browser(app)
        await listed(pilot, screen)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, RequestFilterDialog))
        dialog = app.screen
        assert isinstance(dialog, RequestFilterDialog)
        from textual.widgets import Input, Label, Select

        dialog.query_one("#f-min_latency", Input).value = "fast"
        dialog.action_apply()
        await pilot.pause()  # action_apply checks the form at once
        error = dialog.query_one("#filters-error", Label)
        assert error.has_class("shown") and isinstance(app.screen, RequestFilterDialog)
        dialog.query_one("#f-min_latency", Input).value = "10"
        dialog.query_one("#f-max_latency", Input).value = "5000"
        dialog.query_one("#f-provider", Input).value = "openai"
        dialog.query_one("#f-model", Input).value = "gpt-4o-mini"
        dialog.query_one("#f-object", Input).value = "chat.completion"
        dialog.query_one("#f-search", Input).value = "review"
        dialog.query_one("#f-since", Input).value = "2026-10-01"
        dialog.query_one("#f-cache", Select).value = "misses"
        dialog.query_one("#f-status", Select).value = "success"
        dialog.action_apply()
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await listed(pilot, screen)
        filters = screen.log_filters
        assert filters.cache == "misses" and filters.status == "success"
        assert filters.since == "2026-10-01T00:00:00.000Z"
        params = log_params(app)
        assert params["models"] == "gpt-4o-mini" and params["providers"] == "openai"
        assert params["objects"] == "chat.completion" and params["content_search"] == "review"
        assert params["min_latency"] == "10" and params["max_latency"] == "5000"
        assert params["status"] == "success" and params["start_time"] == filters.since
        assert len(filters.chips()) == 8  # min and max latency are one chip
        await pilot.press("X")
        await listed(pilot, screen)
        assert screen.log_filters == LogFilters()


# -- sorting ---------------------------------------------------------------------------------


async def test_sorting_by_latency_asks_the_gateway_other_columns_sort_the_loaded_rows() -> None:
    app, _ = requests_app()
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await listed(pilot, screen, 100)
        table = screen.query_one(FileTable)
        table.post_message(FileTable.HeaderClicked(table, "latency_us"))
        await wait_for(pilot, lambda: screen.log_filters.sort_by == "latency")
        await listed(pilot, screen, 100)
        params = log_params(app)
        assert params["sort_by"] == "latency" and params["order"] == "desc"
        latencies = [v for v in column(screen, "latency_us") if v is not None]
        assert latencies == sorted(latencies, reverse=True)
        assert "sort: latency desc" in screen_text(app)

        def list_calls() -> int:  # the entry under the cursor may be fetched: not a list call
            return sum(1 for r in app.client.history if r.path_and_query.startswith("/api/logs?"))

        sent = list_calls()
        table.post_message(FileTable.HeaderClicked(table, "status"))
        await wait_for(pilot, lambda: screen.view.sort_column == "status")
        assert list_calls() == sent  # nothing refetched
        statuses = column(screen, "status")
        assert statuses == sorted(statuses)


# -- live mode -------------------------------------------------------------------------------


async def test_live_mode_adds_new_requests_marked_and_the_cursor_stays() -> None:
    app, gateway = requests_app()
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await listed(pilot, screen, 100)
        await pilot.press("j", "j", "j")
        await workers_done(pilot)
        chosen = screen.store.ids[screen.table.current_row or 0]
        before = len(screen.store)
        await pilot.press("L")
        await wait_for(pilot, lambda: screen.live_how == "polling")
        assert "live: polling every 2 s · 0 new" in screen_text(app)
        gateway.state.log_feed.arrive(4)
        await wait_for(pilot, lambda: len(screen.store) >= before + 4, 10)
        row = screen.table.current_row
        assert row is not None and screen.store.ids[row] == chosen
        assert screen.table.cursor == 7  # four new rows above it
        marked = sorted(screen.marked_rows)
        assert len(marked) >= 4
        assert [screen.view.row(p) for p in range(len(marked))] == sorted(
            marked, key=lambda r: screen.store.value("time_ms", r), reverse=True
        )
        assert "live: polling every 2 s · 4 new" in screen_text(app)
        assert len(set(screen.store.ids)) == len(screen.store)
        newest = screen.view.row(0)
        assert screen.store.value("status", newest) == "processing"  # the newest is in flight
        gateway.state.log_feed.arrive(1)  # ... and finishes when the next one comes
        await wait_for(pilot, lambda: screen.store.value("status", newest) != "processing", 10)
        assert screen.store.ids[screen.table.current_row or 0] == chosen
        await pilot.press("L")
        assert screen.live_run == 0 and "live" not in screen_text(app).split("│")[0]


async def test_live_mode_in_the_in_process_demo_follows_its_ws_feed_with_a_ticket() -> None:
    """``--demo``'s transport carries ``/ws`` in process: live mode follows the feed (admin
    login, one-time ticket) rather than polling; new rows are marked, the cursor stays."""
    config = DemoConfig(requests=300, auth="admin")
    gateway = create_gateway(config)
    settings = ConnectionSettings(
        base_url=DEMO_BASE_URL, auth="bearer", username=config.admin_username,
        password=SecretStr(config.admin_password), retries=0,
    )  # fmt: skip
    session = Session(settings=settings, default_mode="requests", demo_config=config)
    app = create_app(session, GatewayClient.for_demo(gateway, settings))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await listed(pilot, screen, 100)
        await pilot.press("j", "j")
        await workers_done(pilot)
        chosen = screen.store.ids[screen.table.current_row or 0]
        await pilot.press("L")
        feed = gateway.state.log_feed
        await wait_for(pilot, lambda: feed.subscribers, what="the feed's socket is open")
        feed.arrive(3)
        await wait_for(pilot, lambda: screen.live_new >= 3, 10)
        assert screen.live_how == "ws"  # the feed, not the polling fallback
        assert screen._live_timer is None
        assert any("/api/session/ws-ticket" in r.url for r in app.client.history)
        assert screen.store.ids[screen.table.current_row or 0] == chosen
        assert screen.table.cursor == 2 + 3
        assert len(screen.marked_rows) == 3
        assert "live: /ws feed · 3 new" in screen.query_one(ModeBar).plain
        await pilot.press("L")
        await wait_for(pilot, lambda: not feed.subscribers, what="the socket is closed")


async def test_httpx_asgi_transport_has_no_ws_so_live_mode_polls_and_says_so() -> None:
    app, _ = requests_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await listed(pilot, screen)
        await pilot.press("L")
        await wait_for(pilot, lambda: screen.live_how == "polling")
        assert "live: polling every 2 s" in screen.query_one(ModeBar).plain
        assert any("no /ws feed" in n.message for n in app._notifications)
        await pilot.press("L")


async def test_live_mode_reads_on_when_more_than_a_page_arrived(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More new requests than a live page between two polls: it reads on to the newest loaded
    one (all come, marked, the cursor stays), up to a bound it says it hit."""
    from mpilot_tui.ui.screens import requests_view

    monkeypatch.setattr(requests_view, "LIVE_PAGE", 10)
    monkeypatch.setattr(requests_view, "LIVE_MAX_PAGES", 3)
    monkeypatch.setattr(requests_view, "LIVE_NEWEST_ROWS", 50)  # only the newest are indexed
    app, gateway = requests_app()
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await listed(pilot, screen, 100)
        await pilot.press("j", "j")
        await workers_done(pilot)
        chosen = screen.store.ids[screen.table.current_row or 0]
        await pilot.press("L")
        await wait_for(pilot, lambda: screen.live_how == "polling")
        await wait_for(pilot, lambda: not screen._live_busy)
        gateway.state.log_feed.arrive(25)  # more than two pages of 10
        await wait_for(pilot, lambda: screen.live_new >= 25, 10)
        assert screen.live_new == 25
        assert screen.store.ids[screen.table.current_row or 0] == chosen
        assert screen.table.cursor == 2 + 25
        assert len(set(screen.store.ids)) == len(screen.store)
        ids = {screen.store.ids[row] for row in screen.marked_rows}
        assert len(ids) == 25
        assert len(screen._known_ids) < len(screen.store)
        gateway.state.log_feed.arrive(45)  # more than the three pages one poll reads
        await wait_for(pilot, lambda: screen.live_new >= 25 + 30, 10)

        def notes() -> list[str]:
            return [n.message for n in said(app)]

        await wait_for(pilot, lambda: any("newest are shown" in note for note in notes()))
        assert screen.store.ids[screen.table.current_row or 0] == chosen
        await pilot.press("L")


# -- the detail of a request: the cache explained ------------------------------------------


async def _show_row_with(
    pilot: Driver, screen: BrowserScreen, outcome: str, status: str = "success"
) -> str:
    for position in range(len(screen.view)):
        row = screen.view.row(position)
        item = screen.store.item(row)
        if cache_outcome(item) == outcome and item["status"] == status:
            screen.table.move_cursor(position)
            item_id = screen.store.ids[row]
            await wait_for(pilot, lambda wanted=item_id: wanted in screen._entries)  # type: ignore[misc]
            return item_id
    raise AssertionError(f"no {outcome} row loaded")


async def test_detail_explains_hits_and_misses() -> None:
    app, _ = requests_app(requests=600)
    async with app.run_test(size=(180, 60)) as pilot:
        screen = browser(app)
        await listed(pilot, screen, 200)

        async def shows(*parts: str) -> str:
            # The entry is fetched, then rendered: wait for the words, not for a fixed time.
            await wait_for(pilot, lambda: all(p in screen_text(app) for p in parts), 10)
            return screen_text(app)

        await _show_row_with(pilot, screen, "semantic")
        await shows("HIT (semantic)", "vs threshold", "margin", "embedding model", "median miss")
        await _show_row_with(pilot, screen, "direct")
        await shows("HIT (direct): the same request")
        await _show_row_with(pilot, screen, "miss")
        await shows("MISS: the answer came from the provider")
        await _show_row_with(pilot, screen, "skipped")
        await shows("skipped the cache")
        await _show_row_with(pilot, screen, "miss", status="error")
        await shows("went to the provider, which", "Error")


async def test_a_hits_latency_and_time_saved_agree_between_the_row_and_the_cache_section() -> None:
    """The cache section compares the hit's latency as the LATENCY column shows it (the
    entry's ``latency``, not ``cache_hit_latency``) with the median of the loaded misses."""
    app, _ = requests_app(requests=600)
    async with app.run_test(size=(180, 60)) as pilot:
        screen = browser(app)
        await listed(pilot, screen, 200)
        for outcome in ("direct", "semantic"):
            await _show_row_with(pilot, screen, outcome)
            row = screen.table.current_row
            assert row is not None
            entry = screen._entries[screen.store.ids[row]]
            assert entry.cache_debug is not None and entry.cache_debug.cache_hit_latency
            cell = COLUMNS["requests"][4]
            assert cell.key == "latency_us"
            shown = cell.show(screen.store.value("latency_us", row))
            model = screen.store.value("provider_model", row)
            misses = [
                screen.store.item(r)["latency"] for r in range(len(screen.store))
                if screen.store.value("provider_model", r) == model
                and cache_outcome(screen.store.item(r)) == "miss"
            ]  # fmt: skip
            saved = statistics.median(misses) - entry.latency
            said = f"latency {shown} vs median miss"
            await wait_for(pilot, lambda said=said: said in screen_text(app), 10)  # type: ignore[misc]
            assert f"{latency_text(abs(saved))} saved" in screen_text(app)


# -- errors ----------------------------------------------------------------------------------


async def test_a_gateway_without_a_request_log_says_so_and_files_still_work() -> None:
    app, _ = requests_app(logging=False, files=20)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: screen.last_error is not None)
        await workers_done(pilot)
        text = screen_text(app)
        assert "keeps no request log" in text
        await pilot.press("m")
        await wait_for(pilot, lambda: screen.store.kind == "files" and len(screen.store) == 20)
        assert screen.last_error is None


async def test_401_with_only_a_virtual_key_says_admin_credentials_are_needed() -> None:
    config = DemoConfig(auth="admin", requests=50)
    settings = ConnectionSettings(
        base_url=DEMO_BASE_URL, auth="x-bf-vk", token=SecretStr(config.virtual_key), retries=0
    )
    session = Session(settings=settings, default_mode="requests")
    app, _ = requests_app(session=session, auth="admin", requests=50)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: screen.last_error is not None)
        await workers_done(pilot)
        text = screen_text(app)
        assert "needs admin credentials" in text
        assert "MPILOT_ADMIN_USERNAME" in text
        assert config.virtual_key not in text


# -- the cache summary, help --------------------------------------------------------------


async def test_cache_summary_uses_stats_of_the_filtered_set_and_compares_on_p() -> None:
    app, _ = requests_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = browser(app)
        screen.set_log_filters(LogFilters(period="30d"))
        await listed(pilot, screen, 100)
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, RequestStatsScreen))
        await wait_for(pilot, lambda: "Cache hit rate" in screen_text(app))
        text = screen_text(app)
        assert "Direct hits" in text and "Semantic hits" in text and "Success rate" in text
        assert "Loaded rows" in text and "similarity" in text and "latency, hits" in text
        stats = [r.url for r in app.client.history if "/api/logs/stats" in r.url]
        assert "period=30d" in stats[-1]
        await pilot.press("p")
        await wait_for(pilot, lambda: "previous" in screen_text(app).split("Loaded rows")[0])
        stats = [r.url for r in app.client.history if "/api/logs/stats" in r.url]
        assert "compare_to_previous=true" in stats[-1]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))


async def test_cache_summary_reads_the_loaded_rows_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At a million rows reading them takes a second or more: it runs in a thread, and the
    summary answers keys meanwhile."""
    import threading

    from mpilot_tui.ui.screens import request_stats

    release = threading.Event()
    threads: list[threading.Thread] = []
    real = request_stats.loaded_facts

    def slow_facts(store: Any) -> Any:
        threads.append(threading.current_thread())
        assert release.wait(30), "the test never let the rows be read"
        return real(store)

    monkeypatch.setattr(request_stats, "loaded_facts", slow_facts)
    app, _ = requests_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = browser(app)
        await listed(pilot, screen, 100)
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, RequestStatsScreen) and threads)
        stats = app.screen
        assert isinstance(stats, RequestStatsScreen)
        assert threads[0] is not threading.main_thread()
        await wait_for(pilot, lambda: "reading them" in screen_text(app))
        await pilot.press("p")  # the event loop is free while the rows are read
        await wait_for(pilot, lambda: "previous period on" in screen_text(app))
        assert stats.facts is None
        release.set()
        await wait_for(pilot, lambda: stats.facts is not None)
        await wait_for(pilot, lambda: "latency, hits" in screen_text(app))
        assert stats.facts is not None and stats.facts.rows == len(screen.store)


async def test_help_and_footer_list_the_requests_keys() -> None:
    app, _ = requests_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = browser(app)
        await listed(pilot, screen)
        await wait_for(pilot, lambda: "? Help" in screen_text(app))
        footer = [line for line in screen_text(app).splitlines() if "? Help" in line][-1]
        assert "Filters" in footer and "Live" in footer and "Purpose" not in footer
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await text_shown(pilot, "request log")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        groups = dict(help_screen.groups)
        ids = {b.id: b.key for b in groups["Requests"]}
        assert ids["requests.open"] == "R" and ids["requests.live"] == "L"
        assert ids["requests.filters"] == "x" and ids["requests.clear_1"] == "1"
        assert "stats.compare" in {b.id for b in groups["Request log stats"]}
        assert "request log" in screen_text(app)


async def test_the_summary_reads_the_columns_with_numpy_as_row_by_row() -> None:
    """The loaded rows' facts from the columns' arrays (numpy) are the facts the row-by-row
    pass gives, and draw the same lines; a missing latency is left out of both."""
    from rich.console import Console

    from mpilot_tui.listing.rows import MISSING
    from mpilot_tui.ui.screens import request_stats
    from mpilot_tui.ui.screens.request_stats import LoadedFacts, render_loaded

    app, _ = requests_app(requests=3000)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = browser(app)
        await pilot.press("end")
        await listed(pilot, screen, 3000)
        store = screen.store
        assert len(store) == 3000
        store.update_row(7, {**store.item(7), "latency": None})
        rows = len(store)
        by_columns, by_rows = LoadedFacts(rows=rows), LoadedFacts(rows=rows)
        assert request_stats._column_facts(store, rows, by_columns)
        request_stats._row_facts(store, rows, by_rows)
        for name in request_stats.GROUPS:
            assert sorted(by_columns.latency_us[name]) == sorted(by_rows.latency_us[name])
        timed = sum(1 for value in store.ints["latency_us"] if value != MISSING)
        assert sum(len(v) for v in by_columns.latency_us.values()) == timed < rows
        assert by_columns.scores == by_rows.scores and by_rows.scores

        def drawn(facts: LoadedFacts) -> str:
            console = Console(width=150, record=True, color_system=None)
            console.print(render_loaded(facts))
            return console.export_text()

        assert drawn(by_columns) == drawn(by_rows)
        assert "latency, hits" in drawn(by_columns) and "median" in drawn(by_columns)
        written = [score for (score, _), count in by_rows.scores.items() for _ in range(count)]
        assert f"{len(written):,} scored (" in drawn(by_rows)
        assert f"median {statistics.median(written):.3f}" in drawn(by_rows)


class _EntriesGone(httpx.AsyncBaseTransport):
    """The demo gateway, but every whole entry (``GET /api/logs/{id}``) answers 404, as for
    entries the gateway's retention removed after the list was read."""

    def __init__(self, gateway: Starlette) -> None:
        self.inner = httpx.ASGITransport(app=gateway)
        self.asked: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        head, _, last = request.url.path.rpartition("/")
        if head == "/api/logs" and last not in ("stats", "filterdata"):
            self.asked.append(last)
            body = {"is_bifrost_error": False, "status_code": 404,
                    "error": {"message": "log not found"}, "extra_fields": {}}  # fmt: skip
            return httpx.Response(404, json=body)
        return await self.inner.handle_async_request(request)


async def test_an_entry_the_gateway_no_longer_has_is_fetched_once_not_at_every_rest() -> None:
    config = DemoConfig(requests=60)
    session = demo_session(config, default_mode="requests")
    transport = _EntriesGone(create_gateway(config))
    app = create_app(session, GatewayClient(session.settings, transport=transport))
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await listed(pilot, screen, 60)
        first = screen.store.ids[screen.table.current_row or 0]
        await wait_for(pilot, lambda: first in transport.asked)
        # Said where the entry would be. Waited for: the worker can be done before the
        # screen has handled the failure it posted (seen once in a full run).
        await text_shown(pilot, "log not found")
        toasts = len(said(app))
        second = screen.store.ids[screen.view.row(1)]
        for key in ("j", "k", "j", "k"):
            await pilot.press(key)
            await workers_done(pilot)
        await wait_for(pilot, lambda: len(said(app)) == toasts + 1)  # the second row's toast
        await workers_done(pilot)
        assert transport.asked.count(first) == 1  # not fetched again on coming back
        assert first[:8] in screen_text(app)  # the list row is still shown
        assert transport.asked.count(second) == 1
        assert len(said(app)) == toasts + 1  # one toast for the second row, none again
        await pilot.press("f")  # asked for by hand: fetched again
        await wait_for(pilot, lambda: transport.asked.count(first) == 2)


async def test_a_big_page_is_compressed_and_read_in_a_thread_not_on_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from mpilot_tui.listing import rows
    from mpilot_tui.ui.screens import listing_screen

    threads: list[bool] = []

    def prepare(page: Any) -> rows.Packed:
        threads.append(threading.current_thread() is threading.main_thread())
        return rows.prepare(page)

    monkeypatch.setattr(listing_screen, "prepare", prepare)
    config = DemoConfig(requests=1500)
    session = demo_session(config, default_mode="requests", page_size=1000)
    app, _ = requests_app(session=session, requests=1500)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await listed(pilot, screen, 1000)
        assert threads and not any(threads)  # every big body: packed off the main thread
        record = screen.store.pages[0]
        assert record.count == 1000
        assert screen.store.item(999)["id"] == screen.store.ids[999]
