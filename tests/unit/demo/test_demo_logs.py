"""The demo gateway's request log: ``/api/logs``, ``/{id}``, ``/stats``, ``/filterdata``."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import pytest

from mpilot_tui.demo import DemoConfig

LOGS = "/api/logs"
MakeClient = Any
REQUESTS = 3000


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def logs(make_client: MakeClient) -> httpx.AsyncClient:
    return make_client(requests=REQUESTS)  # type: ignore[no-any-return]


async def _page(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(LOGS, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


async def _all(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        body = await _page(client, limit=1000, offset=offset, **params)
        rows += body["logs"]
        offset += 1000
        if offset >= body["pagination"]["total_count"]:
            return rows


# -- paging and its errors -------------------------------------------------------------------


async def test_default_page_and_envelope(logs: httpx.AsyncClient) -> None:
    body = await _page(logs)
    assert set(body) == {"logs", "pagination", "stats", "has_logs"}
    assert body["pagination"] == {
        "limit": 50,
        "offset": 0,
        "sort_by": "timestamp",
        "order": "desc",
        "total_count": REQUESTS,
    }
    assert len(body["logs"]) == 50
    assert body["has_logs"] is True
    stats = body["stats"]
    assert stats["total_requests"] == REQUESTS
    assert all(value == 0 for name, value in stats.items() if name != "total_requests")
    assert "direct_cache_hits" not in stats
    times = [_time(row["timestamp"]) for row in body["logs"]]
    assert times == sorted(times, reverse=True)


async def test_offsets_walk_every_entry_once_in_order(logs: httpx.AsyncClient) -> None:
    rows = await _all(logs, order="asc")
    assert len(rows) == REQUESTS
    assert len({row["id"] for row in rows}) == REQUESTS
    times = [_time(row["timestamp"]) for row in rows]
    assert times == sorted(times)
    past = await _page(logs, offset=REQUESTS + 10)
    assert past["logs"] == [] and past["has_logs"] is True


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 0}, "limit must be greater than 0"),
        ({"limit": -3}, "limit must be greater than 0"),
        ({"limit": 1001}, "limit cannot exceed 1000"),
        ({"offset": -1}, "offset cannot be negative"),
    ],
)
async def test_bad_limit_and_offset_are_400(
    logs: httpx.AsyncClient, params: dict[str, Any], message: str
) -> None:
    for path in (LOGS, f"{LOGS}/stats"):
        response = await logs.get(path, params=params)
        assert response.status_code == 400
        assert response.json() == {
            "is_bifrost_error": False,
            "status_code": 400,
            "error": {"message": message},
            "extra_fields": {},
        }
        assert response.text.endswith("\n")


async def test_lenient_parameters_are_ignored(logs: httpx.AsyncClient) -> None:
    body = await _page(
        logs,
        limit="ten",
        offset="x",
        sort_by="size",
        order="sideways",
        start_time="yesterday",
        min_latency="fast",
        cache_hit_types="maybe",
        period="2w",
    )
    assert body["pagination"] == {
        "limit": 50,
        "offset": 0,
        "sort_by": "timestamp",
        "order": "desc",
        "total_count": REQUESTS,
    }
    first = await _page(logs, limit="1000")
    assert len(first["logs"]) == 1000


async def test_only_the_first_occurrence_of_a_key_counts(logs: httpx.AsyncClient) -> None:
    response = await logs.get(LOGS, params=[("providers", "groq"), ("providers", "openai")])
    assert {row["provider"] for row in response.json()["logs"]} == {"groq"}


# -- list rows and the whole entry --------------------------------------------------------------


async def test_list_rows_are_trimmed_and_the_detail_is_whole(logs: httpx.AsyncClient) -> None:
    rows = (await _page(logs, limit=300))["logs"]
    for row in rows:
        assert row["raw_request"] == "" and row["raw_response"] == ""
        for absent in ("error_details", "params", "tools", "output_message", "responses_output"):
            assert absent not in row
        assert len(row.get("input_history", row.get("responses_input_history", []))) == 1
        for name in ("parent_request_id", "virtual_key_id", "routing_rule_id", "team_id"):
            assert name in row
    chat = next(r for r in rows if r["object"] == "chat.completion" and r["status"] == "success")
    detail = (await logs.get(f"{LOGS}/{chat['id']}")).json()
    assert detail["id"] == chat["id"]
    assert len(detail["input_history"]) == 2
    assert "output_message" in detail and "params" in detail
    assert detail["raw_request"] != ""
    failed = next(r for r in (await _page(logs, status="error", limit=5))["logs"])
    details = (await logs.get(f"{LOGS}/{failed['id']}")).json()["error_details"]
    assert details["status_code"] >= 400 and details["error"]["message"]


async def test_unknown_log_id_is_404(logs: httpx.AsyncClient) -> None:
    for log_id in ("nope", "00000000-0000-4000-8000-000000000000"):
        response = await logs.get(f"{LOGS}/{log_id}")
        assert response.status_code == 404
        assert response.json()["error"] == {"message": "log not found"}


async def test_cache_debug_follows_the_gateway(logs: httpx.AsyncClient) -> None:
    rows = await _all(logs)
    kinds: Counter[str] = Counter()
    for row in rows:
        cache = row.get("cache_debug")
        if row["status"] == "processing":
            assert cache is None
            continue
        if cache is None:
            kinds["skipped"] += 1
            continue
        assert cache["cache_id"]
        if not cache["cache_hit"]:
            assert "threshold" not in cache and "similarity" not in cache
            assert "hit_type" not in cache
            kinds["miss lookup" if "input_tokens" in cache else "miss"] += 1
        elif cache["hit_type"] == "direct":
            assert "threshold" not in cache and "provider_used" not in cache
            assert cache["requested_model"] == row["model"]
            kinds["direct"] += 1
        else:
            assert cache["hit_type"] == "semantic"
            assert cache["similarity"] >= cache["threshold"]
            assert cache["input_tokens"] > 0 and cache["model_used"]
            kinds["semantic"] += 1
    assert all(kinds[kind] > REQUESTS // 50 for kind in ("skipped", "miss", "miss lookup"))
    assert all(kinds[kind] > REQUESTS // 50 for kind in ("direct", "semantic"))
    statuses = Counter(row["status"] for row in rows)
    assert statuses["error"] > 0 and statuses["success"] > REQUESTS * 0.8
    assert 0 < statuses["processing"] < 20
    similarities = [
        row["cache_debug"]["similarity"] - row["cache_debug"]["threshold"]
        for row in rows
        if row.get("cache_debug", {}).get("hit_type") == "semantic"
    ]
    close = sum(1 for margin in similarities if margin < 0.05)
    assert close > len(similarities) / 3, "similarity clusters just above the threshold"


async def test_the_same_wording_hits_the_same_cache_entry(logs: httpx.AsyncClient) -> None:
    rows = await _all(logs, cache_hit_types="direct")
    by_prompt: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        key = (row["model"], row["content_summary"])
        by_prompt.setdefault(key, set()).add(row["cache_debug"]["cache_id"])
    assert all(len(ids) == 1 for ids in by_prompt.values())
    assert any(count > 1 for count in Counter(r["content_summary"] for r in rows).values())


async def test_the_same_config_gives_the_same_log(make_client: MakeClient) -> None:
    first = await _page(make_client(requests=500), limit=20)
    second = await _page(make_client(requests=500), limit=20)
    other = await _page(make_client(requests=500, seed=8), limit=20)
    assert first == second
    assert first["logs"][0]["id"] != other["logs"][0]["id"]


# -- filters ----------------------------------------------------------------------------------


FILTERS: list[tuple[dict[str, Any], Any]] = [
    ({"providers": "openai,groq"}, lambda r: r["provider"] in ("openai", "groq")),
    (
        {"models": "gpt-4o-mini"},
        lambda r: "gpt-4o-mini" in (r["model"], r.get("canonical_model_name")),
    ),
    ({"status": "error,cancelled"}, lambda r: r["status"] in ("error", "cancelled")),
    ({"status": "processing"}, lambda r: r["status"] == "processing"),
    ({"objects": "embedding"}, lambda r: r["object"] == "embedding"),
    (
        {"selected_key_ids": "openai-key-batch"},
        lambda r: r["selected_key_id"] == "openai-key-batch",
    ),
    ({"virtual_key_ids": "vk-analytics"}, lambda r: r["virtual_key_id"] == "vk-analytics"),
    ({"routing_rule_ids": "rr-eu-residency"}, lambda r: r["routing_rule_id"] == "rr-eu-residency"),
    ({"stop_reasons": "tool_calls"}, lambda r: r.get("stop_reason") == "tool_calls"),
    (
        {"cache_hit_types": "semantic"},
        lambda r: r.get("cache_debug", {}).get("hit_type") == "semantic",
    ),
    (
        {"cache_hit_types": "direct,bogus"},
        lambda r: r.get("cache_debug", {}).get("hit_type") == "direct",
    ),
    ({"min_latency": "2000"}, lambda r: r.get("latency", -1) >= 2000),
    ({"max_latency": "10.5"}, lambda r: "latency" in r and r["latency"] <= 10.5),
    ({"min_tokens": "1500"}, lambda r: r.get("token_usage", {}).get("total_tokens", 0) >= 1500),
    (
        {"max_cost": "0.00001", "min_cost": "0.000001"},
        lambda r: 0.000001 <= r.get("cost", 0) <= 0.00001,
    ),
    ({"missing_cost_only": "true"}, lambda r: "cost" not in r and r["status"] != "error"),
    ({"content_search": "BILLING"}, lambda r: "billing" in r["content_summary"].lower()),
    ({"metadata_env": "staging"}, lambda r: r["metadata"] == {"env": "staging"}),
]


@pytest.mark.parametrize(("params", "holds"), FILTERS, ids=[str(p) for p, _ in FILTERS])
async def test_each_filter_matches_exactly_its_rows(
    logs: httpx.AsyncClient, params: dict[str, Any], holds: Any
) -> None:
    every = await _all(logs)
    expected = [row["id"] for row in every if holds(row)]
    found = await _all(logs, **params)
    assert [row["id"] for row in found] == expected
    assert 0 < len(found) < REQUESTS
    stats = (await logs.get(f"{LOGS}/stats", params=params)).json()
    assert stats["total_requests"] == len(found)


@pytest.mark.parametrize(
    "params",
    [
        {"team_ids": "t1"},
        {"aliases": "fast"},
        {"parent_request_id": "abc"},
        {"session_id": "abc"},
        {"user_agents": '["curl/8"]'},
        {"metadata_team": "x"},
        {"providers": "mistral"},
    ],
)
async def test_filters_on_values_no_entry_has_match_nothing(
    logs: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    body = await _page(logs, **params)
    assert body["logs"] == [] and body["pagination"]["total_count"] == 0
    assert body["has_logs"] is True


async def test_time_window_and_period(logs: httpx.AsyncClient) -> None:
    every = await _all(logs)
    middle = every[len(every) // 2]["timestamp"]
    late = every[len(every) // 4]["timestamp"]
    found = await _all(logs, start_time=middle, end_time=late)
    expected = [r["id"] for r in every if _time(middle) <= _time(r["timestamp"]) <= _time(late)]
    assert [r["id"] for r in found] == expected
    offset = _time(middle).astimezone().isoformat()
    assert (await _page(logs, start_time=offset))["pagination"]["total_count"] == len(
        [r for r in every if _time(r["timestamp"]) >= _time(middle)]
    )
    newest = _time(every[0]["timestamp"])
    hour = await _all(logs, period="1h", start_time="2020-01-01T00:00:00Z")
    assert hour and all((newest - _time(r["timestamp"])).total_seconds() <= 3600 for r in hour)
    month = await _page(logs, period="30d")
    assert month["pagination"]["total_count"] == REQUESTS


async def test_request_id_finds_one_entry_whatever_the_time(logs: httpx.AsyncClient) -> None:
    row = (await _page(logs, order="asc", limit=1))["logs"][0]
    body = await _page(logs, request_id=row["id"], period="1h")
    assert [r["id"] for r in body["logs"]] == [row["id"]]


@pytest.mark.parametrize("sort_by", ["latency", "tokens", "cost"])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_sorts(logs: httpx.AsyncClient, sort_by: str, order: str) -> None:
    rows = await _all(logs, sort_by=sort_by, order=order, status="success")

    def value(row: dict[str, Any]) -> float:
        if sort_by == "latency":
            return float(row["latency"])
        if sort_by == "tokens":
            return float(row.get("token_usage", {}).get("total_tokens", 0))
        return float(row.get("cost", 0))

    values = [value(row) for row in rows]
    assert values == sorted(values, reverse=order == "desc")
    assert len({row["id"] for row in rows}) == len(rows)


# -- stats ------------------------------------------------------------------------------------


async def test_stats_add_up(logs: httpx.AsyncClient) -> None:
    every = await _all(logs, providers="anthropic")
    stats = (await logs.get(f"{LOGS}/stats", params={"providers": "anthropic"})).json()
    terminal = [r for r in every if r["status"] != "processing"]
    success = [r for r in terminal if r["status"] == "success"]
    assert stats["total_requests"] == len(every)
    assert stats["cache_hit_rate_total_requests"] == len(terminal)
    assert stats["success_rate"] == pytest.approx(len(success) / len(terminal) * 100)
    assert 50 < stats["success_rate"] <= 100
    hits = Counter(r.get("cache_debug", {}).get("hit_type") for r in terminal)
    assert stats["direct_cache_hits"] == hits["direct"]
    assert stats["semantic_cache_hits"] == hits["semantic"]
    tokens = sum(r.get("token_usage", {}).get("total_tokens", 0) for r in terminal)
    assert stats["total_tokens"] == tokens
    assert stats["total_cost"] == pytest.approx(sum(r.get("cost", 0) for r in terminal))
    latency = sum(r["latency"] for r in terminal) / len(terminal)
    assert stats["average_latency"] == pytest.approx(latency, rel=1e-4)
    assert stats["has_previous_period"] is False and "previous" not in stats


async def test_stats_omit_hit_counts_when_no_entry_went_through_the_cache(
    logs: httpx.AsyncClient,
) -> None:
    stats = (await logs.get(f"{LOGS}/stats", params={"stop_reasons": "tool_calls"})).json()
    assert stats["total_requests"] > 0
    assert "direct_cache_hits" not in stats and "semantic_cache_hits" not in stats
    empty = (await logs.get(f"{LOGS}/stats", params={"providers": "mistral"})).json()
    assert empty["total_requests"] == 0 and "cache_hit_rate_total_requests" not in empty


async def test_stats_compare_to_the_previous_period(logs: httpx.AsyncClient) -> None:
    asked = {"period": "7d", "compare_to_previous": "true"}
    stats = (await logs.get(f"{LOGS}/stats", params=asked)).json()
    assert stats["has_previous_period"] is True
    newest = _time((await _page(logs, limit=1))["logs"][0]["timestamp"])
    week = 7 * 86_400
    every = await _all(logs)
    before = [
        r for r in every if week < (newest - _time(r["timestamp"])).total_seconds() <= 2 * week
    ]
    assert abs(stats["previous"]["total_requests"] - len(before)) <= 1
    unbounded = (await logs.get(f"{LOGS}/stats", params={"compare_to_previous": "true"})).json()
    assert unbounded["has_previous_period"] is False and "previous" not in unbounded


# -- filterdata --------------------------------------------------------------------------------


async def test_filterdata(logs: httpx.AsyncClient) -> None:
    every = (await logs.get(f"{LOGS}/filterdata")).json()
    assert "gpt-4o-mini" in every["models"]
    assert every["aliases"] is None
    assert {"id": "vk-analytics", "name": "analytics", "is_active": True} in every["virtual_keys"]
    assert every["metadata_keys"] == {"env": ["prod", "staging"]}
    some = (await logs.get(f"{LOGS}/filterdata", params={"dimensions": "models,bogus"})).json()
    assert list(some) == ["models"]
    found = await logs.get(f"{LOGS}/filterdata", params={"dimensions": "models", "q": "EMBED"})
    assert found.json()["models"] == ["text-embedding-3-large", "text-embedding-3-small"]
    invalid = (await logs.get(f"{LOGS}/filterdata", params={"dimensions": "bogus"})).json()
    assert set(invalid) == set(every)


# -- auth and a gateway without logging -----------------------------------------------------------


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.mark.parametrize("auth", ["admin", "vk+admin"])
async def test_admin_auth_guards_the_log(make_client: MakeClient, auth: str) -> None:
    client = make_client(auth=auth, requests=100)
    vk = DemoConfig().virtual_key
    for headers in (
        {},
        {"Authorization": f"Bearer {vk}"},
        {"x-bf-vk": vk},
        _basic("admin", "wrong"),
        {"Authorization": "Bearer not-a-session"},
    ):
        response = await client.get(LOGS, headers=headers)
        assert response.status_code == 401, headers
        assert response.json() == {
            "is_bifrost_error": False,
            "status_code": 401,
            "error": {"message": "Unauthorized"},
            "extra_fields": {},
        }
    assert (await client.get(LOGS, headers=_basic("admin", "admin"))).status_code == 200
    bearer_basic = {"Authorization": "Bearer " + base64.b64encode(b"admin:admin").decode()}
    assert (await client.get(LOGS, headers=bearer_basic)).status_code == 200
    bad_login = await client.post("/api/session/login", json={"username": "admin", "password": "x"})
    assert bad_login.status_code == 401
    login = await client.post("/api/session/login", json={"username": "admin", "password": "admin"})
    assert login.status_code == 200 and login.json() == {"message": "Login successful"}
    token = login.cookies["token"]
    assert "httponly" in login.headers["set-cookie"].lower()
    assert (await client.get(LOGS)).status_code == 200  # the cookie jar sends it
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get(f"{LOGS}/stats", headers=bearer)).status_code == 200
    assert (await client.get("/health")).status_code == 200


@pytest.mark.parametrize("auth", ["open", "vk"])
async def test_without_admin_auth_the_log_is_open(make_client: MakeClient, auth: str) -> None:
    response = await make_client(auth=auth, requests=10).get(LOGS)
    assert response.status_code == 200


async def test_a_gateway_without_logging(make_client: MakeClient) -> None:
    client = make_client(logging=False)
    for path in (LOGS, f"{LOGS}/stats", f"{LOGS}/filterdata", f"{LOGS}/abc"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
    deleted = await client.request("DELETE", LOGS, json={"ids": ["x"]})
    assert deleted.status_code == 405
    other = await client.post("/api/nothing")
    assert other.status_code == 404
    assert other.json()["error"]["message"] == "Route not found: /api/nothing"
