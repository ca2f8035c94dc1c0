"""Work out the connection to use from flags, environment, the saved profile and defaults.

Each setting comes from the first of these that gives it:

1. command-line flags (``--profile``, ``--base-url``, ``--auth``, ``--timeout``);
2. the environment (``MPILOT_PROFILE``, ``MPILOT_BASE_URL``, ``MPILOT_TOKEN``,
   ``MPILOT_ADMIN_USERNAME``, ``MPILOT_ADMIN_PASSWORD``);
3. the profile (``--profile``, else ``MPILOT_PROFILE``, else ``default_profile``; the
   default only when no base URL was given, or the one given is the default profile's own);
4. the defaults (``bearer`` auth, 30 s timeout, ``openai``, ``files``, 100 per page, ``desc``).

With no base URL from any of them, :class:`NotConfiguredError` says how to start.

Two credentials are resolved independently: the virtual key (``MPILOT_TOKEN``, else the
profile's token source) and the admin credentials (``MPILOT_ADMIN_USERNAME`` /
``MPILOT_ADMIN_PASSWORD``, else the profile's ``username`` and password source). Each is
cleaned when read (:func:`~mpilot_tui.api.credentials.clean_credential`): surrounding
whitespace is removed with a warning, text a header cannot carry is a :class:`ConfigError`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from mpilot_tui.api.credentials import CredentialKind, clean_credential
from mpilot_tui.api.errors import CredentialError
from mpilot_tui.api.redaction import mask_url_password
from mpilot_tui.api.settings import AUTH_KINDS, AuthKind, ConnectionSettings
from mpilot_tui.config.checks import connection_warnings, permission_warnings
from mpilot_tui.config.defaults import PROFILE_DEFAULTS, ProfileDefaults, base_url_problem
from mpilot_tui.config.errors import ConfigError, NotConfiguredError
from mpilot_tui.config.paths import (
    ADMIN_PASSWORD_ENV,
    ADMIN_USERNAME_ENV,
    BASE_URL_ENV,
    PROFILE_ENV,
    TOKEN_ENV,
    config_path,
)
from mpilot_tui.config.secrets import resolve_password, resolve_token
from mpilot_tui.config.session import Session

if TYPE_CHECKING:
    from mpilot_tui.config.models import ProfileConfig
    from mpilot_tui.config.store import ConfigStore

__all__ = ["resolve_connection"]


def _load_store(path: Path, named: str | None) -> ConfigStore | None:
    """The config file as a :class:`ConfigStore`; ``None`` when there is no file and no
    profile is named, the one case where nothing of the file could matter. Only then are
    the config models (pydantic) and tomlkit not loaded: a run configured by flags and the
    environment alone pays for neither. A path that cannot be looked at for another reason
    (not a folder, no permission) goes through :meth:`ConfigStore.load`, which names it."""
    if not named:
        try:
            os.stat(path)
        except FileNotFoundError:
            return None
        except OSError:
            pass
    from mpilot_tui.config.store import ConfigStore

    return ConfigStore.load(path)


def _not_configured(path: Path, store: ConfigStore | None) -> NotConfiguredError:
    exists = store is not None and store.exists
    where = f"{path} has no profiles" if exists else f"there is no config file at {path}"
    return NotConfiguredError(
        f"mpilot-tui is not configured: {where} and {BASE_URL_ENV} is not set."
        " To try it, run: mpilot-tui --demo."
        " To save a gateway, run: mpilot-tui profiles add NAME (or pass --base-url URL).",
        path=path,
    )


def _choose_profile(
    store: ConfigStore, flag: str | None, env: Mapping[str, str], base_url: str | None
) -> tuple[str | None, ProfileConfig | None]:
    """The profile to use: ``--profile``, ``MPILOT_PROFILE``, ``default_profile``.

    A profile named by flag or environment always applies. The default profile applies only
    when no base URL was given (``base_url`` is ``None``) or the one given is its own: a
    ``--base-url`` naming another gateway must not pick up the default profile's token.
    """
    named = flag or env.get(PROFILE_ENV)
    if named:
        return named, store.get_profile(named)
    default = store.default_profile
    if default:
        profile = store.get_profile(default)
        if base_url is None or _same_url(base_url, profile.base_url):
            return default, profile
        return None, None
    names = store.profile_names()
    if base_url is None and names:
        raise ConfigError(
            f"no profile chosen and {store.path} sets no default_profile; profiles: "
            + ", ".join(names)
            + ". Pass --profile NAME, or run: mpilot-tui profiles use NAME",
            path=store.path,
        )
    return None, None


def _same_url(given: str, saved: str) -> bool:
    """Whether a base URL from a flag or the environment is a profile's own."""
    return given.rstrip("/") == saved.rstrip("/")


def _check_auth(auth: str) -> AuthKind:
    if auth not in AUTH_KINDS:
        raise ConfigError(f"unknown auth {auth!r}; allowed: {', '.join(AUTH_KINDS)}")
    return auth


class _Credentials:
    """The virtual key and the admin credentials, each from the first source that has it."""

    def __init__(
        self, env: Mapping[str, str], profile: ProfileConfig | None, name: str | None
    ) -> None:
        self.env = env
        self.profile = profile
        self.name = name
        self.token: SecretStr | None = None
        self.username: str | None = None
        self.password: SecretStr | None = None
        self.warnings: list[str] = []

    def _clean(
        self, value: str | SecretStr | None, what: str, kind: CredentialKind
    ) -> SecretStr | None:
        cleaned = clean_credential(value, what=what, kind=kind)
        if cleaned.stripped:
            self.warnings.append(
                f"{what}: the {kind} had whitespace around it (such as a trailing newline);"
                " it was removed"
            )
        return cleaned.secret

    def _where(self, key: str) -> str:
        label = f"profile {self.name!r}" if self.name else "profile"
        profile = self.profile
        variable = getattr(profile, key, None) if key.endswith("_env") else None
        return f"{label}: {key}" + (f" {variable}" if variable else "")

    def resolve(self, *, basic: bool) -> None:
        env, profile = self.env, self.profile
        if env.get(TOKEN_ENV):
            self.token = self._clean(env[TOKEN_ENV], TOKEN_ENV, "virtual key")
        elif profile is not None and profile.token_source is not None:
            self.token = self._clean(
                resolve_token(profile, env, profile_name=self.name),
                self._where(profile.token_source),
                "virtual key",
            )
        user: SecretStr | None = None
        if env.get(ADMIN_USERNAME_ENV):
            user = self._clean(env[ADMIN_USERNAME_ENV], ADMIN_USERNAME_ENV, "user name")
        elif profile is not None and profile.username is not None:
            user = self._clean(profile.username, self._where("username"), "user name")
        self.username = user.get_secret_value() if user else None
        if self.username is None:
            if basic:
                raise ConfigError(
                    "--auth basic needs an admin user name: set "
                    f"{ADMIN_USERNAME_ENV} and {ADMIN_PASSWORD_ENV}, or use a profile with"
                    " username and password_env (auth basic sends them on every route and the"
                    f" virtual key from {TOKEN_ENV} in x-bf-vk)"
                )
            if env.get(ADMIN_PASSWORD_ENV):
                self.warnings.append(
                    f"{ADMIN_PASSWORD_ENV} is set but no admin user name is: set"
                    f" {ADMIN_USERNAME_ENV} too; no admin credentials are sent"
                )
            return
        if env.get(ADMIN_PASSWORD_ENV):
            self.password = self._clean(env[ADMIN_PASSWORD_ENV], ADMIN_PASSWORD_ENV, "password")
        elif profile is not None and profile.password_source is not None:
            try:
                password = resolve_password(profile, env, profile_name=self.name)
            except ConfigError as exc:
                if basic:
                    raise
                # The admin login is only for /api/…: browsing works without it.
                self.warnings.append(f"{exc}; no admin credentials are sent to /api/…")
                self.username = None
                return
            self.password = self._clean(password, self._where(profile.password_source), "password")


def resolve_connection(
    *,
    config_file: str | os.PathLike[str] | None = None,
    profile: str | None = None,
    base_url: str | None = None,
    auth: str | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> Session:
    """Combine flags, environment, the profile and defaults into the run's session (the
    connection and the browser's starting preferences).

    ``env`` defaults to :data:`os.environ`. Raises :class:`ConfigError` for an invalid file,
    an unknown profile (listing the names there are), a bad flag value or a failing token
    source, and :class:`NotConfiguredError` when nothing gives a base URL.
    """
    environ = os.environ if env is None else env
    path = config_path(config_file, environ)
    explicit_url = base_url or environ.get(BASE_URL_ENV) or None
    store = _load_store(path, profile or environ.get(PROFILE_ENV))
    name, chosen = (
        (None, None) if store is None else _choose_profile(store, profile, environ, explicit_url)
    )
    if explicit_url is None and chosen is None:
        raise _not_configured(path, store)
    source: ProfileConfig | ProfileDefaults = chosen or PROFILE_DEFAULTS

    url = explicit_url or source.base_url
    problem = base_url_problem(url)
    if problem:
        raise ConfigError(f"base URL {mask_url_password(url)!r} {problem}")
    auth_kind = _check_auth(auth) if auth is not None else source.auth
    seconds = source.timeout if timeout is None else timeout
    if not seconds > 0:
        raise ConfigError(f"timeout must be a number of seconds greater than 0, not {seconds}")

    try:
        credentials = _Credentials(environ, chosen, name)
        if auth_kind != "none":
            credentials.resolve(basic=auth_kind == "basic")
    except CredentialError as exc:
        raise ConfigError(str(exc)) from None
    verify: bool | str = source.verify
    if isinstance(verify, str):
        verify = str(Path(verify).expanduser())

    settings = ConnectionSettings(
        base_url=url.rstrip("/"),
        auth=auth_kind,
        token=credentials.token,
        username=credentials.username,
        password=credentials.password,
        timeout=seconds,
        verify=verify,
        proxy=source.proxy,
        profile=name,
    )
    sends = settings.has_virtual_key or settings.has_admin_credentials
    warnings = [
        *(store.warnings() if store is not None else ()),
        *credentials.warnings,
        *permission_warnings(path),
        *connection_warnings(
            settings.base_url, sends_credentials=sends, verify=settings.verify, profile_name=name
        ),
    ]
    return Session(
        settings=settings,
        profile_name=name,
        default_provider=source.default_provider,
        default_mode=source.default_mode,
        page_size=source.page_size,
        order=source.order,
        recent_containers=tuple(chosen.recent_containers) if chosen is not None else (),
        warnings=tuple(warnings),
        config_file=path,
    )
