"""The demo gateway's ASGI app: routes, authentication, added latency, and the SPA fallback.

Routes (all GET):

- files: ``/openai/v1/files`` (also ``/openai/files``; native ``/v1/files`` needs
  ``provider``), ``…/{file_id}``, ``…/{file_id}/content``;
- containers: ``/v1/containers`` and ``/openai/v1/containers``, ``…/{container_id}``,
  ``…/{container_id}/files``, ``…/files/{file_id}``, ``…/files/{file_id}/content``;
- ``/api/providers`` (admin credentials when auth is on), ``/health`` and ``/api/version``
  (no auth, no added latency);
- any other GET path: 200 with the dashboard's HTML, as the real gateway's SPA fallback does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from mpilot_tui.demo.auth import authenticate, authorize_management
from mpilot_tui.demo.config import DemoConfig
from mpilot_tui.demo.errors import GatewayError
from mpilot_tui.demo.extras import request_key
from mpilot_tui.demo.gateway import Call, DemoGateway
from mpilot_tui.demo.ids import digest, stable_uuid

__all__ = ["DASHBOARD_HTML", "create_app", "serve"]

Endpoint = Callable[[Request], Awaitable[Response]]
Handler = Callable[[Call], Response]

DASHBOARD_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Bifrost - The Fastest LLM Gateway</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
  <div id="root">Loading dashboard…</div>
  <noscript>You need to enable JavaScript to run this app.</noscript>
</body>
</html>
"""
"""What any unknown GET path answers (200, ``text/html``): the dashboard's SPA shell."""


def _event_id(gateway: DemoGateway, request: Request) -> str:
    """A new id for every error, as the gateway gives; the same sequence in every run."""
    key = request_key(request.url.path, request.query_params.multi_items())
    return stable_uuid("event", gateway.config.seed, request.method, key, next(gateway.errors))


async def _added_latency(config: DemoConfig) -> None:
    if config.latency_ms > 0:
        await asyncio.sleep(config.latency_ms / 1000)


SMALL_PAGE = 200
"""Pages of at most this many items are built on the event loop, larger ones in a thread."""


def _small_page(request: Request) -> bool:
    limit = request.query_params.get("limit", "")
    return limit.isdigit() and int(limit) <= SMALL_PAGE


def _api(gateway: DemoGateway, handler: Handler, *, native: bool, request_type: str) -> Endpoint:
    config = gateway.config

    async def endpoint(request: Request) -> Response:
        await _added_latency(config)
        try:
            caller = authenticate(config, request.headers)
            call = Call(request, native, request_type, caller)
            # Pages cost O(limit): a small one is answered at once (a thread hop costs more
            # than it does), a large one in a thread to keep the event loop (perhaps a TUI's)
            # responsive.
            if _small_page(request):
                return handler(call)
            return await run_in_threadpool(handler, call)
        except GatewayError as err:
            return err.response(
                native=native, event_id=_event_id(gateway, request), request_type=request_type
            )

    return endpoint


def _provider_entry(config: DemoConfig, name: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name,
        "network_config": {
            "default_request_timeout_in_seconds": 30,
            "max_retries": 2,
            "retry_backoff_initial": 500,
            "retry_backoff_max": 5000,
        },
        "concurrency_and_buffer_size": {"concurrency": 1000, "buffer_size": 5000},
        "send_back_raw_request": True,
        "send_back_raw_response": True,
        "provider_status": "active",
        "config_hash": digest("config", config.seed, name)[:8].hex(),
    }
    if name in config.custom_providers:
        entry["network_config"]["base_url"] = f"https://{name}.llm.example/openai"
        entry["custom_provider_config"] = {
            "base_provider_type": "openai",
            "allowed_requests": {
                "chat_completion": True,
                "chat_completion_stream": True,
                "file_upload": True,
                "file_list": True,
                "file_retrieve": True,
                "file_delete": True,
                "file_content": True,
            },
        }
    return entry


def create_app(config: DemoConfig | None = None) -> Starlette:
    """The demo gateway as a Starlette app (serve it, or wrap it in ``httpx.ASGITransport``)."""
    config = config or DemoConfig()
    gateway = DemoGateway(config)

    def api(path: str, handler: Handler, request_type: str) -> Route:
        native = not path.startswith("/openai/")
        endpoint = _api(gateway, handler, native=native, request_type=request_type)
        return Route(path, endpoint, methods=["GET"])

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def version(request: Request) -> Response:
        return JSONResponse(config.version)

    async def providers(request: Request) -> Response:
        await _added_latency(config)
        try:
            authorize_management(config, request.headers)
        except GatewayError as err:
            return err.response(native=True, event_id=_event_id(gateway, request))
        entries = [_provider_entry(config, name) for name in config.configured_providers]
        return JSONResponse({"providers": entries, "total": len(entries)})

    async def dashboard(request: Request) -> Response:
        return HTMLResponse(DASHBOARD_HTML)

    routes = [
        Route("/health", health, methods=["GET"]),
        Route("/api/version", version, methods=["GET"]),
        Route("/api/providers", providers, methods=["GET"]),
    ]
    for prefix in ("/openai/v1", "/openai", "/v1"):
        routes += [
            api(f"{prefix}/files", gateway.list_files, "file_list"),
            api(f"{prefix}/files/{{file_id}}", gateway.retrieve_file, "file_retrieve"),
            api(f"{prefix}/files/{{file_id}}/content", gateway.file_content, "file_content"),
        ]
    for prefix in ("/openai/v1", "/v1"):
        base = f"{prefix}/containers"
        one = f"{base}/{{container_id}}"
        routes += [
            api(base, gateway.list_containers, "container_list"),
            api(one, gateway.retrieve_container, "container_retrieve"),
            api(f"{one}/files", gateway.list_container_files, "container_file_list"),
            api(
                f"{one}/files/{{file_id}}",
                gateway.retrieve_container_file,
                "container_file_retrieve",
            ),
            api(
                f"{one}/files/{{file_id}}/content",
                gateway.container_file_content,
                "container_file_content",
            ),
        ]
    routes.append(Route("/{path:path}", dashboard, methods=["GET"]))
    return Starlette(routes=routes)


def serve(config: DemoConfig, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve the demo gateway over HTTP until interrupted (blocking)."""
    import uvicorn

    uvicorn.run(create_app(config), host=host, port=port, log_level="warning")
