"""The demo gateway's ASGI app: routes, authentication, added latency, and the SPA fallback.

Routes (all GET):

- files: ``/openai/v1/files`` (also ``/openai/files``, and on 2.2 ``/openai/openai/files``;
  native ``/v1/files`` needs ``provider``, on 2.2 also from ``x-model-provider``),
  ``…/{file_id}``, ``…/{file_id}/content``;
- containers: ``/v1/containers``, ``/openai/v1/containers`` (and on 2.2 ``/openai/containers``),
  ``…/{container_id}``, ``…/{container_id}/files``, ``…/files/{file_id}``,
  ``…/files/{file_id}/content``;
- ``/api/providers`` (admin credentials when auth is on), ``/health`` (2.2: with its
  components) and ``/api/version`` (no auth, no added latency);
- the request log (unless logging is off): ``/api/logs``, ``/api/logs/{id}``,
  ``/api/logs/stats``, ``/api/logs/filterdata`` and the ``/ws`` feed; the dashboard's
  session routes ``/api/session/login``, ``/api/session/ws-ticket``,
  ``/api/session/is-auth-enabled``;
- any other GET path: 200 with the dashboard's HTML, as the real gateway's SPA fallback does
  (a last segment with a dot: a text 404); other methods: a JSON 404 ``Route not found``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from mpilot_tui.demo.auth import (
    Sessions,
    _same,
    admin_required,
    authenticate,
    authorize_admin_api,
    authorize_management,
)
from mpilot_tui.demo.config import REFERENCE_TIME, DemoConfig
from mpilot_tui.demo.errors import GatewayError, GoJSONResponse, api_error
from mpilot_tui.demo.extras import request_key
from mpilot_tui.demo.gateway import Call, DemoGateway
from mpilot_tui.demo.ids import digest, stable_uuid

if TYPE_CHECKING:
    from mpilot_tui.demo.logs_data import LogStore
    from mpilot_tui.demo.ws import LogFeed

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
    """One ``/api/providers`` entry (never with keys); 2.2 adds ``proxy_config`` and
    ``store_raw_request_response``."""
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
    if config.modern:
        entry["proxy_config"] = None
        entry["store_raw_request_response"] = False
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
        if not config.modern:
            return JSONResponse({"status": "ok"})
        components = {"config_store": "ok", "vector_store": "ok"}
        if config.logging:
            components["log_store"] = "ok"
        return JSONResponse({"status": "ok", "components": components})

    async def version(request: Request) -> Response:
        return JSONResponse(config.version)

    async def providers(request: Request) -> Response:
        await _added_latency(config)
        try:
            authorize_management(
                config, sessions, request.headers, request.cookies.get("token", "")
            )
        except GatewayError as err:
            return err.response(native=True, event_id=_event_id(gateway, request))
        names = list(config.configured_providers)
        if config.modern:
            names.sort()
        entries = [_provider_entry(config, name) for name in names]
        return JSONResponse({"providers": entries, "total": len(entries)})

    async def dashboard(request: Request) -> Response:
        if "." in request.url.path.rsplit("/", 1)[-1]:
            return PlainTextResponse("404 - Static asset not found", status_code=404)
        return HTMLResponse(DASHBOARD_HTML)

    async def not_found(request: Request) -> Response:
        if not config.logging and request.url.path.startswith("/api/logs"):
            # The path matches only the dashboard's GET catch-all: the router answers 405.
            return PlainTextResponse("Method Not Allowed", status_code=405)
        return api_error(404, f"Route not found: {request.url.path}")

    sessions = Sessions(config.seed)

    async def login(request: Request) -> Response:
        try:
            credentials = json.loads(await request.body() or b"null")
        except ValueError:
            return api_error(400, "Invalid request format")
        if not isinstance(credentials, dict):
            return api_error(400, "Invalid request format")
        username = str(credentials.get("username", ""))
        password = str(credentials.get("password", ""))
        if not (_same(username, config.admin_username) and _same(password, config.admin_password)):
            return api_error(401, "Invalid username or password")
        response = GoJSONResponse({"message": "Login successful"})
        response.set_cookie(
            "token", sessions.login(), max_age=30 * 86_400, httponly=True, samesite="lax"
        )
        return response

    async def ws_ticket(request: Request) -> Response:
        try:
            authorize_admin_api(config, sessions, request.headers, request.cookies.get("token", ""))
        except GatewayError as err:
            return api_error(err.status or 401, err.message)
        return GoJSONResponse({"ticket": sessions.ticket()})

    async def is_auth_enabled(request: Request) -> Response:
        valid = True
        try:
            authorize_admin_api(config, sessions, request.headers, request.cookies.get("token", ""))
        except GatewayError:
            valid = False
        return GoJSONResponse({"is_auth_enabled": admin_required(config), "has_valid_token": valid})

    routes: list[BaseRoute] = [
        Route("/health", health, methods=["GET"]),
        Route("/api/version", version, methods=["GET"]),
        Route("/api/providers", providers, methods=["GET"]),
        Route("/api/session/login", login, methods=["POST"]),
        Route("/api/session/ws-ticket", ws_ticket, methods=["POST"]),
        Route("/api/session/is-auth-enabled", is_auth_enabled, methods=["GET"]),
    ]
    logs = _RequestLog(config, sessions)
    if config.logging:
        routes += [
            Route(path, logs.endpoint(n), methods=["GET"]) for n, path in enumerate(LOG_PATHS)
        ]
        routes.append(WebSocketRoute("/ws", logs.ws))
    file_prefixes = ["/openai/v1", "/openai", "/v1"]
    if config.modern:
        file_prefixes.insert(2, "/openai/openai")  # the Azure SDK's path
    for prefix in file_prefixes:
        routes += [
            api(f"{prefix}/files", gateway.list_files, "file_list"),
            api(f"{prefix}/files/{{file_id}}", gateway.retrieve_file, "file_retrieve"),
            api(f"{prefix}/files/{{file_id}}/content", gateway.file_content, "file_content"),
        ]
    container_prefixes = (
        ["/openai/v1", "/openai", "/v1"] if config.modern else ["/openai/v1", "/v1"]
    )
    for prefix in container_prefixes:
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
    routes.append(
        Route("/{path:path}", not_found, methods=["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        logs.running = True
        try:
            yield
        finally:
            logs.running = False
            await logs.stop()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state = _State(logs)
    return app


LOG_PATHS = ("/api/logs", "/api/logs/stats", "/api/logs/filterdata", "/api/logs/{log_id}")
"""The request log's routes, in the order :func:`~.logs_routes.log_routes` makes them."""


class _RequestLog:
    """The request log's store, feed and routes, built when first used: its tables (numpy)
    cost the in-process demo's cold start tens of milliseconds, and the browser opens on
    the files unless asked otherwise."""

    def __init__(self, config: DemoConfig, sessions: Sessions) -> None:
        self.config = config
        self.sessions = sessions
        self.running = False
        """The app's lifespan has begun: the arrival loop may start (:meth:`on_first_use`)."""
        self._warm: asyncio.Future[Any] | None = None
        self._started = False

    def on_first_use(self) -> None:
        """On the log's first use while the app runs: start the arrival loop, and build the
        columns that filters and sorts need in a thread. Not in the lifespan itself, which
        would build the store (and import numpy) before the browser's first page of files."""
        if self._started or not self.running:
            return
        self._started = True
        from mpilot_tui.demo.logs_data import CHUNK

        if self.config.logging and self.config.requests > CHUNK:
            store = self.store
            self._warm = asyncio.get_running_loop().run_in_executor(None, store.columns)
        self.feed.start()

    async def stop(self) -> None:
        """At the lifespan's end: stop what :meth:`on_first_use` started (a lifespan run
        again starts it again on the next use)."""
        if self._started:
            self._started = False
            await self.feed.stop()
            warm, self._warm = self._warm, None
            if warm is not None:
                await warm

    @functools.cached_property
    def store(self) -> LogStore:
        from mpilot_tui.demo.logs_data import LogStore

        config = self.config
        return LogStore(
            seed=config.seed,
            count=config.requests,
            reference_time=REFERENCE_TIME,
            rate=config.requests_per_second,
        )

    @functools.cached_property
    def feed(self) -> LogFeed:
        from mpilot_tui.demo.ws import LogFeed

        return LogFeed(self.config, self.store)

    @functools.cached_property
    def endpoints(self) -> list[Endpoint]:
        from mpilot_tui.demo.logs_routes import LogService, log_routes

        routes = log_routes(LogService(self.config, self.store, self.sessions))
        assert tuple(route.path for route in routes) == LOG_PATHS
        return [route.endpoint for route in routes]

    def endpoint(self, index: int) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            self.on_first_use()
            return await self.endpoints[index](request)

        return endpoint

    @functools.cached_property
    def _ws(self) -> Callable[[WebSocket], Awaitable[None]]:
        from mpilot_tui.demo.ws import ws_endpoint

        endpoint: Callable[[WebSocket], Awaitable[None]] = ws_endpoint(self.feed, self.sessions)
        return endpoint

    async def ws(self, websocket: WebSocket) -> None:
        self.on_first_use()
        await self._ws(websocket)


class _State(State):
    """``app.state``, whose request log is built when first reached."""

    def __init__(self, logs: _RequestLog) -> None:
        super().__init__()
        self._logs = logs

    def __setattr__(self, key: str, value: Any) -> None:
        if key == "_logs":
            object.__setattr__(self, key, value)
        else:
            super().__setattr__(key, value)

    @property
    def log_store(self) -> LogStore:
        """The request log (tests reach it to look at entries)."""
        return self._logs.store

    @property
    def log_feed(self) -> LogFeed:
        """New entries arrive through ``app.state.log_feed.arrive(n)``."""
        return self._logs.feed


def serve(config: DemoConfig, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve the demo gateway over HTTP until interrupted (blocking)."""
    import uvicorn

    uvicorn.run(create_app(config), host=host, port=port, log_level="warning")
