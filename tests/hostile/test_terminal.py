"""The real app in a pseudo-terminal: signals, Ctrl-C and crashes leave the terminal usable
and end with the documented exit code.

SIGTERM used to kill the app with the alternate screen and mouse tracking still on (moving
the mouse then typed garbage into the shell); Ctrl-C only said how to quit; and a crash
printed a traceback and exited 0.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers_hostile import captured
from helpers_net import cli_env

from mpilot_tui.ui.app import EXIT_CRASH, EXIT_INTERRUPTED

ALT_SCREEN_OFF = b"\x1b[?1049l"
MOUSE_OFF = b"\x1b[?1000l"
STARTUP = 60.0
"""Seconds the app may take to show its first rows on a busy machine (a bound, not a wait)."""

CRASH_PRELUDE = """
from mpilot_tui.ui.screens import browser
def _broken(self):
    raise RuntimeError("an unexpected bug")
browser.BrowserScreen._show_detail = _broken
"""


@dataclass
class Terminal:
    pid: int
    fd: int
    output: bytearray = field(default_factory=bytearray)

    def read_until(self, needle: bytes, timeout: float = STARTUP) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.output:
            assert time.monotonic() < deadline, f"{needle!r} never came: {self.text()[-2000:]}"
            if not self._read(0.2):
                break
        assert needle in self.output, self.text()[-2000:]

    def _read(self, wait: float) -> bool:
        """Read what is there; False at the end of the output."""
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the other side is closed
            return False
        self.output.extend(data)
        return bool(data)

    def exit_code(self, timeout: float = 30.0) -> int:
        """Read to the end, then the child's exit code (negative: killed by that signal)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            at_end = not self._read(0.2)
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                while self._read(0.05):
                    pass
                return os.waitstatus_to_exitcode(status)
            if at_end:
                time.sleep(0.05)
        raise AssertionError(f"the app did not end: {self.text()[-2000:]}")

    def text(self) -> str:
        return captured("pty", self.output.decode("utf-8", "replace"))


@contextlib.contextmanager
def app_in_pty(tmp_path: Path, prelude: str = "") -> Iterator[Terminal]:
    """``mpilot-tui --demo`` on a 120x36 pseudo-terminal of its own (its controlling one)."""
    env = cli_env(str(tmp_path / "config.toml"))
    env["TERM"] = "xterm-256color"
    env.pop("TEXTUAL", None)
    code = prelude + "\nfrom mpilot_tui.cli import main\nmain(prog_name='mpilot-tui')"
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.execve(sys.executable, [sys.executable, "-c", code, "--demo"], env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    terminal = Terminal(pid, fd)
    try:
        yield terminal
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        with contextlib.suppress(OSError):
            os.close(fd)
        terminal.text()


def restored(terminal: Terminal, after: int) -> None:
    """The terminal was given back: alternate screen and mouse tracking off."""
    tail = bytes(terminal.output[after:])
    assert ALT_SCREEN_OFF in tail, terminal.text()[-1000:]
    assert MOUSE_OFF in tail, terminal.text()[-1000:]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_restores_the_terminal_and_exits_128_plus_it(
    tmp_path: Path, signum: int, code: int
) -> None:
    with app_in_pty(tmp_path) as terminal:
        terminal.read_until(b"file-")
        mark = len(terminal.output)
        os.kill(terminal.pid, signum)
        assert terminal.exit_code() == code
        restored(terminal, mark)


def test_a_hang_up_ends_the_app_with_129(tmp_path: Path) -> None:
    """The terminal goes away (an SSH connection drops): the kernel sends SIGHUP, and the
    restore sequences can no longer be written; the app still ends, with 129."""
    with app_in_pty(tmp_path) as terminal:
        terminal.read_until(b"file-")
        os.close(terminal.fd)
        deadline = time.monotonic() + 30
        while (done := os.waitpid(terminal.pid, os.WNOHANG))[0] == 0:
            assert time.monotonic() < deadline, "the app outlived its terminal"
            time.sleep(0.1)
        assert os.waitstatus_to_exitcode(done[1]) == 129


def test_ctrl_c_quits_with_130(tmp_path: Path) -> None:
    with app_in_pty(tmp_path) as terminal:
        terminal.read_until(b"file-")
        mark = len(terminal.output)
        os.write(terminal.fd, b"\x03")
        assert terminal.exit_code() == EXIT_INTERRUPTED
        restored(terminal, mark)
        assert b"mpilot-tui: interrupted" in terminal.output[mark:]


def test_q_quits_with_0(tmp_path: Path) -> None:
    with app_in_pty(tmp_path) as terminal:
        terminal.read_until(b"file-")
        os.write(terminal.fd, b"q")
        assert terminal.exit_code() == 0


def test_an_unexpected_crash_exits_non_zero_and_says_the_rows_are_lost(tmp_path: Path) -> None:
    with app_in_pty(tmp_path, CRASH_PRELUDE) as terminal:
        assert terminal.exit_code(timeout=STARTUP) == EXIT_CRASH
        text = terminal.text()
        assert "RuntimeError" in text
        assert "mpilot-tui: error: the app stopped on an unexpected error" in text
        assert "loaded rows were lost" in text


@pytest.mark.parametrize("key", ["e", "P"])
def test_a_key_right_after_q_still_quits_cleanly(tmp_path: Path, key: str) -> None:
    """``q`` and a key that opens a screen, typed at once (one write): the app exits 0 with
    no ``NoMatches`` traceback (the screen would mount on an app taking its screens down)."""
    with app_in_pty(tmp_path) as terminal:
        terminal.read_until(b"file-")
        os.write(terminal.fd, b"q" + key.encode())
        assert terminal.exit_code() == 0
        assert "Traceback" not in terminal.text() and "NoMatches" not in terminal.text()
