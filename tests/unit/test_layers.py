"""The layering rules run: import-linter's contracts, and the headless path stays Textual-free."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

import mpilot_tui

ROOT = Path(mpilot_tui.__file__).parent.parent
PYPROJECT = ROOT / "pyproject.toml"


def _contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def _top_level_modules() -> set[str]:
    package = Path(mpilot_tui.__file__).parent
    names = {path.stem for path in package.glob("*.py") if path.stem != "__init__"}
    names |= {path.parent.name for path in package.glob("*/__init__.py")}
    return {f"mpilot_tui.{name}" for name in names}


def test_the_import_contracts_are_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    assert lint_imports(str(PYPROJECT), cache_dir=str(tmp_path), no_logo=True) == 0


def test_every_module_but_ui_is_held_to_the_textual_rule() -> None:
    held = set(_contracts()["textual"]["source_modules"])  # type: ignore[call-overload]
    assert held == _top_level_modules() - {"mpilot_tui.ui"}


def test_every_module_but_api_is_held_to_the_network_rule() -> None:
    held = set(_contracts()["network"]["source_modules"])  # type: ignore[call-overload]
    assert held == _top_level_modules() - {"mpilot_tui.api"}


def test_the_demo_is_kept_apart_from_every_client_module() -> None:
    forbidden = set(_contracts()["demo-alone"]["forbidden_modules"])  # type: ignore[call-overload]
    assert forbidden == _top_level_modules() - {"mpilot_tui.demo", "mpilot_tui.__main__"}


def test_every_private_module_of_the_client_is_kept_inside_it() -> None:
    contract = _contracts()["api-private"]
    package = Path(mpilot_tui.__file__).parent / "api"
    private = {f"mpilot_tui.api.{path.stem}" for path in package.glob("_*.py")}
    private.discard("mpilot_tui.api.__init__")
    assert set(contract["forbidden_modules"]) == private  # type: ignore[call-overload]
    held = set(contract["source_modules"])  # type: ignore[call-overload]
    # The demo imports nothing of the client's at all (its own contract).
    assert held == _top_level_modules() - {"mpilot_tui.api", "mpilot_tui.demo"}


HEADLESS_LISTING = """
import sys
from mpilot_tui.cli import main
try:
    main(["--demo", "files", "--limit", "3", "--all", "--format", "ndjson"])
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
loaded = sorted(name for name in sys.modules if name == "textual" or name.startswith("textual."))
print("TEXTUAL:", ",".join(loaded) or "none", file=sys.stderr)
"""


def _python(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``script`` run by a fresh interpreter (nothing imported yet), its output as text."""
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip


def test_the_cli_listing_path_never_imports_textual(tmp_path: Path) -> None:
    env = {**os.environ, "MPILOT_TUI_CONFIG": str(tmp_path / "no-config.toml")}
    env.pop("MPILOT_TOKEN", None)
    done = _python(HEADLESS_LISTING, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1200  # the whole demo listing came out, as NDJSON
    assert "TEXTUAL: none" in done.stderr


ENV_ONLY_LISTING = """
import sys
from mpilot_tui.cli import main
try:
    main(["files", "--all", "--limit", "3", "--format", "csv"])
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
heavy = ("textual", "tomlkit", "mpilot_tui.config.models", "mpilot_tui.config.store")
loaded = sorted(name for name in sys.modules if name.startswith(heavy))
print("HEAVY:", ",".join(loaded) or "none", file=sys.stderr)
"""


@pytest.mark.parametrize("config_file", [False, True], ids=["env-only", "with-config-file"])
def test_the_files_command_without_a_config_file_loads_no_tomlkit_nor_textual(
    tmp_path: Path, config_file: bool
) -> None:
    """Configured by the environment alone, ``files`` builds no config model and imports
    neither tomlkit nor Textual; with a config file there, it reads it (models, tomlkit)."""
    from helpers_net import cli_env, demo_server

    config = tmp_path / "config.toml"
    if config_file:
        config.write_text('theme = "textual-dark"\n')
    with demo_server("--files", "7", "--auth", "vk", "--virtual-key", "sk-bf-test") as base_url:
        env = cli_env(str(config), MPILOT_BASE_URL=base_url, MPILOT_TOKEN="sk-bf-test")
        done = _python(ENV_ONLY_LISTING, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 8  # the CSV header, then the 7 files
    heavy = done.stderr.split("HEAVY: ", 1)[1].split()[0].split(",")
    if config_file:
        assert "tomlkit" in heavy and "mpilot_tui.config.models" in heavy
        assert not any(name.startswith("textual") for name in heavy)
    else:
        assert heavy == ["none"]


BROWSER_START = """
import sys
import mpilot_tui.cli, mpilot_tui.config.session, mpilot_tui.demo.app, mpilot_tui.ui.app
lazy = ("mpilot_tui.api.log_models", "mpilot_tui.api.logs", "mpilot_tui.reqlog.explain",
        "mpilot_tui.reqlog.stats", "mpilot_tui.formats.writers", "mpilot_tui.cli.listing",
        "statistics")
print("LOADED:", ",".join(sorted(n for n in lazy if n in sys.modules)) or "none")
"""


def test_the_browser_start_leaves_the_request_log_and_the_writers_for_first_use() -> None:
    """What the browser imports to start (the CLI's root, the app, the in-process demo)
    holds neither the request log's models and logic nor the export writers: they are
    loaded by the Requests view, a copy or an export, not by every cold start."""
    done = _python(BROWSER_START, dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert "LOADED: none" in done.stdout, done.stdout


def test_the_request_log_package_names_load_on_first_use() -> None:
    import mpilot_tui.reqlog as reqlog
    from mpilot_tui.reqlog import explain, filters, stats

    assert sorted(reqlog.__all__) == sorted(reqlog._HOMES)
    homes = {"explain": explain, "filters": filters, "stats": stats}
    for name in reqlog.__all__:
        assert getattr(reqlog, name) is getattr(homes[reqlog._HOMES[name]], name)
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = reqlog.no_such_name
