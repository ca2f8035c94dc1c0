"""Two writers of one config file at once (issue 14, item 6).

Two ``profiles add`` run together used to lose a profile in 6 runs of 20 while both exited
0: each read the file, checked it had not changed, and replaced it. Writes now take an
advisory lock, re-read the file under it, and replay their change on what is there.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_net import cli_env

from mpilot_tui.config import ConfigError
from mpilot_tui.config import store as store_module
from mpilot_tui.config.store import ConfigStore

pytestmark = pytest.mark.skipif(os.name != "posix", reason="advisory locks are POSIX")


def _profile(port: int) -> dict[str, object]:
    return {"base_url": f"http://127.0.0.1:{port}", "auth": "none"}


def test_a_store_loaded_before_another_write_keeps_both_changes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    first, second = ConfigStore.load(path), ConfigStore.load(path)
    first.set_profile("one", _profile(1))
    second.set_profile("two", _profile(2))
    first.save()
    second.save()  # the file changed since `second` read it: its change is replayed on it
    assert ConfigStore.load(path).profile_names() == ["one", "two"]
    second.set_profile("three", _profile(3))
    second.save()
    assert ConfigStore.load(path).profile_names() == ["one", "two", "three"]


def test_a_change_that_no_longer_applies_is_refused_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    setup = ConfigStore.load(path)
    setup.set_profile("gone", _profile(1))
    setup.set_profile("kept", _profile(2))
    setup.save()
    remover, editor = ConfigStore.load(path), ConfigStore.load(path)
    remover.remove_profile("gone")
    remover.save()
    before = path.read_bytes()
    editor.remove_profile("gone")
    with pytest.raises(ConfigError, match="changed on disk"):
        editor.save()
    assert path.read_bytes() == before
    assert ConfigStore.load(path).profile_names() == ["kept"]


def test_a_write_waits_for_the_lock_then_says_so_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    store = ConfigStore.load(path)
    store.set_profile("one", _profile(1))
    monkeypatch.setattr(store_module, "LOCK_TIMEOUT_SECONDS", 0.2)
    holder = os.open(tmp_path / ".config.toml.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(ConfigError, match="being written by another mpilot-tui"):
            store.save()
        assert not path.exists()
    finally:
        os.close(holder)
    store.save()
    assert ConfigStore.load(path).profile_names() == ["one"]
    assert os.stat(tmp_path / ".config.toml.lock").st_mode & 0o077 == 0


def _add_at_once(path: str, name: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    store = ConfigStore.load(Path(path))
    store.set_profile(name, _profile(1000 + int(name[1:])))
    barrier.wait()
    store.save()


def test_writers_racing_in_many_processes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    context = multiprocessing.get_context("fork")
    writers = 6
    for round_ in range(4):
        barrier = context.Barrier(writers)
        names = [f"p{round_ * writers + n}" for n in range(writers)]
        processes = [
            context.Process(target=_add_at_once, args=(str(path), name, barrier)) for name in names
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=60)
        assert [process.exitcode for process in processes] == [0] * writers
    names = ConfigStore.load(path).profile_names()
    assert sorted(names) == sorted(f"p{n}" for n in range(4 * writers))


def test_profiles_add_run_together_all_land(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    env = cli_env(str(config))
    count = 8

    def add(n: int) -> list[str]:
        url = f"http://127.0.0.1:{2000 + n}"
        return [sys.executable, "-m", "mpilot_tui", "profiles", "add", f"p{n}", "--base-url", url]

    processes = [
        subprocess.Popen(
            [*add(n), "--auth", "none"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        for n in range(count)
    ]
    results = [process.communicate(timeout=120) for process in processes]
    codes = [process.returncode for process in processes]
    assert codes == [0] * count, [err.decode() for _, err in results]
    assert sorted(ConfigStore.load(config).profile_names()) == sorted(f"p{n}" for n in range(count))


def test_two_adds_of_one_profile_name_are_not_merged(tmp_path: Path) -> None:
    """Two `profiles add prod` at once: the later must not merge its settings (say, another
    base URL) into the profile the first just created with its token source."""
    path = tmp_path / "config.toml"
    first, second = ConfigStore.load(path), ConfigStore.load(path)
    first.set_profile("prod", {"base_url": "https://a.example", "token_env": "A_TOK"})
    second.set_profile("prod", {"base_url": "https://b.example", "auth": "none"})
    first.save()
    with pytest.raises(ConfigError, match="added by another writer"):
        second.save()
    profile = ConfigStore.load(path).get_profile("prod")
    assert profile.base_url == "https://a.example" and profile.token_env == "A_TOK"


def test_recent_containers_of_two_writers_are_both_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    setup = ConfigStore.load(path)
    setup.set_profile("prod", _profile(1))
    setup.save()
    first, second = ConfigStore.load(path), ConfigStore.load(path)
    assert first.add_recent_container("prod", "cntr_first")
    assert second.add_recent_container("prod", "cntr_second")
    first.save()
    second.save()
    recent = ConfigStore.load(path).get_profile("prod").recent_containers
    assert list(recent) == ["cntr_second", "cntr_first"]
