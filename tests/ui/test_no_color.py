"""Under NO_COLOR, what is chosen is told by shape, not colour alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_ui import browser, demo_app, loaded, open_export, screen_text, text_shown

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("in_tmp_folder")]


async def test_export_radio_buttons_differ_without_colour(
    monkeypatch: pytest.MonkeyPatch, in_tmp_folder: Path
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = demo_app(files=20)
    assert app.no_color
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot, browser(app), 20)
        await open_export(pilot, app)
        text = screen_text(app)
        assert "▐●▌ CSV" in text and "▐ ▌ JSON" in text and "▐ ▌ NDJSON" in text
        await pilot.press("tab", "down")  # the format set: JSON chosen
        text = await text_shown(pilot, "▐●▌ JSON")
        assert "▐ ▌ CSV" in text and "▐●▌ JSON" in text
        chosen = [line for line in text.splitlines() if "▐●▌" in line]
        assert len(chosen) == 2, "one chosen in each set (rows and format)"
