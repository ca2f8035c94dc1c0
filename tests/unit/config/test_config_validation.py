"""A wrong config file is reported with its file, line, key and what is allowed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mpilot_tui.config import ConfigError, ConfigStore
from mpilot_tui.config.validation import key_lines

VALID_HEAD = """\
# my gateways
default_profile = "local"

[profiles.local]
base_url = "http://localhost:8080"
"""


def load_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        ConfigStore.load(path)
    return caught.value


def test_bad_toml_names_the_file_and_line(write_config: Callable[[str], Path]) -> None:
    path = write_config(VALID_HEAD + "page_size = = 3\n")
    error = load_error(path)
    assert str(error).startswith(f"{path}:6: not valid TOML")
    assert error.line == 6


def test_unknown_key_in_a_profile(write_config: Callable[[str], Path]) -> None:
    path = write_config(VALID_HEAD + 'colour = "red"\n')
    error = load_error(path)
    message = str(error)
    assert message.startswith(f"{path}:6: profiles.local.colour: unknown key")
    assert "allowed keys in [profiles.local]: base_url, auth," in message
    assert (error.line, error.key) == (6, "profiles.local.colour")


def test_unknown_top_level_key(write_config: Callable[[str], Path]) -> None:
    path = write_config('colour = "red"\n' + VALID_HEAD)
    message = str(load_error(path))
    assert message.startswith(f"{path}:1: colour: unknown key")
    fields = "default_profile, theme, inspector_history, confirm_quit, keymap, columns, profiles"
    assert fields in message


@pytest.mark.parametrize(
    ("line", "key", "allowed"),
    [
        ("page_size = 0", "page_size", "a whole number from 1 to 10000"),
        ("page_size = 10001", "page_size", "a whole number from 1 to 10000"),
        ('page_size = "100"', "page_size", "a whole number from 1 to 10000"),
        ('order = "up"', "order", '"asc" | "desc"'),
        ('auth = "token"', "auth", '"bearer" | "x-bf-vk" | "basic" | "none"'),
        ("timeout = 0", "timeout", "a number of seconds greater than 0"),
        ("verify = 3", "verify", "true, false, or the path of a CA bundle"),
        ('default_mode = "folders"', "default_mode", '"files" | "container-files" | "requests"'),
        ('token_env = "NOT-A-NAME"', "token_env", "the name of an environment variable"),
        ("token_command = []", "token_command", "a program and its arguments"),
        ('proxy = "nowhere"', "proxy", "an http://, https:// or socks5:// URL"),
        (
            "recent_containers = [" + ", ".join(f'"c{i}"' for i in range(11)) + "]",
            "recent_containers",
            "a list of at most 10 container ids",
        ),
    ],
)
def test_bad_value_names_line_key_and_allowed(
    write_config: Callable[[str], Path], line: str, key: str, allowed: str
) -> None:
    path = write_config(VALID_HEAD + "# a comment\n" + line + "\n")
    message = str(load_error(path))
    assert message.startswith(f"{path}:7: profiles.local.{key}: ")
    assert f"allowed: {allowed}" in message


def test_bad_base_url(write_config: Callable[[str], Path]) -> None:
    path = write_config('[profiles.x]\nbase_url = "ftp://files.example"\n')
    message = str(load_error(path))
    assert message.startswith(f"{path}:2: profiles.x.base_url: the URL must start with http://")


def test_missing_base_url_points_at_the_table(write_config: Callable[[str], Path]) -> None:
    path = write_config(VALID_HEAD + '\n[profiles.other]\nauth = "bearer"\n')
    message = str(load_error(path))
    assert message.startswith(f"{path}:7: profiles.other.base_url: required key is missing")


def test_default_profile_must_exist(write_config: Callable[[str], Path]) -> None:
    path = write_config(VALID_HEAD.replace('"local"', '"prod"'))
    message = str(load_error(path))
    assert message == f"{path}:2: default_profile: no profile named 'prod'; profiles: local"


def test_two_token_sources_are_an_error(write_config: Callable[[str], Path]) -> None:
    path = write_config(VALID_HEAD + 'token_env = "T"\ntoken = "sk-bf-0123456789abcdef"\n')
    error = load_error(path)
    assert str(error).startswith(
        f"{path}:7: profiles.local.token: give at most one token source, not both token_env"
    )
    assert "0123456789abcdef" not in str(error)


def test_basic_auth_needs_a_username(write_config: Callable[[str], Path]) -> None:
    path = write_config(VALID_HEAD + 'auth = "basic"\n')
    assert "needs a username" in str(load_error(path))


def test_bad_profile_name(write_config: Callable[[str], Path]) -> None:
    path = write_config('[profiles."my prod"]\nbase_url = "http://x.example"\n')
    assert str(load_error(path)).startswith(f'{path}:1: profiles."my prod": bad name')


def test_keymap_values_must_be_strings(write_config: Callable[[str], Path]) -> None:
    path = write_config(VALID_HEAD + "\n[keymap]\nquit = 5\n")
    assert str(load_error(path)).startswith(f"{path}:8: keymap.quit: ")


def test_inline_profile_errors_point_at_its_line(write_config: Callable[[str], Path]) -> None:
    path = write_config('[profiles]\n\nlocal = { base_url = "http://a.example", order = 1 }\n')
    assert str(load_error(path)).startswith(f"{path}:3: profiles.local.order: ")


def test_every_problem_is_reported_one_per_line(write_config: Callable[[str], Path]) -> None:
    path = write_config(VALID_HEAD + "page_size = 0\nfoo = 1\n")
    lines = str(load_error(path)).splitlines()
    assert [line.split(": ")[0] for line in lines] == [f"{path}:6", f"{path}:7"]


def test_a_stored_token_of_the_wrong_type_is_not_echoed(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config(VALID_HEAD + "token = 987654321987654321\n")
    message = str(load_error(path))
    assert message.startswith(f"{path}:6: profiles.local.token: ")
    assert "987654321987654321" not in message


def test_not_utf8(config_file: Path) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_bytes(b'theme = "\xff"\n')
    assert "not UTF-8" in str(load_error(config_file))


def test_valid_file_loads(write_config: Callable[[str], Path]) -> None:
    path = write_config(
        VALID_HEAD
        + 'token_command = ["pass", "show", "gw"]\nverify = "ca.pem"\npage_size = 10000\n'
        + '\n[keymap]\nquit = "ctrl+q"\n'
    )
    store = ConfigStore.load(path)
    profile = store.get_profile("local")
    assert (profile.page_size, profile.verify) == (10000, "ca.pem")
    assert store.config.keymap == {"quit": "ctrl+q"}


def test_key_lines_skips_multiline_strings() -> None:
    text = 'a = """\nb = 1\n"""\n[t]\n"quoted key" = 2\nx.y = 3\n'
    assert key_lines(text) == {("a",): 1, ("t",): 4, ("t", "quoted key"): 5, ("t", "x", "y"): 6}
