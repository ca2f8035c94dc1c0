"""The demo gateway's routes: provider selection, containers, retrieval, content, misc."""

from __future__ import annotations

import json
from typing import Any, TypeAlias

import httpx
import pytest

from mpilot_tui.api.providers import FILE_PROVIDERS, STANDARD_PROVIDERS
from mpilot_tui.demo import DemoConfig
from mpilot_tui.demo.config import DEFAULT_CUSTOM_PROVIDERS, DEFAULT_PROVIDERS, REFERENCE_TIME
from mpilot_tui.demo.containers import ContainerStore

FILES = "/openai/v1/files"
MakeClient: TypeAlias = Any
Walk: TypeAlias = Any


async def _first_container(client: httpx.AsyncClient, provider: str = "openai") -> str:
    # The container list is openai-only; azure's containers are reached by id.
    if provider == "openai":
        return str((await client.get("/openai/v1/containers")).json()["data"][0]["id"])
    config = DemoConfig()
    store = ContainerStore(
        seed=config.seed,
        provider=provider,
        count=config.containers,
        files_per_container=config.container_files,
        reference_time=REFERENCE_TIME,
    )
    return store.id_at(0)


NO_PROVIDER = {
    "1.4": "provider query parameter is required",
    "1.5": "provider query parameter is required",
    "2.2": "provider query parameter or x-model-provider header is required",
}
"""What a native route without a provider answers, per generation."""


def _assert_no_provider(response: httpx.Response, bifrost: str) -> None:
    if bifrost != "2.2":
        body = _assert_error(response, 400, NO_PROVIDER[bifrost])
        assert "code" not in body["error"]
        return
    # 2.x: a plain validation error, without event id, type or code.
    assert response.status_code == 400, response.text
    assert response.json() == {
        "is_bifrost_error": False,
        "status_code": 400,
        "error": {"message": NO_PROVIDER[bifrost]},
        "extra_fields": {},
    }


def _assert_error(
    response: httpx.Response, status: int, message: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["status_code"] == status
    assert "is_bifrost_error" in body
    assert body["error"]["event_id"] == body["event_id"]
    if message is not None:
        assert body["error"]["message"] == message
    return body


# -- provider selection --------------------------------------------------------------------


async def test_provider_defaults_to_openai_and_selects(client: httpx.AsyncClient) -> None:
    default = (await client.get(FILES, params={"limit": 5})).json()
    openai = (await client.get(FILES, params={"limit": 5, "provider": "openai"})).json()
    azure = (await client.get(FILES, params={"limit": 5, "provider": "azure"})).json()
    assert default["data"] == openai["data"]
    assert default["extra_fields"]["provider"] == "openai"
    assert azure["extra_fields"]["provider"] == "azure"
    assert {i["id"] for i in azure["data"]}.isdisjoint({i["id"] for i in openai["data"]})


@pytest.mark.parametrize("provider", sorted(FILE_PROVIDERS | set(DEFAULT_CUSTOM_PROVIDERS)))
async def test_every_file_provider_holds_exactly_the_configured_count(
    make_client: MakeClient, walk: Walk, provider: str
) -> None:
    pages = await walk(make_client(files=150, keys=2), FILES, {"provider": provider, "limit": 40})
    ids = [item["id"] for body in pages for item in body["data"]]
    assert len(ids) == len(set(ids)) == 150


async def test_openai_files_alias_without_v1(client: httpx.AsyncClient) -> None:
    v1 = await client.get("/openai/v1/files", params={"limit": 3})
    alias = await client.get("/openai/files", params={"limit": 3})
    assert alias.status_code == 200
    assert alias.json()["data"] == v1.json()["data"]


async def test_standard_provider_without_file_support_is_500_unsupported(
    client: httpx.AsyncClient,
) -> None:
    assert "groq" in DEFAULT_PROVIDERS
    body = _assert_error(await client.get(FILES, params={"provider": "groq"}), 500)
    assert body["error"]["code"] == "unsupported_operation"
    assert "groq" in body["error"]["message"]
    assert body["extra_fields"] == {"provider": "groq", "request_type": "file_list"}


@pytest.mark.parametrize("provider", ["no-such-provider", "mistral"])
async def test_unconfigured_provider_is_500_not_found(
    client: httpx.AsyncClient, provider: str
) -> None:
    assert provider not in DEFAULT_PROVIDERS
    response = await client.get(FILES, params={"provider": provider})
    body = _assert_error(response, 500, "failed to get config for provider: not found")
    assert "code" not in body["error"]


async def test_native_file_route_requires_provider(client: httpx.AsyncClient, bifrost: str) -> None:
    _assert_no_provider(await client.get("/v1/files"), bifrost)
    ok = await client.get("/v1/files", params={"provider": "anthropic", "limit": 2})
    assert ok.status_code == 200 and len(ok.json()["data"]) == 2
    by_header = await client.get(
        "/v1/files", params={"limit": 2}, headers={"x-model-provider": "anthropic"}
    )
    if bifrost == "2.2":  # 2.x also takes the provider from x-model-provider
        assert by_header.json()["data"] == ok.json()["data"]
    else:
        _assert_no_provider(by_header, bifrost)


async def test_azure_sdk_routes_and_user_agent(client: httpx.AsyncClient, bifrost: str) -> None:
    azure = (await client.get(FILES, params={"provider": "azure", "limit": 3})).json()["data"]
    sdk = await client.get(
        "/openai/openai/files",
        params={"limit": 3},
        headers={"user-agent": "AzureOpenAI/Python 1.5"},
    )
    if bifrost == "2.2":  # the Azure SDK's path, azure by default for its User-Agent
        assert sdk.json()["data"] == azure
    else:
        assert sdk.headers["content-type"].startswith("text/html")


async def test_all_standard_providers_known_to_the_client_are_25(client: httpx.AsyncClient) -> None:
    # 2.x grew the 1.x list of 23 by sarvam and databricks (gateway-api.md section 0).
    assert len(STANDARD_PROVIDERS) == 25
    for provider in ("cohere", "vertex", "xai"):
        response = await client.get(FILES, params={"provider": provider})
        assert response.status_code == 500  # standard but not configured on the demo


# -- containers ------------------------------------------------------------------------------


async def test_native_container_files_route_requires_provider(
    client: httpx.AsyncClient, bifrost: str
) -> None:
    container = await _first_container(client)
    response = await client.get(f"/v1/containers/{container}/files")
    _assert_no_provider(response, bifrost)


async def test_container_answers_carry_raw_request_and_response_on_22(
    client: httpx.AsyncClient, bifrost: str
) -> None:
    container = await _first_container(client)
    paths = ["/openai/v1/containers", f"/v1/containers/{container}?provider=openai",
             f"/openai/v1/containers/{container}/files"]  # fmt: skip
    extras = [(await client.get(path)).json()["extra_fields"] for path in paths]
    if bifrost == "2.2":  # raw is forced on for container routes
        assert all("raw_request" in e and "raw_response" in e for e in extras)
        assert extras[1]["raw_response"]["id"] == container
        modern = await client.get(f"/openai/containers/{container}/files", params={"limit": 3})
        assert len(modern.json()["data"]) == 3
    else:
        assert not all("raw_response" in e for e in extras)
        fallback = await client.get(f"/openai/containers/{container}/files")
        assert fallback.headers["content-type"].startswith("text/html")


async def test_container_files_walk_is_exact_with_first_and_last_ids(
    client: httpx.AsyncClient, walk: Walk
) -> None:
    container = await _first_container(client)
    pages = await walk(
        client, f"/v1/containers/{container}/files", {"provider": "openai", "limit": 7}
    )
    items = [item for body in pages for item in body["data"]]
    assert len(items) == len({item["id"] for item in items}) == 40
    for body in pages:
        if body["data"]:
            assert body["first_id"] == body["data"][0]["id"]
            assert body["last_id"] == body["data"][-1]["id"]
    item = items[0]
    assert item["object"] == "container.file"
    assert item["container_id"] == container
    assert item["id"].startswith("cfile_")
    assert item["path"].startswith("/mnt/data/")
    assert {i["source"] for i in items} <= {"user", "assistant", "user_upload", "copied"}


async def test_openai_container_route_defaults_to_openai(client: httpx.AsyncClient) -> None:
    container = await _first_container(client)
    native = await client.get(f"/v1/containers/{container}/files", params={"provider": "openai"})
    openai = await client.get(f"/openai/v1/containers/{container}/files")
    assert openai.status_code == 200
    assert openai.json()["data"] == native.json()["data"]


async def test_azure_has_container_files(client: httpx.AsyncClient) -> None:
    container = await _first_container(client, "azure")
    response = await client.get(f"/v1/containers/{container}/files", params={"provider": "azure"})
    assert response.status_code == 200
    assert len(response.json()["data"]) == 20  # the upstream default page size


async def test_container_files_unsupported_for_anthropic(client: httpx.AsyncClient) -> None:
    container = await _first_container(client)
    response = await client.get(
        f"/openai/v1/containers/{container}/files", params={"provider": "anthropic"}
    )
    assert _assert_error(response, 500)["error"]["code"] == "unsupported_operation"
    native = await client.get(f"/v1/containers/{container}/files", params={"provider": "gemini"})
    assert _assert_error(native, 400)["error"]["code"] == "unsupported_operation"


@pytest.mark.parametrize("limit", [101, 500])
async def test_container_limit_above_100_is_an_upstream_400(
    client: httpx.AsyncClient, limit: int
) -> None:
    container = await _first_container(client)
    response = await client.get(
        f"/v1/containers/{container}/files", params={"provider": "openai", "limit": limit}
    )
    body = _assert_error(response, 400)
    raw = body["extra_fields"]["raw_response"]
    assert raw["error"]["param"] == "limit"
    assert str(limit) in raw["error"]["message"]
    assert body["is_bifrost_error"] is False
    ok = await client.get(
        f"/v1/containers/{container}/files", params={"provider": "openai", "limit": 100}
    )
    assert ok.status_code == 200 and len(ok.json()["data"]) == 40


async def test_unknown_container_is_an_upstream_404_with_raw_response(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/containers/cntr_nope/files", params={"provider": "openai"})
    body = _assert_error(response, 404)
    assert "cntr_nope" in body["extra_fields"]["raw_response"]["error"]["message"]
    assert body["extra_fields"]["provider"] == "openai"
    # An openai container id is unknown to azure.
    container = await _first_container(client)
    azure = await client.get(f"/v1/containers/{container}/files", params={"provider": "azure"})
    assert azure.status_code == 404


async def test_container_list_is_openai_only(
    make_client: MakeClient, walk: Walk, bifrost: str
) -> None:
    client = make_client(containers=5, keys=2)
    pages = await walk(client, "/v1/containers", {"provider": "openai", "limit": 2})
    containers = [item for body in pages for item in body["data"]]
    assert len(containers) == len({c["id"] for c in containers}) == 5
    first = containers[0]
    assert first["object"] == "container" and first["id"].startswith("cntr_")
    assert first["status"] == "running"
    assert first["expires_after"] == {"anchor": "last_active_at", "minutes": 20}
    assert first["memory_limit"] in ("1g", "4g")
    assert isinstance(first["last_active_at"], int)
    azure = await client.get("/v1/containers", params={"provider": "azure"})
    assert _assert_error(azure, 400)["error"]["code"] == "unsupported_operation"
    azure = await client.get("/openai/v1/containers", params={"provider": "azure"})
    assert _assert_error(azure, 500)["error"]["code"] == "unsupported_operation"
    _assert_no_provider(await client.get("/v1/containers"), bifrost)


async def test_container_retrieve_and_container_file_retrieve(client: httpx.AsyncClient) -> None:
    container = await _first_container(client)
    retrieved = (await client.get(f"/openai/v1/containers/{container}")).json()
    assert retrieved["id"] == container
    assert retrieved["extra_fields"]["request_type"] == "container_retrieve"
    listing = (await client.get(f"/openai/v1/containers/{container}/files")).json()
    item = listing["data"][3]
    one = await client.get(f"/v1/containers/{container}/files/{item['id']}?provider=openai")
    body = one.json()
    assert body["extra_fields"]["request_type"] == "container_file_retrieve"
    assert {k: v for k, v in body.items() if k != "extra_fields"} == item
    missing = await client.get(f"/openai/v1/containers/{container}/files/cfile_nope")
    assert _assert_error(missing, 404)["extra_fields"]["raw_response"]


# -- retrieve and content --------------------------------------------------------------------


async def _find(client: httpx.AsyncClient, suffix: str, provider: str = "openai") -> dict[str, Any]:
    body = (await client.get(FILES, params={"provider": provider})).json()
    candidates = [i for i in body["data"] if i["filename"].endswith(suffix)]
    return min(candidates, key=lambda item: item["bytes"])


async def test_file_retrieve_matches_the_list(client: httpx.AsyncClient, bifrost: str) -> None:
    item = (await client.get(FILES, params={"limit": 10})).json()["data"][7]
    response = await client.get(f"{FILES}/{item['id']}")
    body = response.json()
    assert body["extra_fields"]["request_type"] == "file_retrieve"
    fields = {k: v for k, v in body.items() if k != "extra_fields"}
    if bifrost == "2.2":  # the retrieve has what the 2.x list item leaves out
        assert "updated_at" in fields and "updated_at" not in item
        fields = {k: v for k, v in fields.items() if k in item}
    assert fields == item
    missing = await client.get(f"{FILES}/file-doesnotexist")
    assert "raw_response" in _assert_error(missing, 404)["extra_fields"]


async def test_jsonl_content_is_json_lines_of_the_advertised_size(
    client: httpx.AsyncClient,
) -> None:
    item = await _find(client, ".jsonl")
    response = await client.get(f"{FILES}/{item['id']}/content")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jsonl")
    assert len(response.content) == item["bytes"]
    lines = [line for line in response.text.splitlines() if line.strip()]
    assert lines and all(isinstance(json.loads(line), dict) for line in lines)
    again = await client.get(f"{FILES}/{item['id']}/content")
    assert again.content == response.content


@pytest.mark.parametrize(
    ("suffix", "content_type", "magic"),
    [
        (".pdf", "application/pdf", b"%PDF-"),
        (".png", "image/png", b"\x89PNG"),
        (".csv", "text/csv", b""),
    ],
)
async def test_content_types_and_ranges(
    client: httpx.AsyncClient, bifrost: str, suffix: str, content_type: str, magic: bytes
) -> None:
    item = await _find(client, suffix)
    response = await client.get(f"{FILES}/{item['id']}/content", headers={"range": "bytes=0-1023"})
    if bifrost == "2.2":  # 2.x ignores Range: 200, the whole body
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(content_type)
        assert "content-range" not in response.headers
        assert response.content.startswith(magic) and len(response.content) == item["bytes"]
        return
    assert response.status_code == 206
    assert response.headers["content-type"].startswith(content_type)
    assert (
        response.headers["content-range"]
        == f"bytes 0-{min(1023, item['bytes'] - 1)}/{item['bytes']}"
    )
    assert response.content.startswith(magic)
    assert len(response.content) == min(1024, item["bytes"])


async def test_replicate_files_have_no_content(client: httpx.AsyncClient) -> None:
    item = (await client.get(FILES, params={"provider": "replicate", "limit": 1})).json()["data"][0]
    retrieved = await client.get(f"{FILES}/{item['id']}", params={"provider": "replicate"})
    assert retrieved.status_code == 200
    content = await client.get(f"{FILES}/{item['id']}/content", params={"provider": "replicate"})
    assert _assert_error(content, 500)["error"]["code"] == "unsupported_operation"


async def test_container_file_content(client: httpx.AsyncClient) -> None:
    container = await _first_container(client)
    items = (await client.get(f"/openai/v1/containers/{container}/files?limit=100")).json()["data"]
    item = min(items, key=lambda i: i["bytes"])
    response = await client.get(f"/openai/v1/containers/{container}/files/{item['id']}/content")
    assert response.status_code == 200
    assert len(response.content) == item["bytes"]


# -- other routes ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/v1/file", "/openai/v2/files", "/workspace/providers"])
async def test_unknown_get_path_is_the_dashboard_html(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text


async def test_unknown_non_get_is_not_a_success(client: httpx.AsyncClient) -> None:
    response = await client.post("/no/such/path")
    assert response.status_code in (404, 405)


async def test_health_and_version(make_client: MakeClient) -> None:
    for bifrost, version in (("1.5", "v1.5.1"), ("1.4", "v1.4.18"), ("2.2", "v2.2.5")):
        client = make_client(bifrost=bifrost, auth="admin")
        health = await client.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        if bifrost == "2.2":  # 2.x reports its components
            assert health.json()["components"]["config_store"] == "ok"
        else:
            assert health.json() == {"status": "ok"}
        answer = await client.get("/api/version")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.json() == version


async def test_api_providers_lists_the_configured_providers(
    client: httpx.AsyncClient, bifrost: str
) -> None:
    body = (await client.get("/api/providers")).json()
    names = [entry["name"] for entry in body["providers"]]
    configured = [*DEFAULT_PROVIDERS, *DEFAULT_CUSTOM_PROVIDERS]
    assert names == (sorted(configured) if bifrost == "2.2" else configured)
    assert body["total"] == len(names)
    assert all(entry["provider_status"] == "active" for entry in body["providers"])
    assert not any("keys" in entry for entry in body["providers"])
    custom = next(e for e in body["providers"] if e["name"] in DEFAULT_CUSTOM_PROVIDERS)
    assert custom["custom_provider_config"]["base_provider_type"] == "openai"
    if bifrost == "2.2":
        for entry in body["providers"]:
            assert entry["proxy_config"] is None
            assert entry["store_raw_request_response"] is False


@pytest.mark.parametrize("path", ["/favicon.ico", "/assets/index-3f2a.js", "/openai/v1/x.json"])
async def test_dashboard_fallback_dotted_path_is_a_text_404(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "404 - Static asset not found"
