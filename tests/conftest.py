"""Fixtures for every test that runs the app."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def notifications_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps made in the test keep every notification they raise (see
    :class:`helpers_ui.SaidNotifications`): a toast expires after its timeout, so a test on
    a loaded machine that read the live toasts lost some. Only where Textual is loaded (a
    test that runs no app pays nothing)."""
    textual_app = sys.modules.get("textual.app")
    if textual_app is None:
        return
    from helpers_ui import SaidNotifications

    monkeypatch.setattr(textual_app, "Notifications", SaidNotifications)


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """Whatever the test does to the garbage collector (``mpilot_tui.collector``), it is on,
    unheld and unfrozen afterwards."""
    from mpilot_tui import collector

    try:
        yield
    finally:
        collector._held = False
        gc.unfreeze()
        gc.enable()
