"""Config-file changes made off the event loop, one at a time, in the order asked.

A save takes the writers' lock (it may wait up to the lock's timeout for another process)
and writes a file with ``fsync``: neither belongs on the UI thread. The app hands each
change to :class:`ConfigSaves`, which runs it in a thread worker (load the file, apply the
change, save), and calls the change's ``done`` back on the UI thread with the outcome.
Changes run strictly one after another, so a later change (the theme chosen last, say)
is never overwritten by an earlier one that happened to finish later. Changes still
queued when the app ends are written before it closes.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from textual.message import Message

from ..config.errors import ConfigError

if TYPE_CHECKING:  # the store (tomlkit, the config models) loads with the first change
    from ..config.store import ConfigStore

__all__ = ["ConfigChange", "ConfigHost", "ConfigSaved", "ConfigSaves", "apply_change"]


@dataclass(frozen=True)
class ConfigChange:
    """One change to the config file.

    ``edit`` changes the loaded store and returns whether there is anything to write; it
    runs in a worker thread and must not touch widgets. ``done`` runs on the UI thread
    with the error (or ``None``) and whether the file was written.
    """

    path: Path
    edit: Callable[[ConfigStore], bool]
    done: Callable[[ConfigError | None, bool], None]


class ConfigSaved(Message):
    """A change was applied (or failed); posted by the saving thread to the app."""

    def __init__(self, change: ConfigChange, error: ConfigError | None, wrote: bool) -> None:
        super().__init__()
        self.change = change
        self.error = error
        self.wrote = wrote


def apply_change(change: ConfigChange) -> tuple[ConfigError | None, bool]:
    """Load, edit and save: what the worker thread runs (and the app at exit)."""
    from ..config.store import ConfigStore

    try:
        store = ConfigStore.load(change.path)
        if not change.edit(store):
            return None, False
        store.save()
    except ConfigError as exc:
        return exc, False
    return None, True


class _Running:
    """The change being written, claimed once: by its thread, or at exit by :meth:`drain`
    when the thread never started (its worker was cancelled first)."""

    def __init__(self, change: ConfigChange) -> None:
        self.change = change
        self.claimed = False
        self.lock = threading.Lock()
        self.done = threading.Event()

    def claim(self) -> bool:
        with self.lock:
            if self.claimed:
                return False
            self.claimed = True
            return True

    def run(self) -> tuple[ConfigError | None, bool]:
        try:
            return apply_change(self.change)
        except Exception as exc:  # reported, and the queue goes on
            return ConfigError(f"the config file was not saved: {exc}"), False
        finally:
            self.done.set()


class ConfigSaves:
    """The app's queue of config changes; see the module's docstring.

    ``start`` runs a function in a thread worker; ``post`` posts a message to the app
    (from that thread).
    """

    def __init__(
        self,
        start: Callable[[Callable[[], None]], object],
        post: Callable[[ConfigSaved], object],
    ) -> None:
        self._start = start
        self._post = post
        self._queue: deque[ConfigChange] = deque()
        self._running: _Running | None = None
        self._closing = False

    @property
    def busy(self) -> bool:
        """Whether a change is being written or waits to be."""
        return self._running is not None or bool(self._queue)

    def submit(self, change: ConfigChange) -> None:
        self._queue.append(change)
        self._next()

    def finished(self, message: ConfigSaved) -> None:
        """The running change ended: report it and start the next one."""
        self._running = None
        try:
            message.change.done(message.error, message.wrote)
        finally:
            self._next()

    async def drain(self) -> None:
        """At exit: let the running change end, then write the queued ones in turn.

        The app may still handle messages meanwhile (a ``ConfigSaved`` arriving now ends in
        :meth:`finished`), so from here on nothing is handed to a worker: this loop writes
        every change itself until none is running or waiting.
        """
        self._closing = True
        while True:
            running, self._running = self._running, None
            if running is None:
                if not self._queue:
                    return
                running = _Running(self._queue.popleft())
            if running.claim():  # not started (or its worker was cancelled first)
                await asyncio.to_thread(running.run)
            else:
                await asyncio.to_thread(running.done.wait)

    def _next(self) -> None:
        if self._closing or self._running is not None or not self._queue:
            return
        running = self._running = _Running(self._queue.popleft())

        def work() -> None:
            if running.claim():
                error, wrote = running.run()
                self._post(ConfigSaved(running.change, error, wrote))

        self._start(work)


class ConfigHost(Protocol):
    """The app, as screens that change the config file see it."""

    config_saves: ConfigSaves
