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
from dataclasses import dataclass

from starlette.datastructures import Headers

from mpilot_tui.demo.config import DemoConfig
from mpilot_tui.demo.errors import GatewayError

__all__ = ["Caller", "authenticate", "authorize_management", "check_provider_allowed"]

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
    if config.auth != "admin" and scheme == "bearer" and value.startswith(VK_PREFIX):
        return value
    return None


def _unauthorized() -> GatewayError:
    return GatewayError("Unauthorized", status=401)


def authenticate(config: DemoConfig, headers: Headers) -> Caller:
    """Check the credentials of an inference (file / container) request."""
    scheme, value = _authorization(headers)
    admin = _is_admin(config, scheme, value)
    if config.auth == "admin" and not admin:
        raise _unauthorized()
    key = _presented_key(config, headers, scheme, value)
    if key is None:
        if config.auth == "vk":
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
