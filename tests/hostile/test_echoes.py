"""Echoes: a gateway sends the credentials back inside data, JSON-escaped or not, and every
surface masks them the same way (issue 14, item 12).

The raw scrub of a body cannot see ``\\u0073k-bf-…``: only decoding the JSON turns it into
the token. The request inspector and the detail pane both decode, so both scrub again after
decoding, with the connection's :class:`~mpilot_tui.api.redaction.Redactor`.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from helpers_hostile import (
    TOKEN,
    Conn,
    HostileServer,
    Seen,
    captured,
    file_item,
    files_body,
    make_tui,
    reply,
    run_cli,
    running,
    shown,
    wait_for,
)
from pydantic import SecretStr
from rich.console import Console
from textual.widgets import DataTable, Static

from mpilot_tui.api.redaction import Redactor, mask_url_password
from mpilot_tui.api.settings import mask_secret
from mpilot_tui.cli.common import EXIT_OK
from mpilot_tui.formats.export import RowExport, export_envelopes, loaded_envelopes
from mpilot_tui.ui.screens.export import ExportScreen

ESCAPED_TOKEN = "".join(f"\\u{ord(c):04x}" for c in TOKEN)
"""The token as JSON escapes only: no byte of the raw body spells it."""
MASKED = mask_secret(TOKEN)


def static_text(widget: Static) -> str:
    """All of a Static's content as plain text (not only the lines scrolled into view)."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return captured("widget", console.export_text())


def raw_json(value: Any) -> str:
    """``value`` as JSON with every copy of the token written as escapes."""
    return json.dumps(value).replace(TOKEN, ESCAPED_TOKEN)


def test_the_escaped_form_is_not_in_the_raw_body() -> None:
    body = raw_json({"message": f"unknown key {TOKEN}"})
    assert TOKEN.lower() not in body.lower()
    assert json.loads(body)["message"].endswith(TOKEN)


def test_redactor_scrubs_decoded_json_keys_and_values() -> None:
    redactor = Redactor([TOKEN])
    value = json.loads(raw_json({TOKEN: [TOKEN, {"k": TOKEN.upper()}], "n": 1}))
    assert redactor.scrub_json(value) == {MASKED: [MASKED, {"k": MASKED}], "n": 1}
    assert Redactor().scrub_json(value) is value


async def test_inspector_masks_a_json_escaped_token_in_a_401_body(server: HostileServer) -> None:
    def echo_escaped(seen: Seen, conn: Conn) -> None:
        body = {"error": {"message": f"unknown key {TOKEN}", "type": "auth"}, "status_code": 401}
        reply(401, raw_json(body), "application/json")(seen, conn)

    server.file_pages[None] = echo_escaped
    app = make_tui(server.base_url, token=SecretStr(TOKEN), timeout=30)
    async with running(app, size=(160, 60)) as (pilot, screen):
        await wait_for(pilot, lambda: screen.last_error is not None)
        await pilot.press("i")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "InspectorScreen")
        inspector: Any = app.screen
        await wait_for(pilot, lambda: any(r.status == 401 for r in inspector.records))
        row = next(i for i, r in enumerate(inspector.records) if r.status == 401)
        inspector.query_one(DataTable).move_cursor(row=row)
        await wait_for(pilot, lambda: inspector.selected is inspector.records[row])
        body = inspector.query_one("#fold-envelope-body", Static)
        # The record's body is drawn after it is selected: waited for, then checked.
        await wait_for(pilot, lambda: "unknown key" in static_text(body))
        envelope = static_text(body)
        assert f"unknown key {MASKED}" in envelope
        assert TOKEN not in envelope


async def test_detail_pane_masks_a_token_echoed_in_cache_id_and_any_field(
    server: HostileServer,
) -> None:
    item = file_item("file-echo", filename=f"echo-{TOKEN}.jsonl", note={"deep": [TOKEN]})
    body = files_body([item])
    body["extra_fields"]["cache_debug"] = {"cache_hit": True, "cache_id": TOKEN, "seen": TOKEN}
    body["extra_fields"]["routing_info"] = {"provider": "openai", "key": TOKEN}
    literal = json.dumps(body)
    # The first page echoes it literally; the detail must mask both spellings.
    server.file_pages[None] = reply(200, literal.replace(f'"seen": "{TOKEN}"',
                                                         f'"seen": "{ESCAPED_TOKEN}"'))  # fmt: skip
    app = make_tui(server.base_url, token=SecretStr(TOKEN), timeout=30)
    async with running(app, size=(160, 60)) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 1)
        item_static = screen.query_one("#detail-item", Static)
        await wait_for(pilot, lambda: "file-echo" in static_text(item_static))
        cache = static_text(screen.query_one("#detail-cache", Static))
        assert f"cache_id {MASKED}" in " ".join(cache.split())
        assert f"seen {MASKED}" in " ".join(cache.split())
        item_text = static_text(item_static)
        assert f"echo-{MASKED}.jsonl" in item_text
        extra = static_text(screen.query_one("#detail-extra", Static))
        assert MASKED in extra
        # The table's filename cell too (cut to the column, so the mask's start is checked).
        assert "echo-sk-bf-…" in shown(app)


def test_user_info_passwords_are_masked_in_any_url_text() -> None:
    assert mask_url_password("http://admin:PW@[::1") == "http://admin:••••@[::1"
    quoted = "base URL 'http://admin:PW@[::1' is not a valid URL"
    assert mask_url_password(quoted) == "base URL 'http://admin:••••@[::1' is not a valid URL"
    assert mask_url_password("socks5://u:p%40ss@proxy:1080") == "socks5://u:••••@proxy:1080"
    assert mask_url_password("http://admin:p w'x@host/") == "http://admin:••••@host/"
    assert mask_url_password("https://user@host/a@b") == "https://user@host/a@b"


def echo_page() -> Any:
    """A first page whose data echoes the token, literally and as JSON escapes."""
    item = file_item("file-echo", filename=f"echo-{TOKEN}.jsonl", note=TOKEN)
    body = files_body([item])
    body["extra_fields"]["cache_debug"] = {"cache_hit": True, "cache_id": TOKEN}
    return reply(200, json.dumps(body).replace(f'"note": "{TOKEN}"', f'"note": "{ESCAPED_TOKEN}"'))


@pytest.mark.parametrize("fmt", ["table", "json", "ndjson", "csv"])
def test_cli_output_masks_a_token_echoed_into_data(
    server: HostileServer, tmp_path: Path, fmt: str
) -> None:
    """What the CLI prints is what the browser shows: the echoed token masked (it used to be
    printed whole in every format)."""
    server.file_pages[None] = echo_page()
    result = run_cli(tmp_path, "--format", fmt, base_url=server.base_url)
    assert result.code == EXIT_OK, result.stderr
    assert TOKEN.lower() not in result.stdout.lower()
    assert ESCAPED_TOKEN not in result.stdout
    assert "echo-sk-bf-…" in result.stdout
    if fmt != "table":
        assert f"echo-{MASKED}.jsonl" in result.stdout
    if fmt in ("json", "ndjson"):
        assert MASKED in json.dumps(json.loads(result.stdout.splitlines()[0] if fmt == "ndjson"
                                               else result.stdout), ensure_ascii=False)  # fmt: skip


async def test_export_and_copy_mask_a_token_echoed_into_data(
    server: HostileServer, tmp_path: Path
) -> None:
    server.file_pages[None] = echo_page()
    app = make_tui(server.base_url, token=SecretStr(TOKEN), timeout=30)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 1)
        screen.action_export()
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        source = app.screen.source  # type: ignore[attr-defined]
        await pilot.press("escape")
        for fmt in ("json", "ndjson", "csv"):
            path = tmp_path / f"out.{fmt}"
            export = RowExport(path, fmt, source.kind, scrub=source.scrub)
            await export_envelopes(export, loaded_envelopes(source.store), 1, lambda *_: None)
            export.finish()
            written = captured("export", path.read_text(encoding="utf-8"))
            assert TOKEN.lower() not in written.lower() and ESCAPED_TOKEN not in written, fmt
            assert f"echo-{MASKED}.jsonl" in written, fmt
        await pilot.press("y")
        copied = json.loads(app.clipboard)
        assert copied["filename"] == f"echo-{MASKED}.jsonl" and copied["note"] == MASKED
