"""The request-log routes of the demo gateway (logs-api.md §1, §3, §4).

``GET /api/logs``, ``/api/logs/{id}``, ``/api/logs/stats``, ``/api/logs/filterdata``, all
behind the API middleware (admin credentials when admin auth is on). Errors have the
management API's shape (``{"is_bifrost_error":false,"status_code","error":{"message"}}``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mpilot_tui.demo.auth import Sessions, authorize_admin_api
from mpilot_tui.demo.config import DemoConfig
from mpilot_tui.demo.errors import GatewayError, GoJSONResponse, api_error
from mpilot_tui.demo.logs_data import (
    KEYS,
    MODELS,
    PROVIDERS,
    ROUTES,
    ROUTING_RULES,
    VIRTUAL_KEYS,
    LogStore,
)
from mpilot_tui.demo.logs_entry import entry_json, list_row
from mpilot_tui.demo.logs_query import (
    ENVIRONMENTS,
    STOP_REASONS,
    LogQuery,
    QueryError,
    SortCache,
    parse_query,
    stats,
)

__all__ = ["FILTER_DIMENSIONS", "LogService", "log_routes"]

FILTER_DIMENSIONS = (
    "aliases", "apps", "business_units", "customers", "metadata_keys", "models",
    "routing_engines", "routing_rules", "selected_keys", "stop_reasons", "teams",
    "user_agents", "users", "virtual_keys",
)  # fmt: skip
"""What ``/api/logs/filterdata?dimensions=`` knows."""

Endpoint = Callable[[Request], Awaitable[Response]]


class LogService:
    """The request log a demo gateway serves, and the state its routes share."""

    def __init__(self, config: DemoConfig, store: LogStore, sessions: Sessions) -> None:
        self.config = config
        self.store = store
        self.sessions = sessions
        self.sorted = SortCache()

    # -- the handlers (run in a thread: they may scan a million entries) ---------------------

    def list_logs(self, request: Request) -> Response:
        try:
            query = parse_query(request.query_params, self.store.now_ms())
        except QueryError as exc:
            return api_error(400, str(exc))
        found = self.sorted.get(self.store, query)
        window = found[query.offset : query.offset + query.limit]
        logs = [list_row(self.store, int(index)) for index in window]
        total = len(found)
        body: dict[str, Any] = {
            "logs": logs,
            "pagination": {
                "limit": query.limit,
                "offset": query.offset,
                "sort_by": query.sort_by,
                "order": query.order,
                "total_count": total,
            },
            # SearchLogs computes no stats: only the count is filled in (R2).
            "stats": {
                "total_requests": total,
                "success_rate": 0,
                "user_facing_success_rate": 0,
                "user_facing_total_requests": 0,
                "average_latency": 0,
                "total_tokens": 0,
                "prompt_tokens": 0,
                "completion_tokens": 0,
                "total_cost": 0,
            },
            "has_logs": bool(logs) or self.store.total > 0,
        }
        return GoJSONResponse(body)

    def log_by_id(self, request: Request) -> Response:
        index = self.store.index_of(request.path_params["log_id"])
        if index is None:
            return api_error(404, "log not found")
        return GoJSONResponse(entry_json(self.store, index))

    def log_stats(self, request: Request) -> Response:
        try:
            query = parse_query(request.query_params, self.store.now_ms())
        except QueryError as exc:
            return api_error(400, str(exc))
        body = stats(self.store, query)
        body["has_previous_period"] = False
        compare = request.query_params.get("compare_to_previous", "").lower() in ("1", "t", "true")
        if (
            compare
            and query.start_ms is not None
            and query.end_ms is not None
            and not query.request_id
        ):
            length = query.end_ms - query.start_ms
            previous = LogQuery(
                **{
                    **query.__dict__,
                    "start_ms": query.start_ms - length,
                    "end_ms": query.start_ms,
                }
            )
            body["previous"] = stats(self.store, previous)
            body["has_previous_period"] = True
        return GoJSONResponse(body)

    def filter_data(self, request: Request) -> Response:
        asked = sorted(
            {
                name.strip()
                for name in request.query_params.get("dimensions", "").split(",")
                if name.strip() in FILTER_DIMENSIONS
            }
        )
        dimensions = asked or list(FILTER_DIMENSIONS)
        needle = request.query_params.get("q", "").strip().lower()

        def keep(name: str) -> bool:
            return needle in name.lower()

        values: dict[str, Any] = {
            "models": sorted({*MODELS, *(r.canonical for r in ROUTES if r.canonical)}),
            "aliases": None,
            "selected_keys": [
                {"id": f"{provider}-{key}", "name": f"{provider}-{name}", "models": [], "weight": 1}
                for provider in PROVIDERS
                for key, name in KEYS
            ],
            "virtual_keys": [
                {"id": vk, "name": name, "is_active": True} for vk, name in VIRTUAL_KEYS
            ],
            "routing_rules": [{"id": rule, "name": name} for rule, name in ROUTING_RULES],
            "routing_engines": None,
            "stop_reasons": list(STOP_REASONS),
            "apps": None,
            "user_agents": None,
            "teams": [],
            "customers": [],
            "users": [],
            "business_units": [],
            "metadata_keys": {"env": list(ENVIRONMENTS)},
        }
        body: dict[str, Any] = {}
        for name in dimensions:
            value = values[name]
            if needle and isinstance(value, list):
                value = [
                    item
                    for item in value
                    if keep(item if isinstance(item, str) else str(item.get("name", "")))
                ]
            body[name] = value
        return GoJSONResponse(body)


def log_routes(service: LogService) -> list[Route]:
    """The request log's routes, each behind the API middleware."""

    def guarded(handler: Callable[[Request], Response]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            try:
                authorize_admin_api(
                    service.config,
                    service.sessions,
                    request.headers,
                    request.cookies.get("token", ""),
                )
            except GatewayError as err:
                return api_error(err.status or 401, err.message)
            return await run_in_threadpool(handler, request)

        return endpoint

    return [
        Route("/api/logs", guarded(service.list_logs), methods=["GET"]),
        Route("/api/logs/stats", guarded(service.log_stats), methods=["GET"]),
        Route("/api/logs/filterdata", guarded(service.filter_data), methods=["GET"]),
        Route("/api/logs/{log_id}", guarded(service.log_by_id), methods=["GET"]),
    ]
