"""The app's queue of config-file changes (``ui/config_saves.py``), driven by hand: which
change is handed to a worker when, and what the drain at exit writes."""

from __future__ import annotations

import asyncio
import threading
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from mpilot_tui.config import ConfigError, ConfigStore
from mpilot_tui.ui.config_saves import ConfigChange, ConfigSaved, ConfigSaves

pytestmark = pytest.mark.asyncio


class Harness:
    """A queue whose workers are only recorded (the test runs them) and whose reports are
    only collected (the test hands them back, as the app's message loop would)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started: list[Callable[[], None]] = []
        self.posted: list[ConfigSaved] = []
        self.written: list[str] = []
        self.reported: list[tuple[str, ConfigError | None]] = []
        self.saves = ConfigSaves(self.started.append, self.posted.append)

    def theme(self, name: str, gate: threading.Event | None = None) -> ConfigChange:
        def edit(store: ConfigStore) -> bool:
            if gate is not None:
                assert gate.wait(10), "the test never opened the gate"
            store.set_theme(name)
            self.written.append(name)
            return True

        def done(error: ConfigError | None, wrote: bool) -> None:
            self.reported.append((name, error))

        return ConfigChange(self.path, edit, done)

    def on_disk(self) -> object:
        return tomllib.loads(self.path.read_text()).get("theme")


async def test_one_change_at_a_time_in_the_order_given(tmp_path: Path) -> None:
    queue = Harness(tmp_path / "config.toml")
    for name in ("a", "b", "c"):
        queue.saves.submit(queue.theme(name))
    assert len(queue.started) == 1, "the next change waits for the one running"
    for step in range(3):
        queue.started[step]()
        assert len(queue.posted) == step + 1
        queue.saves.finished(queue.posted[step])
    assert queue.written == ["a", "b", "c"] and queue.on_disk() == "c"
    assert [name for name, _ in queue.reported] == ["a", "b", "c"]
    assert not queue.saves.busy


async def test_drain_writes_what_no_worker_ran(tmp_path: Path) -> None:
    """At exit the worker handed ``b`` was cancelled before its thread started: the drain
    writes ``b`` and the queued ``c``; the late worker then finds nothing to do."""
    queue = Harness(tmp_path / "config.toml")
    for name in ("a", "b", "c"):
        queue.saves.submit(queue.theme(name))
    queue.started[0]()
    queue.saves.finished(queue.posted[0])
    assert len(queue.started) == 2
    await queue.saves.drain()
    assert queue.written == ["a", "b", "c"] and queue.on_disk() == "c"
    queue.started[1]()
    assert queue.written == ["a", "b", "c"], "a change is written once"
    assert not queue.saves.busy


async def test_a_report_handled_during_the_drain_starts_no_worker(tmp_path: Path) -> None:
    """The app still handles messages while it unmounts: the running change's report
    arrives while the drain waits for it. The next change must not go to a worker that
    will never run; the drain writes it."""
    queue = Harness(tmp_path / "config.toml")
    gate = threading.Event()
    queue.saves.submit(queue.theme("a", gate))
    queue.saves.submit(queue.theme("b"))
    worker = threading.Thread(target=queue.started[0])
    worker.start()
    drain = asyncio.create_task(queue.saves.drain())
    await asyncio.sleep(0)  # the drain starts and waits for "a"
    gate.set()
    worker.join(10)
    queue.saves.finished(queue.posted[0])
    assert len(queue.started) == 1, "no worker is started once the drain has begun"
    await asyncio.wait_for(drain, 10)
    assert queue.written == ["a", "b"] and queue.on_disk() == "b"


async def test_an_unexpected_error_is_reported_and_the_queue_goes_on(tmp_path: Path) -> None:
    queue = Harness(tmp_path / "config.toml")

    def broken(store: ConfigStore) -> bool:
        raise TypeError("a bug in an edit")

    queue.saves.submit(ConfigChange(queue.path, broken, lambda error, wrote: None))
    queue.saves.submit(queue.theme("b"))
    queue.started[0]()
    message = queue.posted[0]
    assert isinstance(message.error, ConfigError) and "a bug in an edit" in str(message.error)
    queue.saves.finished(message)
    await queue.saves.drain()
    assert queue.on_disk() == "b"
