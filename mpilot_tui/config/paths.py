"""Where the config file lives and the environment variables that steer it.

The file is ``config.toml`` in the platform's per-user config folder (``platformdirs``);
``--config PATH`` on the command line or ``MPILOT_TUI_CONFIG`` in the environment point
elsewhere, in that order.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from platformdirs import user_config_path

__all__ = [
    "ADMIN_PASSWORD_ENV",
    "ADMIN_USERNAME_ENV",
    "APP_NAME",
    "BASE_URL_ENV",
    "CONFIG_ENV",
    "CONFIG_FILE_NAME",
    "PROFILE_ENV",
    "TOKEN_ENV",
    "config_path",
    "default_config_path",
]

APP_NAME = "mpilot-tui"
"""The application's name, used for the config folder."""
CONFIG_FILE_NAME = "config.toml"
"""The config file's name inside the config folder."""
CONFIG_ENV = "MPILOT_TUI_CONFIG"
"""Environment variable holding the path of the config file to use instead of the default."""
PROFILE_ENV = "MPILOT_PROFILE"
"""Environment variable naming the profile to use instead of ``default_profile``."""
BASE_URL_ENV = "MPILOT_BASE_URL"
"""Environment variable holding the gateway's base URL, overriding the profile's."""
TOKEN_ENV = "MPILOT_TOKEN"
"""Environment variable holding the virtual key, overriding the profile's token source."""
ADMIN_USERNAME_ENV = "MPILOT_ADMIN_USERNAME"
"""Environment variable holding the admin user name for ``/api/…``, overriding the profile's."""
ADMIN_PASSWORD_ENV = "MPILOT_ADMIN_PASSWORD"
"""Environment variable holding the admin password, overriding the profile's password source."""


def default_config_path() -> Path:
    """The config file's path when neither ``--config`` nor ``MPILOT_TUI_CONFIG`` is given."""
    return user_config_path(APP_NAME, appauthor=False) / CONFIG_FILE_NAME


def config_path(
    cli_path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Path:
    """The config file in use: ``--config`` beats ``MPILOT_TUI_CONFIG`` beats the default.

    ``env`` defaults to :data:`os.environ`. The path is made absolute (``~`` expanded) but
    symlinks are left alone, so that it reads the way the user wrote it.
    """
    environ = os.environ if env is None else env
    if cli_path is not None and os.fspath(cli_path) != "":
        chosen = Path(cli_path)
    elif environ.get(CONFIG_ENV):
        chosen = Path(environ[CONFIG_ENV])
    else:
        chosen = default_config_path()
    return chosen.expanduser().absolute()
