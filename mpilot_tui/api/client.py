"""``GatewayClient``: the async client for the gateway's file and container routes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote, unquote

import httpx
import pydantic
from pydantic import TypeAdapter

from . import errors, models
from ._http import HttpResponse, RequestLoop, Sink
from .decoding import Decoder
from .early import EarlyFacts, PageAnswer, read_facts
from .history import RequestHistory
from .models import (
    ContainerFileList,
    ContainerFileObject,
    ContainerList,
    ContainerObject,
    ExtraFields,
    FileList,
    FileObject,
    ProviderEntry,
)
from .pagination import Page, PageGuard, PageKind, ResponseMeta, iter_pages
from .pagination import response_meta as _meta
from .redaction import Redactor
from .settings import ConnectionSettings, mask_secret, route_family

if TYPE_CHECKING:
    from .log_models import LogEntry, LogFilterData
    from .logs import LogEvent, LogStatsResult

__all__ = ["CONTAINER_PAGE_LIMIT", "GatewayClient", "ItemResult", "Order", "ProvidersResult"]

Order = Literal["asc", "desc"]
CONTAINER_PAGE_LIMIT = 100
"""The largest ``limit`` the container routes take (``1..100``)."""
ModelT = TypeVar("ModelT")
ItemT = TypeVar("ItemT", FileObject, ContainerFileObject, ContainerObject)


@dataclass(frozen=True)
class ProvidersResult:
    """``GET /api/providers``: the configured providers, or why they cannot be listed."""

    permitted: bool
    providers: list[ProviderEntry] = field(default_factory=list)
    message: str | None = None
    """Why the list is not available (e.g. virtual keys may not list providers)."""


@dataclass(frozen=True)
class ItemResult:
    """One retrieved item with the ``extra_fields`` of its own response."""

    item: FileObject | ContainerFileObject | LogEntry
    extra_fields: ExtraFields
    meta: ResponseMeta
    raw: bytes = field(default=b"", repr=False)
    """The body as the gateway sent it (kept for a request-log entry, shown whole)."""


class GatewayClient:
    """An async client for one gateway, over one ``httpx.AsyncClient``.

    Use it as an async context manager, or call :meth:`aclose`. ``transport`` is the seam for
    tests and the in-process demo gateway (``httpx.ASGITransport``).
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        history: RequestHistory | None = None,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._http = RequestLoop(settings, transport=transport, history=history)
        self._decoder = Decoder(self._http.scrub, hint=self._hint)

    def _hint(self, response: HttpResponse, error: errors.APIStatusError) -> str | None:
        return auth_hint(self.settings, self._http.route(response.url), error)

    @classmethod
    def for_demo(
        cls,
        app: Any,
        settings: ConnectionSettings | None = None,
        history: RequestHistory | None = None,
        *,
        lifespan: bool = False,
    ) -> GatewayClient:
        """A client on an in-process ASGI app (the demo gateway); answers stream as the app
        sends them, and ``/ws`` is carried in process
        (:class:`~mpilot_tui.api._asgi.StreamingASGITransport`). ``lifespan``: run the app's
        lifespan too (the demo's arrival of new requests)."""
        from ._asgi import StreamingASGITransport
        from .settings import DEMO_BASE_URL

        settings = settings or ConnectionSettings(base_url=DEMO_BASE_URL, auth="none")
        transport = StreamingASGITransport(app, lifespan=lifespan)
        return cls(settings, transport=transport, history=history)

    def start(self) -> None:
        """Called once an event loop runs: an in-process gateway starts its lifespan now, in
        the background, rather than when the first request comes (which then waited for it
        behind the browser's first frame). Nothing to do for a real gateway."""
        from ._asgi import StreamingASGITransport

        if isinstance(self._transport, StreamingASGITransport):
            self._transport.start()

    async def __aenter__(self) -> GatewayClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def history(self) -> RequestHistory:
        """Every request this client made (a bounded ring), for the inspector."""
        return self._http.history

    @property
    def redactor(self) -> Redactor:
        """Masks this connection's secrets in whatever the gateway sent that is shown."""
        return self._http.redactor

    @property
    def http(self) -> RequestLoop:
        """The request loop (tests set ``http.sleep`` to skip backoff waits)."""
        return self._http

    # -- listings -------------------------------------------------------------------------

    async def list_files(
        self,
        provider: str = "openai",
        purpose: str | None = None,
        limit: int | None = None,
        after: str | None = None,
        order: Order | None = None,
    ) -> Page[FileObject]:
        """One page of ``GET /openai/v1/files``."""
        return (await self.answer_files(provider, purpose, limit, after, order)).page()

    async def answer_files(
        self,
        provider: str = "openai",
        purpose: str | None = None,
        limit: int | None = None,
        after: str | None = None,
        order: Order | None = None,
    ) -> PageAnswer[FileObject]:
        """One page of ``GET /openai/v1/files``, its next cursor readable before its items
        are validated (see :class:`~.early.PageAnswer`)."""
        _check_limit(limit, maximum=None)
        params = {"provider": provider, "purpose": purpose, "limit": limit, "after": after}
        params["order"] = order
        response = await self._http.get("/openai/v1/files", params)
        return self._answer("files", response, after, models.FILE_LIST, _FILE_CURSOR)

    async def list_container_files(
        self,
        container_id: str,
        provider: str = "openai",
        limit: int | None = None,
        after: str | None = None,
        order: Order | None = None,
    ) -> Page[ContainerFileObject]:
        """One page of ``GET /v1/containers/{container_id}/files`` (``limit`` 1..100)."""
        answer = await self.answer_container_files(container_id, provider, limit, after, order)
        return answer.page()

    async def answer_container_files(
        self,
        container_id: str,
        provider: str = "openai",
        limit: int | None = None,
        after: str | None = None,
        order: Order | None = None,
    ) -> PageAnswer[ContainerFileObject]:
        """:meth:`list_container_files` as an answer (see :meth:`answer_files`)."""
        if not container_id or not container_id.strip():
            raise errors.RequestValidationError("a container id is required")
        _check_limit(limit, maximum=CONTAINER_PAGE_LIMIT)
        path = f"/v1/containers/{_segment(container_id)}/files"
        params = {"provider": provider, "limit": limit, "after": after, "order": order}
        response = await self._http.get(path, params)
        return self._answer(
            "container_files", response, after, models.CONTAINER_FILE_LIST, _CONTAINER_CURSOR
        )

    async def list_containers(
        self,
        provider: str = "openai",
        limit: int | None = None,
        after: str | None = None,
        order: Order | None = None,
    ) -> Page[ContainerObject]:
        """One page of ``GET /v1/containers``."""
        return (await self.answer_containers(provider, limit, after, order)).page()

    async def answer_containers(
        self,
        provider: str = "openai",
        limit: int | None = None,
        after: str | None = None,
        order: Order | None = None,
    ) -> PageAnswer[ContainerObject]:
        """:meth:`list_containers` as an answer (see :meth:`answer_files`)."""
        _check_limit(limit, maximum=CONTAINER_PAGE_LIMIT)
        params = {"provider": provider, "limit": limit, "after": after, "order": order}
        response = await self._http.get("/v1/containers", params)
        return self._answer("containers", response, after, models.CONTAINER_LIST, _CONTAINER_CURSOR)

    def iter_files(
        self,
        provider: str = "openai",
        purpose: str | None = None,
        limit: int | None = None,
        after: str | None = None,
        order: Order | None = None,
        *,
        guard: PageGuard | None = None,
    ) -> AsyncIterator[Page[FileObject]]:
        """Every page of the file listing from ``after``, with the pagination guards."""

        def fetch(cursor: str | None) -> Awaitable[Page[FileObject]]:
            return self.list_files(provider, purpose, limit, cursor, order)

        return iter_pages(fetch, after, guard=guard)

    def iter_container_files(
        self,
        container_id: str,
        provider: str = "openai",
        limit: int | None = None,
        after: str | None = None,
        order: Order | None = None,
        *,
        guard: PageGuard | None = None,
    ) -> AsyncIterator[Page[ContainerFileObject]]:
        """Every page of a container's file listing, with the pagination guards."""

        def fetch(cursor: str | None) -> Awaitable[Page[ContainerFileObject]]:
            return self.list_container_files(container_id, provider, limit, cursor, order)

        return iter_pages(fetch, after, guard=guard)

    def iter_containers(
        self,
        provider: str = "openai",
        limit: int | None = None,
        after: str | None = None,
        order: Order | None = None,
    ) -> AsyncIterator[Page[ContainerObject]]:
        """Every page of the container listing."""

        def fetch(cursor: str | None) -> Awaitable[Page[ContainerObject]]:
            return self.list_containers(provider, limit, cursor, order)

        return iter_pages(fetch, after)

    # -- the request log (the management API: admin credentials) --------------------------
    # Its modules (``logs``, ``log_models``) load on first use: a listing of files never
    # needs them, and they cost the cold start ~10 ms.

    async def list_logs(self, params: Mapping[str, str], limit: int, offset: int) -> Page[LogEntry]:
        """One page of ``GET /api/logs`` (``limit`` 1..1000) from ``offset``, filtered by
        ``params`` (see :meth:`mpilot_tui.reqlog.LogFilters.to_params`)."""
        from . import logs

        return await logs.list_logs(self._http, self._decoder, params, limit, offset)

    async def get_log(self, log_id: str) -> ItemResult:
        """``GET /api/logs/{id}``: the whole entry (``raw`` holds it as sent)."""
        from . import logs

        entry, raw, meta = await logs.get_log(self._http, self._decoder, log_id)
        return ItemResult(entry, ExtraFields(), meta, raw)

    async def log_stats(
        self, params: Mapping[str, str], *, compare: bool = False
    ) -> LogStatsResult:
        """``GET /api/logs/stats`` for the filtered set (``compare``: the previous period)."""
        from . import logs

        return await logs.log_stats(self._http, self._decoder, params, compare=compare)

    async def log_filterdata(self) -> LogFilterData:
        """``GET /api/logs/filterdata``."""
        from . import logs

        return await logs.log_filterdata(self._http, self._decoder)

    async def ws_ticket(self) -> str:
        """``POST /api/session/ws-ticket``: a one-time ticket for ``/ws``."""
        from . import logs

        return await logs.ws_ticket(self._http, self._decoder)

    def follow_logs(self, *, open_timeout: float | None = None) -> AsyncIterator[LogEvent]:
        """Request-log events from ``/ws`` as they arrive: over a real socket, or in process
        on the demo's streaming transport (httpx's own ``ASGITransport`` carries none: a
        :class:`~.errors.ConnectError`, and the caller polls)."""
        from . import logs

        return logs.follow_logs(
            self._http, self._decoder, open_timeout=open_timeout, transport=self._transport
        )

    # -- single items and gateway facts --------------------------------------------------

    async def retrieve_file(self, file_id: str, provider: str = "openai") -> ItemResult:
        """``GET /openai/v1/files/{id}`` with its own ``extra_fields``."""
        path = f"/openai/v1/files/{_segment(file_id)}"
        response = await self._http.get(path, {"provider": provider})
        with _slash_id(file_id):
            item = self._decoder.decode(response, models.FILE_OBJECT)
        return ItemResult(item, _extra_fields_of(item), _meta(response))

    async def retrieve_container_file(
        self, container_id: str, file_id: str, provider: str = "openai"
    ) -> ItemResult:
        """``GET /v1/containers/{cid}/files/{fid}`` with its own ``extra_fields``."""
        path = f"/v1/containers/{_segment(container_id)}/files/{_segment(file_id)}"
        response = await self._http.get(path, {"provider": provider})
        with _slash_id(container_id, file_id):
            item = self._decoder.decode(response, models.CONTAINER_FILE_OBJECT)
        return ItemResult(item, _extra_fields_of(item), _meta(response))

    async def file_content(
        self,
        file_id: str,
        provider: str = "openai",
        *,
        sink: Sink | None = None,
        first_bytes: int | None = None,
    ) -> HttpResponse:
        """``GET /openai/v1/files/{id}/content``: raw bytes with the upstream content type.

        With ``sink`` the bytes are handed over as they arrive instead of held (see
        :meth:`RequestLoop.get`); ``first_bytes`` asks for only that many (``Range``), which a
        gateway may or may not honour: the sink decides when it has enough.
        """
        path = f"/openai/v1/files/{_segment(file_id)}/content"
        with _slash_id(file_id):
            return await self._content(path, provider, sink, first_bytes)

    async def container_file_content(
        self,
        container_id: str,
        file_id: str,
        provider: str = "openai",
        *,
        sink: Sink | None = None,
        first_bytes: int | None = None,
    ) -> HttpResponse:
        """``GET /v1/containers/{cid}/files/{fid}/content``: raw bytes (as :meth:`file_content`)."""
        cid, fid = _segment(container_id), _segment(file_id)
        path = f"/v1/containers/{cid}/files/{fid}/content"
        with _slash_id(container_id, file_id):
            return await self._content(path, provider, sink, first_bytes)

    async def _content(
        self, path: str, provider: str, sink: Sink | None, first_bytes: int | None
    ) -> HttpResponse:
        # identity: sizes and ranges then count the bytes that are saved, not compressed ones.
        headers = {"Accept-Encoding": "identity"}
        params = {"provider": provider}
        whole = sink is not None and not first_bytes  # a download the user watches
        if first_bytes:
            ranged = {**headers, "Range": f"bytes=0-{first_bytes - 1}"}
            response = await self._http.get(path, params, sink=sink, headers=ranged)
            if response.status == 416:
                # An empty file has no first bytes to give: ask for all of it.
                response = await self._http.get(path, params, sink=sink, headers=headers)
        else:
            response = await self._http.get(
                path, params, sink=sink, headers=headers, unbounded=whole
            )
        self._decoder.raise_for_status(response)
        if "/" in unquote(path.removesuffix("/content").rsplit("/", 1)[-1]) and (
            "text/html" in response.content_type
        ):
            # An id with '/' cannot be routed: this HTML is the dashboard's, not the file's.
            raise errors.DashboardHTMLError(
                f"GET {response.url} answered 200 text/html: the dashboard, not the content",
                url=response.url,
            )
        return response

    async def list_providers(self) -> ProvidersResult:
        """``GET /api/providers``; a "not permitted" result on 401/403 instead of an error."""
        response = await self._http.get("/api/providers")
        if response.status in (401, 403):
            error = self._decoder.status_error(response)
            return ProvidersResult(
                permitted=False,
                message=f"listing providers is not permitted with these credentials ({error})",
            )
        body = self._decoder.decode(response, models.PROVIDERS)
        return ProvidersResult(permitted=True, providers=body.providers)

    async def health(self) -> dict[str, Any]:
        """``GET /health``: the gateway's health object."""
        response = await self._http.get("/health")
        return self._decoder.decode(response, _DICT)

    async def version(self) -> str:
        """``GET /api/version``: the gateway's version string."""
        response = await self._http.get("/api/version")
        value = self._decoder.decode(response, _ANY)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("version"), str):
            return str(value["version"])
        raise errors.ShapeError(f"unexpected version answer: {str(value)[:80]}", url=response.url)

    # -- decoding ---------------------------------------------------------------------------

    def _answer(
        self,
        kind: PageKind,
        response: HttpResponse,
        request_after: str | None,
        adapter: TypeAdapter[Any],
        cursor: _Cursor,
    ) -> PageAnswer[Any]:
        """A list answer: its status and content type checked now (the same errors, in the
        same order, as a whole decode), its body validated by :meth:`PageAnswer.page`."""
        self._decoder.check_json(response)

        def validate() -> Page[Any]:
            envelope = self._decoder.validate(response, adapter)
            return self._page(kind, envelope, cursor.of(envelope), response, request_after)

        def facts() -> EarlyFacts | None:
            return read_facts(
                response.content,
                request_after=request_after,
                url=response.url,
                cursor_keys=cursor.keys,
                last_id_fallback=cursor.last_item,
            )

        return PageAnswer(kind, validate, facts)

    def _page(
        self,
        kind: PageKind,
        envelope: FileList | ContainerFileList | ContainerList,
        cursor: str | None,
        response: HttpResponse,
        request_after: str | None,
    ) -> Page[Any]:
        record = response.record
        extra = envelope.extra_fields
        record.item_count = len(envelope.data)
        record.gateway_latency_ms = extra.latency
        if extra.cache_debug is not None:
            record.cache_hit = extra.cache_debug.cache_hit
            record.hit_type = extra.cache_debug.hit_type
            record.similarity = extra.cache_debug.similarity
            record.threshold = extra.cache_debug.threshold
        return Page(
            kind=kind,
            items=envelope.data,
            has_more=envelope.has_more,
            next_cursor=cursor if envelope.has_more else None,
            request_after=request_after,
            extra_fields=extra,
            meta=_meta(response),
            raw=response.content,
        )


def auth_hint(settings: ConnectionSettings, path: str, error: errors.APIStatusError) -> str | None:
    """What to do about a 401 (or a blocked key) on ``path``, naming the credential that was
    sent (masked) and where to set the right one; ``None`` for other errors."""
    family = route_family(path)
    refused = isinstance(error, errors.AuthenticationError)
    blocked = isinstance(error, errors.PermissionDeniedError)
    if family == "admin" and refused:
        if not settings.has_admin_credentials:
            return (
                "the management API (/api/…) needs admin credentials, and none are set"
                " (a virtual key is not sent there): set MPILOT_ADMIN_USERNAME and"
                " MPILOT_ADMIN_PASSWORD, or give the profile a username and password_env"
            )
        return (
            f"the gateway refused the admin credentials of user {settings.username!r}; check"
            " MPILOT_ADMIN_USERNAME/MPILOT_ADMIN_PASSWORD or the profile's username and password"
        )
    if family == "inference" and (refused or (blocked and error.virtual_key_problem)):
        if not settings.has_virtual_key:
            return (
                "no virtual key was sent: set MPILOT_TOKEN, or choose a profile with one"
                " (P in the browser)"
            )
        where = "x-bf-vk" if settings.auth == "basic" else settings.auth
        what = "is blocked on the gateway" if blocked else "was refused"
        return (
            f"the virtual key sent ({where} {mask_secret(settings.token)}) {what}: set"
            " MPILOT_TOKEN, or choose another profile (P in the browser)"
        )
    return None


_DICT: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])
_ANY: TypeAdapter[Any] = TypeAdapter(Any)


def _check_limit(limit: int | None, *, maximum: int | None) -> None:
    if limit is None:
        return
    if limit < 1 or (maximum is not None and limit > maximum):
        allowed = f"1..{maximum}" if maximum else "at least 1"
        raise errors.RequestValidationError(f"limit must be {allowed}, got {limit}")


def _segment(value: str) -> str:
    """``value`` as one path segment: ``/`` encoded, and ``.``/``..`` encoded so that URL
    normalisation cannot turn an id into a dot segment that climbs out of the route."""
    if value in (".", ".."):
        return value.replace(".", "%2E")
    return quote(value, safe="")


@contextlib.contextmanager
def _slash_id(*ids: str) -> Iterator[None]:
    """Turn the dashboard's answer to an id with ``/`` into what really happened: the
    gateway's HTTP server decodes ``%2F`` back to ``/`` before routing, so such an id (a
    bedrock file id is standard base64) cannot be served by path at all."""
    try:
        yield
    except errors.NotJSONError as exc:
        slashed = next((value for value in ids if "/" in value), None)
        if slashed is None or not isinstance(exc, errors.DashboardHTMLError):
            raise
        raise errors.UnroutableIdError(
            f"the gateway cannot serve the id {slashed!r} by path: it holds '/', which the"
            " gateway's HTTP server decodes from %2F before routing, so the request reached"
            " its dashboard instead (a gateway limitation; the base URL is fine)",
            url=exc.url,
        ) from None


def _file_cursor(envelope: FileList) -> str | None:
    """``after`` when the gateway sent it; the last item's id when it did not though
    ``has_more`` is true (a gateway passing the upstream body through raw)."""
    if envelope.after or not envelope.has_more or not envelope.data:
        return envelope.after
    return envelope.data[-1].id


def _container_cursor(envelope: ContainerFileList | ContainerList) -> str | None:
    """``after`` when the gateway sent it; ``last_id`` only as the fallback."""
    return envelope.after or envelope.last_id


@dataclass(frozen=True)
class _Cursor:
    """Where a list kind's next cursor comes from: in the validated envelope (``of``) and in
    the raw one (``keys`` in order of preference; ``last_item``: the last item's id when
    ``has_more`` is true and no key holds one)."""

    of: Callable[[Any], str | None]
    keys: tuple[str, ...]
    last_item: bool


_FILE_CURSOR = _Cursor(_file_cursor, ("after",), last_item=True)
_CONTAINER_CURSOR = _Cursor(_container_cursor, ("after", "last_id"), last_item=False)


def _extra_fields_of(item: pydantic.BaseModel) -> ExtraFields:
    raw = (item.model_extra or {}).get("extra_fields")
    if isinstance(raw, dict):
        try:
            return ExtraFields.model_validate(raw)
        except pydantic.ValidationError:
            return ExtraFields()
    return ExtraFields()
