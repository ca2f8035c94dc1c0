"""Authentication and governance checks of the demo gateway, per generation.

- ``open``: nothing is required; a virtual key that is sent is still checked.
- ``vk``: a virtual key is required on inference routes, as ``Authorization: Bearer sk-bf-…``
  or ``x-bf-vk`` (2.x also reads ``x-api-key`` and ``x-goog-api-key``).
- ``admin``: admin credentials (Basic user:password, a Bearer admin or session token, the
  ``token`` session cookie) on the management API. On 1.4 also on inference, where
  ``Authorization`` then carries them and the virtual key, if any, goes in ``x-bf-vk``.
- ``vk+admin``: both.

Management routes (``/api/providers``): on 1.x they want admin credentials whenever auth is
on and refuse a virtual key with 403; on 2.x only when admin auth is on, and a virtual key
there is 401 like any other wrong credential.

Error codes: 1.x ``virtual_key_*`` in ``type``, ``error.type`` and ``error.code``; 2.x
``access_not_found`` (renamed in 2.1.0) in the top-level ``type`` only, and plain 401s.
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
    "admin_on_inference",
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


def _is_virtual_key(config: DemoConfig, value: str) -> bool:
    if config.modern:
        return value[: len(VK_PREFIX)].lower() == VK_PREFIX
    return value.startswith(VK_PREFIX)


def _presented_key(config: DemoConfig, headers: Headers, scheme: str, value: str) -> str | None:
    header = headers.get("x-bf-vk", "").strip()
    if header:
        return header
    bearer_is_key = scheme == "bearer" and _is_virtual_key(config, value)
    if not admin_on_inference(config) and bearer_is_key:
        return value
    if config.modern:
        for name in ("x-api-key", "x-goog-api-key"):
            other = headers.get(name, "").strip()
            if other and _is_virtual_key(config, other):
                return other
    return None


def _unauthorized(config: DemoConfig) -> GatewayError:
    return GatewayError("Unauthorized", status=401, plain=config.modern)


def _key_required(config: DemoConfig) -> GatewayError:
    if config.modern:
        return GatewayError(
            "virtual key is required. Provide a virtual key via the x-bf-vk header.",
            status=401,
            is_bifrost_error=False,
            top_level_type="virtual_key_required",
        )
    return GatewayError(
        "virtual key is required. Provide a virtual key via the x-bf-vk header "
        "or as a Bearer token.",
        status=401,
        code="virtual_key_required",
        error_type="virtual_key_required",
    )


def _key_not_found(config: DemoConfig) -> GatewayError:
    if config.modern:
        return GatewayError(
            "virtual key not found. The provided virtual key does not exist or has been revoked.",
            status=401,
            is_bifrost_error=False,
            top_level_type="access_not_found",
        )
    return GatewayError(
        "virtual key not found",
        status=401,
        code="virtual_key_not_found",
        error_type="virtual_key_not_found",
    )


def authenticate(config: DemoConfig, headers: Headers) -> Caller:
    """Check the credentials of an inference (file / container) request."""
    scheme, value = _authorization(headers)
    admin = _is_admin(config, scheme, value)
    if admin_on_inference(config) and not admin:
        raise _unauthorized(config)
    key = _presented_key(config, headers, scheme, value)
    if key is None:
        if "vk" in config.auth:
            raise _key_required(config)
        return Caller(admin=admin, virtual_key=None)
    if not _same(key, config.virtual_key):
        raise _key_not_found(config)
    return Caller(admin=admin, virtual_key=key)


def authorize_management(
    config: DemoConfig, sessions: Sessions, headers: Headers, cookie: str = ""
) -> None:
    """Check the credentials of a management (``/api/...``) request."""
    if config.modern:
        authorize_admin_api(config, sessions, headers, cookie)
        return
    if config.auth == "open":
        return
    if _is_admin_api(config, sessions, headers, cookie):
        return
    scheme, value = _authorization(headers)
    if _is_admin(config, scheme, value):
        return
    if headers.get("x-bf-vk") or (scheme == "bearer" and value.startswith(VK_PREFIX)):
        raise GatewayError(
            "virtual keys cannot access management APIs; use admin credentials",
            status=403,
        )
    raise _unauthorized(config)


def check_provider_allowed(
    config: DemoConfig, caller: Caller, provider: str, request_type: str
) -> None:
    """Refuse a provider the caller's virtual key is not allowed to use."""
    if caller.virtual_key is not None and provider in config.blocked_providers:
        message = f"provider {provider} is not allowed for this virtual key"
        raise GatewayError(
            message,
            status=403,
            code="provider_blocked",
            error_type="provider_blocked",
            provider=provider,
            request_type=request_type,
        )


def admin_required(config: DemoConfig) -> bool:
    """True when the gateway has admin auth on (the ``admin`` and ``vk+admin`` modes)."""
    return "admin" in config.auth


def admin_on_inference(config: DemoConfig) -> bool:
    """True when inference routes want admin credentials too: admin auth on a 1.4 gateway."""
    return admin_required(config) and config.bifrost == "1.4"


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
        raise _unauthorized(config)
