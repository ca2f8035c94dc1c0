"""A hostile gateway on loopback, and helpers to drive the CLI and the browser against it.

:class:`HostileServer` is a raw socket server (one thread per connection, ``Connection:
close`` on every answer) so that it can misbehave below HTTP: trickle a body, reset the
connection mid-body, never answer, send bytes that are not UTF-8, or speak TLS with a
self-signed certificate. Each test picks its behaviour per route and per cursor; the
server records every request it saw (headers included) so that tests can check what the
client sent.

Every output a test gets from the app or the CLI goes through :func:`captured`, so that the
suite's secret sweep (``tests/hostile/conftest.py``) can look for the token in all of it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from helpers_net import cli_env
from helpers_ui import Driver, said, screen_text, wait_for, workers_done
from pydantic import SecretStr

from mpilot_tui.api.errors import TimeoutError as GatewayTimeout
from mpilot_tui.api.settings import ConnectionSettings
from mpilot_tui.config.session import Session
from mpilot_tui.ui.app import MPilotApp, create_app
from mpilot_tui.ui.screens.browser import BrowserScreen

TOKEN = "sk-bf-HOSTILE-SECRET-7f3a9c1e5b2d"
"""A recognisable token: the secret sweep fails any test whose output holds it."""
ADMIN_PASSWORD = "adm1n-HOSTILE-PASSW0RD-4e8d"
"""A recognisable Basic password for the ``basic`` auth cases."""

SECRETS = (
    TOKEN,
    ADMIN_PASSWORD,
    base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode(),
)
"""What must never appear in any output: the token, the password, the Basic credentials."""

CAPTURED: list[tuple[str, str]] = []
"""Every output of the current test (label, text); cleared and checked by the sweep."""


def leaks(texts: list[tuple[str, str]]) -> list[str]:
    """Where a secret appears in ``texts``, in any letter case (label and a little context)."""
    found = []
    for label, text in texts:
        folded = text.lower()
        for secret in SECRETS:
            at = folded.find(secret.lower())
            if at >= 0:
                found.append(f"{label}: …{text[max(0, at - 40) : at + len(secret) + 10]!r}…")
    return found


def captured(label: str, text: str) -> str:
    """Remember ``text`` for the secret sweep; returns it unchanged."""
    CAPTURED.append((label, text))
    return text


# -- the server -------------------------------------------------------------------------------


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Lower-cased names."""
    port: int


class Conn:
    """One accepted connection, with the moves a hostile handler can make."""

    def __init__(self, sock: socket.socket, stop: threading.Event) -> None:
        self.sock = sock
        self.stop = stop

    def raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def head(
        self,
        status: int = 200,
        content_type: str | bytes | None = "application/json",
        headers: list[tuple[str | bytes, str | bytes]] | None = None,
        length: int | None = None,
        reason: str | bytes | None = None,
    ) -> None:
        """The status line and headers (``Content-Length`` when ``length`` is given)."""
        phrase = reason if reason is not None else _REASONS.get(status, "Whatever")
        lines = [b"HTTP/1.1 %d " % status + _b(phrase)]
        if content_type is not None:
            lines.append(b"Content-Type: " + _b(content_type))
        if length is not None:
            lines.append(b"Content-Length: %d" % length)
        for name, value in headers or []:
            lines.append(_b(name) + b": " + _b(value))
        lines.append(b"Connection: close")
        self.raw(b"\r\n".join(lines) + b"\r\n\r\n")

    def send(
        self,
        status: int = 200,
        body: bytes | str = b"",
        content_type: str | bytes | None = "application/json",
        headers: list[tuple[str | bytes, str | bytes]] | None = None,
        reason: str | bytes | None = None,
    ) -> None:
        data = _b(body)
        self.head(status, content_type, headers, len(data), reason)
        self.raw(data)

    def sleep(self, seconds: float) -> bool:
        """Wait, unless the server is stopping; True when the full time passed."""
        return not self.stop.wait(seconds)

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN."""
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


Handler = Callable[[Seen, Conn], None]

_REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}  # fmt: skip


def _b(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


class HostileServer:
    """A gateway on ``127.0.0.1`` whose every answer a test may choose."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.seen: list[Seen] = []
        self.routes: dict[str, Handler] = {}
        self.file_pages: dict[str | None, Handler] = {}
        self.providers: list[str] = ["openai", "azure"]
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = int(self.listener.getsockname()[1])
        self.connections: set[socket.socket] = set()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def reset(self) -> None:
        """Back to a well-behaved gateway with nothing seen."""
        with self.lock:
            self.seen.clear()
        self.routes.clear()
        self.file_pages.clear()
        self.providers = ["openai", "azure"]

    def requests(self, path: str | None = None) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if path is None or s.path == path]

    def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(OSError):
            self.listener.close()
        for conn in list(self.connections):
            with contextlib.suppress(OSError):
                conn.close()

    # -- plumbing -----------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        self.connections.add(sock)
        try:
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_side=True)
            sock.settimeout(30)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                data += chunk
            seen = _parse(data, self.port)
            with self.lock:
                self.seen.append(seen)
            self._handler(seen)(seen, Conn(sock, self.stop))
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            self.connections.discard(sock)
            with contextlib.suppress(OSError):
                sock.close()

    def _handler(self, seen: Seen) -> Handler:
        if seen.path in self.routes:
            return self.routes[seen.path]
        if seen.path == "/openai/v1/files":
            cursor = seen.query.get("after")
            if cursor in self.file_pages:
                return self.file_pages[cursor]
            if cursor is None:
                return files_page(seen.query.get("provider", "openai"))
            return json_reply(_envelope(404, "not_found", f"no page {cursor[:40]}"), 404)
        if seen.path == "/api/version":
            return json_reply("v1.5.1-hostile")
        if seen.path == "/api/providers":
            names = self.providers
            return json_reply({"providers": [{"name": n} for n in names], "total": len(names)})
        if seen.path == "/health":
            return json_reply({"status": "ok"})
        return json_reply(_envelope(404, "not_found", "no such route"), 404)


def _parse(data: bytes, port: int) -> Seen:
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    request_line, *header_lines = head.split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    parts = urlsplit(target)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Seen(method, parts.path, dict(parse_qsl(parts.query)), headers, port)


# -- behaviours -----------------------------------------------------------------------------


def reply(
    status: int = 200,
    body: bytes | str = b"",
    content_type: str | bytes | None = "application/json",
    headers: list[tuple[str | bytes, str | bytes]] | None = None,
    reason: str | bytes | None = None,
) -> Handler:
    def handler(seen: Seen, conn: Conn) -> None:
        conn.send(status, body, content_type, headers, reason)

    return handler


def json_reply(
    value: Any, status: int = 200, headers: list[tuple[str | bytes, str | bytes]] | None = None
) -> Handler:
    return reply(status, json.dumps(value), "application/json", headers)


def delayed(seconds: float, then: Handler) -> Handler:
    def handler(seen: Seen, conn: Conn) -> None:
        if conn.sleep(seconds):
            then(seen, conn)

    return handler


def hang() -> Handler:
    """Read the request and never answer."""

    def handler(seen: Seen, conn: Conn) -> None:
        conn.sleep(60)

    return handler


def trickle(every: float = 0.05) -> Handler:
    """A 200 JSON answer whose body never ends: a byte every ``every`` seconds."""

    def handler(seen: Seen, conn: Conn) -> None:
        conn.head(200, "application/json", length=10_000_000)
        conn.raw(b'{"object":"list","data":[')
        while conn.sleep(every):
            conn.raw(b" ")

    return handler


def cut_short(body: bytes, declared: int) -> Handler:
    """Declare ``declared`` bytes, send ``body``, then reset the connection."""

    def handler(seen: Seen, conn: Conn) -> None:
        conn.head(200, "application/json", length=declared)
        conn.raw(body)
        time.sleep(0.05)
        conn.reset()

    return handler


def counting(then: Handler, counter: list[float]) -> Handler:
    """``then``, noting the time of each call in ``counter``."""

    def handler(seen: Seen, conn: Conn) -> None:
        counter.append(time.monotonic())
        then(seen, conn)

    return handler


def file_item(file_id: str, **fields: Any) -> dict[str, Any]:
    item = {"id": file_id, "object": "file", "bytes": 1234, "created_at": 1_700_000_000,
            "filename": f"{file_id}.jsonl", "purpose": "batch", "status": "processed"}  # fmt: skip
    item.update(fields)
    return item


def files_body(
    items: list[dict[str, Any]], after: str | None = None, provider: str = "openai", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"object": "list", "data": items}
    if after is not None:
        body["has_more"] = True
        body["after"] = after
    body["extra_fields"] = {"request_type": "file_list", "provider": provider, "latency": 3}
    body.update(extra)
    return body


FIRST_IDS = [f"file-first-{n}" for n in range(1, 4)]
"""The ids of the well-behaved first page (``after`` ``c1`` leads to the hostile page)."""


def files_page(provider: str = "openai", after: str | None = "c1") -> Handler:
    """The well-behaved first page: three files, ``has_more`` and cursor ``c1``."""
    ids = FIRST_IDS if provider == "openai" else [f"file-{provider}-{n}" for n in range(1, 4)]
    return json_reply(files_body([file_item(i) for i in ids], after, provider))


def _envelope(status: int, code: str, message: str, **more: Any) -> dict[str, Any]:
    return {
        "event_id": "evt-hostile-1",
        "type": code,
        "is_bifrost_error": True,
        "status_code": status,
        "error": {"type": code, "code": code, "message": message, **more},
        "extra_fields": {"provider": "openai", "request_type": "file_list"},
    }


envelope = _envelope


# -- TLS ------------------------------------------------------------------------------------


def self_signed_cert(directory: Path) -> tuple[Path, Path] | None:
    """A certificate for 127.0.0.1 and its key, made with ``openssl`` (None without it)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert, key


# -- the CLI --------------------------------------------------------------------------------


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str
    seconds: float
    lines: list[str] = field(default_factory=list)
    """stderr's lines."""


def run_cli(
    tmp_path: Path,
    *args: str,
    base_url: str | None = None,
    command: str = "files",
    token: str | None = TOKEN,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    python_prelude: str | None = None,
) -> CliResult:
    """``mpilot-tui COMMAND --base-url URL ARGS`` in a subprocess; every output captured."""
    extra = {"MPILOT_TOKEN": token} if token else {}
    environment = cli_env(str(tmp_path / "config.toml"), **extra, **(env or {}))
    environment["COLUMNS"] = "120"
    url_args = ["--base-url", base_url] if base_url else []
    if python_prelude is None:
        launcher = [sys.executable, "-m", "mpilot_tui"]
    else:
        code = python_prelude + "\nfrom mpilot_tui.cli import main\nmain(prog_name='mpilot-tui')"
        launcher = [sys.executable, "-c", code]
    start = time.monotonic()
    done = subprocess.run(
        [*launcher, command, *url_args, *args],
        env=environment,
        capture_output=True,
        timeout=timeout,
    )
    seconds = time.monotonic() - start
    stdout = captured("cli stdout", done.stdout.decode("utf-8", "replace"))
    stderr = captured("cli stderr", done.stderr.decode("utf-8", "replace"))
    return CliResult(done.returncode, stdout, stderr, seconds, stderr.splitlines())


def one_error_line(result: CliResult) -> str:
    """The single ``mpilot-tui: error:`` line on stderr (fails when there is not exactly one)."""
    errors = [line for line in result.lines if line.startswith("mpilot-tui: error: ")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    line = errors[0]
    assert "\x1b" not in line and "\x9b" not in line
    return line


# -- the browser ----------------------------------------------------------------------------


def with_userinfo(base_url: str) -> str:
    """``base_url`` with the Basic credentials as user info (``admin:ADMIN_PASSWORD@``)."""
    return base_url.replace("://", f"://admin:{ADMIN_PASSWORD}@", 1)


def tui_settings(base_url: str, **changes: Any) -> ConnectionSettings:
    options: dict[str, Any] = {
        "base_url": base_url, "auth": "bearer", "token": SecretStr(TOKEN), "retries": 0,
        "timeout": 10.0,
    }  # fmt: skip
    # A timeout far above what a loopback answer takes, even while the app draws its first
    # frames on a loaded machine; a test about the timeout itself passes a short one.
    options.update(changes)
    return ConnectionSettings(**options)


def make_tui(base_url: str, **changes: Any) -> MPilotApp:
    """The app on the hostile gateway; it owns (and closes) its client."""
    return create_app(Session(settings=tui_settings(base_url, **changes)))


def shown(app: MPilotApp) -> str:
    """What the terminal shows, captured for the secret sweep."""
    return captured("screen", screen_text(app))


def notifications(app: MPilotApp) -> list[str]:
    return [captured("notification", f"{n.title}: {n.message}") for n in said(app)]


def capture_everything(app: MPilotApp) -> None:
    """Every output of a running app: screen, notifications, screenshot, request history."""
    shown(app)
    notifications(app)
    captured("screenshot", app.export_screenshot())
    for record in app.client.history:
        captured("history", repr(record))
    screen = app.browser
    if screen.last_error is not None:
        captured("error", f"{screen.last_error!s} {screen.last_error!r}")


@contextlib.asynccontextmanager
async def running(
    app: MPilotApp, size: tuple[int, int] = (130, 36)
) -> AsyncIterator[tuple[Any, BrowserScreen]]:
    """Run the app; on the way out, capture everything it showed."""
    async with app.run_test(size=size) as pilot:
        screen = app.browser
        try:
            yield pilot, screen
        finally:
            if app.is_running:
                capture_everything(app)


async def first_page(pilot: Driver, screen: BrowserScreen, tries: int = 3) -> None:
    """Wait for the well-behaved first page.

    The tests give the client a short timeout so that hostile answers end quickly; the first
    page is asked for while the app draws its first frames, which on a loaded machine can
    hold the event loop past that timeout. A first page that timed out is retried (``r``, as
    a user would); any other error fails the test at once, naming it.
    """
    for attempt in range(1, tries + 1):
        await wait_for(
            pilot,
            lambda: screen.inflight is None and (len(screen.store) == 3 or screen.last_error),
            what="the first page or an error",
        )
        if len(screen.store) == 3:
            return  # (the table is short: the hostile page may have been prefetched already)
        error = screen.last_error
        if not isinstance(error, GatewayTimeout):
            raise AssertionError(f"the well-behaved first page failed: {error!r}")
        if attempt < tries:
            await pilot.press("r")
    raise AssertionError(f"the first page timed out {tries} times: {screen.last_error!r}")


async def first_page_then(pilot: Driver, screen: BrowserScreen) -> None:
    """Wait for the well-behaved first page, then page on (``G``) to the hostile one."""
    await first_page(pilot, screen)
    await pilot.press("G")
    await wait_for(pilot, lambda: screen.last_error is not None)
    await workers_done(pilot)


async def still_responsive(pilot: Driver, screen: BrowserScreen) -> None:
    """Keys still move the cursor."""
    start = screen.table.cursor
    target = start - 1 if start > 0 else 1
    await pilot.press("k" if start > 0 else "j")
    await wait_for(pilot, lambda: screen.table.cursor == target)


@contextlib.contextmanager
def server_with(tls: ssl.SSLContext | None = None) -> Iterator[HostileServer]:
    server = HostileServer(tls)
    try:
        yield server
    finally:
        server.close()


__all__ = [
    "ADMIN_PASSWORD",
    "CAPTURED",
    "FIRST_IDS",
    "SECRETS",
    "TOKEN",
    "CliResult",
    "Conn",
    "Handler",
    "HostileServer",
    "Seen",
    "capture_everything",
    "captured",
    "counting",
    "cut_short",
    "delayed",
    "envelope",
    "file_item",
    "files_body",
    "files_page",
    "first_page",
    "first_page_then",
    "hang",
    "json_reply",
    "leaks",
    "make_tui",
    "notifications",
    "one_error_line",
    "reply",
    "run_cli",
    "running",
    "self_signed_cert",
    "server_with",
    "shown",
    "still_responsive",
    "trickle",
    "tui_settings",
    "wait_for",
    "with_userinfo",
]
