"""``mpilot-tui profiles ...`` and ``mpilot-tui config ...`` through click's CliRunner."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from mpilot_tui.cli import profiles as profiles_cli
from mpilot_tui.config import ConfigStore

Cli = Callable[..., Result]

TOKEN = "sk-bf-7c1d0e5b2a4f9f3a"
OTHER_TOKEN = "sk-bf-0a9b8c7d6e5f4e3d"
PASSWORD = "correct-horse-battery"

USER_FILE = """\
# hand-written header
default_profile = "local"

[profiles.local]
base_url = "http://localhost:8080"  # my laptop
token_env = "MPILOT_LOCAL_TOKEN"

[profiles.prod]
base_url = "https://gw.example.com"
token = "sk-bf-7c1d0e5b2a4f9f3a"
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def everything(result: Result) -> str:
    return result.stdout + result.stderr


@pytest.fixture
def user_file(write_config: Callable[[str], Path]) -> Path:
    return write_config(USER_FILE)


def test_list_masks_tokens_and_marks_the_default(cli: Cli, user_file: Path) -> None:
    result = cli("profiles", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "BASE", "URL", "AUTH", "ADMIN", "TOKEN"]
    assert lines[1].split() == [
        "*",
        "local",
        "http://localhost:8080",
        "bearer",
        "-",
        "env:MPILOT_LOCAL_TOKEN",
    ]
    assert lines[2].split() == [
        "prod",
        "https://gw.example.com",
        "bearer",
        "-",
        "stored",
        "sk-bf-…9f3a",
    ]
    assert TOKEN not in everything(result)


def test_list_shows_a_command_source_shortened(cli: Cli, config_file: Path) -> None:
    cli(
        "profiles",
        "add",
        "p",
        "--base-url",
        "https://gw.example.com",
        "--token-command",
        "pass show mpilot/prod",
    )
    assert "command:pass show …" in cli("profiles", "list").stdout


def test_list_without_profiles(cli: Cli, config_file: Path) -> None:
    result = cli("profiles", "list")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "mpilot-tui profiles add NAME" in result.stderr


def test_show_masks_the_token_and_lists_every_setting(cli: Cli, user_file: Path) -> None:
    result = cli("profiles", "show", "prod")
    assert result.exit_code == 0
    assert "token:" in result.stdout and "stored sk-bf-…9f3a" in result.stdout
    for key in ("base_url", "auth", "page_size", "order", "timeout", "verify", "proxy"):
        assert f"\n{key}:" in result.stdout
    assert "page_size:         100 (default)" in result.stdout
    assert TOKEN not in everything(result)


def test_show_never_reveals_a_password(cli: Cli, config_file: Path) -> None:
    result = cli(
        "profiles",
        "add",
        "adm",
        "--base-url",
        "https://gw.example.com",
        "--auth",
        "basic",
        "--username",
        "admin",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0
    shown = cli("profiles", "show", "adm")
    assert "password:" in shown.stdout and "stored ••••" in shown.stdout
    listed = cli("profiles", "list")
    for output in (result, shown, listed, cli("config", "check")):
        assert PASSWORD not in everything(output)
    assert f'password = "{PASSWORD}"' in config_file.read_text()


def test_add_with_token_from_stdin_stores_it_privately(cli: Cli, config_file: Path) -> None:
    result = cli(
        "profiles",
        "add",
        "prod",
        "--base-url",
        "https://gw.example.com",
        "--auth",
        "x-bf-vk",
        "--token-stdin",
        "--page-size",
        "20",
        input=TOKEN + "\n",
    )
    assert result.exit_code == 0, result.stderr
    assert "added profile 'prod' (the default profile)" in result.stdout
    assert TOKEN not in everything(result)
    assert mode(config_file) == 0o600 and mode(config_file.parent) == 0o700
    profile = ConfigStore.load(config_file).get_profile("prod")
    assert profile.token is not None and profile.token.get_secret_value() == TOKEN
    assert (profile.auth, profile.page_size) == ("x-bf-vk", 20)


def test_add_all_flags(cli: Cli, config_file: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    result = cli(
        "profiles",
        "add",
        "s",
        "--base-url",
        "https://s.example.com",
        "--token-env",
        "S_TOKEN",
        "--default-provider",
        "azure",
        "--default-mode",
        "container-files",
        "--order",
        "asc",
        "--timeout",
        "4.5",
        "--ca-bundle",
        str(bundle),
        "--proxy",
        "http://proxy.example.com:3128",
    )
    assert result.exit_code == 0, result.stderr
    profile = ConfigStore.load(config_file).get_profile("s")
    assert profile.model_dump(exclude_defaults=True) == {
        "base_url": "https://s.example.com",
        "token_env": "S_TOKEN",
        "default_provider": "azure",
        "default_mode": "container-files",
        "order": "asc",
        "timeout": 4.5,
        "verify": str(bundle),
        "proxy": "http://proxy.example.com:3128",
    }


def test_add_refuses_to_overwrite_without_force(cli: Cli, user_file: Path) -> None:
    before = user_file.read_bytes()
    result = cli("profiles", "add", "prod", "--base-url", "https://new.example.com")
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert user_file.read_bytes() == before
    forced = cli("profiles", "add", "prod", "--base-url", "https://new.example.com", "--force")
    assert forced.exit_code == 0
    profile = ConfigStore.load(user_file).get_profile("prod")
    assert (profile.base_url, profile.token) == ("https://new.example.com", None)


def test_second_profile_is_default_only_when_asked(cli: Cli, user_file: Path) -> None:
    cli("profiles", "add", "a", "--base-url", "http://localhost:1")
    assert ConfigStore.load(user_file).default_profile == "local"
    cli("profiles", "add", "b", "--base-url", "http://localhost:2", "--default")
    assert ConfigStore.load(user_file).default_profile == "b"


def test_add_without_base_url_outside_a_terminal(cli: Cli, config_file: Path) -> None:
    result = cli("profiles", "add", "x")
    assert result.exit_code == 2
    assert result.stderr.startswith("mpilot-tui: error: --base-url is required")
    assert not config_file.exists()


def test_add_interactively_hides_the_stored_token(
    cli: Cli, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profiles_cli, "_stdin_is_tty", lambda: True)
    answers = ["ftp://nope", "https://gw.example.com", "bearer", "stored", TOKEN]
    result = cli("profiles", "add", "prod", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.stderr
    assert "Gateway base URL" in result.stdout and "must start with http" in result.stdout
    assert TOKEN not in everything(result)
    profile = ConfigStore.load(config_file).get_profile("prod")
    assert profile.base_url == "https://gw.example.com"
    assert profile.token is not None and profile.token.get_secret_value() == TOKEN


def test_add_interactively_with_an_env_source(
    cli: Cli, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profiles_cli, "_stdin_is_tty", lambda: True)
    result = cli("profiles", "add", "staging-eu", input="\n\nenv\n\n")
    assert result.exit_code == 0, result.stderr
    profile = ConfigStore.load(config_file).get_profile("staging-eu")
    assert profile.base_url == "http://localhost:8080"
    assert profile.token_env == "MPILOT_STAGING_EU_TOKEN"


@pytest.mark.parametrize(
    "flags",
    [
        ["--token-env", "A", "--token-command", "pass show x"],
        ["--token-env", "A", "--token-stdin"],
        ["--password-env", "A", "--password-command", "x"],
        ["--no-verify", "--ca-bundle", __file__],
        ["--token-stdin", "--password-stdin"],
        ["--token-command", "pass 'unclosed"],
    ],
)
def test_contradictory_flags_are_refused(cli: Cli, config_file: Path, flags: list[str]) -> None:
    result = cli("profiles", "add", "x", "--base-url", "http://localhost:1", *flags, input="t\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("mpilot-tui: error: ")
    assert not config_file.exists()


def test_add_warns_about_plain_http_with_a_token(cli: Cli, config_file: Path) -> None:
    result = cli(
        "profiles",
        "add",
        "p",
        "--base-url",
        "http://gw.example.com",
        "--token-stdin",
        input=TOKEN + "\n",
    )
    assert result.exit_code == 0
    assert "mpilot-tui: warning: profile 'p': the token would travel unencrypted" in result.stderr
    assert TOKEN not in everything(result)


def test_add_warns_about_verify_false(cli: Cli, config_file: Path) -> None:
    result = cli("profiles", "add", "p", "--base-url", "https://gw.example.com", "--no-verify")
    assert "mpilot-tui: warning: profile 'p': TLS certificate verification is off" in (
        result.stderr
    )


def test_edit_changes_only_what_is_given_and_keeps_comments(cli: Cli, user_file: Path) -> None:
    result = cli("profiles", "edit", "local", "--page-size", "30", "--order", "asc")
    assert result.exit_code == 0, result.stderr
    text = user_file.read_text()
    assert text.startswith("# hand-written header\n")
    assert 'base_url = "http://localhost:8080"  # my laptop\n' in text
    assert (
        text.index("[profiles.local]")
        < text.index("page_size = 30")
        < text.index("[profiles.prod]")
    )
    profile = ConfigStore.load(user_file).get_profile("local")
    assert (profile.token_env, profile.page_size, profile.order) == (
        "MPILOT_LOCAL_TOKEN",
        30,
        "asc",
    )


def test_edit_switches_and_removes_token_sources(cli: Cli, user_file: Path) -> None:
    assert cli("profiles", "edit", "prod", "--token-env", "PROD_TOKEN").exit_code == 0
    profile = ConfigStore.load(user_file).get_profile("prod")
    assert (profile.token_env, profile.token) == ("PROD_TOKEN", None)
    assert TOKEN not in user_file.read_text()
    assert cli("profiles", "edit", "prod", "--no-token").exit_code == 0
    assert ConfigStore.load(user_file).get_profile("prod").token_source is None


def test_edit_without_flags_outside_a_terminal(cli: Cli, user_file: Path) -> None:
    before = user_file.read_bytes()
    result = cli("profiles", "edit", "local")
    assert result.exit_code == 2 and "nothing to change" in result.stderr
    assert user_file.read_bytes() == before


def test_edit_interactively_keeps_the_token(
    cli: Cli, user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profiles_cli, "_stdin_is_tty", lambda: True)
    result = cli("profiles", "edit", "prod", input="https://gw2.example.com\n\n\n")
    assert result.exit_code == 0, result.stderr
    profile = ConfigStore.load(user_file).get_profile("prod")
    assert profile.base_url == "https://gw2.example.com"
    assert profile.token is not None and profile.token.get_secret_value() == TOKEN
    assert TOKEN not in everything(result)


@pytest.mark.parametrize(
    "args",
    [
        ["profiles", "add", "new", "--base-url", "http://localhost:1"],
        ["profiles", "edit", "local", "--timeout", "9"],
        ["profiles", "use", "prod"],
        ["profiles", "remove", "prod"],
    ],
    ids=["add", "edit", "use", "remove"],
)
def test_every_cli_write_leaves_0600(cli: Cli, user_file: Path, args: list[str]) -> None:
    user_file.chmod(0o644)
    assert cli(*args).exit_code == 0
    assert mode(user_file) == 0o600


def test_use_sets_the_default(cli: Cli, user_file: Path) -> None:
    result = cli("profiles", "use", "prod")
    assert result.exit_code == 0 and "default profile is now 'prod'" in result.stdout
    assert ConfigStore.load(user_file).default_profile == "prod"


def test_remove_the_default_warns(cli: Cli, user_file: Path) -> None:
    result = cli("profiles", "remove", "local")
    assert result.exit_code == 0
    assert "was the default profile" in result.stderr
    store = ConfigStore.load(user_file)
    assert (store.profile_names(), store.default_profile) == (["prod"], None)


@pytest.mark.parametrize(
    "args",
    [
        ["profiles", "show", "nope"],
        ["profiles", "edit", "nope", "--page-size", "3"],
        ["profiles", "remove", "nope"],
        ["profiles", "use", "nope"],
    ],
)
def test_unknown_profile_lists_the_names(cli: Cli, user_file: Path, args: list[str]) -> None:
    before = user_file.read_bytes()
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr == (
        f"mpilot-tui: error: no profile named 'nope' in {user_file}; profiles: local, prod\n"
    )
    assert user_file.read_bytes() == before


CORRUPT = {
    "bad-toml": (USER_FILE + "page_size = = 3\n", 11, "not valid TOML"),
    "unknown-key": (USER_FILE + 'colour = "red"\n', 11, "profiles.prod.colour: unknown key"),
}
COMMANDS = {
    "list": ["profiles", "list"],
    "show": ["profiles", "show", "prod"],
    "add": ["profiles", "add", "new", "--base-url", "http://localhost:1"],
    "add-force": ["profiles", "add", "prod", "--base-url", "http://localhost:1", "--force"],
    "edit": ["profiles", "edit", "prod", "--page-size", "5"],
    "remove": ["profiles", "remove", "prod"],
    "use": ["profiles", "use", "prod"],
    "check": ["config", "check"],
}


@pytest.mark.parametrize("corruption", CORRUPT, ids=list(CORRUPT))
@pytest.mark.parametrize("command", COMMANDS, ids=list(COMMANDS))
def test_a_corrupt_file_is_left_byte_for_byte(
    cli: Cli, write_config: Callable[[str], Path], corruption: str, command: str
) -> None:
    text, line, what = CORRUPT[corruption]
    path = write_config(text)
    before = path.read_bytes()
    result = cli(*COMMANDS[command])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"mpilot-tui: error: {path}:{line}: ")
    assert what in result.stderr
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]


def test_config_path_reports_whether_it_exists(cli: Cli, config_file: Path) -> None:
    assert cli("config", "path").stdout == f"{config_file} (not created yet)\n"
    cli("profiles", "add", "p", "--base-url", "http://localhost:1")
    assert cli("config", "path").stdout == f"{config_file} (exists)\n"


def test_config_flag_beats_the_environment(cli: Cli, config_file: Path, tmp_path: Path) -> None:
    chosen = tmp_path / "chosen" / "config.toml"
    result = cli(
        "profiles", "add", "p", "--base-url", "http://localhost:1", "--config", str(chosen)
    )
    assert result.exit_code == 0
    assert chosen.exists() and not config_file.exists()
    assert cli("config", "path", "--config", str(chosen)).stdout == f"{chosen} (exists)\n"


def test_config_path_default_is_the_user_config_folder(cli: Cli, isolated_config_dir: Path) -> None:
    expected = isolated_config_dir / "config.toml"
    assert cli("config", "path").stdout == f"{expected} (not created yet)\n"


def test_root_group_obj_config_is_honoured(tmp_path: Path, config_file: Path) -> None:
    chosen = tmp_path / "from-root.toml"

    @click.group()
    @click.option("--config", "config_file")
    @click.pass_context
    def root(ctx: click.Context, config_file: str | None) -> None:
        ctx.obj = {"config_file": config_file}

    profiles_cli.register(root)
    result = CliRunner().invoke(root, ["--config", str(chosen), "config", "path"])
    assert result.stdout == f"{chosen} (not created yet)\n"


def test_config_check_ok_and_warnings(cli: Cli, user_file: Path) -> None:
    user_file.chmod(0o644)
    result = cli("config", "check")
    assert result.exit_code == 0
    assert result.stdout == f"{user_file}: ok, 2 profile(s), default: local\n"
    assert f"chmod 600 {user_file}" in result.stderr
    assert "token_env names MPILOT_LOCAL_TOKEN, which is not set" in result.stderr
    assert TOKEN not in everything(result)


def test_config_check_warns_about_a_broken_keymap(cli: Cli, user_file: Path) -> None:
    user_file.write_text(
        USER_FILE
        + '\n[keymap]\n"table.down" = "o"\n"browser.nope" = "x"\n"browser.refresh" = "f55"\n'
        + '"app.help" = "f2"\n'
    )
    result = cli("config", "check")
    assert result.exit_code == 2
    assert result.stdout == f"{user_file}: 3 errors, 2 profile(s), default: local\n"
    warnings = [line for line in result.stderr.splitlines() if "[keymap]" in line]
    assert all(line.startswith("mpilot-tui: error: [keymap] ") for line in warnings)
    assert len(warnings) == 3, result.stderr
    assert "no such binding: browser.nope;" in warnings[0]
    assert "browser.refresh = 'f55': 'f55' is not a key Textual knows" in warnings[1]
    assert "'o' is given to table.down (Down), but browser.order (Order)" in warnings[2]


def test_config_check_reports_every_problem_and_exits_2(cli: Cli, user_file: Path) -> None:
    user_file.write_text(
        'theme = "no-such-theme"\n' + USER_FILE + '\n[keymap]\n"browser.nope" = "x"\n'
    )
    user_file.chmod(0o644)
    result = cli("config", "check")
    assert result.exit_code == 2
    assert "ok" not in result.stdout
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 2, result.stderr
    assert "No theme called 'no-such-theme'; the themes are: " in errors[0] + errors[1]
    assert "textual-dark" in result.stderr
    assert "no such binding: browser.nope" in result.stderr
    assert "token_env names MPILOT_LOCAL_TOKEN, which is not set" in result.stderr  # a warning
    good = 'theme = "nord"\n' + USER_FILE
    user_file.write_text(good)
    assert cli("config", "check").exit_code == 0


def test_config_check_is_quiet_about_a_good_keymap(cli: Cli, user_file: Path) -> None:
    user_file.write_text(
        USER_FILE + '\n[keymap]\n"browser.refresh" = "f6"\n"table.down" = "down,n"\n'
    )
    result = cli("config", "check")
    assert result.exit_code == 0
    assert "[keymap]" not in result.stderr


def test_foreign_tables_are_reported_not_refused(cli: Cli, user_file: Path) -> None:
    user_file.write_text(user_file.read_text() + "\n[ui_v2]\ncompact = true\n")
    for args in (("config", "check"), ("profiles", "list")):
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        assert "[ui_v2] not read (kept as is)" in result.stderr
    assert user_file.read_text().endswith("[ui_v2]\ncompact = true\n")


def test_config_check_without_a_file(cli: Cli, config_file: Path) -> None:
    result = cli("config", "check")
    assert result.exit_code == 0 and "not created yet" in result.stdout


def test_stored_tokens_never_appear_in_any_listing(
    cli: Cli, user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MPILOT_LOCAL_TOKEN", OTHER_TOKEN)
    cli(
        "profiles",
        "add",
        "vk",
        "--base-url",
        "http://gw.example.com",
        "--auth",
        "x-bf-vk",
        "--token-stdin",
        input=OTHER_TOKEN + "\n",
    )
    outputs = [
        cli("profiles", "list"),
        cli("profiles", "show", "prod"),
        cli("profiles", "show", "local"),
        cli("profiles", "show", "vk"),
        cli("profiles", "edit", "vk", "--page-size", "7"),
        cli("config", "check"),
    ]
    for result in outputs:
        assert result.exit_code == 0
        assert TOKEN not in everything(result) and OTHER_TOKEN not in everything(result)


def test_token_stdin_in_a_terminal_is_typed_hidden(
    cli: Cli, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profiles_cli, "_stdin_is_tty", lambda: True)
    result = cli(
        "profiles", "add", "p", "--base-url", "https://gw.example.com", "--token-stdin",
        input=TOKEN + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Token (hidden)" in result.stdout and TOKEN not in everything(result)
    profile = ConfigStore.load(config_file).get_profile("p")
    assert profile.token is not None and profile.token.get_secret_value() == TOKEN


def test_control_characters_from_the_file_are_shown_escaped(
    cli: Cli, write_config: Callable[[str], Path]
) -> None:
    path = write_config(USER_FILE + '"\\u001b[2J" = 1\n')
    result = cli("profiles", "list")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\\x1b[2J" in result.stderr
    assert path.read_text().endswith('"\\u001b[2J" = 1\n')


def test_base_url_with_control_characters_is_refused(cli: Cli, config_file: Path) -> None:
    result = cli("profiles", "add", "p", "--base-url", "http://gw.example.com/\x1b[31m")
    assert result.exit_code == 2 and "contains control characters" in result.stderr
    assert "\x1b" not in result.stderr
