"""``extra_fields`` decorations, the differences of Bifrost 1.4, 1.5 and 2.2, added latency."""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any

import pytest

FILES = "/openai/v1/files"
MakeClient = Any
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _kind(extra: dict[str, Any]) -> str:
    cache = extra.get("cache_debug")
    if cache is None:
        return "none"
    if not cache["cache_hit"]:
        return "miss"
    return str(cache["hit_type"])


async def _many(client: Any, count: int = 240) -> list[dict[str, Any]]:
    bodies = []
    for limit in range(1, count + 1):
        response = await client.get(FILES, params={"limit": limit})
        assert response.status_code == 200
        bodies.append(response.json())
    return bodies


async def test_extra_fields_always_carry_the_basics(make_client: MakeClient) -> None:
    for body in await _many(make_client(files=50), 30):
        extra = body["extra_fields"]
        assert extra["request_type"] == "file_list"
        assert extra["provider"] == "openai"
        assert isinstance(extra["latency"], int) and extra["latency"] >= 0
        assert extra["chunk_index"] == 0


async def test_no_cache_debug_on_lists_unless_asked(make_client: MakeClient) -> None:
    # Today's gateway never puts cache_debug on file or container routes; by default the demo
    # follows it on every generation.
    client = make_client(files=50)
    for body in await _many(client, 60):
        assert "cache_debug" not in body["extra_fields"]
    containers = (await client.get("/openai/v1/containers")).json()
    assert "cache_debug" not in containers["extra_fields"]
    one = (await client.get(f"{FILES}/{body['data'][0]['id']}")).json()
    assert "cache_debug" not in one["extra_fields"]


async def test_cache_debug_shares_and_shapes(make_client: MakeClient, bifrost: str) -> None:
    bodies = await _many(make_client(files=50, list_cache_debug=True))
    extras = [body["extra_fields"] for body in bodies]
    shares = Counter(_kind(extra) for extra in extras)
    assert set(shares) == {"direct", "semantic", "miss", "none"}
    total = len(extras)
    assert 0.13 < shares["direct"] / total < 0.37
    assert 0.08 < shares["semantic"] / total < 0.32
    assert 0.18 < shares["miss"] / total < 0.42
    assert 0.13 < shares["none"] / total < 0.37
    for extra in extras:
        cache = extra.get("cache_debug")
        kind = _kind(extra)
        if kind == "direct":
            assert UUID.match(cache["cache_id"])
            assert cache["requested_provider"] == cache["provider_used"] == "openai"
            assert cache["requested_model"] and cache["model_used"]
        elif kind == "semantic":
            assert cache["similarity"] >= cache["threshold"] == 0.8
            assert cache["input_tokens"] > 0
        elif kind == "miss":
            assert cache["provider_used"] == "openai" and cache["model_used"]
            assert cache["input_tokens"] > 0
            if bifrost == "2.2":  # a 2.x miss: always a cache_id, never threshold/similarity
                assert UUID.match(cache["cache_id"])
                assert "threshold" not in cache and "similarity" not in cache
            elif "similarity" in cache:
                assert cache["similarity"] < cache["threshold"]
        names = ("model_requested",) if bifrost == "1.4" else ("original_model_requested",)
        if cache is not None:
            assert all(name in extra for name in names)
        else:
            assert not any(name in extra for name in names)


async def test_optional_fields_appear_on_a_share(make_client: MakeClient, bifrost: str) -> None:
    extras = [body["extra_fields"] for body in await _many(make_client(files=50))]
    with_raw = [e for e in extras if "raw_response" in e]
    with_headers = [e for e in extras if "provider_response_headers" in e]
    unknown = "routing_metadata" if bifrost == "2.2" else "routing_rule"
    with_unknown = [e for e in extras if unknown in e]
    assert not any(
        ("routing_rule" if bifrost == "2.2" else "routing_metadata") in e for e in extras
    )
    assert 0 < len(with_raw) < len(extras)
    assert 0 < len(with_headers) < len(extras)
    assert 0 < len(with_unknown) < len(extras) // 4
    for extra in with_raw:
        assert extra["raw_response"]["object"] == "list"
        assert isinstance(extra["raw_request"], dict)
    for extra in with_headers:
        assert all(isinstance(v, str) for v in extra["provider_response_headers"].values())
    assert all(("routing_info" in extra) is (bifrost == "2.2") for extra in extras)


@pytest.mark.bifrost("2.2")
async def test_22_routing_info_and_bifrost_headers(make_client: MakeClient, bifrost: str) -> None:
    client = make_client(files=30, keys=2)
    first = await client.get(FILES, params={"limit": 100})
    second = await client.get(FILES, params={"limit": 100, "after": first.json()["after"]})
    for response, key in ((first, 0), (second, 1)):
        extra = response.json()["extra_fields"]
        routing = extra["routing_info"]
        assert routing["provider"] == "openai" and routing["key_id"] == f"openai-key-{key + 1}"
        headers = response.headers
        assert headers["x-bifrost-provider"] == "openai"
        assert headers["x-bifrost-request-type"] == "file_list"
        assert headers["x-bifrost-upstream-latency-ms"] == str(extra["latency"])
        assert headers["x-bifrost-routing-info-key-id"] == routing["key_id"]
        assert headers["x-bifrost-routing-info-key-alias"] == routing["key_alias"]
        # The upstream's own headers are forwarded as real ones too.
        for name, value in extra.get("provider_response_headers", {}).items():
            assert headers[name] == value
    assert (
        first.json()["extra_fields"]["routing_info"]["key_alias"]
        != (second.json()["extra_fields"]["routing_info"]["key_alias"])
    )


@pytest.mark.bifrost("1.4", "1.5")
async def test_1x_sends_no_bifrost_headers(make_client: MakeClient) -> None:
    response = await make_client(files=5).get(FILES)
    assert not [name for name in response.headers if name.startswith("x-bifrost-")]


async def test_decorations_are_deterministic_per_request(make_client: MakeClient) -> None:
    first, second = make_client(), make_client()
    for params in ({"limit": 10}, {"limit": 10, "order": "asc"}, {"purpose": "batch"}):
        a = await first.get(FILES, params=params)
        b = await first.get(FILES, params=params)
        c = await second.get(FILES, params=dict(reversed(list(params.items()))))
        assert a.content == b.content
        assert a.json() == c.json()


@pytest.mark.parametrize(
    ("bifrost", "present", "absent"),
    [
        ("1.4", ("model_requested", "model_deployment"), ("original_model_requested",)),
        ("1.5", ("original_model_requested", "resolved_model_used"), ("model_requested",)),
        ("2.2", ("original_model_requested", "resolved_model_used"), ("model_requested",)),
    ],
)
async def test_model_field_names_by_version(
    make_client: MakeClient, bifrost: str, present: tuple[str, ...], absent: tuple[str, ...]
) -> None:
    bodies = await _many(make_client(files=30, bifrost=bifrost, list_cache_debug=True), 40)
    cached = [b["extra_fields"] for b in bodies if "cache_debug" in b["extra_fields"]]
    assert cached
    for extra in cached:
        assert all(name in extra for name in present)
        assert not any(name in extra for name in absent)


@pytest.mark.parametrize(
    ("bifrost", "has_updated_at"), [("1.4", False), ("1.5", True), ("2.2", False)]
)
async def test_updated_at_in_15_lists_only(
    make_client: MakeClient, bifrost: str, has_updated_at: bool
) -> None:
    client = make_client(bifrost=bifrost)
    data = (await client.get(FILES, params={"limit": 50})).json()["data"]
    assert all(("updated_at" in item) is has_updated_at for item in data)
    if has_updated_at:
        assert all(item["updated_at"] >= item["created_at"] for item in data)
    # A retrieve keeps updated_at from 1.5 on (2.2 too), and 2.2's keeps expires_at.
    listed = {item["id"]: item for item in (await client.get(FILES)).json()["data"]}
    expiring = next(i for i in (await make_client(bifrost="1.5").get(FILES)).json()["data"]
                    if "expires_at" in i)  # fmt: skip
    one = (await client.get(f"{FILES}/{expiring['id']}")).json()
    assert ("updated_at" in one) is (bifrost != "1.4")
    assert one["expires_at"] == expiring["expires_at"]
    assert {k: v for k, v in one.items() if k in listed[one["id"]]} == listed[one["id"]]


async def test_file_objects_are_realistic(make_client: MakeClient, bifrost: str) -> None:
    data = (await make_client().get(FILES)).json()["data"]
    assert all(re.fullmatch(r"file-[0-9A-Za-z]{24}", item["id"]) for item in data)
    statuses = Counter(item["status"] for item in data)
    assert statuses.most_common(1)[0][0] == "processed"
    assert {"uploaded", "processing", "error"} <= set(statuses)
    # pending_upload is a 2.x status.
    assert ("pending_upload" in statuses) is (bifrost == "2.2")
    assert all(item.get("status_details") for item in data if item["status"] == "error")
    assert not any("status_details" in item for item in data if item["status"] == "processed")
    with_expiry = sum("expires_at" in item for item in data)
    if bifrost == "2.2":  # 2.x list items carry only the basic fields
        assert with_expiry == 0
        basic = {"id", "object", "bytes", "created_at", "filename", "purpose", "status"}
        assert all(set(item) - {"status_details"} == basic for item in data)
    else:
        assert 0 < with_expiry < len(data)
    sizes = [item["bytes"] for item in data]
    assert min(sizes) < 5_000 and max(sizes) > 50_000_000 and max(sizes) <= 500_000_000
    span = max(i["created_at"] for i in data) - min(i["created_at"] for i in data)
    assert 80 * 86_400 < span <= 90 * 86_400
    assert any(item["filename"].endswith(".jsonl") for item in data)
    assert any(item["filename"].endswith(".pdf") for item in data)


async def test_error_event_ids_are_uuids_new_for_each_error_same_in_each_run(
    make_client: MakeClient,
) -> None:
    runs = []
    for _ in range(2):
        client = make_client()
        first = (await client.get(FILES, params={"provider": "groq"})).json()
        again = (await client.get(FILES, params={"provider": "groq"})).json()
        assert UUID.match(first["event_id"])
        assert first["event_id"] != again["event_id"], "each error answer has its own id"
        runs.append((first["event_id"], again["event_id"]))
    assert runs[0] == runs[1], "a fresh demo gives the same ids in the same order"


async def test_added_latency_is_applied_and_reported(make_client: MakeClient) -> None:
    client = make_client(latency_ms=150)
    started = time.perf_counter()
    response = await client.get(FILES, params={"limit": 1})
    elapsed = time.perf_counter() - started
    assert elapsed >= 0.15
    assert response.json()["extra_fields"]["latency"] >= 150
    started = time.perf_counter()
    error = await client.get(FILES, params={"provider": "groq"})
    assert time.perf_counter() - started >= 0.15 and error.status_code == 500
    # A latency far above what two in-process answers take, even on a loaded machine: were
    # it added to these routes, they could not come back under it.
    slow = make_client(latency_ms=5000)
    started = time.perf_counter()
    await slow.get("/health")
    await slow.get("/api/version")
    assert time.perf_counter() - started < 5.0, "no added latency on /health and /api/version"
