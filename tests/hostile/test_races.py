"""Races and load: rapid switching, quitting mid-request, and a slow gateway."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from helpers_hostile import (
    FIRST_IDS,
    TOKEN,
    Conn,
    Handler,
    HostileServer,
    Seen,
    captured,
    files_page,
    hang,
    make_tui,
    running,
    shown,
    wait_for,
)
from helpers_net import cli_env
from helpers_ui import workers_done
from textual.worker import Worker, WorkerState

SWITCHES = 50


def listing_workers(screen: object) -> list[Worker[Any]]:
    return [
        worker
        for worker in screen.workers  # type: ignore[attr-defined]
        if worker.group == "listing" and not worker.is_finished
    ]


async def test_fifty_switches_end_with_the_last_selection_only(server: HostileServer) -> None:
    released = threading.Event()

    def held_until_released(seen: Seen, conn: Conn) -> None:
        # No answer comes before the last switch: the switches always outrun the gateway.
        while not released.is_set():
            if not conn.sleep(0.02):
                return
        files_page(seen.query.get("provider", "openai"), after=None)(seen, conn)

    server.routes["/openai/v1/files"] = held_until_released
    app = make_tui(server.base_url, timeout=5)
    async with running(app) as (pilot, screen):
        started = time.monotonic()
        for n in range(SWITCHES):
            screen.select(provider=f"custom-{n:02d}")
            # Paced to fifty in two seconds (a switch every 40 ms), the app running between.
            await pilot.pause(max(0.0, started + (n + 1) * 0.04 - time.monotonic()))
        released.set()
        last = f"custom-{SWITCHES - 1:02d}"
        await wait_for(pilot, lambda: len(screen.store) == 3 and screen.inflight is None)
        # Every request for an earlier selection has ended (answered late or cancelled); none won.
        await workers_done(pilot)
        assert screen.store.ids == [f"file-{last}-{n}" for n in range(1, 4)]
        assert {page.extra_fields.provider for page in screen.store.pages} == {last}
        assert screen.last_error is None
        assert listing_workers(screen) == []
        text = shown(app)
        assert f"file-{last}-1" in text and "3 rows" in text
        assert "custom-00" not in text.replace(last, "")


class Held:
    """A handler that holds its answer until released, and notices the client hanging up."""

    def __init__(self, then: Handler | None = None) -> None:
        self.then = then
        self.released = threading.Event()
        self.hung_up = threading.Event()
        """The client closed the connection (its request was cancelled)."""
        self.answered = threading.Event()

    def __call__(self, seen: Seen, conn: Conn) -> None:
        conn.sock.settimeout(0.05)
        while not self.released.is_set() and not conn.stop.is_set():
            try:
                if conn.sock.recv(1) == b"":
                    break
            except TimeoutError:
                continue
            except OSError:
                break
        else:
            if self.then is not None and self.released.is_set():
                conn.sock.settimeout(30)
                self.then(seen, conn)
                self.answered.set()
            return
        self.hung_up.set()


async def test_quitting_during_a_request_cancels_it(server: HostileServer) -> None:
    held = Held()
    server.file_pages[None] = held
    app = make_tui(server.base_url, timeout=30)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.browser
        await wait_for(pilot, lambda: len(server.requests("/openai/v1/files")) == 1)
        assert screen.inflight is not None
        (worker,) = listing_workers(screen)
        shown(app)
        await pilot.press("q")
    # The app ended with the request still unanswered: the worker was cancelled, not waited
    # for, and the client hung up on the gateway.
    assert not held.released.is_set()
    assert worker.state == WorkerState.CANCELLED
    assert held.hung_up.wait(30)
    assert app.return_code == 0


async def test_a_slow_gateway_does_not_freeze_input(server: HostileServer) -> None:
    held = Held(files_page(after=None))
    server.file_pages["c1"] = held
    app = make_tui(server.base_url, timeout=30)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 3)
        # The next page is asked for at once (the cursor is near the end); it is held.
        await pilot.press("G")
        await wait_for(pilot, lambda: screen.inflight is not None)
        await wait_for(pilot, lambda: len(server.requests("/openai/v1/files")) == 2)
        assert screen.table.cursor == 2
        await pilot.press("k", "k")
        await wait_for(pilot, lambda: screen.table.cursor == 0)
        await pilot.press("j")
        await wait_for(pilot, lambda: screen.table.cursor == 1)
        # Every key landed while the answer was still held back.
        assert not held.answered.is_set()
        assert "loading" in shown(app)
        assert screen.inflight is not None
        (worker,) = listing_workers(screen)
        await pilot.press("q")
    assert worker.state == WorkerState.CANCELLED
    assert held.hung_up.wait(30)
    assert screen.store.ids == FIRST_IDS


def test_the_real_app_quits_mid_request(server: HostileServer, tmp_path: Path) -> None:
    """``mpilot-tui`` in a pseudo-terminal: ``q`` while a request hangs ends the process."""
    server.file_pages[None] = hang()
    env = cli_env(str(tmp_path / "config.toml"), MPILOT_TOKEN=TOKEN, TERM="xterm-256color")
    env.update(COLUMNS="120", LINES="36")
    primary, secondary = os.openpty()
    os.set_blocking(primary, False)
    process = subprocess.Popen(
        [sys.executable, "-m", "mpilot_tui", "--base-url", server.base_url],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=env,
        start_new_session=True,
    )
    os.close(secondary)
    screen = b""
    try:
        deadline = time.monotonic() + 20
        while not server.requests("/openai/v1/files") or b"mpilot-tui" not in screen:
            assert time.monotonic() < deadline, "the app did not start"
            screen += _read(primary, 0.05)
        screen += _read(primary, 0.3)
        pressed = time.monotonic()
        os.write(primary, b"q")
        while process.poll() is None and time.monotonic() - pressed < 5:
            screen += _read(primary, 0.02)
        elapsed = time.monotonic() - pressed
        # The promise tested here is that q ends the process while a request hangs (the loop
        # above gives up after 5 s). How fast it ends is a figure, not a bound for a test on a
        # shared machine (docs/security.md gives it).
        assert process.poll() == 0, (process.poll(), elapsed)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(primary)
        captured("pty", screen.decode("utf-8", "replace"))
    assert b"Traceback" not in screen


def _read(fd: int, wait: float) -> bytes:
    ready, _, _ = select.select([fd], [], [], wait)
    if not ready:
        return b""
    try:
        return os.read(fd, 65536)
    except (BlockingIOError, OSError):
        return b""
