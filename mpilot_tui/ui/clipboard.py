"""Copying a value to the clipboard, safely and saying what was done.

:func:`copy_text` is the one way the app copies (``c``, ``y``, and any later copy such as
"copy as curl"). It

- escapes what a paste could smuggle into a terminal or a shell (C0 and C1 controls, ESC,
  BEL, DEL, bidi, zero-width and format characters, line separators) as ``\\uXXXX``, the way
  ``json``/``ndjson`` output does (:func:`mpilot_tui.formats.writers.paste_safe`);
- refuses a value whose OSC 52 sequence would be over :data:`OSC52_MAX_BYTES`, with a
  message, instead of sending what a terminal would cut or drop;
- sends the rest with OSC 52 and says so ("sent to the terminal's clipboard (OSC 52)"),
  because the app cannot know whether the terminal took it;
- when OSC 52 may well not arrive (inside tmux without ``set-clipboard on``, inside GNU
  screen, in macOS Terminal), also shows the value on screen to select, or write to a file.
"""

from __future__ import annotations

import base64
import functools
import os
import subprocess
import tempfile
from collections.abc import Mapping
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label

from ..formats.text import visible

__all__ = ["OSC52_MAX_BYTES", "CopyScreen", "copy_text", "osc52_doubt"]

OSC52_MAX_BYTES = 100_000
"""The longest OSC 52 payload (base64) sent. Terminals cap the sequence and drop or cut
what is longer, some near 100 KB; about 74 KB of text fits."""


def copy_text(app: App[Any], text: str, what: str) -> bool:
    """Copy ``text`` (``what`` names it in messages: ``"id file-1"``) to the clipboard.

    Returns whether it was sent. A value over the limit is refused with a message and
    offered on screen (to write to a file); a value sent where OSC 52 may not arrive is
    offered on screen too."""
    from ..formats.writers import paste_safe  # the writers' tables: off the cold start

    safe = paste_safe(text)
    escaped = " (control characters written as \\uXXXX)" if safe != text else ""
    payload = len(base64.b64encode(safe.encode("utf-8")))
    if payload > OSC52_MAX_BYTES:
        app.notify(
            f"Not copied: {visible(what)} is {payload:,} bytes in OSC 52, over the "
            f"terminal limit of {OSC52_MAX_BYTES:,}. Shown to write to a file instead.",
            severity="warning",
            timeout=6,
            markup=False,
        )
        app.push_screen(CopyScreen(safe, what, "too long for the terminal's clipboard"))
        return False
    app.copy_to_clipboard(safe)
    doubt = osc52_doubt(os.environ)
    if doubt is None:
        app.notify(
            f"{visible(what)} sent to the terminal's clipboard (OSC 52){escaped}",
            timeout=3,
            markup=False,
        )
    else:
        app.notify(
            f"{visible(what)} sent to the terminal's clipboard (OSC 52){escaped}, "
            f"which may not arrive: {doubt}",
            severity="warning",
            timeout=6,
            markup=False,
        )
        app.push_screen(CopyScreen(safe, what, doubt))
    return True


def osc52_doubt(env: Mapping[str, str]) -> str | None:
    """Why OSC 52 may not reach the clipboard in this terminal, or None."""
    if env.get("TMUX"):
        setting = tmux_set_clipboard()
        if setting != "on":
            return (
                f"inside tmux, set-clipboard is {setting or 'unknown'} "
                "(tmux passes OSC 52 on only with set-clipboard on)"
            )
    if env.get("STY"):
        return "inside GNU screen, which does not pass OSC 52 on"
    if env.get("TERM_PROGRAM") == "Apple_Terminal":
        return "macOS Terminal ignores OSC 52"
    return None


@functools.cache
def tmux_set_clipboard() -> str | None:
    """tmux's ``set-clipboard`` option (``on``, ``external``, ``off``), None if unknown."""
    try:
        done = subprocess.run(
            ["tmux", "show-options", "-gv", "set-clipboard"],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value.isalpha() else None


class CopyScreen(ModalScreen[None]):
    """The value on screen, to select with the mouse, or ``w`` to write it to a file."""

    DEFAULT_CSS = """
    CopyScreen { align: center middle; }
    CopyScreen Label { width: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "write_file", "Write to a file", id="copy.write_file"),
        Binding("escape,q", "close", "Close", id="copy.close"),
    ]

    def __init__(self, text: str, what: str, reason: str) -> None:
        super().__init__()
        self.text = text
        """The value, escaped as it was (or would have been) sent."""
        self.what = what
        self.reason = reason
        self.written: str | None = None
        """The file the value was written to, once ``w`` was pressed."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker"):
            yield Label(f"Copy {visible(self.what)}", classes="picker-title", markup=False)
            yield Label(
                f"The clipboard may not get it: {visible(self.reason)}.\n"
                "Select the value below with the mouse (shift-drag in most terminals), "
                "or press w to write it to a file. escape: close",
                markup=False,
            )
            from textual.widgets import TextArea  # its document classes: ~20 ms at start

            area = TextArea(self.text, read_only=True, soft_wrap=True, id="copy-value")
            area.styles.height = 8
            yield area
        yield Footer()

    def action_write_file(self) -> None:
        try:
            handle, path = tempfile.mkstemp(prefix="mpilot-copy-", suffix=".txt")
            with os.fdopen(handle, "w", encoding="utf-8") as out:  # mode 0600
                out.write(self.text + "\n")
        except OSError as error:
            self.app.notify(
                f"Could not write the file: {visible(str(error))}", severity="error",
                markup=False,
            )  # fmt: skip
            return
        self.written = path
        self.app.notify(f"{visible(self.what)} written to {visible(path)}", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
