"""The errors raised by :mod:`mpilot_tui.config`.

::

    Exception
     └── ConfigError            the config file or a setting is wrong; the CLI exits with 2
          └── NotConfiguredError  nothing is configured at all: no profile, no base URL

Every message is written for the user: it names the file, the line and the key where it
can, says what is allowed, and never contains a secret.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ConfigError", "NotConfiguredError"]


class ConfigError(Exception):
    """A problem with the configuration; ``str(error)`` is the message to show."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        """The user-facing message (may span several lines, one problem per line)."""
        self.path = path
        """The config file concerned, when there is one."""
        self.line = line
        """The 1-based line of the first problem, when known."""
        self.key = key
        """The dotted key of the first problem, e.g. ``profiles.prod.page_size``."""

    def __str__(self) -> str:
        return self.message


class NotConfiguredError(ConfigError):
    """No gateway is configured at all; the message says how to start."""
