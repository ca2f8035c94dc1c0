"""The headless CLI as a subprocess against demo-server on a real loopback socket.

The listing tests run against each gateway generation the demo emulates (1.4, 1.5, 2.2).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers_generations import GENERATIONS
from helpers_net import cli_env, demo_server, free_port

from mpilot_tui.demo import DemoConfig

# Under `--dist loadgroup` the real-terminal and real-socket tests share one worker, and the
# module's demo-server starts once.
pytestmark = pytest.mark.xdist_group("e2e")

VK = "sk-bf-e2e-secret-77aa"
DEMO_KEY = DemoConfig().virtual_key
"""The key demo-server accepts unless told otherwise (its banner prints it)."""


@pytest.fixture(scope="module", params=GENERATIONS, ids=[f"bifrost-{g}" for g in GENERATIONS])
def generation(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def gateway(generation: str) -> Iterator[str]:
    args = ("--bifrost", generation, "--keys", "3", "--auth", "vk", "--virtual-key", VK)
    with demo_server(*args) as base_url:
        yield base_url


def run(
    tmp_path: Path, *args: str, token: str | None = VK, **env: str
) -> subprocess.CompletedProcess[str]:
    extra = {"MPILOT_TOKEN": token} if token else {}
    extra.update(env)
    return subprocess.run(
        [sys.executable, "-m", "mpilot_tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=cli_env(str(tmp_path / "config.toml"), **extra),
    )


def test_all_files_as_ndjson_over_three_keys(gateway: str, tmp_path: Path) -> None:
    result = run(tmp_path, "files", "--base-url", gateway, "--all", "--format", "ndjson")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1200
    ids = [json.loads(line)["id"] for line in lines]
    assert len(set(ids)) == 1200
    assert "1,200 files" in result.stderr
    assert VK not in result.stdout + result.stderr


def test_one_page_says_how_to_get_the_next(gateway: str, tmp_path: Path) -> None:
    result = run(tmp_path, "files", "--base-url", gateway, "--limit", "7", "--format", "json")
    assert result.returncode == 0, result.stderr
    envelope = json.loads(result.stdout)
    assert len(envelope["data"]) == 7 and envelope["has_more"] is True
    assert f"--after {envelope['after']}" in result.stderr
    nxt = run(tmp_path, "files", "--base-url", gateway, "--limit", "7", "--after",
              envelope["after"], "--format", "ndjson")  # fmt: skip
    assert nxt.returncode == 0
    first_of_next = json.loads(nxt.stdout.splitlines()[0])["id"]
    assert first_of_next not in {item["id"] for item in envelope["data"]}


def test_csv_and_table(gateway: str, tmp_path: Path) -> None:
    result = run(tmp_path, "files", "--base-url", gateway, "--limit", "5", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:3] == ["id", "filename", "purpose"]
    assert len(rows) == 6
    table = run(tmp_path, "files", "--base-url", gateway, "--limit", "5")
    lines = table.stdout.splitlines()
    assert lines[0].startswith("ID")
    assert all(len(line) <= 80 for line in lines)


def test_container_files_and_containers(gateway: str, tmp_path: Path) -> None:
    containers = run(tmp_path, "containers", "--base-url", gateway, "--format", "ndjson")
    assert containers.returncode == 0, containers.stderr
    container_id = json.loads(containers.stdout.splitlines()[0])["id"]
    files = run(tmp_path, "container-files", container_id, "--base-url", gateway, "--all",
                "--format", "ndjson", "--limit", "9")  # fmt: skip
    assert files.returncode == 0, files.stderr
    assert len(files.stdout.splitlines()) == 40


def test_gateway_error_exit_1_one_line(gateway: str, tmp_path: Path) -> None:
    result = run(tmp_path, "files", "--base-url", gateway, "--provider", "groq")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("mpilot-tui: error: 500")
    assert "not supported" in lines[0]


def test_wrong_key_is_401_and_never_printed(gateway: str, generation: str, tmp_path: Path) -> None:
    wrong = "sk-bf-wrong-key-0000-9f3a"
    result = run(tmp_path, "files", "--base-url", gateway, token=wrong)
    assert result.returncode == 1
    code = "access_not_found" if generation == "2.2" else "virtual_key_not_found"
    assert "401" in result.stderr and code in result.stderr
    assert wrong not in result.stdout + result.stderr


def test_dashboard_html_is_exit_4(gateway: str, tmp_path: Path) -> None:
    result = run(tmp_path, "files", "--base-url", gateway + "/dashboard")
    assert result.returncode == 4
    assert "serves the dashboard, not the API" in result.stderr


def test_connection_refused_is_exit_3(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run(tmp_path, "files", "--base-url", url, "--timeout", "2")
    assert result.returncode == 3
    assert "127.0.0.1" in result.stderr and "refused" in result.stderr


def test_usage_errors_are_exit_2(gateway: str, tmp_path: Path) -> None:
    limit = run(tmp_path, "container-files", "cntr_x", "--base-url", gateway, "--limit", "101")
    assert limit.returncode == 2
    assert "limit must be 1..100" in limit.stderr
    nothing = run(tmp_path, "files", token=None)
    assert nothing.returncode == 2
    assert "--demo" in nothing.stderr


def test_demo_flag_counts_the_documented_default(tmp_path: Path) -> None:
    result = run(tmp_path, "files", "--demo", "--provider", "openai", "--all", "--format",
                 "ndjson", token=None)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1200


def test_a_failed_first_page_writes_nothing_to_stdout(tmp_path: Path) -> None:
    for fmt in ("csv", "json", "ndjson", "table"):
        result = run(tmp_path, "containers", "--demo", "--provider", "azure", "--format", fmt,
                     "--all", token=None)  # fmt: skip
        assert result.returncode == 1, result.stderr
        assert result.stdout == "", fmt
        assert "not supported by azure" in result.stderr


@pytest.mark.parametrize("flag", [["--base-url", "http://127.0.0.1:9"], ["--profile", "work"]])
def test_demo_with_another_gateway_is_a_usage_error(tmp_path: Path, flag: list[str]) -> None:
    result = run(tmp_path, "files", "--demo", *flag, token=None)
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"cannot be combined with {flag[0]}" in result.stderr
    before = run(tmp_path, "--demo", *flag, "files", token=None)
    assert before.returncode == 2 and flag[0] in before.stderr


@pytest.mark.parametrize("columns", ["200", "80", "40"])
def test_cli_tables_never_cut_an_id(tmp_path: Path, columns: str) -> None:
    containers = run(tmp_path, "containers", "--demo", "--format", "ndjson", token=None)
    ids = [json.loads(line)["id"] for line in containers.stdout.splitlines()]
    table = run(tmp_path, "containers", "--demo", token=None, COLUMNS=columns)
    assert table.returncode == 0, table.stderr
    shown = [line.split()[0] for line in table.stdout.splitlines()[1:]]
    assert shown == ids
    files = run(tmp_path, "container-files", ids[0], "--demo", "--format", "ndjson", token=None)
    file_ids = [json.loads(line)["id"] for line in files.stdout.splitlines()]
    files_table = run(tmp_path, "container-files", ids[0], "--demo", token=None, COLUMNS=columns)
    assert [line.split()[0] for line in files_table.stdout.splitlines()[1:]] == file_ids


@pytest.mark.parametrize(
    "env",
    [
        {"PYTHONIOENCODING": "latin-1"},
        {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0", "PYTHONIOENCODING": ""},
    ],
)
def test_cli_on_a_non_utf8_output_writes_what_it_can_hold(
    tmp_path: Path, env: dict[str, str]
) -> None:
    table = run(tmp_path, "files", "--demo", "--limit", "20", token=None, COLUMNS="80", **env)
    assert table.returncode == 0, table.stderr
    assert "Traceback" not in table.stderr
    lines = table.stdout.splitlines()
    assert len(lines) == 21 and "..." in table.stdout
    assert len({len(line) for line in lines[1:]}) == 1  # the stand-in keeps the columns aligned
    shown = run(tmp_path, "files", "--demo", "--format", "ndjson", "--limit", "3", token=None,
                **env)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    for line in shown.stdout.splitlines():
        json.loads(line)


# -- demo-server itself ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def gateway_22_demo_key() -> Iterator[str]:
    with demo_server("--bifrost", "2.2", "--auth", "vk", "--keys", "3") as base_url:
        yield base_url


def test_the_demo_key_lists_every_file_of_a_22_gateway_once(
    gateway_22_demo_key: str, tmp_path: Path
) -> None:
    # MPILOT_TOKEN=<demo key> mpilot-tui files --all, against demo-server --bifrost 2.2
    # --auth vk --keys 3: every file, each once, across the three provider keys.
    base = gateway_22_demo_key
    result = run(tmp_path, "files", "--base-url", base, "--all", "--format", "ndjson",
                 token=DEMO_KEY)  # fmt: skip
    assert result.returncode == 0, result.stderr
    items = [json.loads(line) for line in result.stdout.splitlines()]
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == 1200
    # 2.x list items: no expires_at / updated_at, and pending_upload among the statuses.
    assert not any("updated_at" in item and item["updated_at"] for item in items)
    assert "pending_upload" in {item["status"] for item in items}
    assert DEMO_KEY not in result.stdout + result.stderr


def test_a_revoked_key_on_a_22_gateway_exits_1_naming_401(
    gateway_22_demo_key: str, tmp_path: Path
) -> None:
    revoked = "sk-bf-revoked-0000-1234"
    result = run(tmp_path, "files", "--base-url", gateway_22_demo_key, token=revoked)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "401" in result.stderr and "access_not_found" in result.stderr
    assert revoked not in result.stderr


def _start(*args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "mpilot_tui", "demo-server", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_demo_server_banner_says_what_it_serves(tmp_path: Path) -> None:
    port = free_port()
    process = _start("--port", str(port), "--bifrost", "2.2", "--auth", "vk+admin",
                     "--files", "40", "--keys", "2", "--list-cache-debug",
                     "--content-delay-ms", "250", "--access-log")  # fmt: skip
    assert process.stderr is not None
    try:
        lines = [process.stderr.readline() for _ in range(8)]
        banner = "".join(lines)
        assert f"listening on http://127.0.0.1:{port} (Bifrost 2.2, v2.2.5)" in lines[0]
        assert "vk+admin" in banner and DEMO_KEY in banner and "admin / admin" in banner
        assert "40 for every provider with file support, 2 provider key(s)" in banner
        assert "cache_debug on lists" in banner and "250 ms" in banner
        # --access-log: one line a request.
        health = run(tmp_path, "files", "--base-url", f"http://127.0.0.1:{port}", "--limit", "1",
                     token=DEMO_KEY)  # fmt: skip
        assert health.returncode == 0, health.stderr
        logged = process.stderr.readline()
        assert "GET /openai/v1/files" in logged and "200" in logged
        assert DEMO_KEY not in logged
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_demo_server_on_a_taken_port_exits_3_with_one_line() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        process = _start("--port", str(port))
        out, err = process.communicate(timeout=60)
    assert process.returncode == 3
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0]
    assert "listening" not in err and DEMO_KEY not in err
