"""Terminal injection: everything a gateway sends is shown inert and visible.

Rich markup, ANSI CSI and OSC sequences (OSC 52 clipboard writes, OSC 8 links), C0 and C1
controls, bidi overrides, zero-width and double-width characters, in every field that
reaches the screen. The browser and ``--format table`` show them as escapes; ``json`` and
``ndjson`` stay valid JSON that round-trips the original strings; ``csv`` cells cannot start
a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from helpers_hostile import (
    HostileServer,
    envelope,
    file_item,
    files_body,
    json_reply,
    make_tui,
    notifications,
    one_error_line,
    reply,
    run_cli,
    running,
    shown,
    tui_settings,
    wait_for,
)
from helpers_ui import detail_caught_up, workers_done
from rich.cells import cell_len

from mpilot_tui.api import errors
from mpilot_tui.cli.common import EXIT_API, EXIT_PROTOCOL
from mpilot_tui.config.session import Session
from mpilot_tui.formats.text import visible
from mpilot_tui.ui.app import MPilotApp, create_app
from mpilot_tui.ui.widgets.sidebar import ProviderSidebar

MARKUP = "[bold red]RED[/bold red]"
LINK = "[link=https://evil.invalid]EVILLINK[/link]"
CLICK = "[@click=app.quit]EVILCLICK[/]"
CSI = "\x1b[31mCSI\x1b[0m\x1b[2J"
OSC52 = "\x1b]52;c;SGVsbG8=\x07"
OSC8 = "\x1b]8;;https://evil.invalid\x1b\\OSC8\x1b]8;;\x1b\\"
C0 = "c0\x00\x07\x08\r\n\t\x7f"
C1 = "c1\x85\x9b31m\x9d0;t\x9c"
BIDI = "bidi\u202eRLO\u2066\u200f\u061c"
ZERO_WIDTH = "zw\u200b\u200c\u200d\ufeff\u2060"
WIDE = "漢字ｗｉｄｅ🙂"

FILE = file_item(
    "file-\u202eevil",
    filename=f"{MARKUP} {CSI}",
    purpose=f"{C1}",
    status=CLICK,
    status_details=OSC52,
    zz_link=LINK,
    zz_osc8=OSC8,
    zz_c0=C0,
    zz_bidi=BIDI,
    zz_zero_width=ZERO_WIDTH,
    zz_wide=WIDE,
)
FILE[LINK] = "hostile key"
CONTAINER_FILE = {
    "id": "cfile-1",
    "object": "container.file",
    "container_id": "cntr_1",
    "path": f"out/{CLICK}{BIDI}",
    "source": f"{CSI}{ZERO_WIDTH}",
    "bytes": 10,
    "created_at": 1_700_000_000,
}
PROVIDERS = [f"p-{MARKUP}", f"p-{CLICK}", f"p-{OSC52}", f"p-{BIDI}", f"p-{WIDE}"]
EVENT_ID = f"evt-{OSC8}"
ERROR_MESSAGE = f"denied {MARKUP} {CSI} {C1} {BIDI}"
HEADER_VALUE = b"text/\xc2\x9b31m\xe2\x80\xae-html"
"""A content type with a C1 CSI and a bidi override (UTF-8 bytes; h11 refuses raw ESC)."""

FORMULAS = {
    "id": "@SUM(A1)",
    "filename": '=HYPERLINK("http://evil.invalid","x")',
    "purpose": "+1+2",
    "status": "-2+3",
    "status_details": "=1+1",
}

SHOWN_AS = [
    "file-\\u202eevil",
    "[bold red]RED[/bold red]",
    "\\x1b[31mCSI\\x1b[0m\\x1b[2J",
    "c1\\x85\\x9b31m\\x9d0;t\\x9c",
    "[@click=app.quit]EVILCLICK[/]",
    "\\x1b]52;c;SGVsbG8=\\x07",
    "[link=https://evil.invalid]",
    "\\x1b]8;;https://evil.invalid",
    "c0\\x00\\x07\\x08\\x0d\\x0a\\x09\\x7f",
    "bidi\\u202eRLO\\u2066\\u200f\\u061c",
    "zw\\u200b\\u200c\\u200d\\ufeff\\u2060",
    WIDE,
]
"""How the hostile values read in the detail pane (each on one line at 109 columns)."""

_SHOWN_OK = frozenset({"\n"})


def raw_controls(text: str) -> list[str]:
    """Characters that a terminal would act on or hide: controls, format chars, separators."""
    return sorted(
        {
            repr(char)
            for char in text
            if char not in _SHOWN_OK
            and unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs")
        }
    )


def assert_inert(app: MPilotApp) -> str:
    """Nothing raw reaches the terminal; gateway text carries no link or action; lines align."""
    width = app.size.width
    lines = []
    for strip in app.screen._compositor.render_strips():
        assert strip.cell_length == width
        for segment in strip:
            if "EVIL" in segment.text and segment.style is not None:
                assert not segment.style.link, segment
                assert "@click" not in (segment.style.meta or {}), segment
        lines.append("".join(segment.text for segment in strip))
    text = "\n".join(lines)
    assert raw_controls(text) == []
    assert "\x1b" not in shown(app)
    return text


# -- the browser ------------------------------------------------------------------------------


async def test_browser_shows_file_fields_inert_and_visible(server: HostileServer) -> None:
    body = files_body([FILE])
    body["extra_fields"]["provider"] = f"openai{OSC52}"
    body["extra_fields"][f"zz_{MARKUP}"] = CSI
    server.file_pages[None] = json_reply(body)
    app = make_tui(server.base_url)
    async with running(app, size=(109, 70)) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 1)
        await detail_caught_up(pilot, screen)
        text = assert_inert(app)
        # The table and the detail pane show the escapes, and markup as the brackets it is.
        for fragment in SHOWN_AS:
            assert fragment in text, fragment
        assert "openai\\x1b]52;c;SGVsbG8=\\x07" in text
        # Copying the id gives the escapes JSON would (a paste carries no control), which a
        # JSON reader decodes back to the original id.
        await pilot.press("c")
        assert app.clipboard == "file-\\u202eevil"
        assert json.loads(f'"{app.clipboard}"') == FILE["id"]
        assert not [n for n in notifications(app) if "\u202e" in n]


async def test_browser_shows_container_file_fields_inert(server: HostileServer) -> None:
    server.routes["/v1/containers/cntr_1/files"] = json_reply(
        {"object": "list", "data": [CONTAINER_FILE], "has_more": False}
    )
    session = Session(
        settings=tui_settings(server.base_url),
        default_mode="container-files",
        recent_containers=("cntr_1",),
    )
    app = create_app(session)
    async with running(app, size=(100, 50)) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 1)
        await detail_caught_up(pilot, screen)
        text = assert_inert(app)
        assert "out/[@click=app.quit]EVILCLICK[/]bidi\\u202eRLO" in text
        assert "\\x1b[31mCSI\\x1b[0m\\x1b[2Jzw\\u200b" in text


async def test_browser_shows_provider_names_inert(server: HostileServer) -> None:
    server.providers = PROVIDERS
    app = make_tui(server.base_url)
    # Tall enough for the 25 standard providers and the hostile ones under them.
    async with running(app, size=(120, 60)) as (pilot, screen):
        await wait_for(
            pilot, lambda: len(screen.query_one("#sidebar", ProviderSidebar).providers) > 25
        )
        await workers_done(pilot)
        text = assert_inert(app)
        for name in ("p-[bold re…", "p-[@click=…", "p-\\x1b]52;…", "p-bidi\\u20…", "p-漢字ｗｉ…"):
            assert f"│{name}" in text, name
        # Wide characters are counted in cells: the marks stay on the name's line.
        assert "│p-漢字ｗｉ… F·●" in text
        # The chosen provider's name in the mode bar and the container picker's title.
        screen.select(provider=PROVIDERS[1])
        await workers_done(pilot)
        await pilot.press("b")
        await wait_for(pilot, lambda: app.screen is not screen, what="the container picker")
        await workers_done(pilot)
        text = assert_inert(app)
        assert f"Container (p-{CLICK})" in text
        await pilot.press("escape")
        assert app.is_running


@pytest.mark.parametrize(
    "answer",
    [
        json_reply(envelope(401, "virtual_key_not_found", ERROR_MESSAGE, event_id=EVENT_ID), 401),
        reply(502, f"<html><title>{ERROR_MESSAGE}</title></html>", "text/html"),
        reply(500, ERROR_MESSAGE, "text/plain", reason=b"Oops \xc2\x9b31m [bold]x[/bold]"),
        reply(200, "nope", HEADER_VALUE),
    ],
    ids=["envelope", "html-title", "reason-phrase", "content-type"],
)
async def test_browser_shows_error_text_inert(server: HostileServer, answer: Any) -> None:
    server.file_pages["c1"] = answer
    app = make_tui(server.base_url)
    async with running(app, size=(100, 60)) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 3)
        await pilot.press("G")
        await wait_for(pilot, lambda: screen.last_error is not None)
        await workers_done(pilot)
        assert isinstance(screen.last_error, errors.APIStatusError | errors.ProtocolError)
        assert_inert(app)
        for note in notifications(app):
            assert raw_controls(note) == []
        assert "bold red" in str(screen.last_error) or "-html" in str(screen.last_error)


# -- the CLI ----------------------------------------------------------------------------------


def test_cli_table_is_inert_and_aligned(server: HostileServer, tmp_path: Path) -> None:
    server.file_pages[None] = json_reply(files_body([FILE, file_item("file-plain")]))
    result = run_cli(tmp_path, base_url=server.base_url)
    assert result.code == 0, result.stderr
    assert raw_controls(result.stdout) == []
    lines = result.stdout.splitlines()
    # run_cli sets COLUMNS=120; the table fits it from what the rows hold (issue 13.1).
    assert all(cell_len(line) <= 120 for line in lines)
    hostile, plain = lines[1], lines[2]
    assert hostile.startswith(visible(FILE["id"]))
    assert "[bold red]RED" in hostile
    # Wide and escaped characters do not shift the columns after them.
    assert cell_len(hostile[: hostile.index("1.2 KB")]) == cell_len(plain[: plain.index("1.2 KB")])


def test_cli_container_table_is_inert(server: HostileServer, tmp_path: Path) -> None:
    server.routes["/v1/containers/cntr_1/files"] = json_reply(
        {"object": "list", "data": [CONTAINER_FILE]}
    )
    result = run_cli(tmp_path, "cntr_1", command="container-files", base_url=server.base_url)
    assert result.code == 0, result.stderr
    assert raw_controls(result.stdout) == []
    assert "out/[@click=app.qu" in result.stdout and "\\x1b[3" in result.stdout


@pytest.mark.parametrize("output_format", ["json", "ndjson"])
def test_cli_json_round_trips_and_escapes(
    server: HostileServer, tmp_path: Path, output_format: str
) -> None:
    server.file_pages[None] = json_reply(files_body([FILE]))
    result = run_cli(tmp_path, "--format", output_format, base_url=server.base_url)
    assert result.code == 0, result.stderr
    assert raw_controls(result.stdout) == []
    document = json.loads(result.stdout)
    item = document["data"][0] if output_format == "json" else document
    for key, value in FILE.items():
        assert item[key] == value


def test_cli_csv_cannot_start_a_formula(server: HostileServer, tmp_path: Path) -> None:
    server.file_pages[None] = json_reply(files_body([file_item("x", **FORMULAS), FILE]))
    result = run_cli(tmp_path, "--format", "csv", base_url=server.base_url)
    assert result.code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    for key, value in FORMULAS.items():
        assert rows[0][key] == "'" + value
    assert rows[1]["filename"] == FILE["filename"]


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (json_reply(envelope(403, "provider_blocked", ERROR_MESSAGE, event_id=EVENT_ID), 403),
         EXIT_API),
        (reply(503, ERROR_MESSAGE, "text/plain", reason=b"Oops \xc2\x9b31m"), EXIT_API),
        (reply(200, "nope", HEADER_VALUE), EXIT_PROTOCOL),
    ],
    ids=["envelope", "plain-text", "content-type"],
)  # fmt: skip
def test_cli_error_line_is_inert(
    server: HostileServer, tmp_path: Path, answer: Any, code: int
) -> None:
    server.file_pages[None] = answer
    result = run_cli(tmp_path, base_url=server.base_url)
    assert result.code == code
    line = one_error_line(result)
    assert raw_controls(result.stderr) == []
    if code == EXIT_API:
        assert "[bold red]RED" in line and "\\x1b[31m" in line and "\\u202e" in line
