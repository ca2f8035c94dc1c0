"""The shape of ``config.toml``, validated with pydantic.

::

    theme = "textual-dark"          # optional
    inspector_history = 500         # optional; requests the inspector keeps (10..100000)
    default_profile = "local"       # optional; must name a profile below

    [profiles.local]
    base_url = "http://localhost:8080"
    auth = "bearer"                 # bearer | x-bf-vk | basic | none
    token_env = "MPILOT_LOCAL_TOKEN"  # or token_command = [...] or token = "sk-bf-..."

    [keymap]                        # binding id -> key
    quit = "ctrl+q"

    [columns.files]                 # the browser's column chooser (T) keeps these
    hidden = ["expires_at"]         # column keys not shown
    widths = { filename = 40 }      # column key -> cells; the other columns fit the rows

Unknown keys are errors (``extra="forbid"``) and values are checked strictly (TOML is
typed: ``page_size = "100"`` is a string, not a number). Cross-field problems carry the
key they concern in the error's ``ctx["at"]`` so that :mod:`.validation` can find its line.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from mpilot_tui.api.settings import AUTH_KINDS, AuthKind
from mpilot_tui.config.defaults import (
    PORT_PROBLEM,
    PROFILE_DEFAULTS,
    base_url_problem,
    port_problem,
)

__all__ = [
    "ALLOWED",
    "COLUMN_VIEWS",
    "DEFAULT_MODES",
    "MAX_COLUMN_WIDTH",
    "MAX_CONTAINER_ID_CHARS",
    "MAX_RECENT_CONTAINERS",
    "MIN_COLUMN_WIDTH",
    "ORDERS",
    "PROFILE_NAME_PATTERN",
    "ColumnsConfig",
    "ConfigFile",
    "ProfileConfig",
    "base_url_problem",
]

DEFAULT_MODES: tuple[str, ...] = ("files", "container-files", "requests")
"""The views the browser can open on start."""
COLUMN_VIEWS: tuple[str, ...] = ("files", "container-files", "containers", "requests")
"""The tables whose columns ``[columns.VIEW]`` sets (the views' user-facing names)."""
MIN_COLUMN_WIDTH = 4
MAX_COLUMN_WIDTH = 200
"""The narrowest and widest a column can be set to (cells)."""
ORDERS: tuple[str, ...] = ("asc", "desc")
"""Sort orders of a listing by creation time."""
MAX_RECENT_CONTAINERS = 10
MAX_CONTAINER_ID_CHARS = 256
"""The longest container id remembered in ``recent_containers`` (a gateway may send 200 KB)."""
"""How many recently opened container ids a profile keeps."""
PROFILE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
"""A profile name: letters, digits, ``-`` and ``_``, so it needs no quoting in TOML or a shell."""
_ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"

ALLOWED: dict[str, str] = {
    "default_profile": "the name of a profile defined under [profiles.NAME]",
    "theme": "a theme name (a string)",
    "inspector_history": "a whole number from 10 to 100000",
    "confirm_quit": "true (the default) or false",
    "keymap": 'a table of binding id = key string, e.g. quit = "ctrl+q"',
    "columns": "tables [columns.VIEW], VIEW one of "
    + ", ".join(COLUMN_VIEWS)
    + ", with hidden = [column keys] and widths = { column key = cells }",
    "hidden": 'a list of column keys (strings), e.g. ["expires_at"]',
    "widths": f"a table of column key = cells ({MIN_COLUMN_WIDTH} to {MAX_COLUMN_WIDTH})",
    "profiles": "tables [profiles.NAME], NAME made of letters, digits, '-' and '_'",
    "base_url": 'an http:// or https:// URL with a host, e.g. "http://localhost:8080"',
    "auth": " | ".join(f'"{kind}"' for kind in AUTH_KINDS),
    "token_env": 'the name of an environment variable, e.g. "MPILOT_PROD_TOKEN"',
    "token_command": "a program and its arguments, as a list of strings or one string",
    "token": "the token as a string (prefer token_env or token_command)",
    "username": 'the admin user name (a string), used with auth = "basic"',
    "password_env": 'the name of an environment variable, e.g. "MPILOT_ADMIN_PASSWORD"',
    "password_command": "a program and its arguments, as a list of strings or one string",
    "password": "the password as a string (prefer password_env or password_command)",
    "default_provider": 'a provider name such as "openai" (no spaces)',
    "default_mode": " | ".join(f'"{mode}"' for mode in DEFAULT_MODES),
    "page_size": "a whole number from 1 to 10000",
    "order": " | ".join(f'"{order}"' for order in ORDERS),
    "timeout": "a number of seconds greater than 0",
    "verify": "true, false, or the path of a CA bundle (a string)",
    "proxy": "an http://, https:// or socks5:// URL",
    "recent_containers": f"a list of at most {MAX_RECENT_CONTAINERS} container ids (strings)",
}
"""What each key accepts, in words, for error messages."""

_TOKEN_SOURCES = ("token_env", "token_command", "token")
_PASSWORD_SOURCES = ("password_env", "password_command", "password")


def _conflict(at: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("conflict", message, {"at": (at,)})


_NonEmpty = Annotated[str, Field(min_length=1)]
_EnvName = Annotated[str, Field(pattern=_ENV_NAME_PATTERN)]
_Command = Annotated[list[_NonEmpty], Field(min_length=1)] | _NonEmpty


class ProfileConfig(BaseModel):
    """One ``[profiles.NAME]`` table: a gateway and how to talk to it."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True
    )

    base_url: str
    """The gateway's root, e.g. ``http://localhost:8080`` (no ``/openai`` suffix)."""
    auth: AuthKind = PROFILE_DEFAULTS.auth
    """Where the token goes: ``bearer``, ``x-bf-vk``, ``basic`` (admin user) or ``none``."""
    token_env: _EnvName | None = None
    """The name of an environment variable holding the token."""
    token_command: _Command | None = None
    """A program (run without a shell) whose first line of output is the token."""
    token: SecretStr | None = None
    """The token itself, stored in the file (the file is then kept mode 0600)."""
    username: _NonEmpty | None = None
    """Admin user name for ``basic`` auth."""
    password_env: _EnvName | None = None
    """The name of an environment variable holding the admin password."""
    password_command: _Command | None = None
    """A program (run without a shell) whose first line of output is the admin password."""
    password: SecretStr | None = None
    """The admin password itself, stored in the file."""
    default_provider: Annotated[str, Field(pattern=r"^\S+$")] = PROFILE_DEFAULTS.default_provider
    """The provider the browser opens first."""
    default_mode: Literal["files", "container-files", "requests"] = PROFILE_DEFAULTS.default_mode
    """The view the browser opens first."""
    page_size: Annotated[int, Field(ge=1, le=10000)] = PROFILE_DEFAULTS.page_size
    """How many items one request asks for."""
    order: Literal["asc", "desc"] = PROFILE_DEFAULTS.order
    """Listing order by creation time."""
    timeout: Annotated[float, Field(gt=0)] = PROFILE_DEFAULTS.timeout
    """Seconds allowed for connecting and for each read."""
    verify: bool | _NonEmpty = PROFILE_DEFAULTS.verify
    """TLS verification: ``true``, ``false``, or the path of a CA bundle."""
    proxy: _NonEmpty | None = None
    """An HTTP(S) or SOCKS proxy URL through which the gateway is reached."""
    recent_containers: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=MAX_CONTAINER_ID_CHARS)]],
        Field(max_length=MAX_RECENT_CONTAINERS),
    ] = []
    """Container ids opened recently, most recent first; kept by the app."""

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        problem = base_url_problem(value)
        if problem:
            raise PydanticCustomError("base_url", "the URL {problem}", {"problem": problem})
        return value

    @field_validator("proxy")
    @classmethod
    def _check_proxy(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
                raise PydanticCustomError("proxy", "not a proxy URL")
            if port_problem(value):
                raise PydanticCustomError("proxy", f"the proxy URL {PORT_PROBLEM}")
        return value

    @model_validator(mode="after")
    def _check_sources(self) -> ProfileConfig:
        for group, what in ((_TOKEN_SOURCES, "token"), (_PASSWORD_SOURCES, "password")):
            given = [key for key in group if getattr(self, key) is not None]
            if len(given) > 1:
                raise _conflict(
                    given[1],
                    f"give at most one {what} source, not both {given[0]} and {given[1]}",
                )
        if self.auth == "basic" and self.username is None:
            raise _conflict("auth", 'auth = "basic" needs a username')
        return self

    @property
    def token_source(self) -> str | None:
        """Which key holds the token source (``token_env``, ``token_command``, ``token``)."""
        return next((key for key in _TOKEN_SOURCES if getattr(self, key) is not None), None)

    @property
    def password_source(self) -> str | None:
        """Which key holds the password source, if any."""
        return next((key for key in _PASSWORD_SOURCES if getattr(self, key) is not None), None)

    @property
    def stores_secret(self) -> bool:
        """True when the token or the password is written in the file itself."""
        return self.token is not None or self.password is not None


_ColumnKey = Annotated[str, Field(pattern=r"^[a-z_]+$")]


class ColumnsConfig(BaseModel):
    """One ``[columns.VIEW]`` table: what the column chooser (``T``) keeps for a table."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True
    )

    hidden: list[_ColumnKey] = []
    """Column keys (``expires_at``) not shown; an unknown key is ignored."""
    widths: dict[_ColumnKey, Annotated[int, Field(ge=MIN_COLUMN_WIDTH, le=MAX_COLUMN_WIDTH)]] = {}
    """Column key -> its width in cells; a column not named fits the rows shown."""


ColumnView = Literal["files", "container-files", "containers", "requests"]


class ConfigFile(BaseModel):
    """The whole of ``config.toml``."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True
    )

    default_profile: _NonEmpty | None = None
    """The profile used when neither ``--profile`` nor ``MPILOT_PROFILE`` names one."""
    theme: _NonEmpty | None = None
    """The UI theme's name."""
    inspector_history: Annotated[int, Field(ge=10, le=100_000)] | None = None
    """How many of the last requests the request inspector keeps (default 500)."""
    confirm_quit: bool | None = None
    """Ask before ``q`` drops more than one page of loaded rows (default true)."""
    keymap: dict[_NonEmpty, _NonEmpty] = {}
    """Binding id -> key string, overriding the default bindings."""
    columns: dict[ColumnView, ColumnsConfig] = {}
    """The browser's column choices by view (``files``, ``container-files``, ...)."""
    profiles: dict[Annotated[str, Field(pattern=PROFILE_NAME_PATTERN)], ProfileConfig] = {}
    """Saved gateways by name, in file order."""

    @model_validator(mode="after")
    def _check_default(self) -> ConfigFile:
        if self.default_profile is not None and self.default_profile not in self.profiles:
            names = ", ".join(self.profiles) or "(none yet)"
            raise PydanticCustomError(
                "conflict",
                "no profile named {name}; profiles: {names}",
                {"at": ("default_profile",), "name": repr(self.default_profile), "names": names},
            )
        return self

    def profile_names(self) -> list[str]:
        """The profiles' names, in file order."""
        return list(self.profiles)
