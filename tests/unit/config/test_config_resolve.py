"""resolve_connection: flags > environment > profile > defaults, and its warnings."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mpilot_tui.config import (
    ConfigError,
    NotConfiguredError,
    permission_warnings,
    resolve_connection,
)
from mpilot_tui.config.session import Session

PROFILE_TOKEN = "sk-bf-profile0000000001"
ENV_TOKEN = "sk-bf-environment000002"

TWO_PROFILES = f"""\
default_profile = "local"

[profiles.local]
base_url = "http://localhost:8080"
token = "{PROFILE_TOKEN}"
auth = "x-bf-vk"
timeout = 12.5
page_size = 25
order = "asc"
default_provider = "azure"
default_mode = "container-files"
recent_containers = ["cntr_b", "cntr_a"]

[profiles.prod]
base_url = "https://gw.example.com"
token_env = "PROD_TOKEN"
"""


def resolve(*, env: dict[str, str] | None = None, **flags: Any) -> Session:
    """resolve_connection with ``env`` plus the MPILOT_TUI_CONFIG the fixtures set."""
    given = {"MPILOT_TUI_CONFIG": os.environ["MPILOT_TUI_CONFIG"], **(env or {})}
    return resolve_connection(env=given, **flags)


@pytest.fixture
def two_profiles(write_config: Callable[[str], Path]) -> Path:
    return write_config(TWO_PROFILES)


def token_of(resolved: Session) -> str | None:
    token = resolved.settings.token
    return None if token is None else token.get_secret_value()


def test_profile_values_are_used(two_profiles: Path) -> None:
    resolved = resolve(env={})
    settings = resolved.settings
    assert resolved.profile_name == settings.profile == "local"
    assert (settings.base_url, settings.auth, settings.timeout) == (
        "http://localhost:8080",
        "x-bf-vk",
        12.5,
    )
    assert token_of(resolved) == PROFILE_TOKEN
    assert (resolved.page_size, resolved.order) == (25, "asc")
    assert (resolved.default_provider, resolved.default_mode) == ("azure", "container-files")
    assert resolved.recent_containers == ("cntr_b", "cntr_a")
    assert resolved.config_file == two_profiles


def test_defaults_fill_what_the_profile_leaves_out(two_profiles: Path) -> None:
    resolved = resolve(profile="prod", env={"PROD_TOKEN": "t" * 30})
    assert (resolved.settings.auth, resolved.settings.timeout) == ("bearer", 30.0)
    assert (resolved.page_size, resolved.order) == (100, "desc")
    assert (resolved.default_provider, resolved.default_mode) == ("openai", "files")
    assert resolved.recent_containers == ()


def test_profile_choice_flag_beats_env_beats_default(two_profiles: Path) -> None:
    env = {"PROD_TOKEN": "x" * 20}
    assert resolve(env=env).profile_name == "local"
    env_choice = {**env, "MPILOT_PROFILE": "prod"}
    assert resolve(env=env_choice).profile_name == "prod"
    assert resolve(profile="local", env=env_choice).profile_name == "local"


def test_base_url_flag_beats_env_beats_profile(two_profiles: Path) -> None:
    assert resolve(env={}).settings.base_url == "http://localhost:8080"
    env = {"MPILOT_BASE_URL": "http://127.0.0.1:9000"}
    assert resolve(env=env).settings.base_url == "http://127.0.0.1:9000"
    flagged = resolve(base_url="http://localhost:7000/", env=env)
    assert flagged.settings.base_url == "http://localhost:7000"


def test_base_url_naming_another_gateway_skips_the_default_profile(
    write_config: Callable[[str], Path],
) -> None:
    write_config(
        'default_profile = "slow"\n[profiles.slow]\nbase_url = "http://localhost:8080"\n'
        'token_env = "SLOW_TOKEN"\npage_size = 7\n'
    )
    flagged = resolve(base_url="http://127.0.0.1:18999", env={})
    from_env = resolve(env={"MPILOT_BASE_URL": "http://127.0.0.1:18999"})
    for resolved in (flagged, from_env):
        assert (resolved.profile_name, resolved.settings.profile) == (None, None)
        assert resolved.settings.base_url == "http://127.0.0.1:18999"
        assert (resolved.settings.token, resolved.page_size) == (None, 100)
    with_token = resolve(base_url="http://127.0.0.1:18999", env={"MPILOT_TOKEN": ENV_TOKEN})
    assert token_of(with_token) == ENV_TOKEN
    with pytest.raises(ConfigError, match="SLOW_TOKEN"):
        resolve(env={})


def test_default_profile_applies_to_its_own_base_url(two_profiles: Path) -> None:
    for given in ("http://localhost:8080", "http://localhost:8080/"):
        resolved = resolve(base_url=given, env={})
        assert (resolved.profile_name, token_of(resolved)) == ("local", PROFILE_TOKEN)
        assert resolved.page_size == 25
    from_env = resolve(env={"MPILOT_BASE_URL": "http://localhost:8080"})
    assert (from_env.profile_name, token_of(from_env)) == ("local", PROFILE_TOKEN)


def test_a_named_profile_applies_with_any_base_url(two_profiles: Path) -> None:
    flagged = resolve(profile="local", base_url="http://127.0.0.1:9000", env={})
    from_env = resolve(env={"MPILOT_PROFILE": "local", "MPILOT_BASE_URL": "http://127.0.0.1:9000"})
    for resolved in (flagged, from_env):
        assert resolved.settings.base_url == "http://127.0.0.1:9000"
        assert (resolved.profile_name, token_of(resolved)) == ("local", PROFILE_TOKEN)
        assert resolved.page_size == 25


def test_token_env_beats_the_profile_source(two_profiles: Path) -> None:
    assert token_of(resolve(env={})) == PROFILE_TOKEN
    assert token_of(resolve(env={"MPILOT_TOKEN": ENV_TOKEN})) == ENV_TOKEN


def test_env_token_means_the_profile_command_is_not_run(
    write_config: Callable[[str], Path],
) -> None:
    write_config(
        '[profiles.p]\nbase_url = "http://localhost:1"\n'
        f'token_command = ["{sys.executable}", "-c", "import sys; sys.exit(9)"]\n'
    )
    resolved = resolve(profile="p", env={"MPILOT_TOKEN": ENV_TOKEN})
    assert token_of(resolved) == ENV_TOKEN
    with pytest.raises(ConfigError, match="exit status 9"):
        resolve(profile="p", env={})


def test_auth_and_timeout_flags_beat_the_profile(two_profiles: Path) -> None:
    resolved = resolve(auth="bearer", timeout=3.0, env={})
    assert (resolved.settings.auth, resolved.settings.timeout) == ("bearer", 3.0)


def test_bad_flag_values(two_profiles: Path) -> None:
    with pytest.raises(ConfigError, match="unknown auth 'token'; allowed: bearer, x-bf-vk"):
        resolve(auth="token", env={})
    with pytest.raises(ConfigError, match="timeout must be"):
        resolve(timeout=0, env={})
    with pytest.raises(ConfigError, match="must start with http"):
        resolve(base_url="gw.example.com", env={})


def test_auth_none_sends_no_token(two_profiles: Path) -> None:
    resolved = resolve(auth="none", env={"MPILOT_TOKEN": ENV_TOKEN})
    assert resolved.settings.token is None


def test_token_from_a_command(write_config: Callable[[str], Path]) -> None:
    write_config(
        'default_profile = "p"\n[profiles.p]\nbase_url = "http://localhost:1"\n'
        f'token_command = ["{sys.executable}", "-c", "print(\'{PROFILE_TOKEN}\')"]\n'
    )
    assert token_of(resolve(env={})) == PROFILE_TOKEN


def test_basic_auth_resolves_user_and_password(write_config: Callable[[str], Path]) -> None:
    write_config(
        'default_profile = "adm"\n[profiles.adm]\nbase_url = "https://gw.example.com"\n'
        'auth = "basic"\nusername = "admin"\npassword_env = "GW_PASSWORD"\n'
    )
    settings = resolve(env={"GW_PASSWORD": "s3cret-pass"}).settings
    assert settings.username == "admin"
    assert settings.password is not None
    assert settings.password.get_secret_value() == "s3cret-pass"


def test_unknown_profile_lists_the_names(two_profiles: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(profile="staging", env={})
    assert str(caught.value) == (
        f"no profile named 'staging' in {two_profiles}; profiles: local, prod"
    )
    assert not isinstance(caught.value, NotConfiguredError)


def test_unknown_profile_from_env_too(two_profiles: Path) -> None:
    with pytest.raises(ConfigError, match="no profile named 'qa'"):
        resolve(env={"MPILOT_PROFILE": "qa"})


def test_nothing_configured_says_how_to_start(config_file: Path) -> None:
    with pytest.raises(NotConfiguredError) as caught:
        resolve(env={})
    message = str(caught.value)
    assert "not configured" in message and str(config_file) in message
    assert "mpilot-tui --demo" in message
    assert "mpilot-tui profiles add NAME" in message


def test_a_file_without_profiles_is_not_configured(write_config: Callable[[str], Path]) -> None:
    write_config('theme = "nord"\n')
    with pytest.raises(NotConfiguredError, match="has no profiles"):
        resolve(env={})


def test_base_url_without_a_file_needs_no_profile(config_file: Path) -> None:
    resolved = resolve(env={"MPILOT_BASE_URL": "http://localhost:8080"})
    assert (resolved.profile_name, resolved.settings.token) == (None, None)
    assert resolved.page_size == 100 and resolved.settings.auth == "bearer"


def test_no_file_resolves_as_an_empty_file_does(
    config_file: Path, write_config: Callable[[str], Path]
) -> None:
    """Without a file the models and tomlkit are not loaded (the defaults come from
    ``config.defaults``): the session is the same as with a file that sets nothing."""
    env = {"MPILOT_BASE_URL": "http://localhost:8080", "MPILOT_TOKEN": ENV_TOKEN}
    without = resolve(env=env, timeout=7.5)
    write_config("# nothing set\n")
    with_file = resolve(env=env, timeout=7.5)
    assert without == with_file
    assert (without.default_provider, without.default_mode, without.order) == (
        "openai", "files", "desc",
    )  # fmt: skip
    assert without.settings.verify is True and without.settings.proxy is None


def test_a_named_profile_without_a_file_is_unknown(config_file: Path) -> None:
    with pytest.raises(ConfigError, match=r"no profile named 'qa'.*no profiles yet"):
        resolve(env={"MPILOT_BASE_URL": "http://localhost:8080"}, profile="qa")


def test_a_config_path_that_cannot_be_looked_at_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="cannot read"):
        resolve_connection(
            env={"MPILOT_BASE_URL": "http://localhost:8080"},
            config_file=blocker / "config.toml",
        )


def test_several_profiles_and_no_default(write_config: Callable[[str], Path]) -> None:
    write_config(TWO_PROFILES.replace('default_profile = "local"\n', ""))
    with pytest.raises(ConfigError) as caught:
        resolve(env={})
    assert not isinstance(caught.value, NotConfiguredError)
    assert "profiles: local, prod" in str(caught.value)


def test_an_invalid_file_is_an_error_even_with_flags(write_config: Callable[[str], Path]) -> None:
    path = write_config("page_size = 3\n")
    with pytest.raises(ConfigError, match=re.escape(f"{path}:1: page_size: unknown key")):
        resolve(base_url="http://localhost:1", env={})


def test_plain_http_to_another_host_with_a_token_warns(two_profiles: Path) -> None:
    resolved = resolve(profile="local", base_url="http://gw.example.com", env={})
    assert any(
        "unencrypted over plain http to gw.example.com" in warning for warning in resolved.warnings
    )
    assert not any(PROFILE_TOKEN in warning for warning in resolved.warnings)


@pytest.mark.parametrize(
    ("base_url", "token"),
    [
        ("http://localhost:8080", ENV_TOKEN),
        ("http://127.0.0.1:8080", ENV_TOKEN),
        ("http://[::1]:8080", ENV_TOKEN),
        ("https://gw.example.com", ENV_TOKEN),
        ("http://gw.example.com", None),
    ],
)
def test_no_transport_warning_when_safe(
    config_file: Path, base_url: str, token: str | None
) -> None:
    env = {"MPILOT_TOKEN": token} if token else {}
    assert resolve(base_url=base_url, env=env).warnings == ()


def test_verify_false_warns(write_config: Callable[[str], Path]) -> None:
    write_config('[profiles.p]\nbase_url = "https://gw.example.com"\nverify = false\n')
    resolved = resolve(profile="p", env={})
    assert resolved.settings.verify is False
    assert any("verification is off (verify = false)" in w for w in resolved.warnings)


def test_ca_bundle_path_is_expanded(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    write_config(f'[profiles.p]\nbase_url = "https://gw.example.com"\nverify = "{bundle}"\n')
    resolved = resolve(profile="p", env={})
    assert (resolved.settings.verify, resolved.warnings) == (str(bundle), ())


def test_world_readable_file_with_a_token_warns(two_profiles: Path) -> None:
    two_profiles.chmod(0o644)
    expected = f"fix it with: chmod 600 {two_profiles}"
    assert any(expected in warning for warning in permission_warnings(two_profiles))
    assert any(expected in warning for warning in resolve(env={}).warnings)
    two_profiles.chmod(0o600)
    assert permission_warnings(two_profiles) == []


def test_readable_file_without_a_stored_secret_does_not_warn(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config('[profiles.p]\nbase_url = "http://localhost"\ntoken_env = "T"\n')
    path.chmod(0o644)
    assert permission_warnings(path) == []


def test_readable_file_with_a_password_warns(write_config: Callable[[str], Path]) -> None:
    path = write_config(
        '[profiles.p]\nbase_url = "http://localhost"\nauth = "basic"\nusername = "u"\n'
        'password = "pw-0123456789"\n'
    )
    path.chmod(0o640)
    (warning,) = permission_warnings(path)
    assert "holds a password" in warning and "pw-0123456789" not in warning


def test_config_file_argument_beats_the_environment(two_profiles: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('[profiles.only]\nbase_url = "http://localhost:5"\n')
    resolved = resolve_connection(config_file=other, profile="only", env=dict(os.environ))
    assert (resolved.config_file, resolved.settings.base_url) == (other, "http://localhost:5")


def test_env_defaults_to_os_environ(two_profiles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPILOT_TOKEN", ENV_TOKEN)
    assert token_of(resolve_connection()) == ENV_TOKEN


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("http://gw:8080/openai", "http://gw:8080"),
        ("https://gw.example.com/openai/v1/", "https://gw.example.com"),
        ("http://gw:8080/v1", "http://gw:8080"),
        ("http://gw:8080/proxy/openai", "http://gw:8080/proxy"),
    ],
)
def test_a_base_url_ending_in_a_route_says_what_it_should_be(url: str, root: str) -> None:
    from mpilot_tui.config.checks import connection_warnings

    warnings = connection_warnings(url, sends_credentials=False, verify=True)
    assert len(warnings) == 1
    assert warnings[0].endswith(f"use the gateway's root: {root}")
    assert connection_warnings(root, sends_credentials=False, verify=True) == []
