"""Profiles as text for listings: what ``profiles list`` and ``profiles show`` print.

Pure functions over :class:`~.models.ProfileConfig`, so the CLI and a UI screen show the
same thing. Secrets appear only through :func:`~.secrets.describe_token_source` and
:func:`~.secrets.describe_password_source`: where they come from, or masked.
"""

from __future__ import annotations

from collections.abc import Sequence

from mpilot_tui.api.redaction import mask_url_password
from mpilot_tui.config.models import ProfileConfig
from mpilot_tui.config.secrets import describe_password_source, describe_token_source
from mpilot_tui.config.store import ConfigStore

__all__ = ["PROFILE_ROWS_HEADER", "align_columns", "profile_rows", "profile_settings"]

PROFILE_ROWS_HEADER = ("", "NAME", "BASE URL", "AUTH", "ADMIN", "TOKEN")
"""Column titles of :func:`profile_rows`; the first column holds ``*`` for the default."""


def profile_rows(store: ConfigStore) -> list[tuple[str, ...]]:
    """One row per profile (with a header row): default marker, name, URL, auth, the admin
    user (``-`` when none) and where the virtual key comes from."""
    rows: list[tuple[str, ...]] = [PROFILE_ROWS_HEADER]
    for name in store.profile_names():
        profile = store.get_profile(name)
        marker = "*" if name == store.default_profile else ""
        admin = profile.username or "-"
        rows.append(
            (
                marker,
                name,
                mask_url_password(profile.base_url),
                profile.auth,
                admin,
                describe_token_source(profile),
            )
        )
    return rows


def align_columns(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as lines with every column but the last padded to a common width."""
    if not rows:
        return []
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append(" ".join([*cells, row[-1]]).rstrip())
    return lines


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(value) or "(none)"
    return "(none)" if value is None else str(value)


def profile_settings(profile: ProfileConfig) -> list[tuple[str, str]]:
    """Every setting as ``(key, text)``, the token and password described, never shown.

    Values the file does not set are marked ``(default)``; ``token`` is the virtual key's
    source; ``username`` and ``password`` (the admin credentials for ``/api/…``) are listed
    when either is set, or for Basic auth.
    """
    given = profile.model_fields_set
    admin = (
        profile.auth == "basic"
        or profile.username is not None
        or profile.password_source is not None
    )
    settings: list[tuple[str, str]] = []
    for key in ProfileConfig.model_fields:
        if key == "token_env":
            settings.append(("token", describe_token_source(profile, full=True)))
        elif key == "password_env" and admin:
            settings.append(("password", describe_password_source(profile, full=True)))
        elif key.startswith(("token", "password")) or (key == "username" and not admin):
            continue
        else:
            value = getattr(profile, key)
            if key in ("base_url", "proxy") and value is not None:
                value = mask_url_password(value)
            default = key not in given and value not in (None, [])
            settings.append((key, _shown(value) + (" (default)" if default else "")))
    return settings
