"""The response models: documented shapes, omitted fields, unknown fields, wrong types."""

from __future__ import annotations

import pydantic
import pytest

from mpilot_tui.api import (
    CacheDebug,
    ContainerFileList,
    ContainerFileObject,
    ContainerList,
    ContainerObject,
    ErrorEnvelope,
    ExtraFields,
    FileList,
    FileObject,
)
from mpilot_tui.api.models import ProvidersResponse

FILE = {
    "id": "file-abc123",
    "object": "file",
    "bytes": 120000,
    "created_at": 1677610602,
    "filename": "salesOverview.pdf",
    "purpose": "assistants",
    "status": "processed",
    "status_details": "done",
    "expires_at": 1680202602,
}

CONTAINER_FILE = {
    "id": "cfile_682e0e8a43c88191a7978f477a09bdf5",
    "object": "container.file",
    "container_id": "cntr_682e0e7318108198aa783fd921ff305e08e78805b9fdbb04",
    "path": "/mnt/data/88e12fa445d32636f190a0b33daed6cb-tsconfig.json",
    "bytes": 1020,
    "created_at": 1747848842,
    "source": "user",
}

CONTAINER = {
    "id": "cntr_1",
    "object": "container",
    "name": "analysis",
    "created_at": 1747844794,
    "status": "running",
    "expires_after": {"anchor": "last_active_at", "minutes": 20},
    "last_active_at": 1747844794,
    "memory_limit": "1g",
    "metadata": {"team": "data"},
}


def test_file_object_parses_every_documented_field() -> None:
    item = FileObject.model_validate({**FILE, "updated_at": 1680000000})
    assert item.id == "file-abc123"
    assert item.object == "file"
    assert item.bytes == 120000
    assert item.created_at == 1677610602
    assert item.filename == "salesOverview.pdf"
    assert item.purpose == "assistants"
    assert item.status == "processed"
    assert item.status_details == "done"
    assert item.expires_at == 1680202602
    assert item.updated_at == 1680000000
    assert item.unknown_fields() == {}


def test_file_object_with_only_an_id_uses_the_omitempty_defaults() -> None:
    item = FileObject.model_validate({"id": "file-1"})
    assert (item.bytes, item.created_at, item.expires_at, item.updated_at) == (None,) * 4
    assert (item.filename, item.purpose, item.status) == ("", "", "")
    assert item.object == "file"


def test_unknown_purpose_and_status_are_kept_as_sent() -> None:
    item = FileObject.model_validate({**FILE, "purpose": "brand-new", "status": "quarantined"})
    assert item.purpose == "brand-new"
    assert item.status == "quarantined"


def test_container_file_object_parses() -> None:
    item = ContainerFileObject.model_validate(CONTAINER_FILE)
    assert item.id.startswith("cfile_")
    assert item.object == "container.file"
    assert item.container_id.startswith("cntr_")
    assert item.path.endswith("tsconfig.json")
    assert item.bytes == 1020
    assert item.created_at == 1747848842
    assert item.source == "user"


def test_container_object_parses_nested_expires_after_and_metadata() -> None:
    item = ContainerObject.model_validate(CONTAINER)
    assert item.name == "analysis"
    assert item.status == "running"
    assert item.expires_after is not None
    assert item.expires_after.anchor == "last_active_at"
    assert item.expires_after.minutes == 20
    assert item.memory_limit == "1g"
    assert item.metadata == {"team": "data"}


def test_file_list_envelope() -> None:
    envelope = FileList.model_validate(
        {
            "object": "list",
            "data": [FILE],
            "has_more": True,
            "after": "eyJ2IjoxfQ",
            "extra_fields": {"request_type": "file_list", "latency": 12.5, "chunk_index": 0},
        }
    )
    assert [f.id for f in envelope.data] == ["file-abc123"]
    assert envelope.has_more is True
    assert envelope.after == "eyJ2IjoxfQ"
    assert envelope.extra_fields.request_type == "file_list"
    assert envelope.extra_fields.latency == 12.5
    assert envelope.extra_fields.chunk_index == 0


def test_container_file_list_envelope_carries_ids_and_after() -> None:
    envelope = ContainerFileList.model_validate(
        {
            "object": "list",
            "data": [CONTAINER_FILE],
            "first_id": "cfile_a",
            "last_id": "cfile_z",
            "has_more": True,
            "after": "opaque",
        }
    )
    assert envelope.first_id == "cfile_a"
    assert envelope.last_id == "cfile_z"
    assert envelope.after == "opaque"
    assert envelope.data[0].source == "user"


@pytest.mark.parametrize("model", [FileList, ContainerFileList, ContainerList])
def test_omitted_has_more_is_false_and_missing_after_is_none(
    model: type[FileList] | type[ContainerFileList] | type[ContainerList],
) -> None:
    envelope = model.model_validate({"data": []})
    assert envelope.has_more is False
    assert envelope.after is None
    assert envelope.object == "list"
    assert envelope.extra_fields == ExtraFields()


def test_container_list_envelope() -> None:
    envelope = ContainerList.model_validate({"data": [CONTAINER], "last_id": "cntr_1"})
    assert envelope.data[0].id == "cntr_1"
    assert envelope.last_id == "cntr_1"


def test_extra_fields_with_bifrost_1_4_model_names() -> None:
    extra = ExtraFields.model_validate(
        {"model_requested": "gpt-4o", "model_deployment": "gpt-4o-2024-08-06"}
    )
    assert extra.requested_model == "gpt-4o"
    assert extra.resolved_model == "gpt-4o-2024-08-06"


def test_extra_fields_with_bifrost_1_5_model_names() -> None:
    extra = ExtraFields.model_validate(
        {"original_model_requested": "gpt-4.1", "resolved_model_used": "gpt-4.1-2025"}
    )
    assert extra.requested_model == "gpt-4.1"
    assert extra.resolved_model == "gpt-4.1-2025"
    assert extra.model_requested is None


def test_extra_fields_prefer_the_1_5_names_when_both_are_sent() -> None:
    extra = ExtraFields.model_validate(
        {
            "model_requested": "old",
            "model_deployment": "old-dep",
            "original_model_requested": "new",
            "resolved_model_used": "new-dep",
        }
    )
    assert (extra.requested_model, extra.resolved_model) == ("new", "new-dep")


def test_extra_fields_without_models_have_none() -> None:
    extra = ExtraFields()
    assert extra.requested_model is None
    assert extra.resolved_model is None
    assert extra.cache_debug is None


def test_extra_fields_optional_members() -> None:
    extra = ExtraFields.model_validate(
        {
            "provider": "azure",
            "raw_request": {"q": 1},
            "raw_response": {"object": "list"},
            "provider_response_headers": {"x-request-id": "r1"},
            "parse_errors": ["x"],
            "converted_request_type": "file_list",
        }
    )
    assert extra.provider == "azure"
    assert extra.raw_request == {"q": 1}
    assert extra.raw_response == {"object": "list"}
    assert extra.provider_response_headers == {"x-request-id": "r1"}
    assert extra.parse_errors == ["x"]
    assert extra.converted_request_type == "file_list"


def test_cache_debug_semantic_hit() -> None:
    extra = ExtraFields.model_validate(
        {
            "cache_debug": {
                "cache_hit": True,
                "cache_id": "c-1",
                "hit_type": "semantic",
                "requested_provider": "openai",
                "requested_model": "gpt-4o",
                "threshold": 0.8,
                "similarity": 0.93,
            }
        }
    )
    debug = extra.cache_debug
    assert isinstance(debug, CacheDebug)
    assert debug.cache_hit is True
    assert debug.hit_type == "semantic"
    assert debug.similarity is not None and debug.threshold is not None
    assert debug.similarity >= debug.threshold
    assert debug.requested_model == "gpt-4o"


def test_cache_debug_miss_after_embedding_lookup() -> None:
    debug = CacheDebug.model_validate(
        {
            "cache_hit": False,
            "provider_used": "openai",
            "model_used": "text-embedding-3-small",
            "input_tokens": 17,
        }
    )
    assert debug.cache_hit is False
    assert debug.hit_type is None
    assert debug.model_used == "text-embedding-3-small"
    assert debug.input_tokens == 17


def test_cache_debug_omitted_cache_hit_means_false() -> None:
    assert CacheDebug.model_validate({}).cache_hit is False


def test_unknown_fields_are_kept_everywhere_and_not_fatal() -> None:
    envelope = FileList.model_validate(
        {
            "data": [{**FILE, "shiny_new": {"nested": [1, 2]}}],
            "first_id": "not-on-this-route",
            "extra_fields": {
                "latency": 1,
                "future_flag": True,
                "cache_debug": {"cache_hit": True, "embedding_ms": 4},
            },
        }
    )
    assert envelope.unknown_fields() == {"first_id": "not-on-this-route"}
    assert envelope.model_extra == {"first_id": "not-on-this-route"}
    assert envelope.data[0].unknown_fields() == {"shiny_new": {"nested": [1, 2]}}
    assert envelope.extra_fields.unknown_fields() == {"future_flag": True}
    assert envelope.extra_fields.cache_debug is not None
    assert envelope.extra_fields.cache_debug.unknown_fields() == {"embedding_ms": 4}


def test_unknown_fields_returns_a_copy() -> None:
    item = FileObject.model_validate({"id": "f", "x": 1})
    item.unknown_fields()["x"] = 2
    assert item.unknown_fields() == {"x": 1}


@pytest.mark.parametrize(
    ("model", "body", "where"),
    [
        (FileObject, {"id": 5}, "id"),
        (FileObject, {"filename": "no id"}, "id"),
        (FileObject, {"id": "f", "bytes": "lots"}, "bytes"),
        (FileObject, {"id": "f", "created_at": [1]}, "created_at"),
        (FileList, {"data": {"id": "f"}}, "data"),
        (FileList, {"object": "list"}, "data"),
        (FileList, {"data": [], "has_more": "perhaps"}, "has_more"),
        (FileList, {"data": [], "extra_fields": {"latency": "fast"}}, "extra_fields"),
        (FileList, {"data": [], "extra_fields": {"cache_debug": 3}}, "extra_fields"),
        (ContainerFileList, {"data": [{"id": "c", "bytes": 1.5}]}, "data"),
        (ContainerObject, {"id": "c", "expires_after": "soon"}, "expires_after"),
        (ContainerObject, {"id": "c", "metadata": ["x"]}, "metadata"),
    ],
)
def test_wrong_types_are_a_validation_error(
    model: type[pydantic.BaseModel], body: object, where: str
) -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        model.model_validate(body)
    assert caught.value.errors()[0]["loc"][0] == where


def test_error_envelope_parses_every_field() -> None:
    envelope = ErrorEnvelope.model_validate(
        {
            "event_id": "evt-1",
            "type": "rate_limited",
            "is_bifrost_error": True,
            "status_code": 429,
            "error": {
                "type": "rate_limited",
                "code": "token_limited",
                "message": "token limit reached",
                "param": {"limit": 10},
                "event_id": "evt-2",
                "error": "go: token limit",
            },
            "extra_fields": {
                "provider": "openai",
                "model_requested": "gpt-4o",
                "request_type": "file_list",
                "raw_response": {"upstream": True},
            },
        }
    )
    assert envelope.event_id == "evt-1"
    assert envelope.is_bifrost_error is True
    assert envelope.status_code == 429
    assert envelope.error.code == "token_limited"
    assert envelope.error.message == "token limit reached"
    assert envelope.error.param == {"limit": 10}
    assert envelope.error.event_id == "evt-2"
    assert envelope.error.error == "go: token limit"
    assert envelope.extra_fields.provider == "openai"
    assert envelope.extra_fields.requested_model == "gpt-4o"
    assert envelope.extra_fields.raw_response == {"upstream": True}


def test_error_envelope_requires_the_error_object() -> None:
    with pytest.raises(pydantic.ValidationError):
        ErrorEnvelope.model_validate({"event_id": "e", "type": "x"})


def test_providers_response() -> None:
    body = ProvidersResponse.model_validate(
        {"providers": [{"name": "openai", "provider_status": "active", "keys": []}], "total": 1}
    )
    assert body.providers[0].name == "openai"
    assert body.providers[0].provider_status == "active"
    assert body.providers[0].unknown_fields() == {"keys": []}
    assert body.total == 1
