"""The requests kind through the listing engine: offset paging over the demo's request log
(ASGITransport), the fixed end time, filters, repeated entries dropped, the row store."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mpilot_tui.api import ConnectionSettings, GatewayClient
from mpilot_tui.demo.app import create_app
from mpilot_tui.demo.config import DemoConfig
from mpilot_tui.listing import KINDS, Listing, OffsetPaging, Query, kind_named
from mpilot_tui.reqlog import LogFilters
from mpilot_tui.reqlog.filters import rfc3339

AS_OF = 1_800_000_000.0  # after every demo entry


def demo(count: int) -> GatewayClient:
    app = create_app(DemoConfig(requests=count))
    return GatewayClient(
        ConnectionSettings(base_url="http://demo.test", auth="none"),
        transport=httpx.ASGITransport(app=app),
    )


def listing(**query: Any) -> Listing:
    return Listing(Query(kind="requests", **query), wall_clock=lambda: AS_OF)


def sent_params(client: GatewayClient) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.url).query) for r in client.history]


def test_the_kind_is_in_the_table() -> None:
    spec = KINDS["requests"]
    assert (spec.name, spec.title, spec.noun, spec.max_limit) == (
        "requests", "Requests", "requests", 1000,
    )  # fmt: skip
    assert isinstance(spec.paging, OffsetPaging)
    assert spec.retrieve is not None and spec.content is None
    assert kind_named("requests") == "requests"
    assert [c.header for c in spec.columns] == [
        "TIME", "STATUS", "PROVIDER/MODEL", "TYPE", "LATENCY", "TOKENS", "COST", "CACHE",
    ]  # fmt: skip
    assert Query(kind="requests", page_size=5000).limit == 1000


async def test_walk_pages_by_offset_to_the_end_with_a_fixed_end_time() -> None:
    engine = listing(page_size=100)
    async with demo(250) as client:
        pages = [page async for page in engine.walk(client)]
        params = sent_params(client)
    # A walk of everything grows its pages (100, then 400) toward the kind's 1,000.
    assert [len(p.items) for p in pages] == [100, 150]
    assert len(engine.store) == 250 == len(set(engine.store.ids))
    assert not engine.has_more and engine.pages_loaded == 2
    assert [p["offset"] for p in params] == [["0"], ["100"]]
    assert {p["end_time"][0] for p in params} == {rfc3339(AS_OF)}
    assert all(p["order"] == ["desc"] for p in params)
    assert [p["limit"] for p in params] == [["100"], ["1000"]]


async def test_filters_reach_the_gateway() -> None:
    filters = LogFilters(cache="hits", sort_by="cost", order="asc").to_params(None)
    engine = listing(page_size=200, filters=filters)
    async with demo(600) as client:
        [page async for page in engine.walk(client)]
        params = sent_params(client)[0]
    assert params["cache_hit_types"] == ["direct,semantic"] and params["sort_by"] == ["cost"]
    assert params["order"] == ["asc"]  # the filters' order wins over the query's
    assert len(engine.store) > 0
    assert all(engine.store.value("cache", r).startswith("HIT") for r in range(len(engine.store)))


async def test_the_row_store_holds_the_columns_and_the_whole_rows() -> None:
    engine = listing(page_size=64)
    async with demo(128) as client:
        [page async for page in engine.walk(client)]
    store = engine.store
    for row in range(len(store)):
        item = store.item(row)
        assert item["id"] == store.ids[row]
        assert store.value("provider_model", row) == f"{item['provider']}/{item['model']}"
        latency = store.value("latency_us", row)
        assert latency is None or latency == round(item["latency"] * 1000)
    engine.set_sort("latency_us", reverse=True)
    shown = [store.value("latency_us", engine.view.row(p)) for p in range(len(engine.view))]
    known = [v for v in shown if v is not None]
    assert known == sorted(known, reverse=True)


def log_page(ids: list[str], total: int, offset: int) -> bytes:
    logs = [{"id": i, "timestamp": "2026-10-15T12:00:00Z", "provider": "openai",
             "model": "gpt-4o", "status": "success", "latency": 1.5} for i in ids]  # fmt: skip
    body = {"logs": logs, "pagination": {"limit": len(ids), "offset": offset,
            "total_count": total}, "has_logs": True}  # fmt: skip
    return json.dumps(body).encode()


def shifting_gateway(pages: dict[int, tuple[list[str], int]]) -> GatewayClient:
    """Answers each offset with the given ids and total (a log that grew while read)."""

    def handle(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        ids, total = pages[offset]
        return httpx.Response(
            200, content=log_page(ids, total, offset), headers={"content-type": "application/json"}
        )

    return GatewayClient(
        ConnectionSettings(base_url="http://gw.test", auth="none"),
        transport=httpx.MockTransport(handle),
    )


async def test_entries_repeated_by_shifted_offsets_are_dropped_not_fatal() -> None:
    # Two entries arrived after the first page: the second page starts with two repeats.
    pages = {0: (["e9", "e8", "e7"], 9), 3: (["e8", "e7", "e6"], 11), 6: (["e5", "e4", "e3"], 11),
             9: (["e2", "e1"], 11)}  # fmt: skip
    engine = listing(page_size=3)
    async with shifting_gateway(pages) as client:
        walked = [page async for page in engine.walk(client)]
    assert engine.store.ids == ["e9", "e8", "e7", "e6", "e5", "e4", "e3", "e2", "e1"]
    assert [e.id for e in walked[1].items] == ["e6"]  # the page as taken in
    assert [e["id"] for e in json.loads(walked[1].raw)["logs"]] == ["e6"]
    for row in range(len(engine.store)):
        assert engine.store.item(row)["id"] == engine.store.ids[row]


async def test_a_page_of_repeats_only_moves_on() -> None:
    pages = {0: (["a", "b"], 6), 2: (["a", "b"], 6), 4: (["c", "d"], 6)}
    engine = listing(page_size=2)
    async with shifting_gateway(pages) as client:
        [page async for page in engine.walk(client)]
    assert engine.store.ids == ["a", "b", "c", "d"]


async def test_an_empty_page_ends_the_listing_even_if_the_total_says_more() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        body: dict[str, Any] = {"logs": [], "pagination": {"total_count": 5}}
        if request.url.params["offset"] == "0":
            body = json.loads(log_page(["a"], 5, 0))
        return httpx.Response(200, json=body)

    client = GatewayClient(
        ConnectionSettings(base_url="http://gw.test", auth="none"),
        transport=httpx.MockTransport(handle),
    )
    engine = listing(page_size=1)
    async with client:
        got = [page async for page in engine.walk(client)]
    # entries deleted while read: the gateway's total is stale, the empty page is the end
    assert len(got) == 2 and engine.store.ids == ["a"] and not engine.has_more


async def test_page_size_in_offset_asks_and_retrieve() -> None:
    engine = listing(page_size=10)
    ask = engine.restart()
    assert ask is not None and ask.position == 0 and ask.as_of == AS_OF
    async with demo(25) as client:
        page = await ask.send(client)
        engine.page_loaded(ask, page)
        nxt = engine.want_more()
        assert nxt is not None and nxt.position == 10
        spec = KINDS["requests"]
        assert spec.retrieve is not None
        result = await spec.retrieve(client, engine.query, engine.store.ids[0])
    assert result.item.id == engine.store.ids[0]


@pytest.mark.parametrize("start", [5, 0])
async def test_a_start_offset(start: int) -> None:
    engine = listing(page_size=10, start=start)
    async with demo(12) as client:
        got = [page async for page in engine.walk(client)]
    assert sum(len(p.items) for p in got) == 12 - start
