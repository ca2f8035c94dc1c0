"""The two credentials from flags, environment and profiles; old config files keep working."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mpilot_tui.config import ConfigError, profile_warnings, resolve_connection
from mpilot_tui.config.models import ProfileConfig
from mpilot_tui.config.session import Session

pytestmark = pytest.mark.usefixtures("config_file")

KEY = "sk-bf-virtualkey-000001"
BASE = "https://gw.example.com"


def resolve(*, env: dict[str, str] | None = None, **flags: Any) -> Session:
    given = {"MPILOT_TUI_CONFIG": os.environ["MPILOT_TUI_CONFIG"], **(env or {})}
    return resolve_connection(env=given, **flags)


def secret(value: Any) -> str | None:
    return None if value is None else str(value.get_secret_value())


def test_admin_credentials_from_the_environment_with_any_auth() -> None:
    env = {
        "MPILOT_BASE_URL": BASE,
        "MPILOT_TOKEN": KEY,
        "MPILOT_ADMIN_USERNAME": "alice",
        "MPILOT_ADMIN_PASSWORD": "pw-alice-0001",
    }
    settings = resolve(env=env, auth="x-bf-vk").settings
    assert (settings.auth, secret(settings.token)) == ("x-bf-vk", KEY)
    assert settings.username == "alice"
    assert secret(settings.password) == "pw-alice-0001"
    assert settings.credentials_for("/openai/v1/files") == ("virtual key",)
    assert settings.credentials_for("/api/providers") == ("admin",)


def test_no_admin_credentials_means_none_on_api() -> None:
    settings = resolve(env={"MPILOT_BASE_URL": BASE, "MPILOT_TOKEN": KEY}).settings
    assert settings.username is None and settings.password is None
    assert settings.credentials_for("/api/providers") == ()


def test_basic_without_a_user_name_says_what_to_set() -> None:
    # It used to send MPILOT_TOKEN (often the password, for a basic user) as a virtual key.
    with pytest.raises(ConfigError) as caught:
        resolve(env={"MPILOT_BASE_URL": BASE, "MPILOT_TOKEN": "hunter2"}, auth="basic")
    message = str(caught.value)
    assert "--auth basic needs an admin user name" in message
    assert "MPILOT_ADMIN_USERNAME" in message and "MPILOT_ADMIN_PASSWORD" in message
    assert "hunter2" not in message


def test_basic_with_the_environment_user() -> None:
    env = {"MPILOT_BASE_URL": BASE, "MPILOT_ADMIN_USERNAME": "root", "MPILOT_ADMIN_PASSWORD": "x"}
    settings = resolve(env=env, auth="basic").settings
    assert settings.credentials_for("/openai/v1/files") == ("admin",)
    assert settings.credentials_for("/health") == ("admin",)


def test_a_password_without_a_user_warns_and_is_not_sent() -> None:
    env = {"MPILOT_BASE_URL": BASE, "MPILOT_ADMIN_PASSWORD": "orphan-pw"}
    resolved = resolve(env=env)
    assert resolved.settings.password is None
    assert any("MPILOT_ADMIN_USERNAME too" in w for w in resolved.warnings)
    assert not any("orphan-pw" in w for w in resolved.warnings)


def test_environment_beats_the_profile_for_each_credential(
    write_config: Callable[[str], Path],
) -> None:
    write_config(
        'default_profile = "p"\n[profiles.p]\nbase_url = "https://gw.example.com"\n'
        'token_env = "P_TOKEN"\nusername = "profile-user"\npassword_env = "P_PW"\n'
    )
    env = {"P_TOKEN": KEY, "P_PW": "pw-profile", "MPILOT_ADMIN_USERNAME": "env-user"}
    settings = resolve(env=env).settings
    assert (settings.username, secret(settings.password)) == ("env-user", "pw-profile")
    assert secret(settings.token) == KEY
    settings = resolve(env={"P_TOKEN": KEY, "P_PW": "pw-profile"}).settings
    assert settings.username == "profile-user"


OLD_FILES = {
    "bearer": 'auth = "bearer"\ntoken = "sk-bf-stored-00000001"\n',
    "x-bf-vk env": 'auth = "x-bf-vk"\ntoken_env = "OLD_TOKEN"\n',
    "basic": (
        'auth = "basic"\nusername = "admin"\npassword_env = "OLD_PW"\ntoken_env = "OLD_TOKEN"\n'
    ),
    "none": 'auth = "none"\n',
}


@pytest.mark.parametrize("name", list(OLD_FILES))
def test_existing_config_files_keep_working(write_config: Callable[[str], Path], name: str) -> None:
    write_config(
        'default_profile = "old"\n[profiles.old]\nbase_url = "https://gw.example.com"\n'
        + OLD_FILES[name]
    )
    settings = resolve(env={"OLD_TOKEN": KEY, "OLD_PW": "old-password"}).settings
    files = settings.auth_headers("/openai/v1/files")
    if name == "bearer":
        assert files == {"Authorization": "Bearer sk-bf-stored-00000001"}
    elif name == "x-bf-vk env":
        assert files == {"x-bf-vk": KEY}
    elif name == "basic":
        assert files["x-bf-vk"] == KEY and files["Authorization"].startswith("Basic ")
        assert settings.auth_headers("/api/providers")["Authorization"].startswith("Basic ")
    else:
        assert files == {}


def test_whitespace_around_a_credential_is_removed_with_a_warning(
    write_config: Callable[[str], Path],
) -> None:
    write_config(
        'default_profile = "p"\n[profiles.p]\nbase_url = "https://gw.example.com"\n'
        'token_env = "P_TOKEN"\nusername = "u"\npassword_env = "P_PW"\n'
    )
    resolved = resolve(env={"P_TOKEN": f"{KEY}\r\n", "P_PW": "\tpw-0001 "})
    assert secret(resolved.settings.token) == KEY
    assert secret(resolved.settings.password) == "pw-0001"
    stripped = [w for w in resolved.warnings if "whitespace" in w]
    assert len(stripped) == 2
    assert "profile 'p': token_env P_TOKEN" in stripped[0]
    assert "profile 'p': password_env P_PW" in stripped[1]


def test_profile_warnings_follow_the_two_credential_model() -> None:
    # A username with bearer auth is no longer "only used with basic": it is the admin login.
    with_admin = ProfileConfig(base_url=BASE, username="admin", password_env="PW")
    assert profile_warnings("a", with_admin) == []
    orphan = ProfileConfig(base_url=BASE, password_env="PW")
    (warning,) = profile_warnings("o", orphan)
    assert "no username" in warning
    none = ProfileConfig(base_url=BASE, auth="none", token_env="T")
    assert any('auth = "none"' in w for w in profile_warnings("n", none))
