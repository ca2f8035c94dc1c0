"""The garbage collector held off while the program starts (mpilot_tui.collector)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mpilot_tui import collector
from mpilot_tui.cli import main


@pytest.mark.usefixtures("collector_restored")
def test_hold_stops_the_collector_and_release_freezes_then_starts_it() -> None:
    collector.hold()
    assert not gc.isenabled()
    frozen = gc.get_freeze_count()
    collector.release()
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen  # the start's objects: skipped by later collections
    gc.disable()
    collector.release()  # once only: a later release leaves the collector as it is
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_restored")
def test_release_without_hold_changes_nothing() -> None:
    gc.disable()  # e.g. a program that imports the package and runs without the collector
    # Not 0: an earlier test in this process may have left objects frozen (a row store
    # freezes what survives its landings); what this one checks is that release adds none.
    frozen = gc.get_freeze_count()
    collector.hold()  # a disabled collector is not taken over
    collector.release()
    assert not gc.isenabled()
    assert gc.get_freeze_count() == frozen


@pytest.mark.usefixtures("collector_restored")
def test_a_headless_command_runs_with_the_collector_on(tmp_path: Path) -> None:
    seen: list[bool] = []
    real_release = collector.release

    def release() -> None:
        real_release()
        seen.append(gc.isenabled())

    collector.hold()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(collector, "release", release)
        patch.setenv("MPILOT_TUI_CONFIG", str(tmp_path / "none.toml"))
        result = CliRunner().invoke(main, ["--demo", "files", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert seen == [True]
    assert gc.isenabled()


SCRIPT = """
import gc, sys
import mpilot_tui.__main__ as entry
from mpilot_tui import collector
states = []
real = collector.release
def release():
    states.append(("before", gc.isenabled()))
    real()
    states.append(("after", gc.isenabled()))
collector.release = release
sys.argv = ["mpilot-tui", "--demo", "files", "--limit", "1", "--format", "json"]
try:
    entry.run()
except SystemExit:
    pass
print(states, file=sys.stderr)
"""


def test_the_console_script_holds_the_collector_until_the_command_starts(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "MPILOT_TUI_CONFIG": str(tmp_path / "none.toml")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "[('before', False), ('after', True)]" in done.stderr
