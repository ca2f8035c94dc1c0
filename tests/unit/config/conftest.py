"""Every test here runs against a private temporary config folder and a clean environment.

The real user config folder is never read or written: platformdirs' lookup is pointed at
``tmp_path``, ``HOME``/``XDG_CONFIG_HOME`` are moved there too, and the variables that
steer the configuration are removed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from mpilot_tui.cli.profiles import register
from mpilot_tui.config import paths

STEERING_VARIABLES = (
    paths.CONFIG_ENV,
    paths.PROFILE_ENV,
    paths.BASE_URL_ENV,
    paths.TOKEN_ENV,
    paths.ADMIN_USERNAME_ENV,
    paths.ADMIN_PASSWORD_ENV,
)


@pytest.fixture(autouse=True)
def isolated_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the default config file would be in, under ``tmp_path``."""
    user_dir = tmp_path / "user-config" / "mpilot-tui"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    monkeypatch.setattr(paths, "user_config_path", lambda *args, **kwargs: user_dir)
    for name in STEERING_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return user_dir


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file path (not yet created) that ``MPILOT_TUI_CONFIG`` points at."""
    path = tmp_path / "cfg" / "config.toml"
    monkeypatch.setenv(paths.CONFIG_ENV, str(path))
    return path


@pytest.fixture
def write_config(config_file: Path) -> Callable[[str], Path]:
    """Write text to the config file (creating its folder) and return the path."""

    def write(text: str) -> Path:
        config_file.parent.mkdir(parents=True, exist_ok=True)
        config_file.write_text(text, encoding="utf-8")
        os.chmod(config_file, 0o600)
        return config_file

    return write


@click.group()
def _root() -> None:
    """A stand-in for the real root group."""


register(_root)


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run ``mpilot-tui ARGS`` (the profiles and config groups) and return the result."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(_root, list(args), input=input, catch_exceptions=False)

    return invoke
