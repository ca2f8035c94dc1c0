"""Copying (``c``, ``y``): a paste cannot smuggle control characters, and the app says what
it did (issue 14 item 11, issue 13 bug 11).

The clipboard gets ESC, BEL, C0, C1, bidi and zero-width characters as ``\\uXXXX``, as the
``json``/``ndjson`` output writes them. The message says the value was sent with OSC 52 (the
app cannot know whether the terminal took it); where OSC 52 may not arrive (tmux without
``set-clipboard on``) the value is also shown to select or write to a file; a value over the
terminal's limit is refused with a message.
"""

from __future__ import annotations

import json
import os
import stat
import unicodedata

import pytest
from helpers_hostile import (
    HostileServer,
    file_item,
    files_body,
    json_reply,
    make_tui,
    notifications,
    running,
    wait_for,
)

from mpilot_tui.formats.writers import paste_safe
from mpilot_tui.ui import clipboard
from mpilot_tui.ui.clipboard import OSC52_MAX_BYTES, CopyScreen

HOSTILE_ID = "file-\x1b]52;c;SGVsbG8=\x07\x1b[2J\x9b31m\x9d0;t\x9c\u202eevil\u2066\u200b\x7f"
FIELDS = {"filename": "a\x85b\u202ec\u200fd\x1b[31m", "purpose": "p\x9bq\u2028r"}
UNSAFE = ("Cc", "Cf", "Zl", "Zp", "Cs")


def raw_controls(text: str) -> list[str]:
    return [hex(ord(c)) for c in text if unicodedata.category(c) in UNSAFE]


async def said(pilot: object, app: object, fragment: str) -> str:
    """The notification holding ``fragment``, once the app has shown it (a notification is a
    message the app handles after the key)."""
    await wait_for(pilot, lambda: any(fragment in n for n in notifications(app)))  # type: ignore[arg-type]
    return next(n for n in reversed(notifications(app)) if fragment in n)  # type: ignore[arg-type]


def serve_hostile_file(server: HostileServer, file_id: str = HOSTILE_ID) -> None:
    server.file_pages[None] = json_reply(files_body([file_item(file_id, **FIELDS)]))


async def test_c_copies_an_id_with_its_controls_escaped(server: HostileServer) -> None:
    serve_hostile_file(server)
    app = make_tui(server.base_url, timeout=30)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 1)
        await pilot.press("c")
        assert raw_controls(app.clipboard) == []
        assert app.clipboard == paste_safe(HOSTILE_ID)
        assert "\\u001b]52;c;SGVsbG8=\\u0007" in app.clipboard
        assert "\\u009b31m\\u009d0;t\\u009c\\u202eevil\\u2066\\u200b\\u007f" in app.clipboard
        # A JSON reader decodes the escapes back to the id (as the json output would).
        assert json.loads(f'"{app.clipboard}"') == HOSTILE_ID
        message = await said(pilot, app, "sent to the terminal's clipboard (OSC 52)")
        assert "control characters written as \\uXXXX" in message
        assert not any("Copied" in n for n in notifications(app))
        assert not isinstance(app.screen, CopyScreen)


async def test_y_copies_the_row_as_escaped_json(server: HostileServer) -> None:
    serve_hostile_file(server)
    app = make_tui(server.base_url, timeout=30)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 1)
        await pilot.press("y")
        assert raw_controls(app.clipboard) == []
        item = json.loads(app.clipboard)
        assert item["id"] == HOSTILE_ID
        assert item["filename"] == FIELDS["filename"] and item["purpose"] == FIELDS["purpose"]
        assert "\\u0085" in app.clipboard and "\\u202e" in app.clipboard
        assert "\\u2028" in app.clipboard
        await said(pilot, app, "as JSON sent to the terminal's clipboard (OSC 52)")


async def test_inside_tmux_without_set_clipboard_the_value_is_offered_on_screen(
    server: HostileServer, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    serve_hostile_file(server)
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    monkeypatch.setattr(clipboard, "tmux_set_clipboard", lambda: "external")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(clipboard.tempfile, "tempdir", None)  # type: ignore[attr-defined]
    app = make_tui(server.base_url, timeout=30)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 1)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CopyScreen))
        offered = app.screen
        assert isinstance(offered, CopyScreen)
        assert offered.text == paste_safe(HOSTILE_ID)
        # Sent all the same (tmux may be told to pass it on), and the message says the doubt.
        assert app.clipboard == paste_safe(HOSTILE_ID)
        message = await said(pilot, app, "sent to the terminal's clipboard (OSC 52)")
        assert "set-clipboard is external" in message
        await pilot.press("w")
        await wait_for(pilot, lambda: offered.written is not None)
        assert offered.written is not None
        with open(offered.written, encoding="utf-8") as written:
            assert written.read() == paste_safe(HOSTILE_ID) + "\n"
        assert stat.S_IMODE(os.stat(offered.written).st_mode) == 0o600
        await said(pilot, app, offered.written)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CopyScreen))


async def test_tmux_with_set_clipboard_on_is_trusted(
    server: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_hostile_file(server, "file-plain")
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    monkeypatch.setattr(clipboard, "tmux_set_clipboard", lambda: "on")
    app = make_tui(server.base_url, timeout=30)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 1)
        await pilot.press("c")
        assert app.clipboard == "file-plain"
        message = await said(pilot, app, "sent to the terminal's clipboard")
        assert message.endswith("id file-plain sent to the terminal's clipboard (OSC 52)")
        assert not isinstance(app.screen, CopyScreen)


async def test_a_value_over_the_terminal_limit_is_refused(server: HostileServer) -> None:
    huge = "file-" + "x" * OSC52_MAX_BYTES
    serve_hostile_file(server, huge)
    app = make_tui(server.base_url, timeout=30)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 1)
        before = app.clipboard
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CopyScreen))
        assert app.clipboard == before
        message = await said(pilot, app, "Not copied:")
        assert f"limit of {OSC52_MAX_BYTES:,}" in message


def test_osc52_doubts() -> None:
    assert clipboard.osc52_doubt({}) is None
    assert "GNU screen" in (clipboard.osc52_doubt({"STY": "1.pts"}) or "")
    assert "macOS Terminal" in (clipboard.osc52_doubt({"TERM_PROGRAM": "Apple_Terminal"}) or "")
