"""The real app in a real terminal (tmux) against demo-server over loopback."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from helpers_net import cli_env, demo_server

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    # Under `--dist loadgroup`, with the other real-socket tests on one worker.
    pytest.mark.xdist_group("e2e"),
]


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def capture(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_screen(session: str, needle: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if needle in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared on screen:\n{screen}")


def test_browse_page_and_quit_in_tmux(tmp_path: Path) -> None:
    session = f"mpilot-e2e-{uuid.uuid4().hex[:8]}"
    with demo_server("--files", "450", "--keys", "3") as base_url:
        env = cli_env(str(tmp_path / "config.toml"), MPILOT_BASE_URL=base_url)
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k.startswith(
            ("MPILOT_", "PATH", "HOME", "LANG", "TERM")))  # fmt: skip
        command = f"env {exports} {shlex.quote(sys.executable)} -m mpilot_tui"
        tmux("new-session", "-d", "-x", "120", "-y", "36", "-s", session, command)
        try:
            screen = wait_screen(session, "file-")
            assert "127.0.0.1" in screen
            assert "Filename" in screen
            wait_screen(session, "more available")
            # End, again whenever a page has landed, until the listing is whole.
            deadline = time.monotonic() + 30
            while "450 rows · all loaded" not in (screen := capture(session)):
                assert time.monotonic() < deadline, f"never all loaded:\n{screen}"
                tmux("send-keys", "-t", session, "G")
                time.sleep(0.5)
            assert "450 rows" in screen
            tmux("send-keys", "-t", session, "?")
            screen = wait_screen(session, "browser.refresh")
            tmux("send-keys", "-t", session, "Escape")
            time.sleep(0.3)
            tmux("send-keys", "-t", session, "q")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                alive = subprocess.run(["tmux", "has-session", "-t", session], capture_output=True)
                if alive.returncode != 0:
                    break
                time.sleep(0.2)
            else:
                raise AssertionError("the app did not quit on q")
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
