"""Real loopback servers for end-to-end tests: the demo gateway as a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(tmp_config: str, **extra: str) -> dict[str, str]:
    """An environment for running mpilot-tui with a throwaway config file."""
    # pytest-xdist's workers export COLUMNS=80 and LINES=24: inherited, they would size every
    # table and terminal a test starts to 80x24 under xdist only. A test that wants a width
    # gives it in ``extra``.
    inherited = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env = {k: v for k, v in inherited.items() if not k.startswith("MPILOT_")}
    env["MPILOT_TUI_CONFIG"] = tmp_config
    env.update(extra)
    return env


@contextmanager
def demo_server(*args: str) -> Iterator[str]:
    """``mpilot-tui demo-server`` on a free loopback port; yields its base URL.

    Another test process may take the port between ``free_port`` and the server's bind (the
    suite runs on several xdist workers), so a server that exits at start-up is tried again
    on a new port."""
    for _attempt in range(3):
        port = free_port()
        command: Sequence[str] = [
            sys.executable, "-m", "mpilot_tui", "demo-server", "--port", str(port), *args,
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base_url = f"http://127.0.0.1:{port}"
        try:
            if _wait_healthy(process, base_url):
                yield base_url
                return
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
    raise RuntimeError("demo-server did not start")


def _wait_healthy(process: subprocess.Popen[bytes], base_url: str) -> bool:
    """Whether the server answers ``/health``; false once it has exited."""
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            return False
        if time.monotonic() > deadline:
            raise RuntimeError("demo-server did not answer /health")
        time.sleep(0.1)


def keep(into: list[bytes]) -> Callable[[bytes], bool]:
    """A content sink that keeps every chunk in ``into`` and asks for more."""

    def sink(chunk: bytes) -> bool:
        into.append(chunk)
        return True

    return sink
