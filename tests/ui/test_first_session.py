"""What a new user ran into in the browser: the cursor, the sort, the badge and the words."""

from __future__ import annotations

import pytest
from helpers_ui import (
    browser,
    demo_app,
    detail_caught_up,
    loaded,
    screen_text,
    wait_for,
    workers_done,
)

from mpilot_tui.ui.widgets.bars import StatusBar

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("in_tmp_folder")]


def status_text(app: object) -> str:
    bar = app.screen.query_one(StatusBar)  # type: ignore[attr-defined]
    return str(bar.render())


async def test_clearing_the_filter_keeps_the_cursor_on_the_same_item() -> None:
    app = demo_app(page_size=100, files=300)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await pilot.press("end")
        await loaded(pilot, screen, 300)
        screen.table.move_cursor(240)
        await detail_caught_up(pilot, screen)
        item = screen.store.item(screen.table.current_row or 0)["id"]
        await pilot.press("slash", *item[-6:])
        await wait_for(pilot, lambda: len(screen.view) < 300 and not screen.view.pending)
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(screen.view) == 300)
        assert screen.store.item(screen.table.current_row or 0)["id"] == item
        assert screen.table.cursor == 240


async def test_order_and_refresh_keep_the_sort() -> None:
    app = demo_app(page_size=50, files=120)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 50)
        screen.apply_sort("filename", False, "Filename")
        await pilot.press("o")
        await loaded(pilot, screen, 50)
        assert screen.view.sort_column == "filename" and not screen.view.sort_reverse
        names = [screen.store.item(screen.view.row(i))["filename"] for i in range(len(screen.view))]
        assert names == sorted(names)
        await pilot.press("ctrl+r")
        await loaded(pilot, screen, 50)
        assert screen.view.sort_column == "filename"
        assert "Filename ▲" in screen_text(app)


async def test_the_cache_badge_follows_the_cursor_row() -> None:
    app = demo_app(page_size=10, files=100, list_cache_debug=True)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await pilot.press("end")
        await loaded(pilot, screen, 100)
        badges = []
        for record in screen.store.pages:
            cache = record.extra_fields.cache_debug
            badges.append("no cache_debug" if cache is None else
                          " HIT " if cache.cache_hit else " MISS ")  # fmt: skip
        assert len(set(badges)) >= 2, "the demo mixes its pages' cache answers"
        for badge in dict.fromkeys(badges):
            page = badges.index(badge)
            screen.table.move_cursor(page * 10 + 3)
            await wait_for(pilot, lambda b=badge: b in status_text(app))  # type: ignore[misc]


async def test_a_failed_first_page_does_not_promise_rows_that_stay() -> None:
    app = demo_app(files=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 30)
        screen.select(provider="groq")
        await wait_for(pilot, lambda: screen.last_error is not None)
        await workers_done(pilot)
        shown = screen_text(app)
        assert "r retries" in shown
        assert "rows already loaded stay" not in shown
        assert "more available" not in screen_text(app)
