"""Connection settings: where the gateway is and how to authenticate to it.

The CLI, the saved profiles (``mpilot_tui.config``) and the browser all build a
:class:`ConnectionSettings` and hand it to :class:`~mpilot_tui.api.client.GatewayClient`.
Secrets are held in :class:`pydantic.SecretStr` so that a ``repr`` or a traceback never
shows them.
"""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass, field, fields
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

__all__ = [
    "AUTH_KINDS",
    "AuthKind",
    "ConnectionSettings",
    "is_loopback_url",
    "mask_secret",
]

AuthKind = Literal["bearer", "x-bf-vk", "basic", "none"]
AUTH_KINDS: tuple[AuthKind, ...] = ("bearer", "x-bf-vk", "basic", "none")
"""How credentials travel: ``Authorization: Bearer``, the ``x-bf-vk`` header, Basic admin
credentials (plus the virtual key in ``x-bf-vk``), or nothing at all."""

DEMO_BASE_URL = "http://demo.invalid"
"""The base URL the in-process demo gateway answers on (never resolved: ASGI transport)."""


def mask_secret(secret: str | SecretStr | None) -> str:
    """Show enough of a secret to recognise it, never enough to use it: ``sk-bf-…9f3a``."""
    if secret is None:
        return "(none)"
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if not value:
        return "(empty)"
    if value.startswith("sk-bf-") and len(value) >= 14:
        return f"sk-bf-…{value[-4:]}"
    if len(value) >= 20:
        return f"{value[:3]}…{value[-4:]}"
    if len(value) >= 12:
        return f"…{value[-4:]}"
    return "••••"


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
    token: SecretStr | None = None
    """The virtual key (``sk-bf-…``) or admin JWT."""
    username: str | None = None
    """Admin user name for ``basic`` auth."""
    password: SecretStr | None = field(default=None, repr=False)
    """Admin password for ``basic`` auth."""
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

    def __repr__(self) -> str:
        # Secrets are SecretStr; the base URL may hold a password as user info.
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

    def auth_headers(self) -> dict[str, str]:
        """The headers that carry the credentials; never logged or displayed."""
        token = self.token.get_secret_value() if self.token else ""
        if self.auth == "bearer" and token:
            return {"Authorization": f"Bearer {token}"}
        if self.auth == "x-bf-vk" and token:
            return {"x-bf-vk": token}
        if self.auth == "basic":
            headers: dict[str, str] = {}
            if self.username is not None:
                password = self.password.get_secret_value() if self.password else ""
                pair = f"{self.username}:{password}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
            if token:
                headers["x-bf-vk"] = token
            return headers
        return {}

    def secrets(self) -> list[str]:
        """Every secret value, so that output can be scrubbed of them."""
        values = [s.get_secret_value() for s in (self.token, self.password) if s]
        try:
            proxy_password = urlsplit(self.proxy).password if self.proxy else None
        except ValueError:
            proxy_password = None
        if proxy_password:
            values.append(proxy_password)
        headers = self.auth_headers()
        if self.auth == "basic" and "Authorization" in headers:
            values.append(headers["Authorization"].removeprefix("Basic "))
        return [v for v in values if v]

    def describe_auth(self) -> str:
        """A display string such as ``bearer sk-bf-…9f3a``; never the secret itself."""
        if self.auth == "none" or (self.auth != "basic" and not self.token):
            return "no auth"
        if self.auth == "basic":
            user = self.username or "?"
            extra = f" + x-bf-vk {mask_secret(self.token)}" if self.token else ""
            return f"basic {user}:••••{extra}"
        return f"{self.auth} {mask_secret(self.token)}"
