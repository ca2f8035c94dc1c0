"""The pilot helpers themselves: what a test reads of the app must not change with the
machine's load."""

from __future__ import annotations

from helpers_ui import notified, said, wait_for
from textual.app import App


async def test_a_notification_is_still_said_after_its_toast_expired() -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        app.notify("first", timeout=0.05)
        app.notify("second", title="Title", timeout=30)
        # The toast goes once its timeout has passed (what a slow, loaded run saw early).
        await wait_for(
            pilot,
            lambda: len(said(app)) == 2 and all(n.message != "first" for n in app._notifications),
        )
        assert [n.message for n in said(app)] == ["first", "second"]
        assert notified(app, "first") and said(app)[1].title == "Title"
