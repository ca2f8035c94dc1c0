"""The demo gateway's file and container handlers, following the real gateway's semantics.

Each handler takes a :class:`Call` (the request, whether the route is native ``/v1/...``, and
the request type) and returns a response or raises
:class:`~mpilot_tui.demo.errors.GatewayError`. Checks run in the gateway's order: provider
given (native routes) → virtual key allowed → provider configured → operation supported →
parameters (limit, order, cursor) → the upstream's own answer. Where generations differ
(``DemoConfig.bifrost``) the 2.x behaviour is noted beside the 1.x one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mpilot_tui.demo.auth import Caller, check_provider_allowed
from mpilot_tui.demo.config import REFERENCE_TIME, DemoConfig
from mpilot_tui.demo.containers import ContainerFileRecord, ContainerRecord, ContainerStore
from mpilot_tui.demo.content import content_for, content_response
from mpilot_tui.demo.cursor import (
    CursorError,
    Page,
    Segment,
    key_segments,
    page,
    resolve_after,
)
from mpilot_tui.demo.data import FileRecord, FileStore
from mpilot_tui.demo.errors import GatewayError, upstream_error
from mpilot_tui.demo.extras import bifrost_headers, extra_fields, request_key
from mpilot_tui.demo.providers import (
    CONTAINER_FILE_PROVIDERS,
    CONTAINER_LIST_PROVIDERS,
    FILE_CONTENT_PROVIDERS,
    FILE_PROVIDERS,
)

__all__ = ["Call", "DemoGateway"]

FILE_LIMIT_DEFAULT = FILE_LIMIT_MAX = 10_000
"""The upstream's default and maximum page size for the file list."""
CONTAINER_LIMIT_DEFAULT = 20
"""The upstream's default page size for container and container file lists."""
CONTAINER_LIMIT_MAX = 100
"""The upstream rejects larger container page sizes (the gateway does not check)."""

_SUPPORT: dict[str, frozenset[str]] = {
    "file_list": FILE_PROVIDERS,
    "file_retrieve": FILE_PROVIDERS,
    "file_content": FILE_CONTENT_PROVIDERS,
    "container_list": CONTAINER_LIST_PROVIDERS,
    "container_retrieve": CONTAINER_FILE_PROVIDERS,
    "container_file_list": CONTAINER_FILE_PROVIDERS,
    "container_file_retrieve": CONTAINER_FILE_PROVIDERS,
    "container_file_content": CONTAINER_FILE_PROVIDERS,
}
"""Which providers implement each request type."""
_CUSTOM_SUPPORT = frozenset({"file_list", "file_retrieve", "file_content"})
"""What the demo's (openai-based) custom providers are allowed to do."""


@dataclass(frozen=True)
class Call:
    """One API request on its way through the gateway."""

    request: Request
    native: bool
    """A native ``/v1/...`` route (provider required; errors without a status are 400)."""
    request_type: str
    caller: Caller

    @property
    def key(self) -> str:
        """The canonical request text every deterministic decoration is drawn from."""
        return request_key(self.request.url.path, self.request.query_params.multi_items())

    def param(self, name: str) -> str:
        return self.request.query_params.get(name, "").strip()


class DemoGateway:
    """The gateway state: its config and the lazily created per-provider stores."""

    def __init__(self, config: DemoConfig) -> None:
        self.config = config
        self.errors = itertools.count()
        """Numbers the error answers, so that each gets its own event id."""
        self._files: dict[str, FileStore] = {}
        self._containers: dict[str, ContainerStore] = {}

    def file_store(self, provider: str) -> FileStore:
        """The files ``provider`` holds."""
        if provider not in self._files:
            self._files[provider] = FileStore(
                seed=self.config.seed,
                provider=provider,
                count=self.config.files,
                reference_time=REFERENCE_TIME,
            )
        return self._files[provider]

    def container_store(self, provider: str) -> ContainerStore:
        """The containers ``provider`` holds."""
        if provider not in self._containers:
            self._containers[provider] = ContainerStore(
                seed=self.config.seed,
                provider=provider,
                count=self.config.containers,
                files_per_container=self.config.container_files,
                reference_time=REFERENCE_TIME,
            )
        return self._containers[provider]

    # -- checks --------------------------------------------------------------------------

    def supports(self, provider: str, request_type: str) -> bool:
        """True when ``provider`` implements ``request_type`` on this gateway."""
        if provider in self.config.custom_providers:
            return request_type in _CUSTOM_SUPPORT
        return provider in _SUPPORT.get(request_type, frozenset())

    def provider(self, call: Call) -> str:
        """The provider a request is for, after every provider-level check."""
        rt = call.request_type
        modern = self.config.modern
        provider = call.param("provider")
        if not provider and modern and call.native:
            provider = call.request.headers.get("x-model-provider", "").strip()
        if not provider:
            if call.native:
                if modern:
                    raise GatewayError(
                        "provider query parameter or x-model-provider header is required",
                        status=400,
                        plain=True,
                    )
                raise GatewayError("provider query parameter is required", request_type=rt)
            agent = call.request.headers.get("user-agent", "")
            provider = "azure" if modern and "AzureOpenAI" in agent else "openai"
        check_provider_allowed(self.config, call.caller, provider, rt)
        if provider not in self.config.configured_providers:
            raise GatewayError(
                "failed to get config for provider: not found",
                go_error="not found",
                provider=provider,
                request_type=rt,
            )
        if not self.supports(provider, rt):
            raise GatewayError(
                f"{rt} is not supported by {provider} provider",
                code="unsupported_operation",
                is_bifrost_error=False,
                provider=provider,
                request_type=rt,
            )
        return provider

    def limit(self, call: Call, provider: str, *, default: int, maximum: int) -> int:
        """The page size: unset or <= 0 means the upstream default; above max, upstream 400.
        Not a number: 400 on 1.x, ignored (the default) on 2.x."""
        raw = call.param("limit")
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            if self.config.modern:
                return default
            raise GatewayError(
                f"invalid limit parameter: strconv.Atoi: parsing {raw!r}: invalid syntax",
                param="limit",
                provider=provider,
                request_type=call.request_type,
            ) from None
        if value <= 0:
            return default
        if value > maximum:
            raise upstream_error(
                400,
                "Invalid 'limit': integer above maximum value. "
                f"Expected a value <= {maximum}, but got {value} instead.",
                param="limit",
                code="integer_above_max_value",
                provider=provider,
                request_type=call.request_type,
            )
        return value

    def descending(self, call: Call, provider: str) -> bool:
        """True for ``order=desc`` (the default); anything but asc/desc is an upstream 400."""
        order = call.param("order") or "desc"
        if order not in ("asc", "desc"):
            raise upstream_error(
                400,
                f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
                param="order",
                code="invalid_value",
                provider=provider,
                request_type=call.request_type,
            )
        return order == "desc"

    def resume(
        self,
        call: Call,
        provider: str,
        segments: list[Segment],
        index_of: Callable[[str], int | None],
    ) -> tuple[int, int | None]:
        """Where the page starts; a bad ``after`` is ``invalid pagination cursor`` (2.x: a
        gateway error, 500 on every route; a key index past the last key: an empty page)."""
        modern = self.config.modern
        allow_raw_id = self.config.keys == 1 and self.config.bifrost != "1.4"
        try:
            return resolve_after(
                call.param("after"),
                segments,
                index_of,
                allow_raw_id=allow_raw_id,
                past_end_is_empty=modern,
            )
        except CursorError as exc:
            raise GatewayError(
                "invalid pagination cursor",
                status=500 if modern else None,
                go_error=str(exc),
                provider=provider,
                request_type=call.request_type,
            ) from None

    # -- responses -----------------------------------------------------------------------

    def _extra(
        self,
        call: Call,
        provider: str,
        raw_response: dict[str, Any] | None = None,
        key_index: int = 0,
    ) -> dict[str, Any]:
        raw_request = {k: v for k, v in call.request.query_params.items() if k != "provider"}
        return extra_fields(
            self.config,
            request_type=call.request_type,
            provider=provider,
            key=call.key,
            raw_request=raw_request,
            raw_response=raw_response,
            key_index=key_index,
        )

    def _answer(self, body: dict[str, Any]) -> JSONResponse:
        return JSONResponse(body, headers=bifrost_headers(self.config, body["extra_fields"]))

    @staticmethod
    def _page_key(segments: list[Segment], position: int) -> int:
        return segments[min(position, len(segments) - 1)].key if segments else 0

    def _list(
        self,
        call: Call,
        provider: str,
        result: Page,
        data: list[dict[str, Any]],
        *,
        ids: bool,
        key_index: int = 0,
    ) -> JSONResponse:
        body: dict[str, Any] = {"object": "list", "data": data}
        upstream: dict[str, Any] = {"object": "list", "data": data}
        if ids and data:
            body["first_id"] = upstream["first_id"] = data[0]["id"]
            body["last_id"] = upstream["last_id"] = data[-1]["id"]
        if result.next_cursor:
            body["has_more"] = upstream["has_more"] = True
            body["after"] = result.next_cursor
        body["extra_fields"] = self._extra(call, provider, upstream, key_index)
        return self._answer(body)

    def _object(
        self, call: Call, provider: str, obj: dict[str, Any], key_index: int = 0
    ) -> JSONResponse:
        extra = self._extra(call, provider, dict(obj), key_index)
        return self._answer({**obj, "extra_fields": extra})

    # -- files ---------------------------------------------------------------------------

    def list_files(self, call: Call) -> Response:
        provider = self.provider(call)
        limit = self.limit(call, provider, default=FILE_LIMIT_DEFAULT, maximum=FILE_LIMIT_MAX)
        descending = self.descending(call, provider)
        store = self.file_store(provider)
        segments = key_segments(store.count, self.config.keys)
        position, after_index = self.resume(call, provider, segments, store.index_of)
        purpose = call.param("purpose")
        if purpose and not store.is_known_purpose(purpose):
            result = Page([], None)
        else:
            matches = (lambda i: store.purpose_at(i) == purpose) if purpose else None
            result = page(
                segments,
                position,
                after_index,
                descending=descending,
                limit=limit,
                id_at=store.id_at,
                matches=matches,
                padded=self.config.modern,
            )
        bifrost = self.config.bifrost
        data = [store.record(i).to_json(bifrost, listed=True) for i in result.indices]
        key_index = self._page_key(segments, position)
        return self._list(call, provider, result, data, ids=False, key_index=key_index)

    def _file(self, call: Call, provider: str) -> FileRecord:
        store = self.file_store(provider)
        file_id = call.request.path_params["file_id"]
        record = store.find(file_id)
        if record is None:
            raise upstream_error(
                404,
                f"No such File object: {file_id}",
                param="id",
                provider=provider,
                request_type=call.request_type,
            )
        return record

    def retrieve_file(self, call: Call) -> Response:
        provider = self.provider(call)
        record = self._file(call, provider)
        key_index = self._owner_key(self.file_store(provider).count, record.index)
        return self._object(call, provider, record.to_json(self.config.bifrost), key_index)

    def _content(self, call: Call, provider: str, filename: str, size: int, item: str) -> Response:
        content = content_for(filename, size, self.config.seed, provider, item)
        headers: dict[str, str] = {}
        if self.config.modern:
            headers = {"x-bifrost-provider": provider, "x-bifrost-request-type": call.request_type}
        return content_response(
            content,
            call.request.headers.get("range", ""),
            honour_range=not self.config.modern,
            delay_ms=self.config.content_delay_ms,
            headers=headers,
        )

    def file_content(self, call: Call) -> Response:
        provider = self.provider(call)
        record = self._file(call, provider)
        return self._content(call, provider, record.filename, record.bytes, record.id)

    # -- containers ----------------------------------------------------------------------

    def _owner_key(self, count: int, index: int) -> int:
        """The provider key holding item ``index`` of ``count``."""
        for segment in key_segments(count, self.config.keys):
            if segment.start <= index < segment.stop:
                return segment.key
        return 0

    def _container(self, call: Call, provider: str) -> tuple[ContainerStore, ContainerRecord]:
        store = self.container_store(provider)
        container_id = call.request.path_params["container_id"]
        record = store.find(container_id)
        if record is None:
            raise upstream_error(
                404,
                f"No container found with id '{container_id}'.",
                provider=provider,
                request_type=call.request_type,
            )
        return store, record

    def list_containers(self, call: Call) -> Response:
        provider = self.provider(call)
        limit = self.limit(
            call, provider, default=CONTAINER_LIMIT_DEFAULT, maximum=CONTAINER_LIMIT_MAX
        )
        descending = self.descending(call, provider)
        store = self.container_store(provider)
        segments = key_segments(store.count, self.config.keys)
        position, after_index = self.resume(call, provider, segments, store.index_of)
        result = page(
            segments,
            position,
            after_index,
            descending=descending,
            limit=limit,
            id_at=store.id_at,
            padded=self.config.modern,
        )
        data = [store.container(i).to_json() for i in result.indices]
        key_index = self._page_key(segments, position)
        return self._list(call, provider, result, data, ids=True, key_index=key_index)

    def retrieve_container(self, call: Call) -> Response:
        provider = self.provider(call)
        store, container = self._container(call, provider)
        key_index = self._owner_key(store.count, container.index)
        return self._object(call, provider, container.to_json(), key_index)

    def list_container_files(self, call: Call) -> Response:
        provider = self.provider(call)
        limit = self.limit(
            call, provider, default=CONTAINER_LIMIT_DEFAULT, maximum=CONTAINER_LIMIT_MAX
        )
        descending = self.descending(call, provider)
        store, container = self._container(call, provider)
        owner = self._owner_key(store.count, container.index)
        segments = [Segment(owner, 0, store.files_per_container)]
        position, after_index = self.resume(
            call, provider, segments, lambda file_id: store.file_index_of(container, file_id)
        )
        result = page(
            segments,
            position,
            after_index,
            descending=descending,
            limit=limit,
            id_at=lambda i: store.file_id_at(container, i),
            padded=self.config.modern,
        )
        data = [store.file(container, i).to_json() for i in result.indices]
        return self._list(call, provider, result, data, ids=True, key_index=owner)

    def _container_file(self, call: Call, provider: str) -> ContainerFileRecord:
        _, container = self._container(call, provider)
        store = self.container_store(provider)
        file_id = call.request.path_params["file_id"]
        record = store.find_file(container, file_id)
        if record is None:
            raise upstream_error(
                404,
                f"No file found with id '{file_id}' in container '{container.id}'.",
                provider=provider,
                request_type=call.request_type,
            )
        return record

    def retrieve_container_file(self, call: Call) -> Response:
        provider = self.provider(call)
        record = self._container_file(call, provider)
        store = self.container_store(provider)
        container = store.find(record.container_id)
        owner = 0 if container is None else self._owner_key(store.count, container.index)
        return self._object(call, provider, record.to_json(), owner)

    def container_file_content(self, call: Call) -> Response:
        provider = self.provider(call)
        record = self._container_file(call, provider)
        return self._content(call, provider, record.filename, record.bytes, record.id)
