"""Helpers for driving the browser with Pilot against the in-process demo gateway."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from mpilot_tui.api import _http

FROZEN_NOW = 1_795_000_000.0
"""A fixed "now" so that relative times in the detail pane do not drift."""


@pytest.fixture(autouse=True)
def stable_clocks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Freeze "now" for relative times and make client timings a steady 4 ms per request."""
    import mpilot_tui.formats.text as text

    monkeypatch.setattr(text, "clock", lambda: FROZEN_NOW)
    ticks = itertools.count()
    monkeypatch.setattr(_http, "clock", lambda: next(ticks) * 0.002)
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
