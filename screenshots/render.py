"""Re-render the README's screenshots from the real app on the demo gateway.

    python screenshots/render.py

Each scenario in ``tests/helpers_ui.py`` drives a fresh in-process demo app to one screen,
which is saved as an SVG beside this script. Clocks are frozen as in the snapshot tests so
that re-rendering without a change gives the same files.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from helpers_ui import LIST_CACHE_DEBUG_DEMO, SCENARIOS, make_app  # noqa: E402

import mpilot_tui.formats.text as text  # noqa: E402
from mpilot_tui.api import _http  # noqa: E402

FROZEN_NOW = 1_795_000_000.0


SIZES = {"requests-semantic-hit": (170, 44), "requests-cache-summary": (170, 44)}
"""Screens wider than the default: the Requests view's table has more columns."""


async def render(name: str, size: tuple[int, int] | None = None) -> Path:
    size = size or SIZES.get(name, (140, 40))
    # With cache_debug on lists (as the MPilot pages document), so the cache views have data.
    app = make_app(files=500, containers=3, container_files=25, **LIST_CACHE_DEBUG_DEMO)
    async with app.run_test(size=size) as pilot:
        await SCENARIOS[name](pilot)
        await pilot.pause(0.3)
        path = HERE / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(HERE))
    return path


def main() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    text.clock = lambda: FROZEN_NOW
    ticks = itertools.count()
    _http.clock = lambda: next(ticks) * 0.002
    _http.wall_clock = lambda: FROZEN_NOW - 60
    names = sys.argv[1:] or sorted(SCENARIOS)
    for name in names:
        print(asyncio.run(render(name)).name)


if __name__ == "__main__":
    main()
