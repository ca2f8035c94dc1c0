"""The column chooser (``T``): hide, show, widen and narrow the table's columns, remembered
in the config file's ``[columns.VIEW]``."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from helpers_ui import browser, demo_app, loaded, screen_text, text_shown, wait_for

from mpilot_tui.ui.screens.columns import WIDTH_STEP, ColumnChooser

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("in_tmp_folder")]


def _widths(app: object) -> dict[str, int]:
    table = browser(app).table  # type: ignore[arg-type]
    return {column.key: width for column, width in table.column_layout}


async def test_chooser_hides_widens_and_keeps_the_choice_in_the_config(
    in_tmp_folder: Path,
) -> None:
    config = in_tmp_folder / "no-config.toml"
    config.write_text('# my settings\ntheme = "textual-dark"\n')
    app = demo_app(files=50)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 50)
        before = _widths(app)
        assert "status" in before and "filename" in before
        await pilot.press("T")
        await wait_for(pilot, lambda: "[x] Status" in screen_text(app), what="the chooser")
        await pilot.press("down", "plus", "plus")  # Filename: two steps wider
        await pilot.press("down", "down", "space")  # Status: hidden
        await wait_for(pilot, lambda: "status" not in _widths(app), what="the table redrawn")
        after = _widths(app)
        assert "status" not in after, "the table follows the chooser at once"
        assert after["filename"] == before["filename"] + 2 * WIDTH_STEP
        await text_shown(pilot, "[ ] Status")  # shown and hidden differ without colour
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ColumnChooser))
        await wait_for(pilot, lambda: not app.config_saves.busy, what="the columns saved")
        saved = config.read_text()
        assert saved.startswith("# my settings\n"), "the rest of the file is kept"
        assert tomllib.loads(saved)["columns"]["files"] == {
            "hidden": ["status"],
            "widths": {"filename": before["filename"] + 2 * WIDTH_STEP},
        }
        assert _widths(app) == after

    again = demo_app(files=50)
    async with again.run_test(size=(120, 36)) as pilot:
        await loaded(pilot, browser(again), 50)
        await wait_for(pilot, lambda: "status" not in _widths(again), what="columns applied")
        assert _widths(again) == after


async def test_escape_puts_the_columns_back_and_writes_nothing(in_tmp_folder: Path) -> None:
    app = demo_app(files=20)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 20)
        before = _widths(app)
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, ColumnChooser))
        await pilot.press("space", "down", "minus")  # Id hidden, Filename narrower
        await wait_for(pilot, lambda: "id" not in _widths(app), what="the table redrawn")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ColumnChooser))
        assert _widths(app) == before
        assert not (in_tmp_folder / "no-config.toml").exists()


async def test_an_id_narrowed_by_hand_is_cut_and_auto_gives_it_back() -> None:
    app = demo_app(files=20)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 20)
        whole = _widths(app)["id"]
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, ColumnChooser))
        await pilot.press("minus", "minus")
        await wait_for(pilot, lambda: _widths(app)["id"] == whole - 2 * WIDTH_STEP)
        await text_shown(pilot, "(set)")
        await pilot.press("a")
        await wait_for(pilot, lambda: _widths(app)["id"] == whole)
        await pilot.press("space")  # hide
        for _ in range(6):  # every other column, the last one refused
            await pilot.press("down", "space")
        # One column at least stays shown.
        await wait_for(pilot, lambda: list(_widths(app)) == ["expires_at"])
