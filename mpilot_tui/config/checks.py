"""Warnings about settings that work but are risky: they never stop anything.

Each warning is one sentence for a human, names what to do about it, and never contains a
secret (only file paths, host names, key names and environment variable names).
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mpilot_tui.api.settings import DEMO_BASE_URL, is_loopback_url

if TYPE_CHECKING:  # the models are built only where a config file is read
    from mpilot_tui.config.models import ProfileConfig

__all__ = ["connection_warnings", "permission_warnings", "profile_warnings", "route_suffix"]

_SECRET_KEY = re.compile(r"(?<![\w-])(token|password)\s*=")


def _stored_secrets(text: str) -> list[str]:
    """Which kinds of secret (``token``, ``password``) the file's text holds."""
    import tomllib  # only for a file others may read: not on every run's way

    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return sorted({match.group(1) for match in _SECRET_KEY.finditer(text)})
    found: set[str] = set()
    profiles = data.get("profiles")
    if isinstance(profiles, dict):
        for table in profiles.values():
            if isinstance(table, dict):
                found.update(key for key in ("token", "password") if key in table)
    return sorted(found)


def permission_warnings(path: Path) -> list[str]:
    """A warning when ``path`` holds a token or password and others may read it."""
    if os.name != "posix":
        return []
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    if not mode & 0o077:
        return []
    secrets = _stored_secrets(text)
    if not secrets:
        return []
    what = " and a ".join(secrets)
    quoted = shlex.quote(str(path))
    return [
        f"{path} holds a {what} and can be read by other users (mode {mode:04o});"
        f" fix it with: chmod 600 {quoted}"
    ]


ROUTE_SUFFIXES = ("/openai/v1", "/openai", "/v1")
"""Route prefixes the client adds itself: a base URL ending in one is a gateway URL copied
from an SDK setting (``OPENAI_BASE_URL``)."""


def route_suffix(base_url: str) -> str | None:
    """The route prefix ``base_url`` ends in (``/openai``, ``/v1``), or None."""
    path = urlsplit(base_url).path.rstrip("/").lower()
    return next((suffix for suffix in ROUTE_SUFFIXES if path.endswith(suffix)), None)


def connection_warnings(
    base_url: str,
    *,
    sends_credentials: bool,
    verify: bool | str,
    profile_name: str | None = None,
) -> list[str]:
    """Warnings about how the credentials would travel to ``base_url``."""
    where = f"profile {profile_name!r}: " if profile_name else ""
    warnings: list[str] = []
    parts = urlsplit(base_url)
    if (
        sends_credentials
        and parts.scheme == "http"
        and base_url != DEMO_BASE_URL
        and not is_loopback_url(base_url)
    ):
        warnings.append(
            f"{where}the token would travel unencrypted over plain http to {parts.hostname};"
            " use an https:// base URL"
        )
    route = route_suffix(base_url)
    if route is not None:
        root = base_url.rstrip("/")[: -len(route)] or base_url
        warnings.append(
            f"{where}the base URL ends in {route}, but the routes are added to it"
            f" ({route}/openai/v1/files would be asked for, not /openai/v1/files);"
            f" use the gateway's root: {root}"
        )
    if verify is False:
        warnings.append(
            f"{where}TLS certificate verification is off (verify = false), so anyone on the"
            " network path could read the credentials; remove it or set verify to a CA bundle"
        )
    elif isinstance(verify, str) and not Path(verify).expanduser().is_file():
        warnings.append(f"{where}the CA bundle {verify} does not exist")
    return warnings


def profile_warnings(
    name: str, profile: ProfileConfig, env: Mapping[str, str] | None = None
) -> list[str]:
    """Warnings about a saved profile, without running any command or reading secrets.

    With ``env``, a ``token_env`` or ``password_env`` that is not set is reported too.
    """
    sends = profile.auth != "none" and (
        profile.token_source is not None or profile.username is not None
    )
    warnings = connection_warnings(
        profile.base_url, sends_credentials=sends, verify=profile.verify, profile_name=name
    )
    if profile.password_source is not None and profile.username is None:
        warnings.append(
            f"profile {name!r}: a password source is set but no username, so no admin"
            " credentials are sent to /api/…; add username"
        )
    if profile.auth == "none" and (
        profile.token_source is not None or profile.username is not None
    ):
        warnings.append(f'profile {name!r}: no credentials are sent with auth = "none"')
    if env is not None:
        for key in ("token_env", "password_env"):
            variable = getattr(profile, key)
            if variable is not None and not env.get(variable):
                warnings.append(f"profile {name!r}: {key} names {variable}, which is not set")
    return warnings
