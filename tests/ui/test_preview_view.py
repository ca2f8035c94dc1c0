"""The preview's view of a file: JSON and JSONL pretty-printed (p: as sent), a wrap toggle
(w) and a search (/, then n / N)."""

from __future__ import annotations

import json

import pytest
from helpers_ui import browser, demo_app, detail_caught_up, loaded, screen_text, wait_for
from rich.text import Text
from textual.widgets import Input

from mpilot_tui.formats.content import ContentView, describe_content
from mpilot_tui.ui.screens.browser import BrowserScreen
from mpilot_tui.ui.screens.preview import PreviewScreen, render_content


def rendered(content: bytes, content_type: str, name: str, **how: bool) -> tuple[Text, str]:
    """What the preview draws of ``content`` as text, and its note."""
    view: ContentView = describe_content(content, content_type, name, **how)
    shown = render_content(view)
    assert isinstance(shown, Text)
    return shown, view.note


def test_jsonl_lines_are_indented_and_a_cut_last_line_stays_as_sent() -> None:
    lines = [json.dumps({"messages": [{"role": "user", "content": "hé"}]}) for _ in range(2)]
    content = ("\n".join(lines) + '\n{"messages": [{"ro').encode()
    shown, note = rendered(content, "application/jsonl", "a.jsonl", complete=False)
    assert isinstance(shown, Text)
    assert '  "messages": [' in shown.plain and '"content": "hé"' in shown.plain
    assert shown.plain.endswith('{"messages": [{"ro'), "the cut line is shown as it came"
    assert "pretty-printed (p: as sent)" in note
    raw, raw_note = rendered(content, "application/jsonl", "a.jsonl", pretty=False)
    assert isinstance(raw, Text) and raw.plain.splitlines()[0] == lines[0]
    assert "pretty" not in raw_note


def test_json_document_by_content_type_is_indented() -> None:
    shown, _ = rendered(b'{"a":[1,2],"b":{"c":null}}', "application/json", "blob")
    assert isinstance(shown, Text)
    assert shown.plain.splitlines()[:3] == ["{", '  "a": [', "    1,"]
    text, note = rendered(b"plain words", "text/plain", "notes.txt")
    assert isinstance(text, Text) and text.plain == "plain words" and "pretty" not in note


@pytest.mark.asyncio
async def test_wrap_pretty_and_search_in_the_preview() -> None:
    app = demo_app(page_size=1000, files=1000)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 1000)
        row = next(
            r for r in range(len(screen.store))
            if screen.store.summary(r)["filename"].endswith(".jsonl")
            and screen.store.summary(r)["bytes"] < 50_000
        )  # fmt: skip
        position = screen.view.position_of(row)
        assert position is not None
        screen.table.move_cursor(position)
        await detail_caught_up(pilot, screen)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen))
        preview = app.screen
        assert isinstance(preview, PreviewScreen)
        await wait_for(pilot, lambda: preview.rendered is not None)
        rendered = preview.rendered
        assert isinstance(rendered, Text) and rendered.no_wrap
        assert '  "messages": [' in rendered.plain, "pretty by default"
        await pilot.press("p")
        assert isinstance(preview.rendered, Text)
        assert preview.rendered.plain.startswith('{"'), "p: as sent"
        await pilot.press("w")
        assert isinstance(preview.rendered, Text) and not preview.rendered.no_wrap
        assert preview.query_one("#preview-content").has_class("wrapped")
        await pilot.press("slash")
        search = preview.query_one("#preview-search", Input)
        await wait_for(pilot, lambda: app.focused is search, what="typing goes to the search")
        await pilot.press(*"ASSISTANT", "enter")
        await wait_for(pilot, lambda: bool(preview.matches))
        assert preview.search == "ASSISTANT" and not search.has_class("shown")
        assert "line(s) match 'ASSISTANT'" in screen_text(app)
        rendered = preview.rendered
        assert isinstance(rendered, Text)
        marked = [s for s in rendered.spans if "reverse" in str(s.style)]
        assert marked and all(
            rendered.plain[s.start : s.end].lower() == "assistant" for s in marked
        ), "matches are shown reversed (seen without colour too), case-insensitively"
        first = preview.match_index
        await pilot.press("n")
        assert preview.match_index == (first + 1) % len(preview.matches)
        await pilot.press("N")
        assert preview.match_index == first
        await pilot.press("slash")
        await wait_for(pilot, lambda: app.focused is search)
        await pilot.press("escape")  # closes the search first, not the preview
        assert isinstance(app.screen, PreviewScreen) and not search.has_class("shown")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
