"""Fixtures of the hostile suite: one loopback gateway, and the secret sweep around every test."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from helpers_hostile import CAPTURED, HostileServer, leaks


@pytest.fixture(scope="session")
def hostile_server() -> Iterator[HostileServer]:
    server = HostileServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def server(hostile_server: HostileServer) -> HostileServer:
    """The loopback gateway, well-behaved again and with nothing seen."""
    hostile_server.reset()
    return hostile_server


@pytest.fixture(autouse=True)
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """No tmux, GNU screen or macOS Terminal around a test (copying checks them), unless the
    test sets one itself."""
    for name in ("TMUX", "STY", "TERM_PROGRAM"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def secret_sweep(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Every test: collect every output (CLI, screen, notifications, screenshots, request
    history, errors, logs at DEBUG, captured stdout/stderr) and fail if a secret is in it."""
    CAPTURED.clear()
    caplog.set_level(logging.DEBUG)
    yield
    out, err = capsys.readouterr()
    texts = [*CAPTURED, ("stdout", out), ("stderr", err), ("log", caplog.text)]
    found = leaks(texts)
    CAPTURED.clear()
    assert not found, "a secret leaked:\n" + "\n".join(found)
