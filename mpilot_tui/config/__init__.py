"""Saved profiles, secrets and connection settings, and the session a run resolves to. No
Textual, no network (the client the session makes does that).

- :mod:`.paths`: where ``config.toml`` is (``--config``, ``MPILOT_TUI_CONFIG``, platformdirs).
- :mod:`.models`: the file's shape (pydantic, unknown keys rejected).
- :mod:`.validation`: text -> validated document, errors with file, line, key and allowed.
- :mod:`.store`: :class:`ConfigStore`, changes written back atomically with comments kept.
- :mod:`.secrets`: token and password sources (env, command, stored) and their display.
- :mod:`.checks`: warnings (readable file holding a token, plain http, ``verify = false``).
- :mod:`.keymap`: warnings about ``[keymap]``, given the UI's bindings and its idea of a key.
- :mod:`.resolve`: flags > environment > profile > defaults -> the run's
  :class:`~.session.Session`.
- :mod:`.session`: :class:`~.session.Session`, one type for the connection and its
  preferences, which makes the client; :func:`~.session.resolve_session` (``--demo`` or the
  precedence above) and :func:`~.session.demo_session` (the in-process demo gateway).

Errors: :class:`ConfigError` (the CLI exits with 2) and its subclass
:class:`NotConfiguredError` (nothing configured; the message says how to start).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mpilot_tui.config.checks import connection_warnings, permission_warnings, profile_warnings
    from mpilot_tui.config.errors import ConfigError, NotConfiguredError
    from mpilot_tui.config.models import ConfigFile, ProfileConfig
    from mpilot_tui.config.paths import config_path
    from mpilot_tui.config.resolve import resolve_connection
    from mpilot_tui.config.secrets import (
        describe_password_source,
        describe_token_source,
        resolve_password,
        resolve_token,
    )
    from mpilot_tui.config.store import ConfigStore

_HOME = {
    "ConfigError": "errors",
    "NotConfiguredError": "errors",
    "ConfigFile": "models",
    "ProfileConfig": "models",
    "config_path": "paths",
    "resolve_connection": "resolve",
    "describe_password_source": "secrets",
    "describe_token_source": "secrets",
    "resolve_password": "secrets",
    "resolve_token": "secrets",
    "ConfigStore": "store",
    "connection_warnings": "checks",
    "permission_warnings": "checks",
    "profile_warnings": "checks",
}
"""Which module each public name lives in: they are imported on first use, so that finding
the config file does not pay for building the pydantic models (the browser's cold start)."""


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ConfigError",
    "ConfigFile",
    "ConfigStore",
    "NotConfiguredError",
    "ProfileConfig",
    "config_path",
    "connection_warnings",
    "describe_password_source",
    "describe_token_source",
    "permission_warnings",
    "profile_warnings",
    "resolve_connection",
    "resolve_password",
    "resolve_token",
]
