"""Shared helpers for driving the browser with Pilot against the demo gateway."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, Self

from textual.app import App
from textual.notifications import Notification, Notifications
from textual.pilot import Pilot
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

from mpilot_tui.config.session import demo_session
from mpilot_tui.demo import DemoConfig
from mpilot_tui.ui.app import MPilotApp, create_app
from mpilot_tui.ui.screens.browser import BrowserScreen
from mpilot_tui.ui.screens.export import ExportScreen

LIST_CACHE_DEBUG_DEMO: dict[str, Any] = {"bifrost": "1.5", "list_cache_debug": True}
"""Demo settings with ``cache_debug`` on list answers, as the MPilot pages document it (and a
1.5 gateway's field names): what the snapshots and screenshots of the cache views show.
Today's gateway (the demo's default, 2.2) never sends it on lists."""


def make_app(**demo: Any) -> MPilotApp:
    return create_app(demo_session(DemoConfig(**demo)))


def demo_app(page_size: int = 100, **demo: Any) -> MPilotApp:
    """The app on an in-process demo gateway of ``demo`` settings, pages of ``page_size``."""
    return create_app(demo_session(DemoConfig(**demo), page_size=page_size))


def app_of(pilot: Driver) -> MPilotApp:
    """The app a Pilot drives, as the MPilotApp it is."""
    app = pilot.app
    assert isinstance(app, MPilotApp)
    return app


def browser(app: MPilotApp) -> BrowserScreen:
    return app.browser


Driver = Pilot[Any]
"""The Pilot of a running app, as every helper here takes it."""

WAIT_TIMEOUT = 30.0
"""How long a wait may take before the test fails: a deadline for a stuck app on a loaded
machine, never a pace (waits end as soon as their condition holds)."""


async def wait_for(
    pilot: Driver,
    condition: Callable[[], object],
    timeout: float = WAIT_TIMEOUT,
    *,
    what: str = "condition",
) -> None:
    """Let the app run until ``condition()`` holds (or fail after ``timeout`` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not met within {timeout:g} s")
        await pilot.pause(0.02)


async def workers_done(pilot: Driver, timeout: float = WAIT_TIMEOUT) -> None:
    """Until no worker of the app runs and the messages they posted have been handled.

    A handler that starts another worker (the next page, a retry) is waited for too; a
    worker that failed or was cancelled counts as done (the screen shows its error)."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await pilot.pause()
        running = [worker for worker in app.workers if not worker.is_finished]
        if not running:
            return
        remaining = deadline - loop.time()
        if remaining <= 0:
            names = ", ".join(worker.name or worker.group for worker in running)
            raise AssertionError(f"workers still running after {timeout:g} s: {names}")
        # Shielded: running out of time must not cancel the app's own workers.
        with contextlib.suppress(WorkerFailed, WorkerCancelled, TimeoutError):
            await asyncio.wait_for(
                asyncio.shield(app.workers.wait_for_complete(running)), remaining
            )


async def detail_caught_up(pilot: Driver, screen: BrowserScreen) -> None:
    """Until the detail pane shows the highlighted row (it is redrawn once the cursor has
    rested for ``DETAIL_DELAY``), with the workers done first."""
    await workers_done(pilot)
    if len(screen.store) == 0:
        return
    title = f"Row {screen.table.cursor + 1:,}"
    # The title may be scrolled out of a short pane (a response's cache section comes first).
    await wait_for(pilot, lambda: screen.detail.shown_title == title
                   or title in screen_text(pilot.app), what="the detail pane")  # fmt: skip


async def text_shown(pilot: Driver, *texts: str, timeout: float = WAIT_TIMEOUT) -> str:
    """Until every one of ``texts`` is on the screen; returns what the screen shows then."""
    await wait_for(
        pilot,
        lambda: all(text in screen_text(pilot.app) for text in texts),
        timeout,
        what=f"{texts!r} on screen",
    )
    return screen_text(pilot.app)


def shows(app: App[Any], kind: type[Screen[Any]]) -> bool:
    """The app's top screen is a ``kind``, and mounted."""
    return isinstance(app.screen, kind) and app.screen.is_mounted


class SaidNotifications(Notifications):
    """An app's notifications that also keeps every one it was given in :attr:`said`.

    The app's own collection drops a toast once its timeout (2-10 s) has passed; on a loaded
    machine that is before a test looks, so tests read what was said, not what is still up
    (``tests/conftest.py`` makes every app of a test use this)."""

    def __init__(self) -> None:
        super().__init__()
        self.said: list[Notification] = []

    def add(self, notification: Notification) -> Self:
        self.said.append(notification)
        return super().add(notification)


def said(app: App[Any]) -> list[Notification]:
    """Every notification ``app`` raised so far, in order, expired or still shown."""
    kept = app._notifications
    assert isinstance(kept, SaidNotifications), "the notifications_kept fixture is not in use"
    return kept.said


def notified(app: App[Any], text: str) -> bool:
    """A notification (a toast, which may wrap its text over lines) said ``text``."""
    return any(text in note.message for note in said(app))


def screen_text(app: App[Any]) -> str:
    """What the terminal shows, as plain text lines."""
    return "\n".join(
        "".join(segment.text for segment in strip)
        for strip in app.screen._compositor.render_strips()
    )


# -- scenarios shared by the snapshot tests and screenshots/render.py ----------------------


async def settle(pilot: Driver, screen: BrowserScreen) -> None:
    """Until a listing is in, nothing is in flight and the detail pane shows the row."""
    await wait_for(
        pilot,
        lambda: screen.inflight is None and len(screen.store) > 0 and not _prefetch_due(screen),
    )
    await detail_caught_up(pilot, screen)


def _prefetch_due(screen: BrowserScreen) -> bool:
    """Whether the table is about to ask for the next page (its prefetch rule): a settled
    screen is one where no page is in flight and none is due, so snapshots do not catch the
    prefetch at one moment or another."""
    table = screen.table
    if not table.listing.can_page:
        return False
    last_shown = int(table.scroll_offset.y) + table.size.height
    return len(table.view) - max(table.cursor, last_shown) <= table.prefetch_rows


async def files_with_cache_hit(pilot: Driver) -> None:
    """The files view on the first provider whose listing answered with a cache hit."""
    app = app_of(pilot)
    screen = browser(app)
    for provider in ("openai", "azure", "anthropic", "gemini", "bedrock", "replicate"):
        if provider != screen.selection.provider:
            screen.select(provider=provider)
        await settle(pilot, screen)
        cache = screen.store.pages[0].extra_fields.cache_debug
        if cache is not None and cache.cache_hit:
            break
    await pilot.press("j", "j")
    await detail_caught_up(pilot, screen)


async def container_files(pilot: Driver) -> None:
    app = app_of(pilot)
    screen = browser(app)
    await settle(pilot, screen)
    await pilot.press("m")
    await wait_for(pilot, lambda: len(getattr(app.screen, "ids", [])) >= 1)
    await pilot.press("tab", "enter")
    await wait_for(pilot, lambda: screen.store.kind == "container_files" and len(screen.store) > 0)
    await detail_caught_up(pilot, screen)


async def gateway_error(pilot: Driver) -> None:
    app = app_of(pilot)
    screen = browser(app)
    await settle(pilot, screen)
    screen.select(provider="groq")
    await wait_for(pilot, lambda: screen.last_error is not None)
    await workers_done(pilot)


async def help_screen(pilot: Driver) -> None:
    app = app_of(pilot)
    await settle(pilot, browser(app))
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
    await workers_done(pilot)


async def history_settled(pilot: Driver) -> None:
    """Until every request in the client's history has its answer, and the inspector on
    screen has redrawn with them (it polls on a timer, so a snapshot could catch a request
    that was still in flight at its last look)."""
    app = app_of(pilot)
    inspector_screen = app.screen
    client = inspector_screen.client  # type: ignore[attr-defined]
    await wait_for(
        pilot,
        lambda: all(r.status is not None or r.error is not None for r in client.history),
    )
    inspector_screen.poll()  # type: ignore[attr-defined]
    await pilot.pause()


async def inspector(pilot: Driver) -> None:
    """A few requests made, then the request inspector with one request opened."""
    app = app_of(pilot)
    screen = browser(app)
    for provider in ("azure", "anthropic", "openai"):
        screen.select(provider=provider)
        await settle(pilot, screen)
    await pilot.press("i")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "InspectorScreen")
    await workers_done(pilot)
    await pilot.press("enter")
    await workers_done(pilot)
    await history_settled(pilot)


async def cache_summary(pilot: Driver) -> None:
    """The session's cache summary after browsing several providers and pages."""
    app = app_of(pilot)
    screen = browser(app)
    for provider in ("azure", "anthropic", "gemini", "bedrock", "replicate", "openai"):
        screen.select(provider=provider)
        await settle(pilot, screen)
    await pilot.press("C")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "InspectorScreen")
    await workers_done(pilot)
    await history_settled(pilot)


async def requests_semantic_hit(pilot: Driver) -> None:
    """The Requests view with a semantic hit highlighted: its cache section explains it."""
    from mpilot_tui.reqlog import cache_outcome

    app = app_of(pilot)
    screen = browser(app)
    await settle(pilot, screen)
    await pilot.press("R")
    await wait_for(pilot, lambda: screen.store.kind == "requests" and len(screen.store) >= 200)
    await wait_for(pilot, lambda: screen.inflight is None)
    position = next(
        p for p in range(len(screen.view))
        if cache_outcome(screen.store.item(screen.view.row(p))) == "semantic"
    )  # fmt: skip
    screen.table.move_cursor(position)
    item_id = screen.store.ids[screen.view.row(position)]
    await wait_for(pilot, lambda: item_id in screen._entries)
    await workers_done(pilot)
    await text_shown(pilot, f"Request · row {position + 1:,}")


async def requests_cache_summary(pilot: Driver) -> None:
    """The Requests view's cache summary: the gateway's stats and the loaded rows."""
    app = app_of(pilot)
    screen = browser(app)
    await settle(pilot, screen)
    await pilot.press("R")
    await wait_for(pilot, lambda: screen.store.kind == "requests" and len(screen.store) >= 200)
    await wait_for(pilot, lambda: screen.inflight is None)
    await pilot.press("C")
    await wait_for(pilot, lambda: "Cache hit rate" in screen_text(app), timeout=20)
    await workers_done(pilot)


SCENARIOS = {
    "files-cache-hit": files_with_cache_hit,
    "container-files": container_files,
    "error": gateway_error,
    "help": help_screen,
    "inspector": inspector,
    "cache-summary": cache_summary,
    "requests-semantic-hit": requests_semantic_hit,
    "requests-cache-summary": requests_cache_summary,
}
"""Named screens: each drives a fresh demo app to the state it shows."""


async def loaded(pilot: Driver, screen: BrowserScreen, rows: int) -> None:
    """Wait until at least ``rows`` rows are in and nothing is in flight."""
    await wait_for(pilot, lambda: len(screen.store) >= rows and screen.inflight is None)
    await workers_done(pilot)


async def open_export(pilot: Driver, app: MPilotApp) -> ExportScreen:
    """Press e and return the export dialog once it is up."""
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, ExportScreen)
    return dialog
