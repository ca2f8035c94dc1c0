"""What a profile holds when the file says nothing, and the checks of a base URL: plain
values and functions, no pydantic model, so that a run configured by flags and environment
alone (no config file) resolves without building :mod:`.models` or importing tomlkit.

:class:`~.models.ProfileConfig` takes its defaults from :data:`PROFILE_DEFAULTS`, so the
two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from mpilot_tui.api.settings import AuthKind

__all__ = [
    "PORT_PROBLEM",
    "PROFILE_DEFAULTS",
    "ProfileDefaults",
    "base_url_problem",
    "port_problem",
]


@dataclass(frozen=True)
class ProfileDefaults:
    """The settings of a profile that sets nothing but its base URL."""

    base_url: str = "http://localhost"
    auth: AuthKind = "bearer"
    default_provider: str = "openai"
    default_mode: Literal["files", "container-files", "requests"] = "files"
    page_size: int = 100
    order: Literal["asc", "desc"] = "desc"
    timeout: float = 30.0
    verify: bool | str = True
    proxy: str | None = None


PROFILE_DEFAULTS = ProfileDefaults()

PORT_PROBLEM = "has an invalid port (a number from 1 to 65535)"


def port_problem(url: str) -> bool:
    """Whether ``url`` names a port that is no TCP port (``:99999``, ``:0``, ``:http``)."""
    try:
        port = urlsplit(url).port
    except ValueError:
        return True
    return port == 0


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a gateway's base URL, or ``None`` when it can."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        return "contains control characters"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    if not parts.hostname:
        return "has no host"
    if port_problem(url):
        return PORT_PROBLEM
    if parts.query or parts.fragment:
        return "must not have a query (?...) or fragment (#...)"
    return None
