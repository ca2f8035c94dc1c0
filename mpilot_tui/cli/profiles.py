"""``mpilot-tui profiles ...`` and ``mpilot-tui config ...``: saved gateways from a shell.

::

    mpilot-tui profiles list | show NAME | add NAME | edit NAME | remove NAME | use NAME
    mpilot-tui config path | check

Data goes to stdout; errors (``mpilot-tui: error: …``, exit status 2 for anything wrong
with the configuration) and warnings (``mpilot-tui: warning: …``) go to stderr. A token is
never shown whole: listings show where it comes from, or its masked form.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import click

from mpilot_tui.api.settings import AUTH_KINDS
from mpilot_tui.config import (
    ConfigError,
    ConfigStore,
    ProfileConfig,
    config_path,
    permission_warnings,
    profile_warnings,
)
from mpilot_tui.config.display import align_columns, profile_rows, profile_settings
from mpilot_tui.config.models import DEFAULT_MODES, ORDERS, base_url_problem
from mpilot_tui.config.secrets import command_argv
from mpilot_tui.formats.text import visible

__all__ = ["register"]

PROG = "mpilot-tui"
"""The program's name, prefixed to every error and warning line."""
CONFIG_ERROR_EXIT = 2
"""Exit status for a configuration error (bad file, unknown profile, bad flag)."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _echo(line: str, *, err: bool = False) -> None:
    """One line of output with control characters made visible (file text is untrusted)."""
    click.echo(visible(line), err=err)


def _fail(message: str) -> NoReturn:
    for line in message.splitlines() or [message]:
        _echo(f"{PROG}: error: {line}", err=True)
    raise click.exceptions.Exit(CONFIG_ERROR_EXIT)


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        _echo(f"{PROG}: warning: {warning}", err=True)


def _config_errors_exit(command: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn a :class:`ConfigError` into one ``error:`` line per problem and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return command(*args, **kwargs)
        except ConfigError as exc:
            _fail(str(exc))

    return wrapper


_config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="PATH",
    help="Config file to use (default: $MPILOT_TUI_CONFIG, else the user config folder).",
)


def _path_in_use(config_file: Path | None) -> Path:
    """``--config``, else the root group's ``ctx.obj`` (``config``/``config_file``), else env."""
    if config_file is None:
        context = click.get_current_context(silent=True)
        root_obj = context.find_root().obj if context is not None else None
        if isinstance(root_obj, Mapping):
            given = root_obj.get("config") or root_obj.get("config_file")
            config_file = Path(given) if given else None
    return config_path(config_file)


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


def _read_secret_from_stdin(what: str) -> str:
    """The first line of standard input; typed hidden when stdin is a terminal."""
    if _stdin_is_tty():
        typed: str = click.prompt(f"{what.capitalize()} (hidden)", hide_input=True)
        return typed.strip()
    lines = sys.stdin.read().strip().splitlines()
    secret = lines[0].strip() if lines else ""
    if not secret:
        _fail(f"no {what} on standard input")
    return secret


def _profile_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The flags shared by ``profiles add`` and ``profiles edit``."""
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option("--base-url", help="The gateway's root, e.g. http://localhost:8080."),
        click.option("--auth", type=click.Choice(AUTH_KINDS), help="How credentials travel."),
        click.option("--token-env", metavar="VAR", help="Read the token from this variable."),
        click.option(
            "--token-command",
            metavar="COMMAND",
            help="Run this program (no shell) and use the first line it prints as the token.",
        ),
        click.option(
            "--token-stdin", is_flag=True, help="Read the token from stdin; stored in the file."
        ),
        click.option(
            "--username", help="Admin user name for /api/… (every route with auth basic)."
        ),
        click.option(
            "--password-env", metavar="VAR", help="Read the admin password from this variable."
        ),
        click.option(
            "--password-command", metavar="COMMAND", help="Program printing the password."
        ),
        click.option("--password-stdin", is_flag=True, help="Read the password from stdin."),
        click.option("--default-provider", metavar="NAME", help="Provider opened first."),
        click.option("--default-mode", type=click.Choice(DEFAULT_MODES), help="View opened first."),
        click.option("--page-size", type=click.IntRange(1, 10000), help="Items per request."),
        click.option("--order", type=click.Choice(ORDERS), help="Listing order."),
        click.option(
            "--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per request."
        ),
        click.option("--verify/--no-verify", default=None, help="Check TLS certificates."),
        click.option(
            "--ca-bundle",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Check TLS certificates against this CA bundle.",
        ),
        click.option("--proxy", metavar="URL", help="Proxy URL ('' removes it)."),
        click.option("--default", "make_default", is_flag=True, help="Make it the default."),
        _config_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _one_source(kind: str, env: str | None, command: str | None, stdin: bool) -> dict[str, object]:
    """The ``*_env``/``*_command``/stored keys for one secret; the others are cleared."""
    given = [
        flag for flag, value in (("env", env), ("command", command), ("stdin", stdin)) if value
    ]
    if len(given) > 1:
        _fail(f"give only one of --{kind}-env, --{kind}-command, --{kind}-stdin")
    if not given:
        return {}
    if command is not None:
        command_argv(command)
    stored = _read_secret_from_stdin(kind) if stdin else None
    return {f"{kind}_env": env, f"{kind}_command": command, kind: stored}


def _values_from_flags(flags: Mapping[str, Any]) -> dict[str, object]:
    """Profile keys to change, from the flags actually given."""
    if flags["token_stdin"] and flags["password_stdin"]:
        _fail("--token-stdin and --password-stdin cannot both read standard input")
    values: dict[str, object] = {}
    for key in ("base_url", "auth", "username", "default_provider", "default_mode"):
        if flags[key] is not None:
            values[key] = flags[key]
    for key in ("page_size", "order", "timeout"):
        if flags[key] is not None:
            values[key] = flags[key]
    if flags["ca_bundle"] is not None:
        if flags["verify"] is False:
            _fail("--no-verify and --ca-bundle contradict each other")
        values["verify"] = str(Path(flags["ca_bundle"]).expanduser().absolute())
    elif flags["verify"] is not None:
        values["verify"] = flags["verify"]
    if flags["proxy"] is not None:
        values["proxy"] = flags["proxy"] or None
    values.update(
        _one_source("token", flags["token_env"], flags["token_command"], flags["token_stdin"])
    )
    values.update(
        _one_source(
            "password", flags["password_env"], flags["password_command"], flags["password_stdin"]
        )
    )
    return values


def _check_url(value: str) -> str:
    problem = base_url_problem(value)
    if problem:
        raise click.BadParameter(f"the URL {problem}")
    return value


def _prompt_secret_source(kind: str, profile_name: str, keep: bool) -> dict[str, object]:
    """Ask where a token or password comes from; hidden input for a stored one."""
    choices = ["keep"] if keep else []
    choices += ["env", "command", "stored", "none"]
    source = click.prompt(
        f"Where does the {kind} come from",
        type=click.Choice(choices),
        default=choices[0],
    )
    cleared: dict[str, object] = {f"{kind}_env": None, f"{kind}_command": None, kind: None}
    if source == "keep":
        return {}
    if source == "env":
        suggested = f"MPILOT_{profile_name.upper().replace('-', '_')}_{kind.upper()}"
        cleared[f"{kind}_env"] = click.prompt("Environment variable", default=suggested)
    elif source == "command":
        cleared[f"{kind}_command"] = click.prompt("Command (run without a shell)")
    elif source == "stored":
        cleared[kind] = click.prompt(f"{kind.capitalize()} (hidden)", hide_input=True)
    return cleared


def _prompt_profile(
    name: str, values: dict[str, object], current: ProfileConfig | None
) -> dict[str, object]:
    """Fill in what the flags left out by asking (stdin is a terminal)."""
    if "base_url" not in values:
        default = current.base_url if current else "http://localhost:8080"
        values["base_url"] = click.prompt(
            "Gateway base URL", default=default, value_proc=_check_url
        )
    if "auth" not in values:
        default_auth = current.auth if current else "bearer"
        values["auth"] = click.prompt(
            "Authentication", type=click.Choice(AUTH_KINDS), default=default_auth
        )
    if values["auth"] == "basic":
        if "username" not in values:
            default_user = current.username if current and current.username else None
            values["username"] = click.prompt("Admin user name", default=default_user)
        if not any(key.startswith("password") for key in values):
            keep = current is not None and current.password_source is not None
            values.update(_prompt_secret_source("password", name, keep))
    if values["auth"] != "none" and not any(key.startswith("token") for key in values):
        keep = current is not None and current.token_source is not None
        values.update(_prompt_secret_source("token", name, keep))
    return values


def _after_write(store: ConfigStore, name: str) -> None:
    _warn(profile_warnings(name, store.get_profile(name), os.environ))


@click.group("profiles")
def profiles_group() -> None:
    """Saved gateways: list, show, add, edit, remove, use."""


@profiles_group.command("list")
@_config_option
@_config_errors_exit
def list_profiles(config_file: Path | None) -> None:
    """List the saved profiles; * marks the default, tokens are masked."""
    path = _path_in_use(config_file)
    store = ConfigStore.load(path)
    _warn([*store.warnings(), *permission_warnings(path)])
    names = store.profile_names()
    if not names:
        _echo(f"{PROG}: no profiles in {path}; add one with: {PROG} profiles add NAME", err=True)
        return
    for line in align_columns(profile_rows(store)):
        _echo(line)


@profiles_group.command("show")
@click.argument("name")
@_config_option
@_config_errors_exit
def show_profile(name: str, config_file: Path | None) -> None:
    """Show every setting of profile NAME, secrets masked."""
    path = _path_in_use(config_file)
    store = ConfigStore.load(path)
    profile = store.get_profile(name)
    _warn(permission_warnings(path))
    lines: list[tuple[str, str]] = [
        ("profile", name + (" (default profile)" if name == store.default_profile else "")),
        ("config file", str(path)),
        *profile_settings(profile),
    ]
    width = max(len(key) for key, _ in lines) + 1
    for key, shown in lines:
        _echo(f"{(key + ':').ljust(width)} {shown}")
    _warn(profile_warnings(name, profile, os.environ))


@profiles_group.command("add")
@click.argument("name")
@_profile_options
@click.option("--force", is_flag=True, help="Replace a profile of the same name.")
@_config_errors_exit
def add_profile(
    name: str, config_file: Path | None, make_default: bool, force: bool, **flags: Any
) -> None:
    """Save a gateway as profile NAME.

    Flags give the settings; run in a terminal without --base-url, it asks instead (a stored
    token is typed hidden). The first profile becomes the default.
    """
    path = _path_in_use(config_file)
    store = ConfigStore.load(path)
    exists = name in store.profile_names()
    if exists and not force:
        _fail(
            f"profile {name!r} already exists in {path}; use --force to replace it,"
            f" or change it with: {PROG} profiles edit {name}"
        )
    values = _values_from_flags(flags)
    if "base_url" not in values:
        if not _stdin_is_tty():
            _fail("--base-url is required (or run this in a terminal to be asked)")
        values = _prompt_profile(name, values, None)
    first = not store.profile_names()
    store.set_profile(name, values, replace=exists)
    if make_default or first:
        store.set_default(name)
    store.save()
    note = " (the default profile)" if store.default_profile == name else ""
    _echo(f"{'replaced' if exists else 'added'} profile {name!r}{note} in {path}")
    _after_write(store, name)


@profiles_group.command("edit")
@click.argument("name")
@_profile_options
@click.option("--no-token", is_flag=True, help="Remove the token source.")
@_config_errors_exit
def edit_profile(
    name: str, config_file: Path | None, make_default: bool, no_token: bool, **flags: Any
) -> None:
    """Change the given settings of profile NAME; the others stay as they are.

    Run in a terminal without flags, it asks for the base URL, auth and token source.
    """
    path = _path_in_use(config_file)
    store = ConfigStore.load(path)
    current = store.get_profile(name)
    values = _values_from_flags(flags)
    if no_token:
        if any(key.startswith("token") for key in values):
            _fail("--no-token contradicts --token-env, --token-command and --token-stdin")
        values.update(token_env=None, token_command=None, token=None)
    if not values and not make_default:
        if not _stdin_is_tty():
            _fail("nothing to change: pass flags such as --base-url, --auth, --token-env")
        values = _prompt_profile(name, values, current)
    store.set_profile(name, values)
    if make_default:
        store.set_default(name)
    store.save()
    _echo(f"updated profile {name!r} in {path}")
    _after_write(store, name)


@profiles_group.command("remove")
@click.argument("name")
@_config_option
@_config_errors_exit
def remove_profile(name: str, config_file: Path | None) -> None:
    """Delete profile NAME from the config file."""
    path = _path_in_use(config_file)
    store = ConfigStore.load(path)
    was_default = store.default_profile == name
    store.remove_profile(name)
    store.save()
    _echo(f"removed profile {name!r} from {path}")
    if was_default:
        _warn([f"{name!r} was the default profile; choose another with: {PROG} profiles use NAME"])


@profiles_group.command("use")
@click.argument("name")
@_config_option
@_config_errors_exit
def use_profile(name: str, config_file: Path | None) -> None:
    """Make NAME the default profile."""
    path = _path_in_use(config_file)
    store = ConfigStore.load(path)
    store.set_default(name)
    store.save()
    _echo(f"default profile is now {name!r} ({path})")


@click.group("config")
def config_group() -> None:
    """The config file: where it is, and whether it is valid."""


@config_group.command("path")
@_config_option
def show_config_path(config_file: Path | None) -> None:
    """Print the config file in use and whether it exists."""
    path = _path_in_use(config_file)
    _echo(f"{path} ({'exists' if path.exists() else 'not created yet'})")


@config_group.command("check")
@_config_option
@_config_errors_exit
def check_config(config_file: Path | None) -> None:
    """Validate the config file: every problem found, one line each (runs no token command).

    Errors (exit status 2): a file that does not parse or validate, a theme the app does not
    have, and in ``[keymap]`` an unknown binding id, a key that is not a key, or a key given
    to a binding while another in the same place has it. Warnings (exit status 0): secrets in
    a file others can read, plain http or verify = false with credentials, a missing CA
    bundle, a token_env/password_env that is not set, settings that have no effect, tables
    the app does not read.
    """
    path = _path_in_use(config_file)
    store = ConfigStore.load(path)
    if not store.exists:
        _echo(f"{path}: not created yet; add a profile with: {PROG} profiles add NAME")
        return
    names = store.profile_names()
    default = store.default_profile or "(none)"
    warnings = [*store.warnings(), *permission_warnings(path)]
    for name in names:
        warnings += profile_warnings(name, store.get_profile(name), os.environ)
    problems: list[str] = []
    keymap = store.config.keymap
    if keymap:
        # The bindings and what a key is are the UI's (Textual's): loaded only when needed.
        from mpilot_tui.ui.keys import keymap_problems

        problems += keymap_problems(keymap)
    theme = store.config.theme
    if theme:
        from mpilot_tui.ui.themes import theme_problem

        problem = theme_problem(theme)
        if problem is not None:
            problems.append(f"theme: {problem}")
    _warn(warnings)
    if problems:
        for problem in problems:
            _echo(f"{PROG}: error: {problem}", err=True)
        count = f"{len(problems)} error{'s' if len(problems) != 1 else ''}"
        _echo(f"{path}: {count}, {len(names)} profile(s), default: {default}")
        raise click.exceptions.Exit(CONFIG_ERROR_EXIT)
    _echo(f"{path}: ok, {len(names)} profile(s), default: {default}")


def register(group: click.Group) -> None:
    """Add the ``profiles`` and ``config`` command groups to the root group."""
    group.add_command(profiles_group)
    group.add_command(config_group)
