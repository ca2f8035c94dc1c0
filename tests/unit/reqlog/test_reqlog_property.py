"""Property-based: any JSON a gateway sends as a request-log answer parses, explains and
prints without an exception outside the client's tree, and prints inert text."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mpilot_tui.api import ConnectionSettings, GatewayClient, MPilotError
from mpilot_tui.api.log_models import LogEntry, LogStats
from mpilot_tui.formats.table import table_row, write_table
from mpilot_tui.formats.writers import ListingWriter
from mpilot_tui.listing import Listing, Query
from mpilot_tui.reqlog import cache_column, explain_cache, stats_lines

NAMES = [
    "id", "timestamp", "status", "provider", "model", "object", "latency", "cost",
    "token_usage", "total_tokens", "prompt_tokens", "cache_debug", "cache_hit", "hit_type",
    "similarity", "threshold", "cache_id", "input_tokens", "model_used", "logs", "pagination",
    "total_count", "stats", "tools", "stream", "error_details", "previous",
    "cache_hit_rate_total_requests", "direct_cache_hits", "semantic_cache_hits",
]  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["semantic", "direct", "success", "\x1b[2J", "2026-10-15T12:00:00Z"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=5), inner, max_size=6)
    ),
    max_leaves=30,
)


def _inert(text: str) -> bool:
    return "\x1b" not in text and "\x07" not in text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_any_entry_parses_explains_and_prints(value: Any) -> None:
    raw = value if isinstance(value, dict) else {"cache_debug": value, "latency": value}
    entry = LogEntry.model_validate(raw)
    assert isinstance(cache_column(entry), str)
    for line in explain_cache(entry, 100.0).lines:
        assert _inert(line)
    out = io.StringIO()
    write_table([table_row("requests", entry)], "requests", out, 120)
    assert _inert(out.getvalue())
    writer = ListingWriter("csv", "requests", io.StringIO())
    writer.add_items([raw])
    stats = LogStats.model_validate(raw)
    for stat in stats_lines(stats):
        assert _inert(stat.text())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_any_list_answer_is_a_page_or_a_client_error(value: Any) -> None:
    body = json.dumps(value).encode()

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    async def walk() -> None:
        client = GatewayClient(
            ConnectionSettings(base_url="http://gw.test", auth="none", retries=0),
            transport=httpx.MockTransport(handle),
        )
        engine = Listing(Query(kind="requests", page_size=3))
        async with client:
            try:
                async for _ in engine.walk(client, max_pages=3):
                    pass
            except MPilotError:
                return
        for row in range(len(engine.store)):
            assert isinstance(engine.store.item(row), dict)

    asyncio.run(walk())
