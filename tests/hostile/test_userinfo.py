"""Passwords in URLs, ports that are no port, and what a profile remembers (issue 14, items
5, 10 and 14).

A base URL or proxy URL may carry ``user:password@``. The password is the admin password of
the sweep (``ADMIN_PASSWORD``), so the secret sweep fails any test that lets it through; each
test also asserts the masked form is what is shown.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest
from helpers_hostile import ADMIN_PASSWORD, one_error_line, run_cli, shown, wait_for
from textual.widgets import Input

from mpilot_tui.api import GatewayClient, errors
from mpilot_tui.api.redaction import restore_url_password
from mpilot_tui.api.settings import ConnectionSettings
from mpilot_tui.cli.common import EXIT_USAGE
from mpilot_tui.config import ConfigStore
from mpilot_tui.config.models import MAX_CONTAINER_ID_CHARS, MAX_RECENT_CONTAINERS
from mpilot_tui.config.session import resolve_session
from mpilot_tui.demo import DemoConfig
from mpilot_tui.demo import create_app as create_demo
from mpilot_tui.ui.app import create_app
from mpilot_tui.ui.screens.profiles import ProfileForm, ProfileSwitcher

BASE_URL = f"http://admin:{ADMIN_PASSWORD}@gateway.test:8080"
PROXY = f"http://proxyuser:{ADMIN_PASSWORD}@proxy.test:3128"
CONFIG = f"""\
default_profile = "alpha"

[profiles.alpha]
base_url = "{BASE_URL}"
auth = "none"
proxy = "{PROXY}"
"""
MASKED_URL = "http://admin:••••@gateway.test:8080"
MASKED_PROXY = "http://proxyuser:••••@proxy.test:3128"


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    path.chmod(0o600)
    for name in ("MPILOT_PROFILE", "MPILOT_BASE_URL", "MPILOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MPILOT_TUI_CONFIG", str(path))
    return path


def demo_factory(settings: ConnectionSettings) -> GatewayClient:
    """Any profile reaches an in-process demo gateway (no proxy is dialled)."""
    demo = create_demo(DemoConfig(files=3))
    plain = dataclasses.replace(settings, proxy=None)
    return GatewayClient(plain, transport=httpx.ASGITransport(app=demo))


# -- item 5: user-info passwords ----------------------------------------------------------


def test_cli_profiles_list_and_show_mask_url_passwords(config_file: Path) -> None:
    listed = run_cli(config_file.parent, "list", command="profiles", token=None)
    assert listed.code == 0, listed.stderr
    assert MASKED_URL in listed.stdout
    shown_profile = run_cli(config_file.parent, "show", "alpha", command="profiles", token=None)
    assert shown_profile.code == 0, shown_profile.stderr
    assert f"base_url:          {MASKED_URL}" in shown_profile.stdout
    assert f"proxy:             {MASKED_PROXY}" in shown_profile.stdout


def test_cli_invalid_url_error_masks_the_password(tmp_path: Path) -> None:
    result = run_cli(tmp_path, base_url=f"http://admin:{ADMIN_PASSWORD}@[::1")
    assert result.code == EXIT_USAGE
    assert one_error_line(result) == (
        "mpilot-tui: error: base URL 'http://admin:••••@[::1' is not a valid URL"
    )


async def test_switcher_and_edit_form_mask_url_passwords(config_file: Path) -> None:
    app = create_app(resolve_session(config_file=config_file), client_factory=demo_factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.browser.inflight is None)
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileSwitcher))
        await wait_for(pilot, lambda: MASKED_URL in shown(app), what="the masked URL")
        assert MASKED_URL in shown(app)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileForm))
        form = app.screen
        assert form.query_one("#pf-url", Input).value == MASKED_URL
        assert form.query_one("#pf-proxy", Input).value == MASKED_PROXY
        shown(app)
        # Saving unchanged keeps the passwords in the file; the form never held them in view.
        form.query_one("#pf-timeout", Input).value = "12"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileSwitcher))
        shown(app)
    saved = ConfigStore.load(config_file).get_profile("alpha")
    assert (saved.base_url, saved.proxy, saved.timeout) == (BASE_URL, PROXY, 12.0)


def test_a_masked_url_edited_elsewhere_keeps_its_password() -> None:
    edited = MASKED_URL.replace("8080", "9090")
    assert restore_url_password(edited, BASE_URL) == BASE_URL.replace("8080", "9090")
    # A password typed over the mask is the new password; no mask, nothing to restore.
    assert restore_url_password("http://admin:new@h", BASE_URL) == "http://admin:new@h"
    assert restore_url_password(MASKED_URL, "http://gateway.test") == MASKED_URL


# -- item 10: a port that is no TCP port -------------------------------------------------


@pytest.mark.parametrize("port", ["99999", "0", "65536", "http"])
def test_cli_refuses_an_invalid_port(tmp_path: Path, port: str) -> None:
    result = run_cli(tmp_path, base_url=f"http://admin:{ADMIN_PASSWORD}@127.0.0.1:{port}")
    assert result.code == EXIT_USAGE
    line = one_error_line(result)
    assert "has an invalid port (a number from 1 to 65535)" in line
    assert "ExceptionGroup" not in result.stderr and "TaskGroup" not in result.stderr


def test_profiles_add_refuses_an_invalid_port(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path, "add", "p", "--base-url", "http://h:99999", "--auth", "none",
        command="profiles", token=None,
    )  # fmt: skip
    assert result.code == EXIT_USAGE
    assert "has an invalid port" in one_error_line(result)
    assert not (tmp_path / "config.toml").exists()


def test_the_browser_refuses_an_invalid_port_before_it_starts(tmp_path: Path) -> None:
    # ``mpilot-tui --base-url URL`` (no command) opens the browser; stdin is no terminal here.
    result = run_cli(tmp_path, "http://127.0.0.1:99999", command="--base-url")
    assert result.code == EXIT_USAGE
    assert "has an invalid port (a number from 1 to 65535)" in one_error_line(result)


def test_a_client_on_an_invalid_port_is_a_clear_error() -> None:
    """Settings made without the config's check (a caller's own) still end in the client's
    error, not an ``ExceptionGroup`` from the connect."""
    settings = ConnectionSettings(base_url="http://127.0.0.1:99999", auth="none")
    with pytest.raises(errors.RequestValidationError, match="port 99999 is not a TCP port"):
        GatewayClient(settings)


# -- item 14: what a profile remembers -----------------------------------------------------


def test_recent_containers_are_capped_in_count_and_length(config_file: Path) -> None:
    store = ConfigStore.load(config_file)
    for number in range(MAX_RECENT_CONTAINERS + 5):
        store.add_recent_container("alpha", f"cntr_{number}")
    store.add_recent_container("alpha", "cntr_" + "x" * 200_000)
    store.save()
    recent = ConfigStore.load(config_file).get_profile("alpha").recent_containers
    assert len(recent) == MAX_RECENT_CONTAINERS
    assert recent[0] == f"cntr_{MAX_RECENT_CONTAINERS + 4}"
    assert all(len(item) <= MAX_CONTAINER_ID_CHARS for item in recent)
    assert config_file.stat().st_size < 4096


async def test_the_app_does_not_remember_a_huge_container_id(config_file: Path) -> None:
    app = create_app(resolve_session(config_file=config_file), client_factory=demo_factory)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.browser.inflight is None)
        app.remember_container("cntr_" + "x" * 200_000)
        app.remember_container("cntr_ok")
        await wait_for(pilot, lambda: not app.config_saves.busy, what="both changes written")
        shown(app)
    assert ConfigStore.load(config_file).get_profile("alpha").recent_containers == ["cntr_ok"]
    assert config_file.stat().st_size < 4096
