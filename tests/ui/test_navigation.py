"""Finding one's way in the browser: the mode bar, the footer, refresh vs retry, ctrl+c,
the detail pane's zoom and sections, the sidebar (issue 13, navigation part)."""

from __future__ import annotations

import pytest
from helpers_ui import browser, demo_app, detail_caught_up, loaded, notified, screen_text, wait_for
from textual.widgets import Input

from mpilot_tui.ui.screens.help import HelpScreen
from mpilot_tui.ui.widgets.bars import ModeBar
from mpilot_tui.ui.widgets.detail import section_name, url_text
from mpilot_tui.ui.widgets.sidebar import ProviderSidebar

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
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
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


async def test_z_zooms_the_detail_then_the_table_and_h_hides_the_sidebar() -> None:
    app = demo_app(files=50)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 50)
        sidebar, center = screen.query_one("#sidebar"), screen.query_one("#center")
        detail = screen.detail
        await pilot.press("z")
        await pilot.pause()
        assert not sidebar.display and not center.display and detail.display
        assert detail.size.width > 100 and detail.has_focus
        await pilot.press("z")
        await pilot.pause()
        assert center.display and not detail.display and screen.table.has_focus
        assert screen.table.size.width > 100
        await pilot.press("z")
        await pilot.pause()
        assert sidebar.display and center.display and detail.display
        width = screen.table.size.width
        await pilot.press("h")
        await wait_for(pilot, lambda: screen.table.size.width > width)
        assert not sidebar.display
        await pilot.press("h")
        await wait_for(pilot, lambda: sidebar.display and screen.table.size.width == width)


async def test_the_cache_section_comes_first_and_brackets_jump_between_sections() -> None:
    app = demo_app(files=50, bifrost="1.5", list_cache_debug=True)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 50)
        await detail_caught_up(pilot, screen)
        detail = screen.detail
        names = [section_name(w) for w in detail.sections()]
        assert names[:2] == ["cache debug", "item"], names
        assert detail.scroll_y == 0
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: detail.scroll_y > 0)
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: detail.scroll_y == 0)


async def test_a_long_url_breaks_before_its_query_parameters_only() -> None:
    url = "http://127.0.0.1:8080/openai/v1/files?provider=openai&limit=100&after=file-abcdef"
    assert url_text(url).plain.splitlines() == [
        "http://127.0.0.1:8080", "/openai/v1/files", "?provider=openai", "&limit=100",
        "&after=file-abcdef",
    ]  # fmt: skip
    assert url_text("http://gw/v1/files?a=1").plain == "http://gw/v1/files?a=1"


async def test_choosing_a_provider_that_lists_no_files_says_so() -> None:
    app = demo_app(files=20)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 20)
        screen.query_one(ProviderSidebar).select_provider("groq")
        await wait_for(pilot, lambda: notified(app, "does not list files for groq"))
        assert "F files" in screen_text(app)  # the sidebar's legend


async def test_question_mark_in_a_dialog_shows_that_dialogs_keys() -> None:
    app = demo_app(files=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 30)
        await pilot.press("s")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OptionPicker")
        await pilot.press("f1")  # F1 works from any text box (? too, in a picker's)
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert app.screen.of_screen  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: "picker.cancel" in screen_text(app))
        assert "browser.refresh" not in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OptionPicker")
        await pilot.press("down", "down")  # to the list
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("question_mark")  # ? closes it again
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OptionPicker")
        await pilot.press("escape", "slash", "question_mark")  # in the filter, ? is text
        await wait_for(pilot, lambda: screen.query_one("#filter", Input).value == "?")
        assert not isinstance(app.screen, HelpScreen)


async def test_the_footer_rebuilds_only_when_its_keys_change() -> None:
    """Bindings are refreshed many times (focus moves, each page): the footer keeps its key
    widgets when the keys it shows stay the same, and rebuilds when they change."""
    from textual.widgets._footer import FooterKey

    from mpilot_tui.ui.widgets.bars import KeyFooter

    app = demo_app(files=300)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 100)
        footer = screen.query_one(KeyFooter)
        await wait_for(pilot, lambda: "? Help" in footer_text(app))
        before = list(footer.query(FooterKey))
        for _ in range(5):
            screen.refresh_bindings()
            await pilot.pause()
        await wait_for(pilot, lambda: not footer._pending)
        assert list(footer.query(FooterKey)) == before  # the same widgets: no rebuild
        await pilot.press("R")  # the Requests view offers other keys (live mode)
        await wait_for(pilot, lambda: "Live" in footer_text(app))
        assert list(footer.query(FooterKey)) != before
