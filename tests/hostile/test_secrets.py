"""Secrets: the token and Basic credentials never appear in any output.

Every test of this suite runs under the secret sweep (``conftest.py``): whatever it shows or
prints (CLI stdout and stderr, screens, notifications, screenshots, the request history that
the inspector displays, error messages, logs at DEBUG) is searched for the token, the Basic
password and the Basic credentials. The tests here make a hostile gateway try hard to leak
them: it echoes the credential headers back in every place an answer can carry text.
"""

from __future__ import annotations

import base64
import io
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers_hostile import (
    ADMIN_PASSWORD,
    FIRST_IDS,
    SECRETS,
    TOKEN,
    Conn,
    HostileServer,
    Seen,
    capture_everything,
    captured,
    cut_short,
    first_page_then,
    hang,
    json_reply,
    leaks,
    make_tui,
    notifications,
    one_error_line,
    reply,
    run_cli,
    running,
    server_with,
    shown,
    tui_settings,
    wait_for,
    with_userinfo,
)
from helpers_ui import workers_done
from pydantic import SecretStr
from rich.console import Console
from rich.traceback import Traceback
from textual.widgets import Collapsible, DataTable

from mpilot_tui.api import GatewayClient, errors
from mpilot_tui.api.history import REDACTED_HEADERS
from mpilot_tui.api.settings import ConnectionSettings
from mpilot_tui.cli.common import EXIT_API, EXIT_PROTOCOL

BASIC = base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()
AUTH_KINDS: dict[str, dict[str, Any]] = {
    "bearer": {"auth": "bearer"},
    "x-bf-vk": {"auth": "x-bf-vk"},
    "basic": {"auth": "basic", "username": "admin", "password": SecretStr(ADMIN_PASSWORD)},
}

SENT_HEADERS = {
    "bearer": {"authorization"},
    "x-bf-vk": {"x-bf-vk"},
    "basic": {"authorization", "x-bf-vk"},
}


def echoed(seen: Seen) -> str:
    """Every credential header the gateway received, as one string to send back."""
    return " ".join(f"{name}={seen.headers.get(name, '')}" for name in ("authorization", "x-bf-vk"))


def echo_in_envelope(seen: Seen, conn: Conn) -> None:
    text = echoed(seen)
    body = {
        "event_id": f"evt {text}",
        "type": f"type {text}",
        "is_bifrost_error": True,
        "status_code": 401,
        "error": {
            "type": "virtual_key_not_found",
            "code": f"code {text}",
            "message": f"unknown key: {text}",
            "param": {"header": text},
            "error": f"go error: {text}",
        },
        "extra_fields": {"provider": f"p {text}", "raw_response": {"echo": [text, {text: 1}]}},
    }
    json_reply(body, 401, [("X-Echo", text[:200])])(seen, conn)


def echo_in_proxy_page(seen: Seen, conn: Conn) -> None:
    text = echoed(seen)
    reply(502, f"<html><title>{text}</title><pre>{text}</pre></html>", "text/html")(seen, conn)


def echo_in_content_type(seen: Seen, conn: Conn) -> None:
    reply(200, echoed(seen), f"text/plain; {echoed(seen)[:300]}")(seen, conn)


def echo_in_dashboard(seen: Seen, conn: Conn) -> None:
    reply(200, f"<html>{echoed(seen)}</html>", "text/html")(seen, conn)


ECHOES = {
    "envelope": echo_in_envelope,
    "proxy-page": echo_in_proxy_page,
    "content-type": echo_in_content_type,
    "dashboard": echo_in_dashboard,
}


def test_the_sweep_finds_a_leak() -> None:
    """The sweep itself works: each secret, anywhere in a text, is found."""
    for secret in SECRETS:
        assert leaks([("x", f"before {secret} after")])
    assert not leaks([("x", "sk-bf-…5b2d and ••••")])


ECHO_CASES = [
    *[("bearer", echo) for echo in ECHOES],
    ("x-bf-vk", "envelope"),
    ("basic", "envelope"),
    ("basic", "proxy-page"),
]


@pytest.mark.parametrize(("kind", "echo"), ECHO_CASES, ids=[f"{k}-{e}" for k, e in ECHO_CASES])
async def test_browser_never_shows_echoed_credentials(
    server: HostileServer, kind: str, echo: str
) -> None:
    server.file_pages["c1"] = ECHOES[echo]
    app = make_tui(server.base_url, **AUTH_KINDS[kind])
    async with running(app, size=(120, 60)) as (pilot, screen):
        await first_page_then(pilot, screen)
        assert screen.store.ids == FIRST_IDS
        # The gateway did receive the credentials, so the echo had something to leak.
        received = echoed(server.requests("/openai/v1/files")[-1])
        assert TOKEN in received
        if kind == "basic":
            assert BASIC in received
        capture_everything(app)
        error = screen.last_error
        assert error is not None
        captured("error fields", repr(vars(error)))
        # The connection bar shows the token masked.
        assert "sk-bf-…5b2d" in shown(app)
        for record in app.client.history:
            for name, value in record.request_headers:
                if name.lower() in REDACTED_HEADERS:
                    assert value == "<redacted>"
        names = {n.lower() for r in app.client.history for n, _ in r.request_headers}
        assert names == SENT_HEADERS[kind]


@pytest.mark.parametrize("echo", ECHOES)
def test_cli_never_prints_echoed_credentials(
    server: HostileServer, tmp_path: Path, echo: str
) -> None:
    server.file_pages[None] = ECHOES[echo]
    result = run_cli(tmp_path, "--format", "json", base_url=server.base_url)
    assert result.code in (EXIT_API, EXIT_PROTOCOL)
    # The echo is shown, with the token masked (the dashboard's body is not shown at all).
    assert "sk-bf-…5b2d" in one_error_line(result) or echo == "dashboard"


def test_cli_debug_logging_never_shows_credentials(server: HostileServer, tmp_path: Path) -> None:
    """Even with every logger at DEBUG (httpx logs each request URL), and with the Basic
    credentials given as user info in the base URL."""
    debug = "import logging, sys\nlogging.basicConfig(level=logging.DEBUG, stream=sys.stderr)"
    result = run_cli(
        tmp_path, "--all", "--auth", "none", base_url=with_userinfo(server.base_url),
        python_prelude=debug,
    )  # fmt: skip
    assert "HTTP Request: GET http://127.0.0.1" in result.stderr
    assert server.requests("/openai/v1/files")[0].headers["authorization"] == f"Basic {BASIC}"
    server.file_pages["c1"] = echo_in_envelope
    result = run_cli(tmp_path, "--all", base_url=server.base_url, python_prelude=debug)
    assert result.code == EXIT_API
    assert "DEBUG" in result.stderr


FAILURES: dict[str, Callable[[HostileServer], None]] = {
    "reset": lambda s: s.file_pages.__setitem__(None, cut_short(b"{", 100)),
    "timeout": lambda s: s.file_pages.__setitem__(None, hang()),
    "echoed-401": lambda s: s.file_pages.__setitem__(None, echo_in_envelope),
    "shape": lambda s: s.file_pages.__setitem__(None, json_reply({"data": 1})),
}


@pytest.mark.parametrize("failure", FAILURES)
async def test_tracebacks_with_locals_hold_no_credentials(
    server: HostileServer, failure: str
) -> None:
    FAILURES[failure](server)
    settings = tui_settings(with_userinfo(server.base_url), auth="x-bf-vk", timeout=0.3)
    async with GatewayClient(settings) as client:
        with pytest.raises(errors.MPilotError) as caught:
            await client.list_files()
    exc = caught.value
    plain = "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())
    console = Console(file=io.StringIO(), width=200)
    console.print(Traceback.from_exception(type(exc), exc, exc.__traceback__, show_locals=True))
    rich_text = console.file.getvalue()  # type: ignore[attr-defined]
    captured("traceback", plain)
    captured("rich traceback", rich_text)
    assert "in list_files" in plain
    assert not leaks([("traceback", plain), ("rich traceback", rich_text)])


async def test_an_unexpected_transport_failure_stays_in_the_tree_and_scrubbed() -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError(f"could not send {request.headers['x-bf-vk']}")

    settings = tui_settings("http://gw.invalid", auth="x-bf-vk")
    transport = httpx.MockTransport(explode)
    async with GatewayClient(settings, transport=transport) as client:
        with pytest.raises(errors.TransportError) as caught:
            await client.list_files()
    message = captured("error", str(caught.value))
    assert "RuntimeError: could not send sk-bf-…5b2d" in message


@pytest.mark.parametrize("kind", AUTH_KINDS)
async def test_no_credential_follows_a_redirect_to_another_origin(
    server: HostileServer, kind: str
) -> None:
    with server_with() as elsewhere:
        target = f"{elsewhere.base_url}/openai/v1/files?provider=openai"
        server.file_pages[None] = reply(302, "", None, [("Location", target)])
        async with GatewayClient(tui_settings(server.base_url, **AUTH_KINDS[kind])) as client:
            with pytest.raises(errors.RedirectError) as caught:
                await client.list_files()
        assert elsewhere.requests() == []
    assert "not followed with credentials" in captured("error", str(caught.value))
    assert f"127.0.0.1:{elsewhere.port}" in str(caught.value)


async def test_same_origin_redirect_is_followed(server: HostileServer) -> None:
    server.file_pages["moved"] = reply(
        307, "", None, [("Location", "/openai/v1/files?provider=openai")]
    )
    async with GatewayClient(tui_settings(server.base_url)) as client:
        page = await client.list_files(after="moved")
    assert [item.id for item in page.items] == FIRST_IDS
    assert all(s.headers["authorization"] == f"Bearer {TOKEN}" for s in server.requests())


def test_cli_redirect_to_another_origin(server: HostileServer, tmp_path: Path) -> None:
    with server_with() as elsewhere:
        location = f"{elsewhere.base_url}/openai/v1/files"
        server.file_pages[None] = reply(301, "", None, [("Location", location)])
        result = run_cli(tmp_path, base_url=server.base_url)
        assert elsewhere.requests() == []
    assert result.code == EXIT_PROTOCOL
    assert "not followed with credentials" in one_error_line(result)


async def test_browser_redirect_to_another_origin(server: HostileServer) -> None:
    with server_with() as elsewhere:
        location = f"{elsewhere.base_url}/openai/v1/files"
        server.file_pages["c1"] = reply(308, "", None, [("Location", location)])
        app = make_tui(server.base_url, auth="x-bf-vk")
        async with running(app) as (pilot, screen):
            await first_page_then(pilot, screen)
            assert isinstance(screen.last_error, errors.RedirectError)
            assert any("not followed with credentials" in n for n in notifications(app))
        assert elsewhere.requests() == []


def test_tls_verification_is_on_by_default() -> None:
    assert ConnectionSettings(base_url="https://gw.example").verify is True


async def test_quitting_leaves_no_secret_in_the_screenshot(server: HostileServer) -> None:
    app = make_tui(server.base_url, auth="basic", username="admin",
                   password=SecretStr(ADMIN_PASSWORD))  # fmt: skip
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 3)
        svg = captured("screenshot", app.export_screenshot())
        assert "basic admin:••••" in svg.replace("&#160;", " ")
        await pilot.press("q")


async def test_user_info_in_the_base_url_is_never_shown(server: HostileServer) -> None:
    app = make_tui(with_userinfo(server.base_url), auth="none")
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 3)
        await pilot.press("G")
        await wait_for(pilot, lambda: screen.last_error is not None)
        assert f"http://127.0.0.1:{server.port}" in shown(app)
        capture_everything(app)
    assert server.requests()[0].headers["authorization"] == f"Basic {BASIC}"


def test_settings_repr_hides_secrets() -> None:
    settings = tui_settings("http://127.0.0.1:9", auth="basic", username="admin",
                            password=SecretStr(ADMIN_PASSWORD))  # fmt: skip
    assert not leaks([("repr", repr(settings)), ("auth", settings.describe_auth())])


async def test_request_inspector_redacts_credentials(server: HostileServer) -> None:
    """The inspector shows every request: credential headers as ``<redacted>``, and what the
    gateway echoed back (body, headers, error) with the secrets masked."""
    server.file_pages["c1"] = echo_in_envelope
    app = make_tui(server.base_url, **AUTH_KINDS["basic"], token=SecretStr(TOKEN))
    async with running(app, size=(160, 60)) as (pilot, screen):
        await first_page_then(pilot, screen)
        await pilot.press("i")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "InspectorScreen")
        # Open the hostile request itself (the gateway's version and provider list may have
        # been asked for after it, so it need not be the newest).
        inspector = app.screen
        await wait_for(
            pilot,
            lambda: any("after=c1" in r.url for r in inspector.records),  # type: ignore[attr-defined]
            what="the hostile request in the inspector",
        )
        hostile = next(i for i, r in enumerate(inspector.records) if "after=c1" in r.url)  # type: ignore[attr-defined]
        inspector.query_one(DataTable).move_cursor(row=hostile)
        await workers_done(pilot)
        for fold in app.screen.query(Collapsible):
            if "headers" in str(fold.title):
                fold.collapsed = False
        await workers_done(pilot)
        text = shown(app)
        assert "Authorization <redacted>" in text
        assert "x-bf-vk       <redacted>" in text
        assert "x-echo" in text and "sk-bf-…5b2d" in text
        captured("inspector screenshot", app.export_screenshot())
