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


def footer_text(app: object) -> str:
    return screen_text(app).splitlines()[-1]  # type: ignore[arg-type]


def notified(app: object, text: str) -> bool:
    return any(text in note.message for note in app._notifications)  # type: ignore[attr-defined]


async def test_r_only_retries_what_failed_and_ctrl_r_reloads_from_the_start() -> None:
    app = demo_app(page_size=50, files=300)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await pilot.press("end")
        await loaded(pilot, screen, 300)
        assert " r " not in footer_text(app) and "^r Reload" in footer_text(app)
        generation = screen.generation
        await pilot.press("r")  # nothing failed: the 300 rows stay
        await wait_for(pilot, lambda: notified(app, "Nothing failed to retry"))
        assert screen.generation == generation and len(screen.store) == 300
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.generation == generation + 1)
        await loaded(pilot, screen, 50)
        assert len(screen.store) < 300
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.generation == generation + 2)
        screen.select(provider="groq")  # lists no files: the first page fails
        await wait_for(pilot, lambda: screen.last_error is not None)
        await wait_for(pilot, lambda: "r Reload (failed)" in footer_text(app))
        assert screen.refresh_does() == "reload"


async def test_r_says_retry_page_when_a_later_page_failed() -> None:
    app = demo_app(page_size=20, files=100)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 20)
        screen.listing.last_error = RuntimeError("boom")  # type: ignore[assignment]
        screen.listing.resumable = True
        screen._update_status()
        await wait_for(pilot, lambda: "r Retry page" in footer_text(app))
        screen.listing.last_error = None
        screen._update_status()
        await wait_for(pilot, lambda: "Retry" not in footer_text(app))


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
async def test_the_footer_keeps_help_and_quit_and_the_status_keeps_no_cache_debug(
    size: tuple[int, int],
) -> None:
    app = demo_app(files=300)
    async with app.run_test(size=size) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 100)
        # The footer is recomposed after a refresh: wait for all of it.
        await wait_for(pilot, lambda: all(key in footer_text(app) for key in
                                          ("/ Filter", "? Help", "q Quit")))  # fmt: skip
        footer = footer_text(app)
        assert footer.index("/ Filter") < footer.index("? Help")  # the important keys first
        await wait_for(pilot, lambda: "no cache_debug" in screen_text(app))


async def test_ctrl_c_copies_a_selection_in_the_filter_and_otherwise_quits_asking() -> None:
    app = demo_app(page_size=50, files=300)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await pilot.press("end")
        await loaded(pilot, screen, 300)
        await pilot.press("slash", *"report")
        await pilot.press("shift+home")  # select what was typed
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: copied == ["report"])
        assert notified(app, "the selection (6 characters) sent to the terminal's clipboard")
        assert app.return_code is None
        await pilot.press("escape", "ctrl+c")  # in the table: quit, asking as q does
        await wait_for(pilot, lambda: "Quit mpilot-tui?" in screen_text(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.return_code == 130)
