"""The dialogs, driven from the keyboard: export, preview save, page size, container picker
and help."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers_ui import (
    Driver,
    browser,
    demo_app,
    detail_caught_up,
    loaded,
    open_export,
    screen_text,
    text_shown,
    wait_for,
    workers_done,
)
from textual.widgets import Input, OptionList, RadioSet

from mpilot_tui.ui.app import MPilotApp
from mpilot_tui.ui.screens.browser import BrowserScreen
from mpilot_tui.ui.screens.help import HelpScreen
from mpilot_tui.ui.screens.pickers import ContainerPicker, OptionPicker
from mpilot_tui.ui.screens.preview import PreviewScreen

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("in_tmp_folder")]


# -- export -------------------------------------------------------------------------------


async def test_export_dialog_is_driven_by_arrows_tab_and_enter(in_tmp_folder: Path) -> None:
    app = demo_app(files=150)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 150)
        dialog = await open_export(pilot, app)
        path = dialog.query_one("#export-path", Input)
        assert app.focused is dialog.query_one("#export-scope", RadioSet), "the rows come first"
        await pilot.press("space")  # chooses, never types into the file name
        assert path.value == "./mpilot-files-openai.csv"
        await pilot.press("down")
        await wait_for(pilot, lambda: dialog.chosen_scope == "all", what="an arrow chooses")
        assert dialog.chosen_scope == "all", "an arrow chooses"
        await pilot.press("up")
        await wait_for(pilot, lambda: dialog.chosen_scope == "loaded", what="up chooses")
        assert dialog.chosen_scope == "loaded"
        await pilot.press("tab")
        assert app.focused is dialog.query_one("#export-format", RadioSet)
        await pilot.press("down")
        await wait_for(
            pilot, lambda: path.value.endswith(".json"), what="the path follows the format"
        )
        assert dialog.chosen_format == "json"
        assert path.value == "./mpilot-files-openai.json"
        await pilot.press("enter")  # from the radio set: exports (not a toggle)
        await wait_for(pilot, lambda: dialog.last_state == "done")
        assert (in_tmp_folder / "mpilot-files-openai.json").exists()
        await pilot.press("tab")
        assert app.screen.focused is path
        await pilot.press("ctrl+u", *"./rows.csv", "enter")
        await wait_for(pilot, lambda: (in_tmp_folder / "rows.csv").exists())
        await wait_for(pilot, lambda: dialog.last_state == "done" and not dialog.running)
        assert sorted(p.name for p in in_tmp_folder.iterdir()) == [
            "mpilot-files-openai.json",
            "rows.csv",
        ]


# -- preview save -------------------------------------------------------------------------


async def test_save_hides_the_path_and_s_opens_it_again(in_tmp_folder: Path) -> None:
    app = demo_app(page_size=1000, files=1000)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 1000)
        row = next(
            r
            for r in range(len(screen.store))
            if screen.store.summary(r)["filename"].endswith(".csv")
            and screen.store.summary(r)["bytes"] < 500_000
        )
        name = screen.store.text["filename"][row]
        position = screen.view.position_of(row)
        assert position is not None
        screen.table.move_cursor(position)
        await detail_caught_up(pilot, screen)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen))
        preview = app.screen
        assert isinstance(preview, PreviewScreen)
        await wait_for(pilot, lambda: preview.content is not None)
        box = preview.query_one("#save-path", Input)
        await pilot.press("s")
        await wait_for(pilot, lambda: app.focused is box)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not box.display)
        assert app.focused is preview.query_one("#preview-body"), "the keys are the screen's"
        await wait_for(pilot, lambda: "Saved" in screen_text(app))
        assert preview.query_one("#save-progress").display, "the bar and the status stay"
        await pilot.press("s")  # opens the field again, with the last path
        await wait_for(pilot, lambda: app.focused is box)
        assert box.display and box.value == f"./{name}"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not box.display)
        assert [p.name for p in in_tmp_folder.iterdir()] == [name], "no ./s"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))


# -- page size ----------------------------------------------------------------------------


async def test_page_size_prompt_says_what_is_wrong_and_stays_open() -> None:
    app = demo_app(files=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 30)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, OptionPicker))
        picker = app.screen
        assert app.focused is picker.query_one("#picker-input"), "typing goes to the field"
        for typed in ("abc", "0", "10001"):
            await pilot.press("ctrl+u", *typed, "enter")
            await text_shown(pilot, f'"{typed}" is not a page size')
            assert app.screen is picker, f"{typed!r} keeps the prompt open"
            assert f'"{typed}" is not a page size: give a whole number from 1 to 10000' in (
                screen_text(app)
            )
        assert screen.selection.page_size == 100
        await pilot.press("ctrl+u")
        await wait_for(
            pilot, lambda: "not a page size" not in screen_text(app), what="a cleared error"
        )
        assert "not a page size" not in screen_text(app), "typing again clears the error"
        await pilot.press(*"250", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await wait_for(pilot, lambda: screen.selection.page_size == 250)


async def test_page_size_prompt_escape_keeps_the_size() -> None:
    app = demo_app(files=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 30)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, OptionPicker))
        await pilot.press(*"x1", "enter")
        await text_shown(pilot, '"x1" is not a page size')
        assert isinstance(app.screen, OptionPicker)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
        assert screen.selection.page_size == 100


async def test_typing_in_the_page_size_and_purpose_dialogs_goes_to_the_field() -> None:
    app = demo_app(files=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 30)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, OptionPicker))
        picker = app.screen
        await pilot.press("down")
        assert isinstance(app.focused, OptionList), "down goes to the list"
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.screen is not picker)
        assert screen.selection.page_size != 100, "the list still picks"
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, OptionPicker))
        await pilot.press(*"250", "enter")
        await wait_for(pilot, lambda: screen.selection.page_size == 250)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, OptionPicker))
        await pilot.press(*"vision", "enter")
        await wait_for(pilot, lambda: screen.selection.purpose == "vision")


async def test_q_in_a_dialog_closes_the_dialog_not_the_app() -> None:
    app = demo_app(files=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 30)
        from mpilot_tui.ui.screens.export import ExportScreen
        from mpilot_tui.ui.screens.inspector import InspectorScreen

        dialogs = (("s", OptionPicker), ("question_mark", HelpScreen), ("e", ExportScreen),
                   ("i", InspectorScreen), ("b", ContainerPicker))  # fmt: skip
        for key, dialog in dialogs:
            await pilot.press(key)
            await wait_for(pilot, lambda d=dialog: isinstance(app.screen, d))  # type: ignore[misc]
            if dialog in (OptionPicker, ContainerPicker, ExportScreen):
                await pilot.press("tab")  # off the text field, where q is typed
            await pilot.press("q")
            await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
            assert app.is_running
        assert screen.selection.page_size == 100
        assert len(screen.store) == 30


async def test_quit_asks_once_when_more_than_a_page_is_loaded() -> None:
    from mpilot_tui.ui.screens.confirm import QuitConfirm

    app = demo_app(page_size=10, files=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await pilot.press("end")
        await loaded(pilot, screen, 30)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitConfirm))
        assert "The 30 loaded rows will be dropped" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
        assert app.is_running
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitConfirm))
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)


async def test_quit_does_not_ask_with_confirm_quit_off_or_one_page() -> None:
    app = demo_app(page_size=10, files=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await pilot.press("end")
        await loaded(pilot, screen, 30)
        app.confirm_quit = False
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)
    one_page = demo_app(files=30)
    async with one_page.run_test(size=(120, 36)) as pilot:
        await loaded(pilot, browser(one_page), 30)
        await pilot.press("q")
        await wait_for(pilot, lambda: not one_page.is_running)


# -- container picker ---------------------------------------------------------------------


async def open_container_picker(pilot: Driver, app: MPilotApp) -> ContainerPicker:
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, ContainerPicker))
    picker = app.screen
    assert isinstance(picker, ContainerPicker)
    note = picker.query_one("#picker-note")
    await wait_for(pilot, lambda: "loading" not in str(note.render()))
    await workers_done(pilot)
    return picker


async def test_container_picker_down_reaches_the_list_and_entries_stay_on_one_line() -> None:
    app = demo_app(files=30, containers=3)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 30)
        picker = await open_container_picker(pilot, app)
        options = picker.query_one(OptionList)
        assert len(picker.ids) == 3
        assert app.focused is picker.query_one("#picker-input")
        await pilot.press("down")
        assert app.focused is options, "down goes from the id field to the list"
        assert options.highlighted == 0
        await pilot.press("down")
        assert options.highlighted == 1, "and then moves in the list"
        assert options.virtual_size.height == 3, "one line per container"
        lines = [x for x in screen_text(app).splitlines() if re.search(r"cntr_\w", x)]
        assert len(lines) == 3
        for container_id, line in zip(picker.ids, lines, strict=True):
            assert container_id in line, "the id is whole"
            assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", line), "and the date with it"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.selection.container == picker.ids[1])


async def test_container_picker_shows_a_listing_error_whole() -> None:
    app = demo_app(files=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 30)
        screen.select(provider="cohere")
        await workers_done(pilot)
        picker = await open_container_picker(pilot, app)
        note = picker.query_one("#picker-note")
        x, y, width, height = note.region
        assert height >= 2, "wrapped, not cut"
        lines = screen_text(app).splitlines()[y : y + height]
        shown = " ".join(" ".join(line[x : x + width] for line in lines).split())
        whole = (
            r"^containers not listed: 400: failed to get config for provider: not found "
            r"\(event_id [0-9a-f-]{36}\)$"
        )
        assert re.match(whole, shown), shown


# -- help ---------------------------------------------------------------------------------


async def test_help_shows_keys_as_they_are_typed() -> None:
    app = demo_app(files=5)
    async with app.run_test(size=(140, 80)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await text_shown(pilot, "browser.refresh")
        x, y, width, height = app.screen.query_one("#help-body").region
        rows = [line[x : x + width] for line in screen_text(app).splitlines()[y : y + height]]
        assert not [row for row in rows if "question_mark" in row or "slash" in row]

        def key_of(binding_id: str) -> str:
            row = next(row for row in rows if f" {binding_id} " in row)
            return row.strip("│ ").split("  ")[0]

        assert key_of("app.help") == "?"
        assert key_of("browser.filter") == "/"
        assert key_of("browser.find_more") == "F, ctrl+f"
