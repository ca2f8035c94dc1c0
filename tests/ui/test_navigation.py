"""Finding one's way in the browser: the mode bar, the footer, refresh vs retry, ctrl+c,
the detail pane's zoom and sections, the sidebar (issue 13, navigation part)."""

from __future__ import annotations

import pytest
from helpers_ui import browser, demo_app, loaded, screen_text, wait_for

from mpilot_tui.ui.widgets.bars import ModeBar

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("in_tmp_folder")]


@pytest.mark.parametrize("width", [120, 80])
async def test_the_mode_bar_always_shows_order_and_page_size(width: int) -> None:
    app = demo_app(page_size=250, files=30)
    async with app.run_test(size=(width, 30)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 30)
        bar = screen.query_one(ModeBar)
        if width == 120:
            assert "Requests" in bar.plain and "page: 250" in bar.plain
        screen.select(purpose="a-very-long-purpose-someone-typed-in-the-dialog")
        await loaded(pilot, screen, 0)
        await wait_for(pilot, lambda: "page: 250" in bar.plain)
        shown = bar.plain
        assert len(shown) <= bar.size.width
        assert "order: desc" in shown and "openai" in shown
        assert "page: 250" in screen_text(app)
        if width == 120:
            assert "a-very-long-purpose-someone-typed-in-th" in shown  # before the tabs
