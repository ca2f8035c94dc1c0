"""Token and password sources: environment, command (no shell, timeout), stored."""

from __future__ import annotations

import shlex
import sys

import pytest

from mpilot_tui.config import (
    ConfigError,
    ProfileConfig,
    describe_password_source,
    describe_token_source,
    resolve_password,
    resolve_token,
)

TOKEN = "sk-bf-4f1c2b7a9e6d3f9a"
BASE = "https://gw.example.com"


def python_command(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_no_source_gives_none() -> None:
    assert resolve_token(ProfileConfig(base_url=BASE), {}) is None


def test_token_from_environment() -> None:
    profile = ProfileConfig(base_url=BASE, token_env="GW_TOKEN")
    token = resolve_token(profile, {"GW_TOKEN": TOKEN})
    assert token is not None and token.get_secret_value() == TOKEN


def test_token_env_not_set_is_an_error_naming_the_variable() -> None:
    profile = ProfileConfig(base_url=BASE, token_env="GW_TOKEN")
    with pytest.raises(ConfigError, match=r"profile 'prod': token_env: .*GW_TOKEN is not set"):
        resolve_token(profile, {}, profile_name="prod")


def test_stored_token() -> None:
    token = resolve_token(ProfileConfig.model_validate({"base_url": BASE, "token": TOKEN}), {})
    assert token is not None and token.get_secret_value() == TOKEN


def test_command_printing_the_token() -> None:
    profile = ProfileConfig(base_url=BASE, token_command=python_command(f"print('{TOKEN}')"))
    token = resolve_token(profile, {})
    assert token is not None and token.get_secret_value() == TOKEN


def test_command_first_line_only_and_stripped() -> None:
    code = f"print('  {TOKEN}  '); print('second line')"
    profile = ProfileConfig(base_url=BASE, token_command=python_command(code))
    token = resolve_token(profile, {})
    assert token is not None and token.get_secret_value() == TOKEN


def test_command_as_a_string_is_split_and_run_without_a_shell() -> None:
    command = shlex.join([sys.executable, "-c", "import sys; print(sys.argv[1])", "$HOME;x"])
    profile = ProfileConfig(base_url=BASE, token_command=command)
    token = resolve_token(profile, {})
    assert token is not None and token.get_secret_value() == "$HOME;x"


def test_command_failing_is_reported_without_its_output() -> None:
    code = f"import sys; print('{TOKEN}'); print('oops {TOKEN}', file=sys.stderr); sys.exit(3)"
    profile = ProfileConfig(base_url=BASE, token_command=python_command(code))
    with pytest.raises(ConfigError) as caught:
        resolve_token(profile, {}, profile_name="prod")
    message = str(caught.value)
    assert "profile 'prod': token_command" in message
    assert "exit status 3" in message
    assert TOKEN not in message and "oops" not in message


def test_command_timing_out() -> None:
    profile = ProfileConfig(
        base_url=BASE, token_command=python_command("import time; time.sleep(30)")
    )
    with pytest.raises(ConfigError, match=r"did not finish within 0\.5 s"):
        resolve_token(profile, {}, timeout=0.5)


def test_command_not_found() -> None:
    profile = ProfileConfig(base_url=BASE, token_command=["mpilot-no-such-program-4711"])
    with pytest.raises(ConfigError, match="program not found: mpilot-no-such-program-4711"):
        resolve_token(profile, {})


def test_command_printing_nothing() -> None:
    profile = ProfileConfig(base_url=BASE, token_command=python_command("print('   ')"))
    with pytest.raises(ConfigError, match="printed nothing"):
        resolve_token(profile, {})


def test_command_string_that_cannot_be_split() -> None:
    profile = ProfileConfig(base_url=BASE, token_command="pass show 'unclosed")
    with pytest.raises(ConfigError, match="cannot split"):
        resolve_token(profile, {})


def test_password_sources() -> None:
    by_env = ProfileConfig(base_url=BASE, auth="basic", username="admin", password_env="PW")
    secret = resolve_password(by_env, {"PW": "hunter2-long"})
    assert secret is not None and secret.get_secret_value() == "hunter2-long"
    by_command = ProfileConfig(
        base_url=BASE, auth="basic", username="admin", password_command=python_command("print(7)")
    )
    secret = resolve_password(by_command, {})
    assert secret is not None and secret.get_secret_value() == "7"


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ({"token_env": "MPILOT_PROD_TOKEN"}, "env:MPILOT_PROD_TOKEN"),
        ({"token_command": ["pass", "show", "mpilot/prod"]}, "command:pass show …"),
        ({"token_command": "op read"}, "command:op read"),
        ({"token": TOKEN}, "stored sk-bf-…3f9a"),
        ({}, "(none)"),
    ],
)
def test_token_source_descriptions(values: dict[str, object], shown: str) -> None:
    profile = ProfileConfig.model_validate({"base_url": BASE, **values})
    assert describe_token_source(profile) == shown


def test_password_description_never_shows_any_of_it() -> None:
    profile = ProfileConfig.model_validate(
        {"base_url": BASE, "auth": "basic", "username": "a", "password": "correct-horse-9f3a"}
    )
    assert describe_password_source(profile) == "stored ••••"
