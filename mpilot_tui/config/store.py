"""Load, change and save ``config.toml`` without losing what the user wrote.

The file is held as a tomlkit document, so comments, key order, blank lines and tables
this code never touches survive a round trip. Every change is validated before it is
kept (a bad value raises :class:`ConfigError` and the document is left as it was), and
:meth:`ConfigStore.save` writes atomically: a private temporary file in the same folder,
``fsync``, then ``os.replace``; the result is mode 0600 in a folder created 0700.

A file that does not parse or validate never becomes a :class:`ConfigStore`, so nothing
can write over it. Two writers never lose each other's change: :meth:`~ConfigStore.save`
takes an advisory lock (``fcntl.flock`` on ``.NAME.lock`` beside the file, with a timeout),
re-reads the file under it and, when another process changed it since it was loaded,
replays this store's changes on what is there now before replacing it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import SecretStr
from tomlkit.items import Whitespace
from tomlkit.toml_document import TOMLDocument

from mpilot_tui.config.errors import ConfigError
from mpilot_tui.config.models import (
    MAX_CONTAINER_ID_CHARS,
    MAX_RECENT_CONTAINERS,
    PROFILE_NAME_PATTERN,
    ConfigFile,
    ProfileConfig,
)
from mpilot_tui.config.validation import foreign_tables, parse_config_text, validate_data

__all__ = ["ConfigStore", "unknown_profile_error", "write_private_file"]

_NEW_FILE_HEADER = (
    "mpilot-tui settings: edit by hand or with `mpilot-tui profiles ...`.",
    "Keep this file private (chmod 600) if it holds a token.",
)


def unknown_profile_error(name: str, names: Iterable[str], path: Path) -> ConfigError:
    """The error for a profile name that is not in the file, listing the ones that are."""
    existing = list(names)
    if existing:
        listing = "profiles: " + ", ".join(existing)
    else:
        listing = "there are no profiles yet (add one with: mpilot-tui profiles add NAME)"
    return ConfigError(f"no profile named {name!r} in {path}; {listing}", path=path)


def _make_private_dir(folder: Path) -> None:
    if folder.is_dir():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)


def write_private_file(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``, readable by its owner only (0600).

    A symlinked path is followed, so the link's target is replaced rather than the link.
    """
    target = Path(os.path.realpath(path))
    try:
        _make_private_dir(target.parent)
        _remove_stale_temporaries(target)
        fd, temp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}", path=path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}", path=path) from None
    if os.name == "posix":
        with contextlib.suppress(OSError):
            folder_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(folder_fd)
            finally:
                os.close(folder_fd)


MAX_CONFIG_BYTES = 1 << 20
"""The largest config file read (a settings file is a few kilobytes)."""


STALE_TEMPORARY_SECONDS = 60.0
"""A temporary of ours older than this was left by a process killed while writing."""


def _remove_stale_temporaries(target: Path) -> None:
    """Remove the ``.NAME.XXXXXXXX.tmp`` files a killed write left beside ``target`` (they
    may hold a token); a younger one may be another process's write in progress."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[A-Za-z0-9_]{{8}}\.tmp")
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if not pattern.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_TEMPORARY_SECONDS:
                    os.unlink(entry.path)


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes, None when it does not exist. What is not a regular file (a FIFO
    would block the read forever, ``/dev/zero`` never ends) and a file over
    :data:`MAX_CONFIG_BYTES` are refused."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}", path=path) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"cannot read {path}: not a regular file", path=path)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}", path=path) from None
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"cannot read {path}: larger than {MAX_CONFIG_BYTES // 1024} KB", path=path
        )
    return data


LOCK_TIMEOUT_SECONDS = 5.0
"""How long a write waits for another process's write to the same config file."""


def _lock_path(path: Path) -> Path:
    target = Path(os.path.realpath(path))
    return target.parent / f".{target.name}.lock"


@contextlib.contextmanager
def _write_lock(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the advisory lock of ``path``'s writers (a separate lock file: the config file
    itself is replaced by each write, so a lock on it would not outlive the write)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no advisory locks; the write is still atomic
        yield
        return
    timeout = LOCK_TIMEOUT_SECONDS if timeout is None else timeout
    lock = _lock_path(path)
    try:
        _make_private_dir(lock.parent)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot lock {path}: {exc.strerror or exc}", path=path) from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise ConfigError(
                        f"cannot lock {path}: {exc.strerror or exc}", path=path
                    ) from None
                if time.monotonic() >= deadline:
                    raise ConfigError(
                        f"{path} is being written by another mpilot-tui (its lock {lock.name}"
                        f" was held for {timeout:g} s); nothing was written, try again",
                        path=path,
                    ) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _toml_value(value: object) -> object:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, list | tuple):
        array = tomlkit.array()
        array.extend(_toml_value(item) for item in value)
        return array
    return value


class ConfigStore:
    """The config file as a document that can be changed and saved back."""

    def __init__(self, path: Path, document: TOMLDocument, loaded: bytes | None) -> None:
        """Use :meth:`load`; this takes a document already validated."""
        self.path = path
        """The config file this store reads and writes."""
        self._document = document
        self._config = validate_data(document.unwrap(), path=path)
        self._loaded = loaded
        self._journal: list[Callable[[TOMLDocument], None]] = []
        """The changes made since the last save, replayed on a file another process
        changed meanwhile."""

    @classmethod
    def load(cls, path: Path) -> ConfigStore:
        """Read and validate ``path``; a missing file gives an empty store.

        Raises :class:`ConfigError` (naming the file, line and key) when the file is not
        UTF-8, not TOML, or not valid; nothing is written in that case.
        """
        path = Path(path)
        raw = _read_bytes(path)
        if raw is None:
            return cls(path, tomlkit.document(), None)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})", path=path) from None
        document, _ = parse_config_text(text, path)
        return cls(path, document, raw)

    @property
    def exists(self) -> bool:
        """True when the file existed when loaded (or has been saved since)."""
        return self._loaded is not None

    @property
    def foreign_tables(self) -> list[str]:
        """Top-level tables the file holds that this version does not read (kept as is)."""
        return foreign_tables(self._document.unwrap())

    def warnings(self) -> list[str]:
        """What the user should know about the file itself."""
        names = self.foreign_tables
        if not names:
            return []
        shown = ", ".join(f"[{name}]" for name in names)
        known = ", ".join(f"[{name}]" for name in ("profiles", "keymap", "columns"))
        return [f"{self.path}: {shown} not read (kept as is); the tables read are {known}"]

    @property
    def config(self) -> ConfigFile:
        """The validated contents, reflecting every change made so far."""
        return self._config

    @property
    def default_profile(self) -> str | None:
        """The ``default_profile`` setting."""
        return self._config.default_profile

    def profile_names(self) -> list[str]:
        """The profiles' names, in file order."""
        return self._config.profile_names()

    def get_profile(self, name: str) -> ProfileConfig:
        """The named profile; :class:`ConfigError` listing the names when there is none."""
        try:
            return self._config.profiles[name]
        except KeyError:
            raise unknown_profile_error(name, self.profile_names(), self.path) from None

    def _change(self, change: Callable[[TOMLDocument], None]) -> None:
        """Apply ``change`` to the document and validate; undo it if the result is invalid."""
        before = self._document.as_string()
        try:
            change(self._document)
            self._config = validate_data(self._document.unwrap())
        except Exception:
            self._document = tomlkit.parse(before)
            raise
        self._journal.append(change)

    def _profiles_table(self, document: TOMLDocument) -> MutableMapping[str, Any]:
        if "profiles" not in document:
            if not self.exists and not document.body:
                for line in _NEW_FILE_HEADER:
                    document.add(tomlkit.comment(line))
                document.add(tomlkit.nl())
            document["profiles"] = tomlkit.table(is_super_table=True)
        profiles = document["profiles"]
        assert isinstance(profiles, MutableMapping)
        return profiles

    def set_profile(
        self, name: str, values: Mapping[str, object], *, replace: bool = False
    ) -> None:
        """Create or change the profile ``name``.

        Each key of ``values`` is a :class:`ProfileConfig` field; ``None`` removes the key.
        An existing profile keeps the keys not mentioned (and their comments) unless
        ``replace`` is true. Raises :class:`ConfigError` for a bad name, key or value.
        """
        if not re.fullmatch(PROFILE_NAME_PATTERN, name):
            raise ConfigError(
                f"bad profile name {name!r}: use letters, digits, '-' and '_',"
                " starting with a letter or digit"
            )
        fields = list(ProfileConfig.model_fields)
        unknown = [key for key in values if key not in fields]
        if unknown:
            raise ConfigError(
                f"unknown profile setting {unknown[0]!r}; allowed: {', '.join(fields)}"
            )

        existed = name in self._config.profiles

        def change(document: TOMLDocument) -> None:
            profiles = self._profiles_table(document)
            if (name in profiles) != existed:
                # Replayed on a file another writer changed: adding a profile it has just
                # added too (or changing one it removed) must not merge the two.
                done = "added" if existed is False else "removed"
                raise ConfigError(f"profile {name!r} was {done} by another writer meanwhile")
            if name not in profiles:
                table = tomlkit.table()
                for key in sorted(values, key=fields.index):
                    if values[key] is not None:
                        table[key] = _toml_value(values[key])
                table.add(Whitespace("\n", fixed=False))
                profiles[name] = table
                return
            existing = profiles[name]
            assert isinstance(existing, MutableMapping)
            if replace:
                for key in [key for key in existing if key not in values]:
                    del existing[key]
            for key, value in values.items():
                if value is None:
                    existing.pop(key, None)
                else:
                    existing[key] = _toml_value(value)

        self._change(change)

    def remove_profile(self, name: str) -> None:
        """Delete the profile; if it was the default, ``default_profile`` goes too."""
        self.get_profile(name)

        def change(document: TOMLDocument) -> None:
            profiles = document["profiles"]
            assert isinstance(profiles, MutableMapping)
            del profiles[name]
            if document.get("default_profile") == name:
                del document["default_profile"]

        self._change(change)

    def set_default(self, name: str) -> None:
        """Make ``name`` the default profile."""
        self.get_profile(name)

        def change(document: TOMLDocument) -> None:
            document["default_profile"] = name

        self._change(change)

    def set_theme(self, theme: str) -> None:
        """Remember the browser's theme (top-level ``theme``)."""

        def change(document: TOMLDocument) -> None:
            document["theme"] = theme

        self._change(change)

    def set_columns(self, view: str, hidden: Iterable[str], widths: Mapping[str, int]) -> None:
        """Keep the column chooser's choice for ``view`` (``[columns.VIEW]``); nothing hidden
        and no width set removes the table."""
        hidden_keys, set_widths = list(hidden), dict(widths)

        def change(document: TOMLDocument) -> None:
            if "columns" not in document:
                if not hidden_keys and not set_widths:
                    return
                document["columns"] = tomlkit.table(is_super_table=True)
            columns = document["columns"]
            assert isinstance(columns, MutableMapping)
            if not hidden_keys and not set_widths:
                columns.pop(view, None)
                if not columns:
                    del document["columns"]
                return
            table = tomlkit.table()
            if hidden_keys:
                table["hidden"] = _toml_value(hidden_keys)
            if set_widths:
                inline = tomlkit.inline_table()
                inline.update(set_widths)
                table["widths"] = inline
            columns[view] = table

        self._change(change)

    def add_recent_container(self, profile: str, container_id: str) -> bool:
        """Put ``container_id`` first in the profile's recent containers (at most 10); False,
        and nothing changed, for an id longer than :data:`MAX_CONTAINER_ID_CHARS`."""
        self.get_profile(profile)
        if not container_id:
            raise ConfigError("a container id cannot be empty")
        if len(container_id) > MAX_CONTAINER_ID_CHARS:
            return False

        def change(document: TOMLDocument) -> None:
            # The list is read from the document changed, so a replay on a file another
            # writer saved keeps the containers that writer remembered.
            table = self._profiles_table(document).get(profile)
            if not isinstance(table, MutableMapping):
                raise ConfigError(f"profile {profile!r} was removed by another writer meanwhile")
            recent = [str(item) for item in table.get("recent_containers", [])]
            updated = [container_id, *(item for item in recent if item != container_id)]
            table["recent_containers"] = _toml_value(updated[:MAX_RECENT_CONTAINERS])

        self._change(change)
        return True

    def save(self) -> None:
        """Write the document back atomically (mode 0600, folder created 0700), under the
        writers' lock. When the file changed on disk since it was loaded (another
        ``profiles add``, another app), this store's changes are replayed on what is there
        now, so neither write is lost; a change that no longer applies (its profile was
        removed meanwhile) raises :class:`ConfigError` and nothing is written.
        """
        with _write_lock(self.path):
            current = _read_bytes(self.path)
            if current != self._loaded:
                self._replay_on(current)
            text = self._document.as_string().rstrip("\n") + "\n"
            parse_config_text(text, self.path)
            data = text.encode("utf-8")
            write_private_file(self.path, data)
        self._loaded = data
        self._journal.clear()

    def _replay_on(self, current: bytes | None) -> None:
        """Make the document what is on disk now with this store's changes applied again."""
        fresh = ConfigStore.load(self.path) if current is not None else None
        document = fresh._document if fresh is not None else tomlkit.document()
        kept, loaded = self._document, self._loaded
        self._document, self._loaded = document, current
        try:
            for change in self._journal:
                change(self._document)
            self._config = validate_data(self._document.unwrap(), path=self.path)
        except ConfigError as exc:
            self._document, self._loaded = kept, loaded
            raise ConfigError(
                f"{self.path} changed on disk while this change was made, and the change no"
                f" longer applies to it: {exc}; nothing was written",
                path=self.path,
            ) from None
        except (KeyError, AssertionError, ValueError, TypeError):
            self._document, self._loaded = kept, loaded
            raise ConfigError(
                f"{self.path} changed on disk while this change was made (another process"
                " removed or rewrote what it changes); nothing was written. Run it again.",
                path=self.path,
            ) from None
