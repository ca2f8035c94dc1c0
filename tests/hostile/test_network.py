"""Network faults: refused, unknown host, TLS failure, reset mid-body, read timeout, retries."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from helpers_hostile import (
    FIRST_IDS,
    HostileServer,
    counting,
    cut_short,
    first_page_then,
    hang,
    make_tui,
    notifications,
    one_error_line,
    reply,
    run_cli,
    running,
    self_signed_cert,
    shown,
    still_responsive,
    tui_settings,
    wait_for,
)
from helpers_net import demo_server, free_port
from helpers_ui import Driver
from textual.app import App

from mpilot_tui.api import GatewayClient, errors
from mpilot_tui.api._http import RETRY_AFTER_CAP, parse_retry_after
from mpilot_tui.cli.common import EXIT_API, EXIT_CONNECTION, EXIT_OK
from mpilot_tui.ui.screens.help import HelpScreen

# One worker, so the module's TLS server starts once.
pytestmark = pytest.mark.xdist_group("tls-server")

UNKNOWN_HOST = "gateway.invalid"
"""Resolved by a stub in these tests, never by a real DNS server."""
NO_DNS = f"""
import socket
_real = socket.getaddrinfo
def _fake(host, *args, **kwargs):
    if host == {UNKNOWN_HOST!r}:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return _real(host, *args, **kwargs)
socket.getaddrinfo = _fake
"""


async def alive_without_rows(pilot: Driver, app: App[Any]) -> None:
    """With nothing loaded, the app still answers keys: help opens and closes."""
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


# -- connection refused and unknown host ------------------------------------------------------


async def test_browser_connection_refused() -> None:
    app = make_tui(f"http://127.0.0.1:{free_port()}")
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: screen.last_error is not None)
        assert isinstance(screen.last_error, errors.ConnectError)
        assert any("connection refused" in note for note in notifications(app))
        await wait_for(pilot, lambda: "ConnectError" in shown(app))  # painted after the state
        await alive_without_rows(pilot, app)


def test_cli_connection_refused_is_bounded(tmp_path: Path) -> None:
    result = run_cli(tmp_path, base_url=f"http://127.0.0.1:{free_port()}")
    assert result.code == EXIT_CONNECTION
    assert "connection refused" in one_error_line(result)
    # Two retries with backoff (at most 0.5 s + 1 s) plus the interpreter's start.
    assert result.seconds < 6


async def test_browser_unknown_host(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def fake(host: object, *args: object, **kwargs: object) -> object:
        if host == UNKNOWN_HOST:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    app = make_tui(f"http://{UNKNOWN_HOST}:8080")
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: screen.last_error is not None)
        assert isinstance(screen.last_error, errors.ConnectError)
        wanted = f"could not resolve host {UNKNOWN_HOST}"
        await wait_for(pilot, lambda: any(wanted in n for n in notifications(app)))
        await alive_without_rows(pilot, app)


def test_cli_unknown_host(tmp_path: Path) -> None:
    result = run_cli(tmp_path, base_url=f"http://{UNKNOWN_HOST}:8080", python_prelude=NO_DNS)
    assert result.code == EXIT_CONNECTION
    assert f"could not resolve host {UNKNOWN_HOST}" in one_error_line(result)


# -- TLS --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HostileServer, Path]]:
    made = self_signed_cert(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("neither the cryptography package nor the openssl command is available")
    cert, key = made
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = HostileServer(tls=context)
    try:
        yield server, cert
    finally:
        server.close()


async def test_browser_refuses_a_self_signed_certificate(
    tls_server: tuple[HostileServer, Path],
) -> None:
    server, _ = tls_server
    app = make_tui(server.base_url)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: screen.last_error is not None)
        assert isinstance(screen.last_error, errors.ConnectError)
        assert any("TLS failed" in note for note in notifications(app))
        assert len(screen.store) == 0
        await alive_without_rows(pilot, app)


def test_cli_tls_verification_is_on_unless_a_profile_turns_it_off(
    tls_server: tuple[HostileServer, Path], tmp_path: Path
) -> None:
    server, cert = tls_server
    server.reset()
    refused = run_cli(tmp_path, base_url=server.base_url)
    assert refused.code == EXIT_CONNECTION
    assert "CERTIFICATE_VERIFY_FAILED" in one_error_line(refused)

    config = tmp_path / "config.toml"
    profiles = {"bundle": f'"{cert}"', "off": "false"}
    config.write_text(
        'default_profile = "bundle"\n'
        + "".join(
            f'[profiles.{name}]\nbase_url = "{server.base_url}"\nverify = {value}\n'
            for name, value in profiles.items()
        )
    )
    with_bundle = run_cli(tmp_path, "--profile", "bundle")
    assert with_bundle.code == EXIT_OK, with_bundle.stderr
    assert FIRST_IDS[0] in with_bundle.stdout
    assert "warning" not in with_bundle.stderr
    verify_off = run_cli(tmp_path, "--profile", "off")
    assert verify_off.code == EXIT_OK, verify_off.stderr
    assert "verification is off" in verify_off.stderr


def test_cli_https_to_a_plain_http_server_says_to_use_http(tmp_path: Path) -> None:
    with demo_server() as plain:
        assert plain.startswith("http://")
        result = run_cli(tmp_path, base_url="https://" + plain.removeprefix("http://"))
    assert result.code == EXIT_CONNECTION
    line = one_error_line(result)
    assert "answered in plain HTTP, not TLS" in line and "use an http:// base URL" in line
    assert "CA bundle" not in line


# -- broken answers -------------------------------------------------------------------------


async def test_browser_connection_reset_mid_body(server: HostileServer) -> None:
    server.file_pages["c1"] = cut_short(b'{"object":"list","data":[{"id":"file-', 4096)
    app = make_tui(server.base_url)
    async with running(app) as (pilot, screen):
        await first_page_then(pilot, screen)
        assert type(screen.last_error) is errors.TransportError
        assert any("broke mid-answer" in note for note in notifications(app))
        assert screen.store.ids == FIRST_IDS
        await still_responsive(pilot, screen)


def test_cli_connection_reset_mid_body(server: HostileServer, tmp_path: Path) -> None:
    server.file_pages["c1"] = cut_short(b'{"object":"list","data":[{"id":"file-', 4096)
    result = run_cli(tmp_path, "--all", base_url=server.base_url)
    assert result.code == EXIT_CONNECTION
    assert "broke mid-answer" in one_error_line(result)
    assert FIRST_IDS[0] in result.stdout


async def test_browser_read_timeout(server: HostileServer) -> None:
    server.file_pages["c1"] = hang()
    app = make_tui(server.base_url, timeout=0.5)
    async with running(app) as (pilot, screen):
        # The server never answers the second page: only the timeout can end the wait.
        await first_page_then(pilot, screen)
        assert isinstance(screen.last_error, errors.TimeoutError)
        assert any("0.5 s timeout" in note for note in notifications(app))
        assert screen.store.ids == FIRST_IDS
        await still_responsive(pilot, screen)


def test_cli_read_timeout(server: HostileServer, tmp_path: Path) -> None:
    server.file_pages[None] = hang()
    result = run_cli(tmp_path, "--timeout", "0.5", base_url=server.base_url)
    assert result.code == EXIT_CONNECTION
    # The server never answers: only the timeout ends the wait.
    assert "0.5 s timeout" in one_error_line(result)


# -- retries --------------------------------------------------------------------------------


def test_cli_retries_are_bounded_in_count_and_time(server: HostileServer, tmp_path: Path) -> None:
    calls: list[float] = []
    server.file_pages[None] = counting(reply(503, "busy", "text/plain"), calls)
    result = run_cli(tmp_path, base_url=server.base_url)
    assert result.code == EXIT_API
    assert "503" in one_error_line(result)
    assert len(calls) == 3  # the first attempt and two retries
    assert calls[-1] - calls[0] < 2.0  # backoff 0.25-0.5 s, then 0.5-1 s


def test_cli_honours_a_short_retry_after(server: HostileServer, tmp_path: Path) -> None:
    calls: list[float] = []
    server.file_pages[None] = counting(
        reply(429, "wait", "text/plain", [("Retry-After", "1")]), calls
    )
    result = run_cli(tmp_path, base_url=server.base_url)
    assert result.code == EXIT_API
    assert "(retry after 1 s)" in one_error_line(result)
    assert len(calls) == 3
    assert 1.9 <= calls[-1] - calls[0] < 3.5


def http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds_from_now), usegmt=True)


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [
        ("7", 7, 7),
        ("0", 0, 0),
        ("-30", 0, 0),
        ("99999999999", RETRY_AFTER_CAP, RETRY_AFTER_CAP),
        ("1e999", RETRY_AFTER_CAP, RETRY_AFTER_CAP),
        ("inf", RETRY_AFTER_CAP, RETRY_AFTER_CAP),
        ("date:10", 8, 10),
        ("date:-3600", 0, 0),
        ("date:315360000", RETRY_AFTER_CAP, RETRY_AFTER_CAP),
        ("Fri, 31 Dec 9999 23:59:59 GMT", RETRY_AFTER_CAP, RETRY_AFTER_CAP),
    ],
)
async def test_retry_after_waits_are_capped(
    server: HostileServer, header: str, low: float, high: float
) -> None:
    if header.startswith("date:"):
        header = http_date(float(header.removeprefix("date:")))
    calls: list[float] = []
    server.file_pages[None] = counting(reply(429, "", None, [("Retry-After", header)]), calls)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with GatewayClient(tui_settings(server.base_url, retries=3)) as client:
        client.http.sleep = sleep
        with pytest.raises(errors.RateLimitError) as caught:
            await client.list_files()
    assert len(calls) == 4 and len(waits) == 3
    assert all(low <= wait <= high for wait in waits), waits
    assert caught.value.retry_after is not None and low <= caught.value.retry_after <= high


@pytest.mark.parametrize("header", ["nan", "soon", "", "Thu, 99 Foo 20x1", "\x00"])
def test_unusable_retry_after_is_ignored(header: str) -> None:
    assert parse_retry_after(header) is None


async def test_connect_retries_stay_bounded() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    settings = tui_settings(f"http://127.0.0.1:{free_port()}", retries=4)
    async with GatewayClient(settings) as client:
        client.http.sleep = sleep
        with pytest.raises(errors.ConnectError):
            await client.list_files()
    # Every back-off went through the (recording) sleep: none was really slept.
    assert len(waits) == 4
    assert all(wait <= 8.0 for wait in waits)
    assert len(client.history) == 5


async def test_worker_is_not_left_running_after_a_timeout(server: HostileServer) -> None:
    server.file_pages[None] = hang()
    app = make_tui(server.base_url, timeout=0.3)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: screen.last_error is not None)
        await pilot.pause()
        assert not [w for w in screen.workers if w.group == "listing" and w.is_running]
        assert app.is_running
