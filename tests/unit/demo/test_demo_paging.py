"""Paging through the demo gateway's file list: counts, order, filters and cursors."""

from __future__ import annotations

import base64
import json
from collections import Counter
from typing import Any, TypeAlias

import pytest

from mpilot_tui.demo.data import PURPOSES

FILES = "/openai/v1/files"
MakeClient: TypeAlias = Any
Walk: TypeAlias = Any


def _ids(pages: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for body in pages for item in body["data"]]


def _cursor(value: str) -> dict[str, Any]:
    cursor: dict[str, Any] = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    return cursor


def _encode(value: object) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_single_key_walk_returns_exactly_all_files(
    make_client: MakeClient, walk: Walk
) -> None:
    pages = await walk(make_client(), FILES, {"limit": 100})
    ids = _ids(pages)
    assert len(ids) == 1200
    assert len(set(ids)) == 1200
    assert all(item["object"] == "file" for body in pages for item in body["data"])
    last = pages[-1]
    assert "has_more" not in last and "after" not in last
    # Pages are at most `limit` long, and the files route never carries first_id/last_id.
    assert all(len(body["data"]) <= 100 for body in pages)
    assert all("first_id" not in body and "last_id" not in body for body in pages)


@pytest.mark.parametrize(
    ("files", "keys", "limit"),
    [(1200, 3, 100), (1000, 3, 100), (10, 4, 3), (2, 3, 5)],
)
async def test_serial_paging_across_keys_is_exact(
    make_client: MakeClient, walk: Walk, files: int, keys: int, limit: int
) -> None:
    pages = await walk(make_client(files=files, keys=keys), FILES, {"limit": limit})
    ids = _ids(pages)
    assert len(ids) == files
    assert len(set(ids)) == files
    key_of_page = [_cursor(body["after"])["i"] for body in pages[:-1]]
    assert key_of_page == sorted(key_of_page), "keys are walked one after another"
    assert max(key_of_page, default=0) == keys - 1
    short_but_more = [b for b in pages if b.get("has_more") and len(b["data"]) < limit]
    assert short_but_more, "a page never crosses a key boundary, so some page is short"


async def test_exactly_exhausted_key_gives_an_empty_page_with_has_more(
    make_client: MakeClient, walk: Walk
) -> None:
    # 1200 files over 3 keys = 400 per key: every key ends exactly on a page boundary.
    pages = await walk(make_client(files=1200, keys=3), FILES, {"limit": 100})
    empty_but_more = [body for body in pages if not body["data"] and body.get("has_more")]
    assert len(empty_but_more) == 2
    assert sum(len(body["data"]) for body in pages) == 1200


async def test_order_asc_and_desc_are_consistent(make_client: MakeClient, walk: Walk) -> None:
    client = make_client(files=300)
    asc = [i for b in await walk(client, FILES, {"limit": 70, "order": "asc"}) for i in b["data"]]
    desc = [i for b in await walk(client, FILES, {"limit": 70, "order": "desc"}) for i in b["data"]]
    default = [i for b in await walk(client, FILES, {"limit": 70}) for i in b["data"]]
    asc_times = [item["created_at"] for item in asc]
    assert asc_times == sorted(asc_times)
    assert asc_times[0] < asc_times[-1]
    assert [item["id"] for item in desc] == [item["id"] for item in reversed(asc)]
    assert default == desc, "order defaults to desc"


async def test_purpose_filter_partitions_the_files(make_client: MakeClient, walk: Walk) -> None:
    client = make_client(files=600)
    everything = [i for b in await walk(client, FILES, {"limit": 1000}) for i in b["data"]]
    expected = Counter(item["purpose"] for item in everything)
    assert set(expected) <= {name for name, _ in PURPOSES}
    assert len(expected) >= 6, "a realistic mix of purposes"
    total = 0
    for purpose, count in expected.items():
        pages = await walk(client, FILES, {"limit": 25, "purpose": purpose})
        items = [item for body in pages for item in body["data"]]
        assert {item["purpose"] for item in items} == {purpose}
        assert len(items) == count
        total += len(items)
    assert total == 600


async def test_unknown_purpose_is_an_empty_last_page(make_client: MakeClient) -> None:
    response = await make_client().get(FILES, params={"purpose": "no-such-purpose"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == []
    assert "has_more" not in body and "after" not in body


async def test_cursor_is_opaque_base64url_of_key_and_upstream_cursor(
    make_client: MakeClient, bifrost: str
) -> None:
    body = (await make_client().get(FILES, params={"limit": 5})).json()
    cursor = body["after"]
    assert "+" not in cursor and "/" not in cursor
    # 1.x strips the base64 padding, 2.x keeps it.
    padding = "=" * (-len(cursor.rstrip("=")) % 4)
    assert cursor.endswith(padding) if bifrost == "2.2" else "=" not in cursor
    assert padding or bifrost != "2.2" or len(cursor) % 4 == 0
    assert _cursor(cursor) == {"v": 1, "i": 0, "c": body["data"][-1]["id"]}
    assert cursor != body["data"][-1]["id"]


@pytest.mark.parametrize("bifrost", ["1.5", "2.2"])
async def test_raw_file_id_as_after_works_from_15_with_one_key(make_client: MakeClient) -> None:
    client = make_client(keys=1)
    first = (await client.get(FILES, params={"limit": 5})).json()
    by_cursor = (await client.get(FILES, params={"limit": 5, "after": first["after"]})).json()
    raw_id = first["data"][-1]["id"]
    by_id = (await client.get(FILES, params={"limit": 5, "after": raw_id})).json()
    assert by_id["data"] == by_cursor["data"]
    assert by_id["data"][0]["id"] not in {item["id"] for item in first["data"]}


@pytest.mark.parametrize(("bifrost", "keys"), [("1.4", 1), ("1.5", 3), ("1.4", 2), ("2.2", 3)])
async def test_raw_file_id_as_after_is_refused_otherwise(
    make_client: MakeClient, bifrost: str, keys: int
) -> None:
    client = make_client(bifrost=bifrost, keys=keys)
    first = (await client.get(FILES, params={"limit": 5})).json()
    response = await client.get(FILES, params={"limit": 5, "after": first["data"][-1]["id"]})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"]["message"] == "invalid pagination cursor"
    assert body["status_code"] == 500


@pytest.mark.parametrize(
    "after",
    [
        "garbage",
        "!!!not-base64!!!",
        _encode({"v": 2, "i": 0, "c": ""}),
        _encode({"v": 1, "i": -1, "c": ""}),
        _encode({"v": 1, "i": 0, "c": "file-doesnotexist"}),
        _encode({"v": 1, "i": "0", "c": ""}),
        _encode([1, 2, 3]),
    ],
)
async def test_garbage_cursor_is_invalid_pagination_cursor(
    make_client: MakeClient, bifrost: str, after: str
) -> None:
    client = make_client(keys=1)
    for path in (FILES, "/v1/files"):
        response = await client.get(path, params={"after": after, "provider": "openai"})
        assert response.json()["error"]["message"] == "invalid pagination cursor"
        # A gateway error: 500 on /openai routes; on native ones 400 on 1.x, 500 on 2.x.
        native_status = 500 if bifrost == "2.2" else 400
        assert response.status_code == (native_status if path == "/v1/files" else 500)


async def test_key_index_past_the_end(make_client: MakeClient, bifrost: str) -> None:
    # 2.x: 200 with an empty list and no has_more; 1.x: invalid pagination cursor.
    response = await make_client(keys=2).get(
        FILES, params={"after": _encode({"v": 1, "i": 7, "c": ""})}
    )
    if bifrost == "2.2":
        assert response.status_code == 200
        body = response.json()
        assert body["data"] == [] and "has_more" not in body and "after" not in body
    else:
        assert response.status_code == 500
        assert response.json()["error"]["message"] == "invalid pagination cursor"


async def test_cursor_of_another_provider_is_refused(make_client: MakeClient) -> None:
    client = make_client()
    openai = (await client.get(FILES, params={"limit": 3})).json()
    response = await client.get(FILES, params={"provider": "azure", "after": openai["after"]})
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "invalid pagination cursor"


async def test_default_limit_is_the_upstream_default(make_client: MakeClient) -> None:
    body = (await make_client(files=1200).get(FILES)).json()
    assert len(body["data"]) == 1200
    assert "has_more" not in body


@pytest.mark.parametrize("limit", ["0", "-5"])
async def test_non_positive_limit_means_the_upstream_default(
    make_client: MakeClient, limit: str
) -> None:
    body = (await make_client(files=50).get(FILES, params={"limit": limit})).json()
    assert len(body["data"]) == 50


async def test_file_limit_above_upstream_maximum_is_an_upstream_400(
    make_client: MakeClient,
) -> None:
    response = await make_client().get(FILES, params={"limit": 20000})
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["param"] == "limit"
    assert "raw_response" in body["extra_fields"]


async def test_million_files_first_page_works(make_client: MakeClient) -> None:
    client = make_client(files=1_000_000, keys=2)
    body = (await client.get(FILES, params={"limit": 50})).json()
    assert len(body["data"]) == 50
    assert body["has_more"] is True
    follow = (await client.get(FILES, params={"limit": 50, "after": body["after"]})).json()
    assert len(follow["data"]) == 50
    assert not {i["id"] for i in body["data"]} & {i["id"] for i in follow["data"]}
    filtered = (await client.get(FILES, params={"limit": 20, "purpose": "evals"})).json()
    assert [item["purpose"] for item in filtered["data"]] == ["evals"] * 20


async def test_data_is_deterministic_across_instances(make_client: MakeClient) -> None:
    first = await make_client(seed=11).get(FILES, params={"limit": 20})
    second = await make_client(seed=11).get(FILES, params={"limit": 20})
    other_seed = await make_client(seed=12).get(FILES, params={"limit": 20})
    assert first.content == second.content
    assert first.json()["data"] != other_seed.json()["data"]
