"""What a run of the app or CLI connects to: one factory used by both, and by the tests.

A :class:`Session` is resolved once from the command line, the environment and the saved
profile (:func:`resolve_session`, by :mod:`.resolve`'s precedence) or is the in-process demo
gateway's (:func:`demo_session`), and makes the :class:`GatewayClient`. It lives in
``config`` because it is what the configuration resolves to; it is the one place ``config``
reaches the demo gateway (lazily, in :meth:`Session.client` and :func:`demo_session`: an
exception the ``demo-entry`` import contract names).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..api import GatewayClient
from ..api.history import RequestHistory
from ..api.settings import DEMO_BASE_URL, ConnectionSettings

__all__ = ["Session", "demo_session", "resolve_session"]


@dataclass(frozen=True)
class Session:
    """The connection and the preferences a run starts with."""

    settings: ConnectionSettings
    profile_name: str | None = None
    default_provider: str = "openai"
    default_mode: str = "files"
    """``files``, ``container-files`` or ``requests`` (the view the browser opens on)."""
    page_size: int = 100
    order: str = "desc"
    recent_containers: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    config_file: Path | None = None
    demo_config: Any = None
    """A :class:`mpilot_tui.demo.DemoConfig` when the demo gateway runs in-process."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """What the header shows: the profile, or the base URL."""
        if self.demo_config is not None:
            return "demo (in-process)"
        return self.profile_name or self.settings.base_url

    def client(self, history: RequestHistory | None = None) -> GatewayClient:
        """A new client for this session; its owner closes it."""
        if self.demo_config is not None:
            from ..demo import create_app

            app = create_app(self.demo_config)
            # New requests arrive in the app's lifespan: run it when the demo has them.
            arrivals = self.demo_config.requests_per_second > 0
            return GatewayClient.for_demo(app, self.settings, history=history, lifespan=arrivals)
        return GatewayClient(self.settings, history=history)


def demo_session(demo_config: Any = None, **prefs: Any) -> Session:
    """A session on the in-process demo gateway (no set-up at all)."""
    from ..demo import DemoConfig

    config = demo_config or DemoConfig()
    settings = ConnectionSettings(base_url=DEMO_BASE_URL, auth="none", retries=0)
    return Session(settings=settings, demo_config=config, **prefs)


def resolve_session(
    *,
    demo: bool = False,
    config_file: str | os.PathLike[str] | None = None,
    profile: str | None = None,
    base_url: str | None = None,
    auth: str | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> Session:
    """Flags > environment > profile > defaults; raises ``config.ConfigError`` (exit 2)."""
    if demo:
        return demo_session()
    from .resolve import resolve_connection

    return resolve_connection(
        config_file=config_file,
        profile=profile,
        base_url=base_url,
        auth=auth,
        timeout=timeout,
        env=env,
    )
