"""The demo gateway's responses against the gateway's own OpenAPI 3.1 spec (as data).

The spec slice is a verbatim copy kept beside this test. OpenAPI 3.1
schemas are JSON Schema 2020-12; ``#/components/...`` refs resolve through a ``referencing``
registry holding the whole document. The spec is stale on a few points that gateway-api.md
documents; each allowance below names the point, and every other key the demo sends must be
declared in the spec.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mpilot_tui.api.providers import STANDARD_PROVIDERS
from mpilot_tui.demo import DemoConfig

# One worker, so the module's parsed spec is built once.
pytestmark = pytest.mark.xdist_group("demo-spec")

MakeClient = Any
SPEC_NAME = "bifrost-openapi-files-containers.json"
SPEC_URI = "urn:bifrost-openapi"


SPEC_PATH = Path(__file__).with_name(SPEC_NAME)
"""A verbatim copy of the slice of Bifrost's bundled ``docs/openapi/openapi.json``."""

# Stale points of the spec, allowed explicitly (see gateway-api.md):
EXTRA_PURPOSES = ["assistants_output", "fine-tune-results"]
"""Known purposes the spec's enums lack (gateway-api.md §2: an open set)."""
ALLOWED_UNDECLARED = {
    "file": {"updated_at"},  # 1.5 adds updated_at
    "list": {"after"},  # container lists carry the opaque cursor (spec omits it)
    "extra_fields": {
        # 1.5 renamed the model fields; optional fields gateway-api.md documents;
        # routing_rule is a deliberately unknown field clients must keep.
        "original_model_requested",
        "resolved_model_used",
        "provider_response_headers",
        "routing_rule",
        # 2.x (gateway-api.md section 0): the routing facts, routing_debug's new name.
        "routing_info",
        "routing_metadata",
    },
    # 2.x entries (gateway-api.md section 0), beyond the spec's.
    "provider": {"store_raw_request_response"},
    "error": {"error"},  # the Go error text
    "error_extra_fields": {"raw_response"},  # upstream body of upstream errors
}


def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return spec


def _patched_spec() -> dict[str, Any]:
    spec = copy.deepcopy(_spec())
    # Custom providers may have any name (gateway-api.md §1): the enum is stale.
    spec["components"]["schemas"]["ModelProvider"] = {"type": "string"}

    def widen(node: Any) -> None:
        if isinstance(node, dict):
            purpose = node.get("properties", {}).get("purpose")
            if isinstance(purpose, dict) and "enum" in purpose:
                purpose["enum"] = [*purpose["enum"], *EXTRA_PURPOSES]
            for value in node.values():
                widen(value)
        elif isinstance(node, list):
            for value in node:
                widen(value)

    widen(spec)
    # 2.x: proxy_config may be null, and a file may be pending_upload (gateway-api.md 0).
    providers = spec["paths"]["/api/providers"]["get"]["responses"]["200"]["content"]
    entry = _resolve_in(spec, providers["application/json"]["schema"])["properties"]["providers"]
    proxy = _resolve_in(spec, entry["items"])["properties"].get("proxy_config")
    if isinstance(proxy, dict) and proxy.get("type") == "object":
        proxy["type"] = ["object", "null"]

    def add_status(node: Any) -> None:
        if isinstance(node, dict):
            status = node.get("properties", {}).get("status")
            if isinstance(status, dict) and "processed" in status.get("enum", []):
                status["enum"] = [*status["enum"], "pending_upload"]
            for value in node.values():
                add_status(value)
        elif isinstance(node, list):
            for value in node:
                add_status(value)

    add_status(spec)
    return spec


def _resolve_in(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


class Spec:
    """Validators for responses of the spec's operations."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(SPEC_URI, resource)

    def schema(self, path: str, status: str = "200", method: str = "get") -> dict[str, Any]:
        response = self.document["paths"][path][method]["responses"][status]
        schema: dict[str, Any] = response["content"]["application/json"]["schema"]
        return schema

    def validate(self, body: Any, path: str, status: str = "200") -> None:
        pointer = _pointer("paths", path, "get", "responses", status, "content")
        ref = {"$ref": f"{SPEC_URI}#/{pointer}/application~1json/schema"}
        Draft202012Validator(ref, registry=self.registry).validate(body)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            target = schema["$ref"].removeprefix("#/").split("/")
            node: Any = self.document
            for part in target:
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema = node
        return schema

    def declared(self, schema: dict[str, Any]) -> set[str]:
        return set(self.resolve(schema).get("properties", {}))


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec(_patched_spec())


def _assert_declared(spec: Spec, body: dict[str, Any], schema: dict[str, Any], kind: str) -> None:
    schema = spec.resolve(schema)
    undeclared = set(body) - spec.declared(schema) - ALLOWED_UNDECLARED.get(kind, set())
    assert not undeclared, f"{kind}: keys the spec does not declare: {undeclared}"


def _assert_list_declared(spec: Spec, body: dict[str, Any], schema: dict[str, Any]) -> None:
    schema = spec.resolve(schema)
    _assert_declared(spec, body, schema, "list")
    item_schema = spec.resolve(schema["properties"]["data"]["items"])
    for item in body["data"]:
        _assert_declared(spec, item, item_schema, "file")
    extra_schema = schema["properties"]["extra_fields"]
    _assert_declared(spec, body["extra_fields"], extra_schema, "extra_fields")
    cache = body["extra_fields"].get("cache_debug")
    if cache is not None:
        _assert_declared(spec, cache, spec.resolve(extra_schema)["properties"]["cache_debug"], "")


def test_the_spec_knows_the_23_standard_providers() -> None:
    # The spec is stale on this point: 2.x added sarvam and databricks (gateway-api.md 0).
    newer = ("sarvam", "databricks")
    expected = [name for name in STANDARD_PROVIDERS if name not in newer]
    assert _spec()["components"]["schemas"]["ModelProvider"]["enum"] == expected
    assert set(newer) <= set(STANDARD_PROVIDERS)


def test_the_allowances_are_needed() -> None:
    # If the spec catches up, these allowances (and this test) should go.
    file_item = _spec()["components"]["schemas"]["FileListResponse"]["properties"]["data"]
    assert "fine-tune-results" not in file_item["items"]["properties"]["purpose"]["enum"]
    container_list = _spec()["paths"]["/v1/containers/{container_id}/files"]["get"]
    schema = container_list["responses"]["200"]["content"]["application/json"]["schema"]
    assert "after" not in schema["properties"]


@pytest.mark.parametrize("list_cache_debug", [False, True])
@pytest.mark.parametrize("provider", ["openai", "gemini", "acme-openai-eu"])
async def test_file_list_pages_match_the_spec(
    make_client: MakeClient, spec: Spec, provider: str, list_cache_debug: bool
) -> None:
    client = make_client(files=300, keys=2, list_cache_debug=list_cache_debug)
    params: dict[str, Any] = {"limit": 37, "provider": provider}
    for path in ("/openai/v1/files", "/v1/files"):
        for _ in range(12):
            body = (await client.get(path, params=params)).json()
            spec.validate(body, "/openai/v1/files")
            spec.validate(body, path)
            _assert_list_declared(spec, body, spec.schema("/openai/v1/files"))
            if not body.get("has_more"):
                break
            params = {**params, "after": body["after"]}
        params = {"limit": 37, "provider": provider}


async def test_container_lists_match_the_spec(client: httpx.AsyncClient, spec: Spec) -> None:
    containers = (await client.get("/v1/containers", params={"provider": "openai"})).json()
    spec.validate(containers, "/v1/containers")
    spec.validate(containers, "/openai/v1/containers")
    _assert_list_declared(spec, containers, spec.schema("/v1/containers"))
    container = containers["data"][0]["id"]
    for path in (
        "/v1/containers/{container_id}/files",
        "/openai/v1/containers/{container_id}/files",
    ):
        url = path.replace("{container_id}", container)
        body = (await client.get(url, params={"provider": "openai", "limit": 15})).json()
        assert body["has_more"] is True and "after" in body  # beyond the (stale) spec
        spec.validate(body, path)
        _assert_list_declared(spec, body, spec.schema(path))
        follow = await client.get(url, params={"provider": "openai", "after": body["after"]})
        spec.validate(follow.json(), path)


async def test_retrieve_responses_match_the_spec(client: httpx.AsyncClient, spec: Spec) -> None:
    item = (await client.get("/openai/v1/files", params={"limit": 1})).json()["data"][0]
    body = (await client.get(f"/openai/v1/files/{item['id']}")).json()
    spec.validate(body, "/openai/v1/files/{file_id}")
    spec.validate(body, "/v1/files/{file_id}")
    container = (await client.get("/openai/v1/containers")).json()["data"][0]["id"]
    body = (await client.get(f"/openai/v1/containers/{container}")).json()
    spec.validate(body, "/openai/v1/containers/{container_id}")
    cfile = (await client.get(f"/openai/v1/containers/{container}/files")).json()["data"][0]
    body = (await client.get(f"/openai/v1/containers/{container}/files/{cfile['id']}")).json()
    spec.validate(body, "/openai/v1/containers/{container_id}/files/{file_id}")


ERROR_CASES = [
    ("open", "/v1/containers/cntr_x/files", {}, {}, 400),
    ("open", "/v1/files", {}, {}, 400),
    ("open", "/openai/v1/files", {"provider": "groq"}, {}, 500),
    ("open", "/openai/v1/files", {"provider": "no-such"}, {}, 500),
    ("open", "/openai/v1/files", {"after": "garbage!"}, {}, 500),
    ("open", "/openai/v1/containers/cntr_x/files", {}, {}, 404),
    # The spec says limit is 1..100 for the gateway; the gateway does not check (spec is
    # stale), the upstream rejects it, and the gateway keeps the upstream's 400.
    ("open", "/openai/v1/containers/cntr_x/files", {"limit": "200"}, {}, 400),
    ("vk", "/openai/v1/files", {}, {}, 401),
    ("vk", "/openai/v1/files", {}, {"x-bf-vk": "sk-bf-nope"}, 401),
    ("vk", "/openai/v1/files", {"provider": "bedrock"}, {"x-bf-vk": DemoConfig().virtual_key}, 403),
    ("admin", "/openai/v1/files", {}, {}, 401),
]


@pytest.mark.parametrize(("auth", "path", "params", "headers", "status"), ERROR_CASES)
async def test_error_envelopes_match_the_spec(
    make_client: MakeClient,
    spec: Spec,
    auth: str,
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
    status: int,
    bifrost: str,
) -> None:
    response = await make_client(auth=auth).get(path, params=params, headers=headers)
    if auth == "admin" and bifrost != "1.4":
        # Only 1.4 wants admin credentials on inference; later ones answer.
        assert response.status_code == 200
        return
    assert response.status_code == status
    body = response.json()
    schema = spec.schema("/openai/v1/files", "500")
    spec.validate(body, "/openai/v1/files", "500")
    spec.validate(body, "/openai/v1/files", "400")
    error_schema = spec.resolve(schema)
    _assert_declared(spec, body, error_schema, "envelope")
    _assert_declared(spec, body["error"], error_schema["properties"]["error"], "error")
    if "extra_fields" in body:
        extra_schema = error_schema["properties"]["extra_fields"]
        _assert_declared(spec, body["extra_fields"], extra_schema, "error_extra_fields")


async def test_management_and_health_match_the_spec(make_client: MakeClient, spec: Spec) -> None:
    client = make_client()
    providers = (await client.get("/api/providers")).json()
    spec.validate(providers, "/api/providers")
    entry_schema = spec.resolve(spec.schema("/api/providers"))["properties"]["providers"]["items"]
    for entry in providers["providers"]:
        _assert_declared(spec, entry, entry_schema, "provider")
    spec.validate((await client.get("/health")).json(), "/health")
    spec.validate((await client.get("/api/version")).json(), "/api/version")


async def test_the_validator_does_reject_wrong_shapes(spec: Spec) -> None:
    from jsonschema.exceptions import ValidationError

    with pytest.raises(ValidationError):
        spec.validate({"object": "list", "data": [{"bytes": "many"}]}, "/openai/v1/files")
    with pytest.raises(ValidationError):
        spec.validate({"status_code": "500"}, "/openai/v1/files", "500")
    with pytest.raises(ValidationError):
        spec.validate(42, "/api/version")
