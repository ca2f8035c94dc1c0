"""`m` cycles Files -> Container files -> Requests, through the container picker that opens
on the way when no container is chosen (a new user's `m m m` typed `mm` into it)."""

from __future__ import annotations

from helpers_ui import browser, demo_app, wait_for
from textual.widgets import Input

from mpilot_tui.ui.screens.browser import BrowserScreen
from mpilot_tui.ui.screens.pickers import ContainerPicker


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
