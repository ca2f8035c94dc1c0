"""Credentials that are not clean text (issue 14, items 2, 3 and 9), and the log.

A credential with whitespace around it is used stripped, with a warning; one with a control
character or a byte that is not text inside it is refused with a clear error that shows
only its masked form (exit 2 in the CLI, a message in the app), before any request. The
scrubber also finds a secret in its ``repr``/JSON-escaped forms; a traceback with locals
through the header code holds no secret; and Textual's log never records the hidden fields.
Every test runs under the secret sweep (``conftest.py``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers_hostile import (
    ADMIN_PASSWORD,
    TOKEN,
    HostileServer,
    captured,
    json_reply,
    leaks,
    notifications,
    one_error_line,
    run_cli,
    running,
    tui_settings,
    wait_for,
)
from helpers_ui import screen_text, workers_done
from pydantic import SecretStr
from rich.console import Console
from rich.traceback import Traceback
from textual import constants

from mpilot_tui.api import GatewayClient, errors
from mpilot_tui.api.settings import ConnectionSettings
from mpilot_tui.cli.common import EXIT_API, EXIT_OK, EXIT_USAGE
from mpilot_tui.config.session import Session, resolve_session
from mpilot_tui.ui.app import create_app
from mpilot_tui.ui.screens.profiles import ProfileForm

MASKED = "sk-bf-…5b2d"
"""How TOKEN is shown."""
NOT_TEXT = "\udcff"
"""A byte that is not UTF-8, as the environment hands it to Python (surrogate escape)."""


def unauthorized(status: int = 401) -> Any:
    body = {"is_bifrost_error": False, "status_code": status, "error": {"message": "Unauthorized"}}
    return json_reply(body, status)


@pytest.mark.parametrize("around", ["\r", "\n", "\r\n", "\t", " \n"], ids=repr)
def test_cli_strips_whitespace_around_the_token(
    server: HostileServer, tmp_path: Path, around: str
) -> None:
    result = run_cli(tmp_path, token=TOKEN + around, base_url=server.base_url)
    assert result.code == EXIT_OK, result.stderr
    assert "MPILOT_TOKEN: the virtual key had whitespace around it" in result.stderr
    assert server.requests("/openai/v1/files")[0].headers["authorization"] == f"Bearer {TOKEN}"
    # A refusal then names the key masked, as for any key.
    server.file_pages[None] = unauthorized()
    result = run_cli(tmp_path, token=around + TOKEN + around, base_url=server.base_url)
    assert result.code == EXIT_API
    line = one_error_line(result)
    assert f"bearer {MASKED}" in line and "MPILOT_TOKEN" in line


@pytest.mark.parametrize(
    ("inside", "named"),
    [("\r\n", "U+000D"), ("\x1b[31m", "U+001B"), ("\x07", "U+0007"), ("\x85", "U+0085")],
    ids=["crlf", "esc", "bel", "c1"],
)
def test_cli_refuses_a_control_character_inside_the_token(
    server: HostileServer, tmp_path: Path, inside: str, named: str
) -> None:
    token = TOKEN[:12] + inside + TOKEN[12:]
    result = run_cli(tmp_path, token=token, base_url=server.base_url, timeout=20)
    assert result.code == EXIT_USAGE
    line = one_error_line(result)
    assert f"MPILOT_TOKEN holds a control character, {named}" in line
    assert MASKED in line
    assert "HOSTILE" not in result.stderr  # no part of the key but its masked form
    assert server.requests() == []  # refused before anything was sent


def test_cli_refuses_a_token_that_is_not_text(server: HostileServer, tmp_path: Path) -> None:
    result = run_cli(tmp_path, token=TOKEN + NOT_TEXT + "x", base_url=server.base_url)
    assert result.code == EXIT_USAGE
    line = one_error_line(result)
    assert "MPILOT_TOKEN holds a byte that is not valid UTF-8 text" in line
    assert server.requests() == []


def test_the_app_with_a_token_that_is_not_text_exits_2_at_once(
    server: HostileServer, tmp_path: Path
) -> None:
    """It used to sit on "loading…" forever (the worker's UnicodeEncodeError was lost)."""
    result = run_cli(
        tmp_path, server.base_url, command="--base-url", token=TOKEN + NOT_TEXT, timeout=20
    )
    assert result.code == EXIT_USAGE
    assert "not valid UTF-8" in one_error_line(result)
    assert server.requests() == []


def test_cli_refuses_a_non_ascii_virtual_key(server: HostileServer, tmp_path: Path) -> None:
    result = run_cli(tmp_path, token=TOKEN + "é", base_url=server.base_url)
    assert result.code == EXIT_USAGE
    assert "cannot travel in an HTTP header" in one_error_line(result)


def basic_profile(tmp_path: Path, server: HostileServer) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[profiles.adm]\nbase_url = "{server.base_url}"\nauth = "basic"\nusername = "admin"\n'
        'password_env = "HOSTILE_PW"\n'
    )
    path.chmod(0o600)
    return path


def test_cli_basic_profile_with_a_password_that_is_not_text(
    server: HostileServer, tmp_path: Path
) -> None:
    basic_profile(tmp_path, server)
    result = run_cli(
        tmp_path, "--profile", "adm", token=TOKEN,
        env={"HOSTILE_PW": ADMIN_PASSWORD + NOT_TEXT},
    )  # fmt: skip
    assert result.code == EXIT_USAGE
    line = one_error_line(result)
    assert "profile 'adm': password_env HOSTILE_PW holds a byte that is not valid UTF-8" in line
    assert server.requests() == []


async def test_app_switching_to_a_profile_whose_password_is_not_text(
    server: HostileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It used to crash with the key and the password in the traceback's locals."""
    path = basic_profile(tmp_path, server)
    monkeypatch.setenv("HOSTILE_PW", ADMIN_PASSWORD + NOT_TEXT)
    monkeypatch.delenv("MPILOT_TOKEN", raising=False)
    app = create_app(Session(settings=tui_settings(server.base_url, timeout=30), config_file=path))
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 3)
        app.switch_profile("adm")
        await workers_done(pilot)
        shown_notes = notifications(app)
        assert any(
            "Profile not usable" in note and "not valid UTF-8" in note for note in shown_notes
        ), shown_notes
        assert app.is_running and app.browser is screen  # still on the same gateway
        assert len(screen.store) == 3


async def test_form_test_refuses_a_typed_key_with_a_control_character(
    server: HostileServer, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[profiles.p]\nbase_url = "{server.base_url}"\n')
    app = create_app(Session(settings=tui_settings(server.base_url), config_file=path))
    async with running(app) as (pilot, _):
        form = ProfileForm(path, "p")
        app.push_screen(form)
        await wait_for(pilot, lambda: form.is_mounted and app.screen is form)
        form.query_one("#pf-token").value = TOKEN + "\x1bX"  # type: ignore[attr-defined]
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "control character" in screen_text(app))
        assert "HOSTILE" not in captured("screen", screen_text(app))
        assert server.requests("/health") == []  # the test never started


def test_settings_refuse_what_a_header_cannot_carry() -> None:
    for bad in (TOKEN + "\n", TOKEN + "\x00", TOKEN + NOT_TEXT, TOKEN + "ü"):
        with pytest.raises(errors.CredentialError) as caught:
            ConnectionSettings(base_url="http://127.0.0.1:9", token=SecretStr(bad))
        message = captured("error", str(caught.value))
        assert message.startswith("the virtual key holds ")
        assert "sk-bf-…b2d" in message and "HOSTILE" not in message


ODD_TOKEN = 'sk-bf-a/b"c\\d-HOSTILE-9f3a'
"""A valid virtual key (visible ASCII) whose JSON and repr forms differ from the key."""


@pytest.mark.parametrize(
    "form",
    [
        json.dumps(ODD_TOKEN)[1:-1],
        json.dumps(ODD_TOKEN)[1:-1].replace("/", "\\/"),
        repr(ODD_TOKEN)[1:-1],
        repr(ODD_TOKEN.encode())[2:-1],
    ],
    ids=["json", "json-slash", "repr", "bytes-repr"],
)
async def test_scrubber_masks_escaped_forms_of_a_secret(form: str) -> None:
    payload = f'{{"error": {{"message": "bad key: <{form}>"}}, "raw": "{form}"}}'

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401,
            content=payload.encode(),
            headers={"content-type": "text/plain", "x-echo": form},
        )

    settings = ConnectionSettings(base_url="http://gw.test", token=SecretStr(ODD_TOKEN))
    async with GatewayClient(settings, transport=httpx.MockTransport(handle)) as client:
        with pytest.raises(errors.AuthenticationError) as caught:
            await client.list_files()
        record = list(client.history)[-1]
    everything = " ".join(
        [str(caught.value), repr(vars(caught.value)), repr(record), record.body.decode()]
    )
    assert form not in everything
    assert ODD_TOKEN not in everything
    assert "9f3a" in everything  # masked, not dropped


async def test_traceback_locals_through_the_header_code_hold_no_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A crash while the credential headers are built shows no secret in any frame (the
    encoder is replaced by something that is not callable: a frame of its own would hold
    what it was given)."""
    settings = tui_settings(
        "http://127.0.0.1:9", auth="x-bf-vk", username="admin", password=SecretStr(ADMIN_PASSWORD)
    )
    async with GatewayClient(settings) as client:
        monkeypatch.setattr("mpilot_tui.api.settings.base64.b64encode", None)
        with pytest.raises(TypeError) as caught:
            await client.list_providers()
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(
        Traceback.from_exception(
            caught.type, caught.value, caught.tb, show_locals=True, locals_max_string=10_000
        )
    )
    text = captured("traceback", out.getvalue())
    assert "auth_headers" in text  # the frame that broke is there, with its locals
    assert not leaks([("traceback", text)])  # the key, the password, the Basic pair


async def test_textual_log_never_records_the_hidden_fields(
    server: HostileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_file = tmp_path / "textual.log"
    monkeypatch.setattr(constants, "LOG_FILE", str(log_file))
    path = tmp_path / "config.toml"
    path.write_text(f'[profiles.p]\nbase_url = "{server.base_url}"\n')
    app = create_app(Session(settings=tui_settings(server.base_url), config_file=path))
    async with app.run_test(size=(120, 40)) as pilot:
        form = ProfileForm(path, "p")
        app.push_screen(form)
        await wait_for(pilot, lambda: form.is_mounted and app.screen is form)
        for field, secret in (("#pf-token", TOKEN), ("#pf-password", ADMIN_PASSWORD)):
            await pilot.click(field)
            await pilot.press(*secret)
            assert form.query_one(field).value == secret  # type: ignore[attr-defined]
        await pilot.press("tab")
        await workers_done(pilot)
    logged = log_file.read_text(encoding="utf-8")
    assert "value=<hidden>" in logged  # the messages are logged, their values are not
    assert "_HiddenKey(key='<hidden>')" in logged
    for secret in (TOKEN, ADMIN_PASSWORD):
        assert secret not in logged
    # Keystrokes into the hidden fields are not logged one by one either.
    assert "character='H'" not in logged  # "HOSTILE" is typed only into the hidden fields


@pytest.mark.parametrize("around", ["\r", "\n", "\r\n", "\t"], ids=repr)
async def test_app_strips_whitespace_around_the_token_and_masks_it(
    server: HostileServer, tmp_path: Path, around: str
) -> None:
    """Item 2 in the app: the key from MPILOT_TOKEN with a trailing CR/LF/tab is used stripped
    with a warning, and a refusal that echoes it (with the whitespace, as ``repr`` and JSON
    escapes would) shows it masked in the notification, the status bar and the detail pane."""
    echoed = TOKEN + around
    body = {
        "is_bifrost_error": False,
        "status_code": 401,
        "error": {"message": f"bad key {echoed!r} {json.dumps(echoed)}", "type": echoed},
    }
    server.file_pages[None] = json_reply(body, 401)
    session = resolve_session(
        base_url=server.base_url,
        config_file=tmp_path / "config.toml",
        timeout=30,  # not about timeouts: a loaded machine must not time the first page out
        env={"MPILOT_TOKEN": echoed},
    )
    app = create_app(session)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: screen.last_error is not None)
        await workers_done(pilot)
        notes = notifications(app)
        assert any("had whitespace around it" in note for note in notes), notes
        sent = server.requests("/openai/v1/files")[0].headers["authorization"]
        assert sent == f"Bearer {TOKEN}"
        text = captured("screen", screen_text(app))
        assert MASKED in " ".join(notes) + text
        assert "HOSTILE" not in text and not any("HOSTILE" in note for note in notes)
