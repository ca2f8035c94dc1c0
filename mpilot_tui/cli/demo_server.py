"""``demo-server``: the demo gateway over real HTTP, for trying the app and for e2e tests.

The port is bound before anything is printed: a taken port (or any other reason the socket
cannot listen) is one line on stderr and exit 3, with nothing that looks like success. Once
listening, stderr gets what the gateway is (address, generation, auth mode, the demo key and
admin login, how much data it holds); ``--access-log`` adds one line a request.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

import click

__all__ = ["DEFAULT_PORT", "EXIT_CANNOT_LISTEN", "banner", "register"]

DEFAULT_PORT = 8080
EXIT_CANNOT_LISTEN = 3
"""Exit code when the address cannot be listened on (as for a connection error)."""


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; OSError when it cannot be had.

    The socket is made with the protocol ``getaddrinfo`` names (TCP), not 0: asyncio turns
    Nagle's algorithm off (``TCP_NODELAY``) only on accepted sockets whose ``proto`` says
    TCP. With ``proto`` 0, uvicorn's two writes of an answer (head, then body) left the body
    waiting for the client's delayed ACK, ~40 ms on every request of a kept-alive
    connection after the first. ``TCP_NODELAY`` is set on the listener too (accepted sockets
    inherit it on Linux).
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def _reason(error: OSError) -> str:
    if isinstance(error, socket.gaierror):
        return "unknown host"
    text = error.strerror or str(error)
    return text[:1].lower() + text[1:]


def banner(config: Any, url: str) -> list[str]:
    """What ``demo-server`` says about itself once it listens."""
    auth = {
        "open": "open (no credentials needed)",
        "vk": "vk (a virtual key on /openai/... and /v1/...)",
        "admin": "admin (admin credentials on /api/..."
        + ("; on 1.4 also on inference" if config.bifrost == "1.4" else "")
        + ")",
        "vk+admin": "vk+admin (a virtual key on inference, admin credentials on /api/..."
        + ("; on 1.4 also on inference" if config.bifrost == "1.4" else "")
        + ")",
    }[config.auth]
    file_providers = "every provider with file support"
    logging = (
        f"{config.requests} logged requests"
        + (f", {config.requests_per_second:g} more a second" if config.requests_per_second else "")
        if config.logging
        else "no request log (--no-logging)"
    )
    lines = [
        f"mpilot-tui demo gateway listening on {url} (Bifrost {config.bifrost}, {config.version})",
        f"  auth:       {auth}",
        f"  demo key:   {config.virtual_key}",
        f"  admin:      {config.admin_username} / {config.admin_password} "
        "(Basic, or POST /api/session/login)",
        f"  files:      {config.files} for {file_providers}, {config.keys} provider key(s)",
        f"  containers: {config.containers} for openai and azure, "
        f"{config.container_files} files each",
        f"  requests:   {logging}",
        f"  seed {config.seed}"
        + (f", {config.latency_ms} ms added latency" if config.latency_ms else "")
        + (", cache_debug on lists" if config.list_cache_debug else "")
        + (
            f", content waits {config.content_delay_ms} ms for its first byte"
            if config.content_delay_ms
            else ""
        )
        + ". Ctrl-C stops it.",
    ]
    return lines


def register(group: click.Group) -> None:
    @group.command("demo-server")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
    @click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535))
    @click.option("--files", default=None, type=click.IntRange(min=0), help="Files per provider.")
    @click.option("--containers", default=None, type=click.IntRange(min=0), help="Containers.")
    @click.option("--container-files", default=None, type=click.IntRange(min=0), help="Files each.")
    @click.option("--keys", default=None, type=click.IntRange(min=1), help="Provider keys.")
    @click.option("--seed", default=None, type=int, help="Seed of the generated data.")
    @click.option("--latency-ms", default=None, type=click.IntRange(min=0), help="Added delay.")
    @click.option(
        "--auth",
        default=None,
        type=click.Choice(["open", "vk", "admin", "vk+admin"]),
        help="Who needs what credentials (default open).",
    )
    @click.option("--virtual-key", default=None, metavar="KEY", help="The valid virtual key.")
    @click.option(
        "--bifrost",
        default=None,
        type=click.Choice(["1.4", "1.5", "2.2"]),
        help="Gateway generation to follow (default 2.2).",
    )
    @click.option(
        "--requests",
        default=None,
        type=click.IntRange(min=0),
        help="Entries in the request log (default 5000).",
    )
    @click.option(
        "--requests-per-second",
        default=None,
        type=click.FloatRange(min=0),
        metavar="R",
        help="New request-log entries a second (default 0).",
    )
    @click.option(
        "--no-logging", "no_logging", is_flag=True, help="No request log: /api/logs is absent."
    )
    @click.option(
        "--list-cache-debug",
        "list_cache_debug",
        is_flag=True,
        default=None,
        help="cache_debug on file and container answers, as the MPilot pages document.",
    )
    @click.option(
        "--content-delay-ms",
        default=None,
        type=click.IntRange(min=0),
        metavar="N",
        help="Wait N ms before a file content's first byte.",
    )
    @click.option("--access-log", is_flag=True, help="Print one line a request (stderr).")
    def demo_server(
        host: str, port: int, no_logging: bool, access_log: bool, **options: object
    ) -> None:
        """Serve the demo gateway over HTTP (127.0.0.1:8080 by default).

        Defaults: Bifrost 2.2, open auth, 1200 files for each provider with file support,
        3 containers for openai and for azure with 40 files each, 1 provider key, 5000
        request-log entries and none arriving, seed 7, no added latency, no cache_debug on
        lists, content at once.
        """
        from dataclasses import fields

        from ..demo import DemoConfig, create_app

        known = {f.name for f in fields(DemoConfig)}
        given = {k: v for k, v in options.items() if v is not None and k in known}
        if no_logging:
            given["logging"] = False
        config = DemoConfig(**given)  # type: ignore[arg-type]
        try:
            sock = _listen(host, port)
        except OSError as error:
            click.echo(
                f"mpilot-tui demo-server: cannot listen on {host}:{port}: {_reason(error)}",
                err=True,
            )
            sys.exit(EXIT_CANNOT_LISTEN)
        bound_port = sock.getsockname()[1]
        shown_host = f"[{host}]" if ":" in host else host
        for line in banner(config, f"http://{shown_host}:{bound_port}"):
            click.echo(line, err=True)
        app: Any = create_app(config)
        if access_log:
            from ..demo.access_log import AccessLog

            app = AccessLog(app, lambda line: click.echo(line, err=True))
        _run(app, sock)


def _run(app: Any, sock: socket.socket) -> None:
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, ws="websockets-sansio")
    )
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
