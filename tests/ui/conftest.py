"""Helpers for driving the browser with Pilot against the in-process demo gateway."""

from __future__ import annotations

import asyncio
import itertools
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mpilot_tui.api import _http

FROZEN_NOW = 1_795_000_000.0
"""A fixed "now" so that relative times in the detail pane do not drift."""


@pytest.fixture(autouse=True)
def stable_clocks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Freeze "now" for relative times and make client timings a steady 2 ms per request.

    The stopwatch ticks 2 ms at each reading, counted per asyncio task: a request reads it
    when it starts and when it ends, in its own worker's task, so requests in flight at the
    same time (and how their readings interleave) do not change each other's timings."""
    import mpilot_tui.formats.text as text

    monkeypatch.setattr(text, "clock", lambda: FROZEN_NOW)
    ticks: weakref.WeakKeyDictionary[asyncio.Task[Any], Iterator[int]] = weakref.WeakKeyDictionary()
    outside = itertools.count()

    def stopwatch() -> float:
        try:
            task = asyncio.current_task()
        except RuntimeError:  # no running loop
            task = None
        if task is None:
            return next(outside) * 0.002
        return next(ticks.setdefault(task, itertools.count())) * 0.002

    monkeypatch.setattr(_http, "clock", stopwatch)
    monkeypatch.setattr(_http, "wall_clock", lambda: FROZEN_NOW - 60)
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    yield
    time.tzset()


@pytest.fixture
def in_tmp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Default save/export paths land in a fresh folder; no user config is read."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPILOT_TUI_CONFIG", str(tmp_path / "no-config.toml"))
    return tmp_path
