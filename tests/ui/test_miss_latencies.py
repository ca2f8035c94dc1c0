"""The cache section's "time saved" baseline: the median latency of the loaded misses by
provider/model, read in chunks (numpy over coded columns, a row loop over packed ones),
against its plain definition over the whole rows the gateway sent."""

from __future__ import annotations

import statistics
from collections import defaultdict

import httpx
import pytest

from mpilot_tui.api import ConnectionSettings, GatewayClient
from mpilot_tui.demo.app import create_app
from mpilot_tui.demo.config import DemoConfig
from mpilot_tui.listing import Listing, Query, columns
from mpilot_tui.listing.rows import RowStore
from mpilot_tui.reqlog import cache_outcome
from mpilot_tui.ui.screens import requests_view
from mpilot_tui.ui.screens.requests_view import MissLatencies


async def filled(count: int, page_size: int = 250) -> RowStore:
    client = GatewayClient(
        ConnectionSettings(base_url="http://demo.test", auth="none"),
        transport=httpx.ASGITransport(app=create_app(DemoConfig(requests=count))),
    )
    engine = Listing(Query(kind="requests", page_size=page_size), wall_clock=lambda: 1.8e9)
    async with client:
        async for _ in engine.walk(client):
            pass
    return engine.store


def plain_medians(store: RowStore) -> dict[str, float]:
    misses: defaultdict[str, list[float]] = defaultdict(list)
    for row in range(len(store)):
        item = store.item(row)
        if cache_outcome(item) == "miss" and item.get("latency") is not None:
            misses[store.value("provider_model", row)].append(item["latency"])
    return {model: statistics.median(values) for model, values in misses.items()}


@pytest.mark.parametrize("coded", [True, False], ids=["coded-numpy", "packed-rows"])
async def test_medians_match_the_plain_definition_across_chunks(
    monkeypatch: pytest.MonkeyPatch, coded: bool
) -> None:
    monkeypatch.setattr(requests_view, "MISS_CHUNK", 97)  # many chunks, one ending mid-page
    if not coded:
        monkeypatch.setattr(columns, "CODED_MAX", 1)  # every text column packed
    store = await filled(700)
    assert (store.text["cache"].values is not None) is coded
    expected = plain_medians(store)
    assert len(expected) > 3
    latencies = MissLatencies()
    for model, median in expected.items():
        assert latencies.median(store, model) == pytest.approx(median, abs=1e-3)
    assert latencies.median(store, "nobody/nothing") is None


async def test_a_new_store_starts_over() -> None:
    latencies = MissLatencies()
    small, big = await filled(300), await filled(900)
    model = next(iter(plain_medians(small)))
    assert latencies.median(small, model) == pytest.approx(plain_medians(small)[model], abs=1e-3)
    assert latencies.median(big, model) == pytest.approx(plain_medians(big)[model], abs=1e-3)
    assert latencies.upto == len(big)
