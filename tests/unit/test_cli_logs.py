"""``logs``, ``logs show`` and ``cache-stats`` through click's CliRunner, on the in-process
demo gateway (ASGITransport)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pydantic import SecretStr

from mpilot_tui.api import ConnectionSettings
from mpilot_tui.cli import logs as logs_cli
from mpilot_tui.cli import main
from mpilot_tui.config.session import Session
from mpilot_tui.demo.config import DemoConfig

Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Run]:
    """``run(**demo_config)(*args)``: the CLI on an in-process demo with that config."""
    monkeypatch.setenv("MPILOT_TUI_CONFIG", str(tmp_path / "config.toml"))

    def on(settings: dict[str, Any] | None = None, **config: Any) -> Run:
        demo = DemoConfig(**{"requests": 230, **config})
        values = settings or {"auth": "none"}

        def session(ctx: Any, connection: dict[str, Any]) -> Session:
            conn = ConnectionSettings(base_url="http://demo.test", retries=0, **values)
            return Session(settings=conn, demo_config=demo, page_size=100)

        monkeypatch.setattr(logs_cli, "open_session", session)

        def invoke(*args: str) -> Result:
            return CliRunner().invoke(main, list(args), catch_exceptions=False)

        return invoke

    return on


def ndjson(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_one_page_then_the_next_by_offset(run: Callable[..., Run]) -> None:
    cli = run()
    first = cli("logs", "--limit", "40", "--format", "ndjson")
    assert first.exit_code == 0, first.output
    assert len(ndjson(first)) == 40
    assert "add --offset 40 for the next page" in first.stderr
    second = cli("logs", "--limit", "40", "--offset", "40", "--format", "ndjson")
    ids = {e["id"] for e in ndjson(first)}
    assert ids.isdisjoint(e["id"] for e in ndjson(second))


def test_all_pages_no_repeat_every_entry(run: Callable[..., Run]) -> None:
    result = run()("logs", "--all", "--limit", "50", "--format", "ndjson")
    assert result.exit_code == 0
    entries = ndjson(result)
    assert len(entries) == 230 == len({e["id"] for e in entries})
    assert "230 requests in 5 pages" in result.stderr


def test_json_is_the_page_envelopes(run: Callable[..., Run]) -> None:
    cli = run()
    one = json.loads(cli("logs", "--limit", "5", "--format", "json").stdout)
    assert len(one["logs"]) == 5 and one["pagination"]["total_count"] == 230
    many = json.loads(cli("logs", "--all", "--limit", "100", "--format", "json").stdout)
    assert isinstance(many, list) and [len(p["logs"]) for p in many] == [100, 100, 30]


def test_ndjson_lines_are_the_entries_as_sent(run: Callable[..., Run]) -> None:
    cli = run()
    page = json.loads(cli("logs", "--limit", "3", "--format", "json").stdout)
    lines = ndjson(cli("logs", "--limit", "3", "--format", "ndjson"))
    assert lines == page["logs"]
    assert list(lines[0]) == list(page["logs"][0])  # the gateway's key order


def test_filters_reach_the_gateway_and_sorting(run: Callable[..., Run]) -> None:
    cli = run(requests=800)
    semantic = ndjson(
        cli("logs", "--cache-hit", "semantic", "--limit", "200", "--format", "ndjson")
    )
    assert semantic and all(e["cache_debug"]["hit_type"] == "semantic" for e in semantic)
    anyhit = ndjson(cli("logs", "--cache-hit", "any", "--limit", "200", "--format", "ndjson"))
    assert {e["cache_debug"]["hit_type"] for e in anyhit} == {"direct", "semantic"}
    errors = ndjson(cli("logs", "--status", "error", "--limit", "50", "--format", "ndjson"))
    assert errors and {e["status"] for e in errors} == {"error"}
    slow = ndjson(cli("logs", "--min-latency", "2000", "--sort", "latency", "--order", "asc",
                      "--limit", "30", "--format", "ndjson"))  # fmt: skip
    latencies = [e["latency"] for e in slow]
    assert latencies == sorted(latencies) and min(latencies) >= 2000
    emb = ndjson(cli("logs", "--object", "embedding", "--provider", "openai", "--format", "ndjson"))
    assert emb and {(e["object"], e["provider"]) for e in emb} == {("embedding", "openai")}


def test_misses_are_filtered_here_and_said_so(run: Callable[..., Run]) -> None:
    result = run()("logs", "--cache-hit", "miss", "--all", "--format", "ndjson")
    assert result.exit_code == 0
    misses = ndjson(result)
    assert misses and all(e["cache_debug"]["cache_hit"] is False for e in misses)
    assert "misses are filtered here" in result.stderr
    assert f"{len(misses)} of 230 entries read are misses" in result.stderr


def test_csv_and_table(run: Callable[..., Run]) -> None:
    cli = run()
    rows = list(csv.DictReader(io.StringIO(cli("logs", "--limit", "60", "--format", "csv").stdout)))
    assert len(rows) == 60 and "cache" in rows[0] and "similarity" in rows[0]
    assert {r["cache"].split(" ")[0] for r in rows} <= {"HIT", "miss", ""}
    table = cli("logs", "--limit", "8").stdout.splitlines()
    assert table[0].split()[:3] == ["TIME", "STATUS", "PROVIDER/MODEL"] and len(table) == 9


def test_bad_flags_are_usage_errors(run: Callable[..., Run]) -> None:
    cli = run()
    since = cli("logs", "--since", "last tuesday")
    assert since.exit_code == 2 and "--since: not an ISO 8601 time" in since.stderr
    limit = cli("logs", "--limit", "1001")
    assert limit.exit_code == 2 and "limit must be 1..1000" in limit.stderr
    latency = cli("logs", "--min-latency", "10", "--max-latency", "5")
    assert latency.exit_code == 2 and "min latency is above max latency" in latency.stderr
    assert cli("logs", "--status", "weird").exit_code == 2


def test_show_in_words_and_as_sent(run: Callable[..., Run]) -> None:
    cli = run(requests=400)
    hit = ndjson(cli("logs", "--cache-hit", "semantic", "--limit", "1", "--format", "ndjson"))[0]
    words = cli("logs", "show", hit["id"])
    assert words.exit_code == 0, words.output
    assert f"id: {hit['id']}" in words.stdout
    assert "cache: HIT semantic" in words.stdout and "vs threshold" in words.stdout
    assert "median miss" in words.stdout
    raw = json.loads(cli("logs", "show", hit["id"], "--format", "json").stdout)
    assert raw["id"] == hit["id"] and "input_history" in raw
    missing = cli("logs", "show", "no-such-id")
    assert missing.exit_code == 1 and "no request-log entry" in missing.stderr


def test_cache_stats_in_words_compare_and_json(run: Callable[..., Run]) -> None:
    cli = run(requests=500)
    words = cli("cache-stats")
    assert words.exit_code == 0
    assert "Cache hit rate:" in words.stdout and "Direct hits:" in words.stdout
    assert "Semantic hits:" in words.stdout and "Total requests: 500" in words.stdout
    compared = cli("cache-stats", "--period", "30d", "--compare")
    assert compared.exit_code == 0 and "previous period" in compared.stdout
    raw = json.loads(cli("cache-stats", "--format", "json", "--provider", "openai").stdout)
    assert raw["total_requests"] < 500 and "cache_hit_rate_total_requests" in raw
    assert cli("cache-stats", "--compare").exit_code == 2
    assert cli("cache-stats", "--cache-hit", "miss").exit_code == 2


def test_a_virtual_key_alone_is_one_line_exit_1(run: Callable[..., Run]) -> None:
    vk = {"auth": "bearer", "token": SecretStr("sk-bf-demo-7c1e2a9f3a")}
    cli = run(settings=vk, auth="vk+admin")
    for args in (("logs",), ("cache-stats",), ("logs", "show", "x")):
        result = cli(*args)
        assert result.exit_code == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "admin credentials" in lines[0]
        assert "MPILOT_ADMIN_USERNAME" in lines[0] and "MPILOT_ADMIN_PASSWORD" in lines[0]
        assert "7c1e2a9f3a" not in result.output
    admin = {**vk, "username": "admin", "password": SecretStr("admin")}
    assert run(settings=admin, auth="vk+admin")("logs", "--limit", "3").exit_code == 0


def test_a_gateway_without_logging(run: Callable[..., Run]) -> None:
    cli = run(logging=False)
    for args in (("logs",), ("cache-stats",), ("logs", "show", "x")):
        result = cli(*args)
        assert result.exit_code == 1
        assert "keeps no request log" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
