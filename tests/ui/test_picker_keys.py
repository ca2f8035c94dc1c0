"""Keys in the pickers' text fields that are not text: `m` goes on through the container
picker that opens on the way from Files to Requests (a new user's `m m m` typed `mm` into
it), and `?` shows the dialog's keys (no page size, purpose or container id has a `?`)."""

from __future__ import annotations

from helpers_ui import browser, demo_app, wait_for
from textual.widgets import Input

from mpilot_tui.ui.screens.browser import BrowserScreen
from mpilot_tui.ui.screens.help import HelpScreen
from mpilot_tui.ui.screens.pickers import ContainerPicker, OptionPicker


async def test_m_goes_on_through_the_container_picker_it_opens() -> None:
    app = demo_app(files=30, requests=60)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) == 30)
        await pilot.press("m")  # files -> container files: no container yet, the picker
        await wait_for(pilot, lambda: isinstance(app.screen, ContainerPicker))
        await pilot.press("c", "m")
        assert app.screen.query_one(Input).value == "cm"  # typed text keeps its m
        await pilot.press("backspace", "backspace", "m")  # nothing typed: on to the next view
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await wait_for(pilot, lambda: screen.store.kind == "requests" and len(screen.store) > 0)
        assert screen.selection.kind == "requests"
        await pilot.press("m")  # and requests -> files, as before
        await wait_for(pilot, lambda: screen.store.kind == "files" and len(screen.store) == 30)


async def test_question_mark_in_a_pickers_field_shows_its_keys_not_a_character() -> None:
    app = demo_app(files=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await wait_for(pilot, lambda: len(screen.store) == 30)
        for key, picker in (("s", OptionPicker), ("p", OptionPicker), ("b", ContainerPicker)):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, picker))  # noqa: B023
            field = app.screen.query_one(Input)
            assert app.screen.focused is field  # typing goes to the field from the first key
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, picker))  # noqa: B023
            assert field.value == ""
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
