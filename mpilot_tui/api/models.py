"""Pydantic models for every shape the gateway sends on the routes mpilot-tui uses.

Omitted fields have the gateway's meaning (Go ``omitempty``): a missing ``has_more`` is
false, a missing ``after`` means no next page. Unknown fields are kept (``extra="allow"``)
and never fatal. Both the Bifrost 1.4 model field names (``model_requested``,
``model_deployment``) and the 1.5 names (``original_model_requested``,
``resolved_model_used``) are accepted.

Bifrost 2.x lists files with fewer fields (no ``expires_at``/``updated_at`` in a list; a
retrieve keeps ``updated_at``), adds the status ``pending_upload`` and ``routing_info`` in
``extra_fields``; its other new extra fields (``routing_metadata``, ``request_costs``,
``dropped_compat_plugin_params``, …) are kept whole as unknown fields.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, TypeAdapter

__all__ = [
    "CacheDebug",
    "ContainerFileList",
    "ContainerFileObject",
    "ContainerList",
    "ContainerObject",
    "ErrorEnvelope",
    "ErrorField",
    "ExpiresAfter",
    "ExtraFields",
    "FileList",
    "FileObject",
    "ProviderEntry",
    "ProvidersResponse",
    "RoutingInfo",
]


class _Model(BaseModel):
    # defer_build: a model's validator is built when first used, not at import (the start
    # pays only for the shapes its first page needs).
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)

    def unknown_fields(self) -> dict[str, Any]:
        """Fields the gateway sent that this model does not name."""
        return dict(self.model_extra or {})


class CacheDebug(_Model):
    """What the semantic cache did for a response."""

    cache_hit: bool = False
    cache_id: str | None = None
    hit_type: str | None = None
    """``direct`` or ``semantic`` on a hit."""
    requested_provider: str | None = None
    requested_model: str | None = None
    provider_used: str | None = None
    model_used: str | None = None
    input_tokens: int | None = None
    threshold: float | None = None
    similarity: float | None = None


class RoutingInfo(_Model):
    """``extra_fields.routing_info`` (Bifrost 2.x): where the request was routed. Only the
    provider and model are named; the key used, its alias and the fallback details are kept
    as the gateway sent them (their names are not settled across builds)."""

    provider: str | None = None
    model: str | None = None


class ExtraFields(_Model):
    """The gateway's ``extra_fields`` on a success response."""

    request_type: str | None = None
    provider: str | None = None
    model_requested: str | None = None
    """Bifrost 1.4 name; 1.5 calls it ``original_model_requested``."""
    model_deployment: str | None = None
    """Bifrost 1.4 name; 1.5 calls it ``resolved_model_used``."""
    original_model_requested: str | None = None
    resolved_model_used: str | None = None
    latency: float | None = None
    """Milliseconds, measured by the gateway."""
    chunk_index: int | None = None
    raw_request: Any = None
    raw_response: Any = None
    provider_response_headers: dict[str, Any] | None = None
    parse_errors: Any = None
    converted_request_type: str | None = None
    cache_debug: CacheDebug | None = None
    routing_info: RoutingInfo | None = None
    """Bifrost 2.x: the provider, model, key and fallbacks the request was routed to."""

    @property
    def requested_model(self) -> str | None:
        """The model asked for, under either version's name."""
        return self.original_model_requested or self.model_requested

    @property
    def resolved_model(self) -> str | None:
        """The model or deployment used, under either version's name."""
        return self.resolved_model_used or self.model_deployment


class FileObject(_Model):
    """A file (``object: "file"``)."""

    id: str
    object: str = "file"
    bytes: int | None = None
    created_at: int | None = None
    filename: str = ""
    purpose: str = ""
    status: str = ""
    """An open set: ``uploaded``, ``processed``, ``processing``, ``error``, ``deleted``, and
    ``pending_upload`` from Bifrost 2.x."""
    status_details: str | None = None
    expires_at: int | None = None
    """Absent from 2.x list answers (not "never expires" there: fetch the item to know)."""
    updated_at: int | None = None
    """Bifrost 1.5, and 2.x retrieves (absent from 2.x list answers)."""


class ContainerFileObject(_Model):
    """A file inside a container (``object: "container.file"``)."""

    id: str
    object: str = "container.file"
    container_id: str = ""
    path: str = ""
    bytes: int | None = None
    created_at: int | None = None
    source: str = ""


class ExpiresAfter(_Model):
    anchor: str | None = None
    minutes: int | None = None


class ContainerObject(_Model):
    """A container (``object: "container"``)."""

    id: str
    object: str = "container"
    name: str = ""
    created_at: int | None = None
    status: str = ""
    expires_after: ExpiresAfter | None = None
    last_active_at: int | None = None
    memory_limit: str | None = None
    metadata: dict[str, Any] | None = None


class FileList(_Model):
    """``GET /openai/v1/files``: no ``first_id``/``last_id`` on this route."""

    object: str = "list"
    data: list[FileObject]
    has_more: StrictBool = False
    """Only ``true`` or ``false``: ``"yes"`` or ``1`` is a shape error, not a guess."""
    after: str | None = None
    extra_fields: ExtraFields = Field(default_factory=ExtraFields)


class ContainerFileList(_Model):
    """``GET /v1/containers/{id}/files``."""

    object: str = "list"
    data: list[ContainerFileObject]
    first_id: str | None = None
    last_id: str | None = None
    has_more: StrictBool = False
    """Only ``true`` or ``false``: ``"yes"`` or ``1`` is a shape error, not a guess."""
    after: str | None = None
    extra_fields: ExtraFields = Field(default_factory=ExtraFields)


class ContainerList(_Model):
    """``GET /v1/containers``."""

    object: str = "list"
    data: list[ContainerObject]
    first_id: str | None = None
    last_id: str | None = None
    has_more: StrictBool = False
    """Only ``true`` or ``false``: ``"yes"`` or ``1`` is a shape error, not a guess."""
    after: str | None = None
    extra_fields: ExtraFields = Field(default_factory=ExtraFields)


class ErrorField(_Model):
    type: str | None = None
    code: str | None = None
    message: str | None = None
    param: Any = None
    event_id: str | None = None
    error: Any = None
    """The gateway's Go error text."""


class ErrorEnvelope(_Model):
    """The body of every gateway error."""

    event_id: str | None = None
    type: str | None = None
    is_bifrost_error: bool = False
    status_code: int | None = None
    error: ErrorField
    extra_fields: ExtraFields = Field(default_factory=ExtraFields)


class ProviderEntry(_Model):
    """One provider configured on the gateway (``GET /api/providers``)."""

    name: str
    provider_status: str | None = None


class ProvidersResponse(_Model):
    providers: list[ProviderEntry] = Field(default_factory=list)
    total: int | None = None


FILE_LIST = TypeAdapter(FileList)
CONTAINER_FILE_LIST = TypeAdapter(ContainerFileList)
CONTAINER_LIST = TypeAdapter(ContainerList)
FILE_OBJECT = TypeAdapter(FileObject)
CONTAINER_FILE_OBJECT = TypeAdapter(ContainerFileObject)
ERROR_ENVELOPE = TypeAdapter(ErrorEnvelope)
PROVIDERS = TypeAdapter(ProvidersResponse)
