"""The demo gateway's settings: how much data it holds and how it behaves.

Everything the demo serves is derived from a :class:`DemoConfig`: the same config always gives
byte-for-byte the same answers, so tests, snapshots and screenshots are stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AUTH_MODES",
    "BIFROST_VERSIONS",
    "DEFAULT_BIFROST",
    "DEFAULT_CUSTOM_PROVIDERS",
    "DEFAULT_PROVIDERS",
    "REFERENCE_TIME",
    "AuthMode",
    "BifrostVersion",
    "DemoConfig",
]

BifrostVersion = Literal["1.4", "1.5", "2.2"]
AuthMode = Literal["open", "vk", "admin", "vk+admin"]
AUTH_MODES: tuple[str, ...] = ("open", "vk", "admin", "vk+admin")
"""``open``: nothing checked; ``vk``: governance wants a virtual key on inference routes;
``admin``: admin auth on the management API (on 1.4 also on inference); ``vk+admin``: both."""

BIFROST_VERSIONS: dict[str, str] = {"1.4": "v1.4.18", "1.5": "v1.5.1", "2.2": "v2.2.5"}
"""What ``GET /api/version`` answers for each emulated Bifrost line (2.2: transports 2.2.5)."""
DEFAULT_BIFROST: BifrostVersion = "2.2"
"""The generation the demo follows unless told otherwise: today's gateway."""

REFERENCE_TIME = 1_792_065_600
"""2026-10-15T12:00:00Z: the fixed "now" all demo timestamps are relative to (never the clock)."""

DEFAULT_PROVIDERS: tuple[str, ...] = (
    "openai", "azure", "anthropic", "bedrock", "gemini", "replicate", "groq",
)  # fmt: skip
"""Standard providers configured on the demo gateway (groq has no file support)."""

DEFAULT_CUSTOM_PROVIDERS: tuple[str, ...] = ("acme-openai-eu",)
"""Custom providers configured on the demo gateway; each is based on openai and serves files."""


@dataclass(frozen=True)
class DemoConfig:
    """How the demo gateway is populated and how it answers."""

    files: int = 1200
    """Exactly this many files for every configured provider that supports files."""
    containers: int = 3
    """Containers held by openai and by azure, each."""
    container_files: int = 40
    """Exactly this many files in each container."""
    keys: int = 1
    """Provider keys per provider; the gateway pages through them one after another."""
    seed: int = 7
    """Seed of every generated value: ids, names, sizes, timestamps, cache decorations."""
    latency_ms: int = 0
    """Added latency on every API route except ``/health`` and ``/api/version``."""
    auth: AuthMode = "open"
    """``open``: no credentials; ``vk``: a virtual key is required on inference routes;
    ``admin``: admin credentials on ``/api/...`` (on 1.4 also on inference, where the virtual
    key, if any, goes in ``x-bf-vk``); ``vk+admin``: both."""
    virtual_key: str = "sk-bf-demo-7c1e2a9f3a"
    """The one valid virtual key."""
    admin_username: str = "admin"
    """Admin user name for Basic credentials."""
    admin_password: str = "admin"
    """Admin password for Basic credentials."""
    bifrost: BifrostVersion = DEFAULT_BIFROST
    """Which Bifrost line to emulate: field names, list item fields, error codes, cursor
    padding, which routes want admin credentials, response headers, ``Range``, version."""
    admin_token: str = "demo-admin-jwt"
    """A Bearer token accepted as admin credentials (stands in for an MPilot admin JWT)."""
    providers: tuple[str, ...] = DEFAULT_PROVIDERS
    """Standard providers configured on the gateway; others answer "not found"."""
    custom_providers: tuple[str, ...] = DEFAULT_CUSTOM_PROVIDERS
    """Custom providers (openai-based) configured on the gateway; they serve files."""
    blocked_providers: tuple[str, ...] = ("bedrock",)
    """Providers the demo virtual key may not use (403 ``provider_blocked``)."""
    requests: int = 5000
    """Entries in the request log (``/api/logs``) when the gateway starts."""
    requests_per_second: float = 0.0
    """New request-log entries a second while the gateway runs (0: none arrive)."""
    logging: bool = True
    """The logging plugin is loaded: False leaves the ``/api/logs`` routes and ``/ws`` out."""
    list_cache_debug: bool = False
    """Put ``cache_debug`` on file and container answers, as the MPilot pages document (today's
    gateway never does: its cache hits are in the request log)."""
    content_delay_ms: int = 0
    """Wait this long before the first byte of a file's content (2.2 fetches the whole file
    from upstream first)."""

    def __post_init__(self) -> None:
        for name in (
            "files",
            "containers",
            "container_files",
            "latency_ms",
            "requests",
            "content_delay_ms",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"DemoConfig.{name} must be >= 0")
        if self.requests_per_second < 0:
            raise ValueError("DemoConfig.requests_per_second must be >= 0")
        if self.keys < 1:
            raise ValueError("DemoConfig.keys must be >= 1")
        if self.bifrost not in BIFROST_VERSIONS:
            raise ValueError(f"DemoConfig.bifrost must be one of {sorted(BIFROST_VERSIONS)}")
        if self.auth not in AUTH_MODES:
            raise ValueError(f"DemoConfig.auth must be one of {', '.join(AUTH_MODES)}")

    @property
    def modern(self) -> bool:
        """True for the 2.x generation (today's gateway)."""
        return self.bifrost.startswith("2.")

    @property
    def version(self) -> str:
        """The version string ``GET /api/version`` answers, e.g. ``v1.5.1``."""
        return BIFROST_VERSIONS[self.bifrost]

    @property
    def configured_providers(self) -> tuple[str, ...]:
        """Every provider the gateway has a config for, standard ones first."""
        return self.providers + self.custom_providers
