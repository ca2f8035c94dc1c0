"""Layout guards: SVG snapshots of the main screens at 80x24 and 160x48.

Behaviour is asserted in test_browser.py; these only catch layout changes. Regenerate with
``pytest tests/ui/test_snapshots.py --snapshot-update`` after an intended change.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers_ui import LIST_CACHE_DEBUG_DEMO, SCENARIOS, make_app


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_screen(snap_compare: Any, scenario: str, size: tuple[int, int]) -> None:
    # The cache column, summary and inspector need cache_debug on lists: opted in explicitly.
    app = make_app(files=500, containers=3, container_files=25, **LIST_CACHE_DEBUG_DEMO)
    assert snap_compare(app, run_before=SCENARIOS[scenario], terminal_size=size)
