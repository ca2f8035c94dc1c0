"""Connection settings: where the gateway is and the two credentials it takes.

The CLI, the saved profiles (``mpilot_tui.config``) and the browser all build a
:class:`ConnectionSettings` and hand it to :class:`~mpilot_tui.api.client.GatewayClient`.

Two credentials, each sent only to its own routes (:func:`route_family`):

- the **virtual key** (``token``) on the inference routes ``/openai/…`` and ``/v1/…``, in
  ``Authorization: Bearer`` (``auth = "bearer"``) or ``x-bf-vk`` (``auth = "x-bf-vk"``);
- the **admin credentials** (``username`` and ``password``) on the management API
  ``/api/…``, as ``Authorization: Basic``; without them ``/api/…`` goes without credentials.

``auth = "basic"`` is for 1.4 gateways that want admin auth on inference routes too: Basic
on every route and the virtual key in ``x-bf-vk``. ``auth = "none"`` sends nothing anywhere.

Secrets are held in :class:`pydantic.SecretStr`, so that a ``repr`` or a traceback's locals
never show them; they are checked when the settings are made (:mod:`.credentials`), so that
building a header cannot fail, and header text exists only in the request being sent.
"""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass, field, fields
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from .credentials import CredentialKind, credential_problem, mask_secret, secret_forms
from .errors import CredentialError

__all__ = [
    "AUTH_KINDS",
    "AuthKind",
    "ConnectionSettings",
    "RouteFamily",
    "is_loopback_url",
    "mask_secret",
    "route_family",
]

AuthKind = Literal["bearer", "x-bf-vk", "basic", "none"]
AUTH_KINDS: tuple[AuthKind, ...] = ("bearer", "x-bf-vk", "basic", "none")
"""Where the virtual key travels: ``Authorization: Bearer``, the ``x-bf-vk`` header, or (for
1.4 gateways) ``x-bf-vk`` beside Basic admin credentials on every route; or nothing at all."""

RouteFamily = Literal["inference", "admin", "other"]
"""``inference`` (``/openai/…``, ``/v1/…``: the virtual key), ``admin`` (``/api/…``: the
admin credentials), ``other`` (``/health`` and the like: no credentials needed)."""

DEMO_BASE_URL = "http://demo.invalid"
"""The base URL the in-process demo gateway answers on (never resolved: ASGI transport)."""


def route_family(path: str) -> RouteFamily:
    """Which credential a request path takes (the path without the base URL's prefix)."""
    first = path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
    if first in ("openai", "v1"):
        return "inference"
    if first == "api":
        return "admin"
    return "other"


def _without_password(url: str) -> str:
    """``url`` with the password of its user info masked."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if not password:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:••••@{netloc}"))


def is_loopback_url(url: str) -> bool:
    """True when the URL's host is loopback (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything needed to open a connection to one gateway."""

    base_url: str
    """The gateway's root, e.g. ``http://localhost:8080`` (no ``/openai`` suffix)."""
    auth: AuthKind = "bearer"
    """Where the token goes; see :data:`AUTH_KINDS`."""
    token: SecretStr | None = field(default=None, repr=False)
    """The virtual key (``sk-bf-…``) or an MPilot admin JWT, for the inference routes."""
    username: str | None = None
    """The admin user name, for ``/api/…`` (and every route with ``basic`` auth)."""
    password: SecretStr | None = field(default=None, repr=False)
    """The admin password that goes with ``username``."""
    timeout: float = 30.0
    """Seconds allowed for connecting and for each read."""
    verify: bool | str = True
    """TLS verification: on, off, or the path of a CA bundle."""
    proxy: str | None = None
    """An HTTP(S) proxy URL, when the gateway is reached through one."""
    retries: int = 2
    """How many times a retryable failure (429/502/503/504, connect error) is retried."""
    profile: str | None = None
    """The saved profile these settings came from, for display."""

    def __post_init__(self) -> None:
        # Checked once here, so that building a header later cannot fail with a secret in
        # hand (httpx would raise on a non-ASCII header value, h11 quote a CR in its repr).
        checks: tuple[tuple[str, SecretStr | None, CredentialKind], ...] = (
            ("the virtual key", self.token, "virtual key"),
            ("the admin password", self.password, "password"),
        )
        for what, secret, kind in checks:
            if secret is not None:
                problem = credential_problem(secret.get_secret_value(), kind)
                if problem:
                    raise CredentialError(f"{what} {problem} ({mask_secret(secret)})")
        if self.username is not None:
            problem = credential_problem(self.username, "user name")
            if problem:
                raise CredentialError(f"the admin user name {problem}")

    def __repr__(self) -> str:
        # Secrets are SecretStr (and left out); the base URL may hold a password as user info.
        shown = []
        for item in fields(self):
            if item.repr:
                value = getattr(self, item.name)
                if item.name in ("base_url", "proxy") and value:
                    value = _without_password(value)
                shown.append(f"{item.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    @property
    def demo(self) -> bool:
        return self.base_url == DEMO_BASE_URL

    @property
    def has_admin_credentials(self) -> bool:
        """Whether an admin user name is set (the password may be empty)."""
        return self.auth != "none" and self.username is not None

    @property
    def has_virtual_key(self) -> bool:
        return self.auth != "none" and bool(self.token and self.token.get_secret_value())

    def credentials_for(self, path: str) -> tuple[str, ...]:
        """Which credentials a request to ``path`` carries: ``"virtual key"``,
        ``"admin"``, both or none (for messages and tests; no secret involved)."""
        family = route_family(path)
        sent: list[str] = []
        if self.has_virtual_key and family == "inference":
            sent.append("virtual key")
        if self.has_admin_credentials and (family == "admin" or self.auth == "basic"):
            sent.append("admin")
        return tuple(sent)

    def auth_headers(self, path: str) -> dict[str, str]:
        """The headers that carry the credentials for a request to ``path``.

        Built for the request being sent and never kept; no secret is bound to a local name
        here, so a traceback through this frame shows none.
        """
        sent = self.credentials_for(path)
        headers: dict[str, str] = {}
        if "admin" in sent and self.username is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(
                (
                    self.username
                    + ":"
                    + (self.password.get_secret_value() if self.password else "")
                ).encode("utf-8")
            ).decode("ascii")
        if "virtual key" in sent and self.token is not None:
            if self.auth == "bearer":
                headers["Authorization"] = "Bearer " + self.token.get_secret_value()
            else:  # x-bf-vk, and basic (whose Authorization carries the admin credentials)
                headers["x-bf-vk"] = self.token.get_secret_value()
        return headers

    def secrets(self) -> list[str]:
        """Every secret value in every form it may be echoed in, so that output can be
        scrubbed of them (see :func:`~.credentials.secret_forms`)."""
        values = [s.get_secret_value() for s in (self.token, self.password) if s]
        try:
            proxy_password = urlsplit(self.proxy).password if self.proxy else None
        except ValueError:
            proxy_password = None
        if proxy_password:
            values.append(proxy_password)
        if self.username is not None:
            values.append(
                self.auth_headers("/api/").get("Authorization", "").removeprefix("Basic ")
            )
        return [form for value in values if value for form in secret_forms(value)]

    def describe_auth(self) -> str:
        """A display string such as ``bearer sk-bf-…9f3a + admin alice``; never a secret."""
        if self.auth == "none":
            return "no auth"
        parts: list[str] = []
        if self.auth == "basic":
            parts.append(f"basic {self.username or '?'}:••••")
            if self.has_virtual_key:
                parts.append(f"x-bf-vk {mask_secret(self.token)}")
            return " + ".join(parts)
        if self.has_virtual_key:
            parts.append(f"{self.auth} {mask_secret(self.token)}")
        if self.has_admin_credentials:
            parts.append(f"admin {self.username}")
        return " + ".join(parts) or "no auth"
