"""A terminal that cannot show Unicode: the app draws ASCII of the same widths."""

from __future__ import annotations

import io

import pytest
from helpers_ui import demo_app
from rich.cells import cell_len
from textual.drivers.headless_driver import HeadlessDriver
from textual.drivers.linux_driver import LinuxDriver

from mpilot_tui.ui import app as app_module
from mpilot_tui.ui.ascii import ascii_driver, needs_ascii, to_ascii

DRAWN = "╭─ Providers ─╮│openai FC● ·○│ ▅▅ ▔▁▊▎ ft_train…  ▲▼ ✔ ✘ ⚠ ╰──╯┃━┼├┤ 名前.csv é"


def test_every_character_keeps_its_width() -> None:
    shown = to_ascii(DRAWN)
    assert shown.isascii()
    assert cell_len(shown) == cell_len(DRAWN), "the layout stays true cell for cell"
    assert shown.startswith("+- Providers -+|openai FC* .o|")
    assert "ft_train~" in shown and "+--+|-+++" in shown
    assert "????.csv" in shown, "a wide character is as many ? as it takes cells"


def test_escape_sequences_and_ascii_pass_unchanged() -> None:
    frame = "\x1b[38;2;1;2;3mplain text\x1b[0m\x1b]52;c;aGk=\x07"
    assert to_ascii(frame) is frame


@pytest.mark.parametrize(
    ("encoding", "environ", "ascii"),
    [
        ("ascii", {}, True),
        ("latin-1", {}, True),
        ("utf-8", {}, False),
        ("utf-8", {"MPILOT_TUI_ASCII": "1"}, True),
        ("ascii", {"MPILOT_TUI_ASCII": "0"}, False),
    ],
)
def test_needs_ascii_follows_the_encoding(
    encoding: str, environ: dict[str, str], ascii: bool
) -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    assert needs_ascii(stream, environ) is ascii


def test_the_driver_writes_ascii(monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[str] = []
    monkeypatch.setattr(LinuxDriver, "write", lambda self, data: written.append(data))
    driver_class = ascii_driver(LinuxDriver)
    driver = driver_class.__new__(driver_class)
    driver.write("╭─╮ …")
    assert written == ["+-+ ~"]


def test_the_app_picks_the_ascii_driver_on_an_ascii_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        app_module.App,  # type: ignore[attr-defined]
        "get_driver_class",
        lambda self: LinuxDriver,
    )
    monkeypatch.setattr(app_module, "needs_ascii", lambda stream: True)
    assert demo_app().driver_class.__name__ == "AsciiLinuxDriver"
    monkeypatch.setattr(app_module, "needs_ascii", lambda stream: False)
    assert demo_app().driver_class is LinuxDriver
    monkeypatch.setattr(
        app_module.App,  # type: ignore[attr-defined]
        "get_driver_class",
        lambda self: HeadlessDriver,
    )
    monkeypatch.setattr(app_module, "needs_ascii", lambda stream: True)
    assert demo_app().driver_class is HeadlessDriver, "tests draw in memory as they are"
