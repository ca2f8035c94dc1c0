"""``logs``, ``logs show`` and ``cache-stats`` as subprocesses against demo-server on a real
loopback socket: paging, every entry once, admin auth, and a gateway without logging."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers_net import cli_env, demo_server

VK = "sk-bf-e2e-logs-5511"
ADMIN = {"MPILOT_ADMIN_USERNAME": "admin", "MPILOT_ADMIN_PASSWORD": "admin"}


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    args = ("--requests", "1500", "--auth", "vk+admin", "--virtual-key", VK)
    with demo_server(*args) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def no_logging() -> Iterator[str]:
    with demo_server("--no-logging", "--requests", "10") as base_url:
        yield base_url


def run(
    tmp_path: Path, *args: str, admin: bool = True, token: str | None = VK
) -> subprocess.CompletedProcess[str]:
    extra = {**(ADMIN if admin else {}), **({"MPILOT_TOKEN": token} if token else {})}
    return subprocess.run(
        [sys.executable, "-m", "mpilot_tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=cli_env(str(tmp_path / "config.toml"), **extra),
    )


def lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_one_page_and_how_to_get_the_next(gateway: str, tmp_path: Path) -> None:
    first = run(tmp_path, "logs", "--base-url", gateway, "--limit", "25", "--format", "ndjson")
    assert first.returncode == 0, first.stderr
    assert len(lines(first)) == 25
    assert "more available: add --offset 25 for the next page" in first.stderr
    nxt = run(tmp_path, "logs", "--base-url", gateway, "--limit", "25", "--offset", "25",
              "--format", "ndjson")  # fmt: skip
    assert {e["id"] for e in lines(first)}.isdisjoint(e["id"] for e in lines(nxt))
    assert VK not in first.stdout + first.stderr


def test_all_every_entry_once(gateway: str, tmp_path: Path) -> None:
    result = run(tmp_path, "logs", "--base-url", gateway, "--all", "--limit", "400",
                 "--format", "ndjson")  # fmt: skip
    assert result.returncode == 0, result.stderr
    ids = [e["id"] for e in lines(result)]
    assert len(ids) == 1500 == len(set(ids))
    assert "1500 requests in 4 pages" in result.stderr
    assert VK not in result.stdout + result.stderr


def test_table_with_filters(gateway: str, tmp_path: Path) -> None:
    result = run(tmp_path, "logs", "--base-url", gateway, "--cache-hit", "semantic",
                 "--limit", "10")  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert rows[0].startswith("TIME") and len(rows) == 11
    assert all("HIT semantic 0." in row for row in rows[1:])


def test_show_an_entry(gateway: str, tmp_path: Path) -> None:
    hit = lines(run(tmp_path, "logs", "--base-url", gateway, "--cache-hit", "semantic",
                    "--limit", "1", "--format", "ndjson"))[0]  # fmt: skip
    words = run(tmp_path, "logs", "show", str(hit["id"]), "--base-url", gateway)
    assert words.returncode == 0, words.stderr
    assert "cache: HIT semantic" in words.stdout and "similarity" in words.stdout
    raw = run(tmp_path, "logs", "show", str(hit["id"]), "--base-url", gateway, "--format", "json")
    assert json.loads(raw.stdout)["id"] == hit["id"]
    missing = run(tmp_path, "logs", "show", "nope", "--base-url", gateway)
    assert missing.returncode == 1 and "no request-log entry" in missing.stderr


def test_cache_stats(gateway: str, tmp_path: Path) -> None:
    words = run(tmp_path, "cache-stats", "--base-url", gateway)
    assert words.returncode == 0, words.stderr
    assert "Cache hit rate:" in words.stdout and "Total requests: 1,500" in words.stdout
    compared = run(tmp_path, "cache-stats", "--base-url", gateway, "--period", "30d", "--compare")
    assert compared.returncode == 0 and "previous period" in compared.stdout
    raw = run(tmp_path, "cache-stats", "--base-url", gateway, "--format", "json", "--period",
              "30d", "--compare")  # fmt: skip
    stats = json.loads(raw.stdout)
    assert stats["total_requests"] == 1500 and stats["has_previous_period"] is True
    assert "previous" in stats


def test_a_virtual_key_alone_needs_admin_credentials(gateway: str, tmp_path: Path) -> None:
    for args in (("logs",), ("cache-stats",), ("logs", "show", "x")):
        result = run(tmp_path, *args, "--base-url", gateway, admin=False)
        assert result.returncode == 1, result.stderr
        said = result.stderr.strip().splitlines()
        assert len(said) == 1 and "admin credentials" in said[0]
        assert "MPILOT_ADMIN_USERNAME" in said[0] and "MPILOT_ADMIN_PASSWORD" in said[0]
        assert VK not in result.stderr
    with_admin = run(tmp_path, "logs", "--base-url", gateway, "--limit", "2")
    assert with_admin.returncode == 0, with_admin.stderr


def test_a_gateway_without_logging(no_logging: str, tmp_path: Path) -> None:
    for args in (("logs",), ("cache-stats",), ("logs", "show", "x")):
        result = run(tmp_path, *args, "--base-url", no_logging, admin=False, token=None)
        assert result.returncode == 1, result.stderr
        assert "keeps no request log" in result.stderr
        assert "The base URL is fine" in result.stderr
    files = run(tmp_path, "files", "--base-url", no_logging, admin=False, token=None)
    assert files.returncode == 0
