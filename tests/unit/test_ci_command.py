"""The README's test command is the one CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import mpilot_tui

ROOT = Path(mpilot_tui.__file__).parent.parent


def _ci_command() -> str:
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line.strip() for line in lines if line.strip().startswith(".venv/bin/pytest")]
    assert len(commands) == 1, commands
    return commands[0]


def test_the_readme_runs_the_tests_as_ci_does() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"\.venv/bin/pytest[^\n`&|;]*", readme)
    assert commands, "the README gives no test command"
    assert {command.strip() for command in commands} == {_ci_command()}


def test_ci_runs_the_suite_on_two_workers_keeping_groups_together() -> None:
    words = _ci_command().split()
    assert words[words.index("-n") + 1] == "2"
    assert words[words.index("--dist") + 1] == "loadgroup"
