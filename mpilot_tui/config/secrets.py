"""Where a profile's token and password come from, and how they are shown.

A secret comes from exactly one source: an environment variable (``token_env``), a program
(``token_command``) or the file itself (``token``); likewise ``password_*`` for Basic auth.
A program is run without a shell, with a timeout and no input; its first line of output is
the secret. When it fails, the error says how (exit status, timeout, not found, no output)
but never repeats what it printed. Secrets are handed on as :class:`pydantic.SecretStr` and
shown only through :func:`~mpilot_tui.api.settings.mask_secret`.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pydantic import SecretStr

from mpilot_tui.api.settings import mask_secret
from mpilot_tui.config.errors import ConfigError

if TYPE_CHECKING:  # the models are built only where a config file is read
    from mpilot_tui.config.models import ProfileConfig

__all__ = [
    "SECRET_COMMAND_TIMEOUT",
    "command_argv",
    "describe_command",
    "describe_password_source",
    "describe_token_source",
    "resolve_password",
    "resolve_token",
    "run_secret_command",
]

SECRET_COMMAND_TIMEOUT = 10.0
"""Seconds a ``token_command`` or ``password_command`` may take."""


def command_argv(command: str | Sequence[str]) -> list[str]:
    """A command as an argument list: a string is split the way a POSIX shell would."""
    if isinstance(command, str):
        try:
            return shlex.split(command)
        except ValueError as exc:
            raise ConfigError(f"cannot split the command {command!r}: {exc}") from None
    return list(command)


def describe_command(command: str | Sequence[str], *, full: bool = False) -> str:
    """A command for display: ``pass show …`` (program and first argument) unless ``full``."""
    argv = command_argv(command)
    if full or len(argv) <= 2:
        return shlex.join(argv)
    return shlex.join(argv[:2]) + " …"


def run_secret_command(
    command: str | Sequence[str], *, what: str, timeout: float = SECRET_COMMAND_TIMEOUT
) -> SecretStr:
    """Run ``command`` without a shell and return the first line it prints.

    ``what`` names the secret in messages (``"profile 'prod': token_command"``). Raises
    :class:`ConfigError` when the program is missing, fails, times out or prints nothing.
    """
    argv = command_argv(command)
    if not argv:
        raise ConfigError(f"{what} is empty")
    program = argv[0]
    try:
        completed = subprocess.run(  # an argument list: no shell is involved
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError(f"{what}: program not found: {program}") from None
    except PermissionError:
        raise ConfigError(f"{what}: program is not executable: {program}") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{what}: {program} did not finish within {timeout:g} s") from None
    except OSError as exc:
        raise ConfigError(f"{what}: cannot run {program}: {exc.strerror}") from None
    if completed.returncode != 0:
        raise ConfigError(
            f"{what}: {program} failed with exit status {completed.returncode}"
            " (its output is not shown; run it yourself to see why)"
        )
    lines = completed.stdout.decode("utf-8", errors="replace").strip().splitlines()
    secret = lines[0].strip() if lines else ""
    if not secret:
        raise ConfigError(f"{what}: {program} printed nothing")
    return SecretStr(secret)


def _from_env(name: str, env: Mapping[str, str], *, what: str) -> SecretStr:
    value = env.get(name, "")
    if not value:
        raise ConfigError(f"{what}: the environment variable {name} is not set")
    return SecretStr(value)


def _label(profile_name: str | None) -> str:
    return f"profile {profile_name!r}" if profile_name else "profile"


def resolve_token(
    profile: ProfileConfig,
    env: Mapping[str, str],
    *,
    profile_name: str | None = None,
    timeout: float = SECRET_COMMAND_TIMEOUT,
) -> SecretStr | None:
    """The profile's token from its source, or ``None`` when it has none.

    Raises :class:`ConfigError` when the named environment variable is not set or the
    command fails.
    """
    label = _label(profile_name)
    if profile.token_env is not None:
        return _from_env(profile.token_env, env, what=f"{label}: token_env")
    if profile.token_command is not None:
        return run_secret_command(
            profile.token_command, what=f"{label}: token_command", timeout=timeout
        )
    return profile.token


def resolve_password(
    profile: ProfileConfig,
    env: Mapping[str, str],
    *,
    profile_name: str | None = None,
    timeout: float = SECRET_COMMAND_TIMEOUT,
) -> SecretStr | None:
    """The profile's admin password from its source, or ``None`` when it has none."""
    label = _label(profile_name)
    if profile.password_env is not None:
        return _from_env(profile.password_env, env, what=f"{label}: password_env")
    if profile.password_command is not None:
        return run_secret_command(
            profile.password_command, what=f"{label}: password_command", timeout=timeout
        )
    return profile.password


def describe_token_source(profile: ProfileConfig, *, full: bool = False) -> str:
    """``env:NAME``, ``command:pass show …``, ``stored sk-bf-…9f3a`` or ``(none)``."""
    if profile.token_env is not None:
        return f"env:{profile.token_env}"
    if profile.token_command is not None:
        return f"command:{describe_command(profile.token_command, full=full)}"
    if profile.token is not None:
        return f"stored {mask_secret(profile.token)}"
    return "(none)"


def describe_password_source(profile: ProfileConfig, *, full: bool = False) -> str:
    """Like :func:`describe_token_source`, for the admin password (never partly shown)."""
    if profile.password_env is not None:
        return f"env:{profile.password_env}"
    if profile.password_command is not None:
        return f"command:{describe_command(profile.password_command, full=full)}"
    if profile.password is not None:
        return "stored ••••"
    return "(none)"
