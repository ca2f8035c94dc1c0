"""Shared helpers for driving the browser with Pilot against the demo gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from mpilot_tui.demo import DemoConfig
from mpilot_tui.session import demo_session
from mpilot_tui.ui.app import MPilotApp, create_app
from mpilot_tui.ui.screens.browser import BrowserScreen
from mpilot_tui.ui.screens.export import ExportScreen

LIST_CACHE_DEBUG_DEMO: dict[str, Any] = {"bifrost": "1.5", "list_cache_debug": True}
"""Demo settings with ``cache_debug`` on list answers, as the MPilot pages document it (and a
1.5 gateway's field names): what the snapshots and screenshots of the cache views show.
Today's gateway (the demo's default, 2.2) never sends it on lists."""


def make_app(**demo: object) -> MPilotApp:
    return create_app(demo_session(DemoConfig(**demo)))  # type: ignore[arg-type]


def demo_app(page_size: int = 100, **demo: Any) -> MPilotApp:
    """The app on an in-process demo gateway of ``demo`` settings, pages of ``page_size``."""
    return create_app(demo_session(DemoConfig(**demo), page_size=page_size))


def browser(app: MPilotApp) -> BrowserScreen:
    return app.browser


async def wait_for(pilot: object, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until ``condition()`` holds (or fail after ``timeout`` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)  # type: ignore[attr-defined]


def screen_text(app: MPilotApp) -> str:
    """What the terminal shows, as plain text lines."""
    return "\n".join(
        "".join(segment.text for segment in strip)
        for strip in app.screen._compositor.render_strips()
    )


# -- scenarios shared by the snapshot tests and screenshots/render.py ----------------------


async def settle(pilot: object, screen: BrowserScreen) -> None:
    await wait_for(pilot, lambda: screen.inflight is None and len(screen.store) > 0)
    await pilot.pause(0.2)  # type: ignore[attr-defined]


async def files_with_cache_hit(pilot: object) -> None:
    """The files view on the first provider whose listing answered with a cache hit."""
    app: MPilotApp = pilot.app  # type: ignore[attr-defined]
    screen = browser(app)
    for provider in ("openai", "azure", "anthropic", "gemini", "bedrock", "replicate"):
        if provider != screen.selection.provider:
            screen.select(provider=provider)
        await settle(pilot, screen)
        cache = screen.store.pages[0].extra_fields.cache_debug
        if cache is not None and cache.cache_hit:
            break
    await pilot.press("j", "j")  # type: ignore[attr-defined]
    await pilot.pause(0.2)  # type: ignore[attr-defined]


async def container_files(pilot: object) -> None:
    app: MPilotApp = pilot.app  # type: ignore[attr-defined]
    screen = browser(app)
    await settle(pilot, screen)
    await pilot.press("m")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: len(getattr(app.screen, "ids", [])) >= 1)
    await pilot.press("tab", "enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: screen.store.kind == "container_files" and len(screen.store) > 0)
    await pilot.pause(0.2)  # type: ignore[attr-defined]


async def gateway_error(pilot: object) -> None:
    app: MPilotApp = pilot.app  # type: ignore[attr-defined]
    screen = browser(app)
    await settle(pilot, screen)
    screen.select(provider="groq")
    await wait_for(pilot, lambda: screen.last_error is not None)
    await pilot.pause(0.3)  # type: ignore[attr-defined]


async def help_screen(pilot: object) -> None:
    app: MPilotApp = pilot.app  # type: ignore[attr-defined]
    await settle(pilot, browser(app))
    await pilot.press("question_mark")  # type: ignore[attr-defined]
    await pilot.pause(0.2)  # type: ignore[attr-defined]


async def inspector(pilot: object) -> None:
    """A few requests made, then the request inspector with one request opened."""
    app: MPilotApp = pilot.app  # type: ignore[attr-defined]
    screen = browser(app)
    for provider in ("azure", "anthropic", "openai"):
        screen.select(provider=provider)
        await settle(pilot, screen)
    await pilot.press("i")  # type: ignore[attr-defined]
    await pilot.pause(0.3)  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await pilot.pause(0.3)  # type: ignore[attr-defined]


async def cache_summary(pilot: object) -> None:
    """The session's cache summary after browsing several providers and pages."""
    app: MPilotApp = pilot.app  # type: ignore[attr-defined]
    screen = browser(app)
    for provider in ("azure", "anthropic", "gemini", "bedrock", "replicate", "openai"):
        screen.select(provider=provider)
        await settle(pilot, screen)
    await pilot.press("C")  # type: ignore[attr-defined]
    await pilot.pause(0.3)  # type: ignore[attr-defined]


SCENARIOS = {
    "files-cache-hit": files_with_cache_hit,
    "container-files": container_files,
    "error": gateway_error,
    "help": help_screen,
    "inspector": inspector,
    "cache-summary": cache_summary,
}
"""Named screens: each drives a fresh demo app to the state it shows."""


async def loaded(pilot: Any, screen: BrowserScreen, rows: int) -> None:
    """Wait until at least ``rows`` rows are in and nothing is in flight."""
    await wait_for(pilot, lambda: len(screen.store) >= rows and screen.inflight is None)
    await pilot.pause(0.1)


async def open_export(pilot: Any, app: MPilotApp) -> ExportScreen:
    """Press e and return the export dialog once it is up."""
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
    await pilot.pause(0.1)
    dialog = app.screen
    assert isinstance(dialog, ExportScreen)
    return dialog
