"""Authentication and governance checks of the demo gateway.

- ``open``: nothing is required; a virtual key that is sent is still checked.
- ``vk``: a virtual key is required, as ``Authorization: Bearer sk-bf-…`` or ``x-bf-vk``.
- ``admin``: ``Authorization`` carries admin credentials (Basic user:password, or Bearer
  admin token); the virtual key, if any, goes in ``x-bf-vk``.

Management routes (``/api/providers``) need admin credentials whenever auth is on; a virtual
key there is refused with 403.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import itertools
from dataclasses import dataclass, field

from starlette.datastructures import Headers

from mpilot_tui.demo.config import DemoConfig
from mpilot_tui.demo.errors import GatewayError
from mpilot_tui.demo.ids import stable_uuid

__all__ = [
    "Caller",
    "Sessions",
    "admin_required",
    "authenticate",
    "authorize_admin_api",
    "authorize_management",
    "check_provider_allowed",
]

VK_PREFIX = "sk-bf-"
"""Bearer tokens with this prefix are virtual keys."""


@dataclass(frozen=True)
class Caller:
    """Who is calling, as far as the gateway can tell."""

    admin: bool
    """Valid admin credentials were sent."""
    virtual_key: str | None
    """The (valid) virtual key that was sent, if any."""


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _authorization(headers: Headers) -> tuple[str, str]:
    scheme, _, value = headers.get("authorization", "").strip().partition(" ")
    return scheme.lower(), value.strip()


def _is_admin(config: DemoConfig, scheme: str, value: str) -> bool:
    if scheme == "bearer":
        return _same(value, config.admin_token)
    if scheme == "basic":
        try:
            pair = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return _same(pair, f"{config.admin_username}:{config.admin_password}")
    return False


def _presented_key(config: DemoConfig, headers: Headers, scheme: str, value: str) -> str | None:
    header = headers.get("x-bf-vk", "").strip()
    if header:
        return header
    if not admin_required(config) and scheme == "bearer" and value.startswith(VK_PREFIX):
        return value
    return None


def _unauthorized() -> GatewayError:
    return GatewayError("Unauthorized", status=401)


def authenticate(config: DemoConfig, headers: Headers) -> Caller:
    """Check the credentials of an inference (file / container) request."""
    scheme, value = _authorization(headers)
    admin = _is_admin(config, scheme, value)
    if admin_required(config) and not admin:
        raise _unauthorized()
    key = _presented_key(config, headers, scheme, value)
    if key is None:
        if "vk" in config.auth:
            raise GatewayError(
                "virtual key is required. Provide a virtual key via the x-bf-vk header "
                "or as a Bearer token.",
                status=401,
                code="virtual_key_required",
                error_type="virtual_key_required",
            )
        return Caller(admin=admin, virtual_key=None)
    if not _same(key, config.virtual_key):
        raise GatewayError(
            "virtual key not found",
            status=401,
            code="virtual_key_not_found",
            error_type="virtual_key_not_found",
        )
    return Caller(admin=admin, virtual_key=key)


def authorize_management(config: DemoConfig, headers: Headers) -> None:
    """Check the credentials of a management (``/api/...``) request."""
    if config.auth == "open":
        return
    scheme, value = _authorization(headers)
    if _is_admin(config, scheme, value):
        return
    if headers.get("x-bf-vk") or (scheme == "bearer" and value.startswith(VK_PREFIX)):
        raise GatewayError(
            "virtual keys cannot access management APIs; use admin credentials",
            status=403,
        )
    raise _unauthorized()


def check_provider_allowed(
    config: DemoConfig, caller: Caller, provider: str, request_type: str
) -> None:
    """Refuse a provider the caller's virtual key is not allowed to use."""
    if caller.virtual_key is not None and provider in config.blocked_providers:
        raise GatewayError(
            f"provider {provider} is not allowed for this virtual key",
            status=403,
            code="provider_blocked",
            error_type="provider_blocked",
            provider=provider,
            request_type=request_type,
        )


def admin_required(config: DemoConfig) -> bool:
    """True when the gateway has admin auth on (the ``admin`` and ``vk+admin`` modes)."""
    return "admin" in config.auth


@dataclass
class Sessions:
    """The dashboard's login sessions and one-time WebSocket tickets."""

    seed: int
    tokens: set[str] = field(default_factory=set)
    tickets: set[str] = field(default_factory=set)
    _numbers: itertools.count[int] = field(default_factory=itertools.count)

    def login(self) -> str:
        """A new session token (the ``token`` cookie's value)."""
        token = stable_uuid("session", self.seed, next(self._numbers))
        self.tokens.add(token)
        return token

    def ticket(self) -> str:
        """A new one-time ticket for ``/ws``."""
        ticket = stable_uuid("ticket", self.seed, next(self._numbers))
        self.tickets.add(ticket)
        return ticket

    def redeem(self, ticket: str) -> bool:
        """Use ``ticket`` up; False if it is not (or no longer) valid."""
        if ticket in self.tickets:
            self.tickets.discard(ticket)
            return True
        return False


def _is_admin_api(config: DemoConfig, sessions: Sessions, headers: Headers, cookie: str) -> bool:
    if cookie and cookie in sessions.tokens:
        return True
    scheme, value = _authorization(headers)
    if scheme == "bearer" and value in sessions.tokens:
        return True
    if scheme == "bearer" and not value.startswith(VK_PREFIX) and _is_admin(config, "basic", value):
        return True  # Bearer base64(user:pass), kept for backward compatibility
    return _is_admin(config, scheme, value)


def authorize_admin_api(
    config: DemoConfig, sessions: Sessions, headers: Headers, cookie: str = ""
) -> None:
    """The API middleware of 2.x gateways: admin credentials when admin auth is on.

    A session cookie, a Bearer session token, Basic (or Bearer base64) ``user:password``, or
    the demo's admin token pass; anything else, a virtual key included, is 401.
    """
    if not admin_required(config):
        return
    if not _is_admin_api(config, sessions, headers, cookie):
        raise _unauthorized()
