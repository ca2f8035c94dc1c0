"""The gateway's request log: ``/api/logs``, its detail, stats, filter data and ``/ws``.

The management API carries the admin credentials (never the virtual key; a 401 gets the
client's admin-credentials hint). A gateway that keeps no request log has no such routes:
its dashboard answers (200 ``text/html``), or the router (404 ``Route not found``, 405);
each of those becomes :class:`LogsUnavailableError` (logs-api.md §4).

The :class:`~.client.GatewayClient` has thin methods over these functions.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import pydantic
from pydantic import TypeAdapter

from . import errors
from ._http import HttpResponse, RequestLoop
from .decoding import Decoder, clip
from .log_models import (
    LOG_PAGE_FAST,
    LogEntry,
    LogFilterData,
    LogList,
    LogPageFast,
    LogPagination,
    LogStats,
)
from .models import ExtraFields
from .pagination import LOG_PAGE_LIMIT, Page, ResponseMeta
from .pagination import response_meta as _meta

__all__ = [
    "LOG_PAGE_LIMIT",
    "LogEvent",
    "LogStatsResult",
    "LogsUnavailableError",
    "follow_logs",
    "get_log",
    "list_logs",
    "log_filterdata",
    "log_stats",
    "ws_ticket",
]

LOG_BODY_KEPT = 64 * 1024
"""Bytes of a request-log page the request history keeps for the inspector (some 40
entries): a page of 1000 is about 1.5 MB, and the history holds 500 requests, so a walk to a
million entries would otherwise keep 130 MB of bodies there."""
WS_MAX_MESSAGE = 16 * 1024 * 1024
"""The largest WebSocket message taken (a log entry with its whole input and output)."""


class LogsUnavailableError(errors.NotFoundError):
    """The gateway keeps no request log: the ``/api/logs`` routes are not there (logging
    is off or its plugin not loaded), so the dashboard or the router answered."""

    def __str__(self) -> str:
        return self.message


def _unavailable(response: HttpResponse, what: str) -> LogsUnavailableError:
    return LogsUnavailableError(
        f"this gateway keeps no request log: {what} answered {response.status}"
        f" {_answer(response)} (the logging plugin is off or not loaded; enable"
        " client_config.enable_logging on the gateway and restart it). The base URL is fine.",
        status=response.status,
        url=response.url,
    )


def _answer(response: HttpResponse) -> str:
    if "text/html" in response.content_type:
        return "with the dashboard's HTML page"
    if response.status == 405:
        return "Method Not Allowed"
    return "Route not found"


def _route_missing(response: HttpResponse) -> bool:
    """The answer is the router's or the dashboard's, not the request log's."""
    if response.status == 405:
        return True
    if response.status == 200 and "text/html" in response.content_type:
        return True
    if response.status != 404:
        return False
    if "json" not in response.content_type:
        return True
    text = response.content[:2000].decode("utf-8", "replace").lower()
    return "route not found" in text or "log not found" not in text


async def _get(
    http: RequestLoop, path: str, params: Mapping[str, Any] | None, what: str
) -> HttpResponse:
    response = await http.get(path, params)
    if _route_missing(response):
        response.record.error = "LogsUnavailableError"
        raise _unavailable(response, what)
    return response


def _decode(decoder: Decoder, response: HttpResponse, adapter: TypeAdapter[Any]) -> Any:
    return decoder.decode(response, adapter)


# -- the list ---------------------------------------------------------------------------------


async def list_logs(
    http: RequestLoop,
    decoder: Decoder,
    params: Mapping[str, str],
    limit: int,
    offset: int,
) -> Page[LogEntry]:
    """One page of ``GET /api/logs``: ``params`` (the filters), ``limit`` (1..1000) entries
    from ``offset``. ``has_more`` comes from ``pagination.total_count``."""
    if limit < 1 or limit > LOG_PAGE_LIMIT:
        raise errors.RequestValidationError(f"limit must be 1..{LOG_PAGE_LIMIT}, got {limit}")
    if offset < 0:
        raise errors.RequestValidationError(f"offset must not be negative, got {offset}")
    query = {k: v for k, v in params.items() if k not in ("limit", "offset")}
    query.update(limit=str(limit), offset=str(offset))
    response = await _get(http, "/api/logs", query, "GET /api/logs")
    pagination: LogPagination | None
    try:
        fast: LogPageFast = _decode(decoder, response, LOG_PAGE_FAST)
        entries = fast.logs or []
        pagination, sent = fast.pagination, len(entries)
    except errors.ShapeError:
        # Something in it is not what the gateway promises: keep what can be kept.
        envelope = LogList.model_validate(_decode(decoder, response, _RAW_DICT))
        entries = envelope.entries()
        pagination, sent = envelope.pagination, len(envelope.logs)
    total = pagination.total_count if pagination is not None else None
    # No total (a very old gateway): a full page may have more behind it.
    has_more = offset + sent < total and sent > 0 if total is not None else sent >= limit
    record = response.record
    record.item_count = len(entries)
    record.body = record.body[:LOG_BODY_KEPT]
    return Page(
        kind="requests",
        items=entries,
        has_more=has_more,
        next_cursor=None,
        request_after=None,
        extra_fields=ExtraFields(),
        meta=_meta(response),
        raw=response.content,
        offset=offset,
        next_offset=offset + sent,
        total_count=total,
    )


# -- one entry ------------------------------------------------------------------------------


async def get_log(
    http: RequestLoop, decoder: Decoder, log_id: str
) -> tuple[LogEntry, bytes, ResponseMeta]:
    """``GET /api/logs/{id}``; a missing entry is a :class:`~.errors.NotFoundError`."""
    if not log_id or not log_id.strip():
        raise errors.RequestValidationError("a log id is required")
    from .client import _segment

    path = f"/api/logs/{_segment(log_id)}"
    response = await http.get(path)
    if response.status == 404 and not _route_missing(response):
        error = decoder.status_error(response)
        error.message = f"no request-log entry with id {clip(log_id, 120)!r} ({error.message})"
        raise error
    if _route_missing(response):
        raise _unavailable(response, f"GET {path}")
    entry = LogEntry.model_validate(_decode(decoder, response, _RAW_DICT))
    return entry, response.content, _meta(response)


# -- stats and filter data ------------------------------------------------------------------


@dataclass(frozen=True)
class LogStatsResult:
    """``GET /api/logs/stats``: parsed, and the object exactly as the gateway sent it."""

    stats: LogStats
    raw: dict[str, Any]
    meta: ResponseMeta
    body: bytes = field(default=b"", repr=False)
    """The response body as received."""

    @property
    def previous(self) -> LogStats | None:
        """The previous period's stats, when ``compare_to_previous`` was asked and answered."""
        return self.stats.previous if self.stats.has_previous_period else None


_RAW_DICT: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])


async def log_stats(
    http: RequestLoop, decoder: Decoder, params: Mapping[str, str], *, compare: bool = False
) -> LogStatsResult:
    """``GET /api/logs/stats`` for the filtered set; ``compare`` asks for the previous
    period too (``compare_to_previous``: the gateway needs both bounds of the period)."""
    query = {k: v for k, v in params.items() if k not in ("limit", "offset", "sort_by", "order")}
    if compare:
        query["compare_to_previous"] = "true"
    response = await _get(http, "/api/logs/stats", query, "GET /api/logs/stats")
    raw = _decode(decoder, response, _RAW_DICT)
    stats = LogStats.model_validate(raw)
    return LogStatsResult(stats, raw, _meta(response), response.content)


async def log_filterdata(http: RequestLoop, decoder: Decoder) -> LogFilterData:
    """``GET /api/logs/filterdata``: the values the filters can take."""
    response = await _get(http, "/api/logs/filterdata", None, "GET /api/logs/filterdata")
    return LogFilterData.model_validate(_decode(decoder, response, _RAW_DICT))


# -- the live feed --------------------------------------------------------------------------


async def ws_ticket(http: RequestLoop, decoder: Decoder) -> str:
    """``POST /api/session/ws-ticket``: a one-time ticket for ``/ws`` (admin credentials)."""
    response = await http.post("/api/session/ws-ticket")
    if _route_missing(response) or (response.status == 200 and "json" not in response.content_type):
        raise errors.NotFoundError(
            f"this gateway has no WebSocket tickets (POST /api/session/ws-ticket answered"
            f" {response.status})",
            status=response.status,
            url=response.url,
        )
    body = _decode(decoder, response, _RAW_DICT)
    # The inspector shows recorded bodies: a ticket is a credential (one-time, but still).
    response.record.body = b'{"ticket":"<redacted>"}'
    ticket = body.get("ticket")
    if not isinstance(ticket, str) or not ticket:
        raise errors.ShapeError("the ws-ticket answer carries no ticket", url=response.url)
    return ticket


@dataclass(frozen=True)
class LogEvent:
    """One request-log message from ``/ws``: a new entry (``create``) or a change to one
    (``update``, e.g. ``processing`` → ``success``). ``cache_debug`` is absent (the feed
    strips it); fetch the entry for the whole of it."""

    operation: Literal["create", "update"]
    entry: LogEntry
    raw: dict[str, Any]


def ws_url(base_url: str, ticket: str | None) -> str:
    """The ``/ws`` URL below ``base_url`` (``ws``/``wss``), with the ticket."""
    url = httpx.URL(base_url)
    scheme = "wss" if url.scheme == "https" else "ws"
    path = url.path.rstrip("/") + "/ws"
    params = {"ticket": ticket} if ticket else {}
    return str(url.copy_with(scheme=scheme, path=path, params=params, userinfo=b""))


def parse_ws_message(text: str | bytes) -> LogEvent | None:
    """A ``{"type":"log",...}`` message as a :class:`LogEvent`; None for any other message
    (other types, bad JSON, a payload that is not an object)."""
    try:
        message = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(message, dict) or message.get("type") != "log":
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict):
        return None
    operation: Literal["create", "update"] = (
        "create" if message.get("operation") == "create" else "update"
    )
    try:
        entry = LogEntry.model_validate(payload)
    except pydantic.ValidationError:  # pragma: no cover - every field is loose
        return None
    if not entry.id:
        return None
    return LogEvent(operation, entry, payload)


async def follow_logs(
    http: RequestLoop,
    decoder: Decoder,
    *,
    open_timeout: float | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[LogEvent]:
    """Request-log events from ``/ws`` as they arrive, until the caller stops iterating
    (or cancels). Ticket auth: a ticket is asked for first; a gateway without the ticket
    route (or without auth) is connected to without one. ``transport``: the client's; the
    in-process demo's (:class:`~._asgi.StreamingASGITransport`) carries the socket in
    process, httpx's own ``ASGITransport`` carries none (:class:`~.errors.ConnectError`).
    Errors are the client's: :class:`~.errors.ConnectError`,
    :class:`~.errors.AuthenticationError` (with the admin hint), :class:`LogsUnavailableError`
    when there is no ``/ws``."""
    from websockets.exceptions import ConnectionClosed

    from ._asgi import StreamingASGITransport, WebSocketClosed

    settings = http.settings
    if isinstance(transport, httpx.ASGITransport):
        raise errors.ConnectError(
            "this in-process transport (httpx.ASGITransport) carries no WebSocket",
            url=ws_url(settings.base_url, None),
        )
    ticket: str | None
    try:
        ticket = await ws_ticket(http, decoder)
    except errors.NotFoundError:
        ticket = None
    url = ws_url(settings.base_url, ticket)
    shown = ws_url(settings.base_url, "<redacted>" if ticket else None)
    headers = http.settings.auth_headers("/ws") if ticket is None else {}
    connection: Any
    if isinstance(transport, StreamingASGITransport):
        connection = await _open_in_process(transport, url, headers, http, shown)
    else:
        connection = await _open_socket(url, headers, http, shown, open_timeout)
    try:
        while True:
            try:
                frame = await connection.recv()
            except (ConnectionClosed, WebSocketClosed):
                return
            event = parse_ws_message(frame)
            if event is not None:
                yield event
    finally:
        await connection.close()


def _refused(status: int, http: RequestLoop, shown: str) -> errors.MPilotError:
    """The error for a ``/ws`` upgrade the gateway answered with ``status``."""
    if status in (404, 405) or status == 200:
        return LogsUnavailableError(
            f"this gateway has no request-log feed: GET /ws answered {status}",
            status=status,
            url=shown,
        )
    cls = errors.error_for_status(status)
    message = f"the WebSocket upgrade of GET /ws was refused ({status})"
    if status == 403:
        message += (
            ": the gateway has no request-log feed there, or these credentials may not open it"
        )
    error = cls(message, status=status, url=shown)
    if status == 401:
        from .client import auth_hint

        error.hint = auth_hint(http.settings, "/api/logs", error)
    return error


async def _open_in_process(
    transport: Any, url: str, headers: Mapping[str, str], http: RequestLoop, shown: str
) -> Any:
    """The in-process demo's ``/ws``, through its transport."""
    from ._asgi import WebSocketRefused

    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    try:
        return await transport.open_websocket(url, raw)
    except WebSocketRefused as exc:
        raise _refused(exc.status, http, shown) from None


async def _open_socket(
    url: str,
    headers: Mapping[str, str],
    http: RequestLoop,
    shown: str,
    open_timeout: float | None,
) -> Any:
    """A real socket to the gateway's ``/ws`` (``websockets``)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake, InvalidStatus

    settings = http.settings
    ssl_context: ssl.SSLContext | None = None
    if url.startswith("wss:"):
        ssl_context = ssl.create_default_context(
            cafile=settings.verify if isinstance(settings.verify, str) else None
        )
        if settings.verify is False:
            ssl_context.check_hostname = False
            ssl_context.verify_mode = ssl.CERT_NONE
    try:
        return await connect(
            url,
            additional_headers=dict(headers),
            ssl=ssl_context,
            open_timeout=open_timeout or settings.timeout,
            max_size=WS_MAX_MESSAGE,
            user_agent_header=None,
            proxy=None,
        )
    except InvalidStatus as exc:
        raise _refused(exc.response.status_code, http, shown) from None
    except (OSError, InvalidHandshake, TimeoutError) as exc:
        reason = http.scrub(str(exc) or type(exc).__name__)
        raise errors.ConnectError(
            f"could not open the request-log feed at {shown}: {clip(reason, 300)}", url=shown
        ) from None
