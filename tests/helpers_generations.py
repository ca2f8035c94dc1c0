"""Run a test against every gateway generation the demo emulates.

A test (or fixture) that asks for the ``bifrost`` fixture runs once per generation: 1.4, 1.5
and 2.2. ``@pytest.mark.bifrost("1.5", ...)`` narrows it to those; a test that parametrizes
``bifrost`` itself keeps its own values. Conftests opt in with
``from helpers_generations import pytest_generate_tests``.
"""

from __future__ import annotations

import pytest

GENERATIONS: tuple[str, ...] = ("1.4", "1.5", "2.2")
"""Every Bifrost generation ``mpilot_tui.demo`` emulates, oldest first."""


def _parametrized_directly(metafunc: pytest.Metafunc) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0]
        if isinstance(names, str):
            names = [name.strip() for name in names.split(",")]
        if "bifrost" in names:
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "bifrost" not in metafunc.fixturenames or _parametrized_directly(metafunc):
        return
    marker = metafunc.definition.get_closest_marker("bifrost")
    generations = marker.args if marker else GENERATIONS
    metafunc.parametrize("bifrost", generations, ids=[f"bifrost-{g}" for g in generations])
