"""Config files that are not what they seem (issue 14, items 8 and 10).

A FIFO as the config path used to hang every command, ``/dev/zero`` ran out of memory, and
a write killed midway left a ``.config.toml.*.tmp`` holding the stored token behind.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from helpers_hostile import TOKEN, run_cli

from mpilot_tui.cli.common import EXIT_OK, EXIT_USAGE
from mpilot_tui.config import ConfigError
from mpilot_tui.config.store import MAX_CONFIG_BYTES, ConfigStore, write_private_file


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_as_the_config_file_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        ConfigStore.load(fifo)
    result = run_cli(tmp_path, "list", command="profiles", timeout=30)
    assert result.code == EXIT_USAGE
    assert "not a regular file" in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_as_the_config_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a regular file"):
        ConfigStore.load(Path("/dev/zero"))


def test_a_huge_config_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"# " + b"x" * MAX_CONFIG_BYTES + b"\n")
    with pytest.raises(ConfigError, match="larger than"):
        ConfigStore.load(path)


def test_a_stale_temporary_left_by_a_killed_write_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    write_private_file(path, b"")
    stale = tmp_path / ".config.toml.abcd1234.tmp"
    stale.write_text(f'token = "{TOKEN}"\n')
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = tmp_path / ".config.toml.efgh5678.tmp"  # another writer's, in progress
    fresh.write_text("")
    other = tmp_path / ".other.toml.abcd1234.tmp"  # not ours
    other.write_text("")
    os.utime(other, (old, old))
    result = run_cli(
        tmp_path, "add", "p", "--base-url", "http://127.0.0.1:9", command="profiles", token=None
    )
    assert result.code == EXIT_OK, result.stderr
    assert not stale.exists()
    assert fresh.exists() and other.exists()
    # What a write leaves is private, and no temporary of its own stays.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.glob(".config.toml.*.tmp")) == [fresh.name]
