"""Which config file is used: --config > MPILOT_TUI_CONFIG > the user config folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpilot_tui.config import config_path


def test_default_is_config_toml_in_the_user_config_folder(isolated_config_dir: Path) -> None:
    assert config_path(env={}) == isolated_config_dir / "config.toml"


def test_environment_overrides_the_default(tmp_path: Path) -> None:
    chosen = tmp_path / "elsewhere.toml"
    assert config_path(env={"MPILOT_TUI_CONFIG": str(chosen)}) == chosen


def test_flag_overrides_the_environment(tmp_path: Path) -> None:
    env = {"MPILOT_TUI_CONFIG": str(tmp_path / "from-env.toml")}
    assert config_path(tmp_path / "from-flag.toml", env) == tmp_path / "from-flag.toml"


def test_empty_environment_value_is_ignored(isolated_config_dir: Path) -> None:
    assert config_path(None, {"MPILOT_TUI_CONFIG": ""}) == isolated_config_dir / "config.toml"


def test_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MPILOT_TUI_CONFIG", str(tmp_path / "x.toml"))
    assert config_path() == tmp_path / "x.toml"


def test_tilde_is_expanded_and_the_path_made_absolute(tmp_path: Path) -> None:
    home = Path.home()
    assert config_path("~/my.toml", {}) == home / "my.toml"
    assert config_path("relative.toml", {}).is_absolute()
