"""The real app in a real terminal (tmux) against demo-server over loopback."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers_net import cli_env, demo_server

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    # Under `--dist loadgroup`, with the other real-socket tests on one worker.
    pytest.mark.xdist_group("e2e"),
]


SOCKET = f"mpilot-e2e-{uuid.uuid4().hex[:8]}"
"""This module's own tmux server (``tmux -L``), apart from any the user runs."""


def tmux_command(*args: str) -> list[str]:
    return ["tmux", "-L", SOCKET, *args]


def tmux(*args: str) -> str:
    return subprocess.run(tmux_command(*args), check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module", autouse=True)
def tmux_server() -> Iterator[None]:
    """One server for the module, kept up by a session that waits: a server whose last
    session was just killed exits, and a ``new-session`` that reached it meanwhile failed
    with "server exited unexpectedly" (a test's second terminal, right after its first)."""
    tmux("new-session", "-d", "-s", "keep-server", "sleep 3600")
    socket = Path(tmux("display-message", "-p", "-t", "keep-server", "#{socket_path}").strip())
    yield
    subprocess.run(tmux_command("kill-server"), capture_output=True)
    socket.unlink(missing_ok=True)


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
            screen = wait_screen(session, "app.help")  # the help's first keys
            tmux("send-keys", "-t", session, "Escape")
            time.sleep(0.3)
            tmux("send-keys", "-t", session, "q")
            wait_screen(session, "Quit mpilot-tui?")  # more than a page would be lost
            tmux("send-keys", "-t", session, "q")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                check = tmux_command("has-session", "-t", session)
                alive = subprocess.run(check, capture_output=True)
                if alive.returncode != 0:
                    break
                time.sleep(0.2)
            else:
                raise AssertionError("the app did not quit on q")
        finally:
            subprocess.run(tmux_command("kill-session", "-t", session), capture_output=True)


# -- what a new user ran into -------------------------------------------------------------

ID = re.compile(r"\b(?:file|cntr|cfile)[-_][A-Za-z0-9]{24}\b")
"""A whole demo id (a cut one ends in an ellipsis and does not match)."""


@pytest.fixture(scope="module")
def several_pages() -> Iterator[str]:
    with demo_server("--files", "450", "--keys", "3") as base_url:
        yield base_url


def _shell_env(tmp_path: Path, **extra: str) -> str:
    """``env`` arguments: the pane's shell may export COLUMNS/LINES of the pane's size when
    it started (80x24, before tmux resized it), which would win over the terminal's size in
    the app and the CLI: they are unset unless a test gives them."""
    env = cli_env(str(tmp_path / "config.toml"), **extra)
    keep = ("MPILOT_", "PATH", "HOME", "LANG", "TERM", "PYTHON", "LC_", "COLUMNS")
    pairs = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k.startswith(keep))
    return f"-u COLUMNS -u LINES {pairs}"


@contextmanager
def in_tmux(command: str, width: int = 120, height: int = 36) -> Iterator[str]:
    session = f"mpilot-e2e-{uuid.uuid4().hex[:8]}"
    # The pane stays after the command ends, so what a CLI printed can be read.
    tmux("new-session", "-d", "-x", str(width), "-y", str(height), "-s", session,
         f"{command}; echo '<<exit '$?'>>'; sleep 30")  # fmt: skip
    try:
        yield session
    finally:
        subprocess.run(tmux_command("kill-session", "-t", session), capture_output=True)


def _app(tmp_path: Path, base_url: str) -> str:
    exports = _shell_env(tmp_path, MPILOT_BASE_URL=base_url)
    return f"env {exports} {shlex.quote(sys.executable)} -m mpilot_tui"


def _cli(tmp_path: Path, *args: str, **env: str) -> str:
    exports = _shell_env(tmp_path, **env)
    quoted = " ".join(shlex.quote(a) for a in args)
    return f"env {exports} {shlex.quote(sys.executable)} -m mpilot_tui {quoted}"


def test_end_lands_on_the_true_last_row_of_several_pages(
    tmp_path: Path, several_pages: str
) -> None:
    with in_tmux(_app(tmp_path, several_pages)) as session:
        wait_screen(session, "more available")
        tmux("send-keys", "-t", session, "End")  # once: the listing follows to its end
        screen = wait_screen(session, "row 450 of 450", timeout=30)
        assert "450 rows · all loaded" in screen


def test_an_id_is_shown_whole_at_120_columns(tmp_path: Path, several_pages: str) -> None:
    with in_tmux(_app(tmp_path, several_pages)) as session:
        screen = wait_screen(session, "more available")
        rows = [line for line in screen.splitlines() if "file-" in line]
        assert rows, screen
        assert all(ID.search(line) for line in rows), screen
        assert max(len(line) for line in screen.splitlines()) == 120, "drawn at 120 columns"


def test_typing_in_the_page_size_dialog_and_q_closing_a_dialog(
    tmp_path: Path, several_pages: str
) -> None:
    # The mode bar fits its width: "page: N" shows at 120 columns whatever else it holds
    # (the row count would not do: the next page is prefetched at once).
    with in_tmux(_app(tmp_path, several_pages)) as session:
        wait_screen(session, "more available")
        assert "page: 100" in capture(session)
        tmux("send-keys", "-t", session, "s")
        wait_screen(session, "type a value")
        tmux("send-keys", "-t", session, "250", "Enter")
        wait_screen(session, "page: 250")
        tmux("send-keys", "-t", session, "s")
        wait_screen(session, "type a value")
        tmux("send-keys", "-t", session, "Down")  # to the list, where q is not typed
        time.sleep(0.3)
        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 10
        while "type a value" in (screen := capture(session)):
            assert time.monotonic() < deadline, f"q did not close the dialog:\n{screen}"
            time.sleep(0.2)
        assert "page: 250" in screen and "<<exit" not in screen, "the app is still there"


def test_cli_containers_table_in_a_terminal_shows_whole_ids(tmp_path: Path) -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "mpilot_tui", "containers", "--demo", "--format", "ndjson"],
        capture_output=True, text=True, timeout=60,
        env=cli_env(str(tmp_path / "config.toml")),
    )  # fmt: skip
    ids = [json.loads(line)["id"] for line in listed.stdout.splitlines()]
    assert ids
    for width in (120, 80):
        with in_tmux(_cli(tmp_path, "containers", "--demo"), width=width) as session:
            screen = wait_screen(session, "<<exit 0>>")
            for container_id in ids:
                assert container_id in screen, screen


def test_cli_under_a_latin1_encoding_writes_what_it_can(tmp_path: Path) -> None:
    command = _cli(tmp_path, "files", "--demo", "--limit", "10", PYTHONIOENCODING="latin-1")
    with in_tmux(command, width=80) as session:
        screen = wait_screen(session, "<<exit 0>>")
        assert "Traceback" not in screen and "UnicodeEncodeError" not in screen
        assert "..." in screen
        assert len([line for line in screen.splitlines() if ID.search(line)]) == 10


def test_app_on_a_terminal_without_unicode_draws_aligned_ascii(
    tmp_path: Path, several_pages: str
) -> None:
    exports = _shell_env(
        tmp_path, MPILOT_BASE_URL=several_pages, LC_ALL="C", LANG="C", PYTHONUTF8="0",
        PYTHONCOERCECLOCALE="0", PYTHONIOENCODING="",
    )  # fmt: skip
    command = f"env {exports} {shlex.quote(sys.executable)} -m mpilot_tui"
    with in_tmux(command) as session:
        screen = wait_screen(session, "more available")
        assert "\\u" not in screen, "no literal escapes"
        assert "+- Providers" in screen
        lines = [line for line in screen.splitlines() if line.startswith("|")]
        assert lines
        # Cell for cell: every bordered line ends in the right-hand border, at the same place.
        assert {len(line) for line in lines} == {120}, screen
        assert all(line.isascii() for line in screen.splitlines()), screen
        assert len([line for line in lines if ID.search(line)]) >= 10, "ids whole"


def test_cli_all_shows_progress_on_a_terminal_and_erases_it(
    tmp_path: Path, several_pages: str
) -> None:
    out = tmp_path / "rows.ndjson"
    command = _cli(
        tmp_path, "files", "--all", "--limit", "20", "--format", "ndjson",
        MPILOT_BASE_URL=several_pages,
    ) + f" > {shlex.quote(str(out))}"  # fmt: skip
    with in_tmux(command) as session:
        seen: set[str] = set()
        deadline = time.monotonic() + 30
        while "<<exit" not in (screen := capture(session)):
            assert time.monotonic() < deadline, screen
            seen.update(line for line in screen.splitlines() if "rows/s" in line)
            time.sleep(0.05)
        assert "<<exit 0>>" in screen
        assert re.search(r"450 files in \d+ pages", screen), screen
        assert "rows/s" not in screen, "the progress line is erased at the end"
    assert "\x1b" not in out.read_text() and len(out.read_text().splitlines()) == 450
    # The line is rewritten per page; on a loaded machine a capture may miss every one.
    assert all(re.search(r"[\d,]+ files, [\d,]+ pages?, ", line) for line in seen)
