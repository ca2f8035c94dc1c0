"""Targets 5 and 8: headless listing of 10,000 files, ours against the openai SDK's paging.

One ``mpilot-tui demo-server --files N --keys 1`` on loopback serves both clients:

- ours: ``mpilot-tui files --all --format ndjson --limit 100 --provider openai --auth none
  --base-url http://127.0.0.1:PORT``;
- the SDK: a ``python -c`` script that iterates ``OpenAI(base_url=.../openai/v1).files.list(
  limit=100)`` (which follows ``after=<last id>`` page by page) and prints each file as JSON.

Each figure is the wall time of a whole process, from spawn to exit, with stdout read by this
script (its lines are counted to check that every file came through). Runs alternate
(ours, SDK, ours, ...) after one unmeasured warm-up of each; figures are medians. For
context, the same two listing loops are also timed inside this process (no interpreter start,
no imports), which shows how much of the difference is start-up.

Then (issue 15, target 8; skipped with ``--ndjson-only``) the same for ``--format csv`` and
``--format table`` (``COLUMNS=120``), against SDK scripts writing the same rows: the CSV
columns with the ``csv`` module, and the table's columns as plain text lines (not fitted to
a width). Each process's lines are counted (a header, then one line a file).

    python bench/headless_listing.py
    python bench/headless_listing.py --files 10000 --runs 9
    python bench/headless_listing.py --tiny
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from _common import base_parser, machine, median, print_table, verdict
from cold_start import byte_compile

RUNS = 5
MIN_SPEEDUP = 1.5
SDK_SCRIPT = """
import sys
from openai import OpenAI
client = OpenAI(base_url=sys.argv[1], api_key="unused", max_retries=0)
write = sys.stdout.write
for item in client.files.list(limit=int(sys.argv[2])):
    write(item.model_dump_json())
    write("\\n")
"""
SDK_CSV_SCRIPT = """
import csv, sys
from openai import OpenAI
FIELDS = %r
client = OpenAI(base_url=sys.argv[1], api_key="unused", max_retries=0)
out = csv.writer(sys.stdout, lineterminator="\\n")
out.writerow(FIELDS)
for item in client.files.list(limit=int(sys.argv[2])):
    out.writerow([getattr(item, name, None) for name in FIELDS])
"""
SDK_TABLE_SCRIPT = """
import sys
from openai import OpenAI
FIELDS = %r
client = OpenAI(base_url=sys.argv[1], api_key="unused", max_retries=0)
write = sys.stdout.write
write("  ".join(name.upper() for name in FIELDS) + "\\n")
for item in client.files.list(limit=int(sys.argv[2])):
    write("  ".join(str(getattr(item, name, None) or "") for name in FIELDS) + "\\n")
"""
"""The SDK's side of ``--format csv`` / ``--format table``: the same rows, with the same
fields (the CSV columns; the table's columns as plain text, not fitted to a width: a
cheaper job than ours)."""


def cli() -> list[str]:
    script = Path(sys.executable).with_name("mpilot-tui")
    if script.exists():
        return [str(script)]
    found = shutil.which("mpilot-tui")
    return [found] if found else [sys.executable, "-m", "mpilot_tui"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(files: int, latency_ms: int = 0) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [*cli(), "demo-server", "--port", str(port), "--files", str(files), "--keys", "1"]
    if latency_ms:
        command += ["--latency-ms", str(latency_ms)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.05)
    server.terminate()
    raise SystemExit("the demo server did not start")


def clean_env() -> dict[str, str]:
    """The environment without settings that could point either client elsewhere."""
    drop = ("MPILOT_", "OPENAI_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def timed_lines(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=env or clean_env(), check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {done.stderr.decode()[-2000:]}")
    return elapsed, done.stdout.count(b"\n")


async def ours_in_process(base: str, limit: int) -> int:
    from mpilot_tui.api import GatewayClient
    from mpilot_tui.api.settings import ConnectionSettings

    count = 0
    settings = ConnectionSettings(base_url=base, auth="none")
    async with GatewayClient(settings) as client:
        async for page in client.iter_files("openai", None, limit, None, "desc"):
            for item in page.items:
                item.model_dump_json(exclude_unset=True)
                count += 1
    return count


def sdk_in_process(base: str, limit: int) -> int:
    from openai import OpenAI

    count = 0
    client = OpenAI(base_url=f"{base}/openai/v1", api_key="unused", max_retries=0)
    for item in client.files.list(limit=limit):
        item.model_dump_json()
        count += 1
    client.close()
    return count


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=None, help="files on the server (10000)")
    parser.add_argument("--runs", type=int, default=None, help=f"measured runs of each ({RUNS})")
    parser.add_argument(
        "--ndjson-only", action="store_true", help="target 5 alone (not 8's csv and table)"
    )
    args = parser.parse_args()
    files = args.files or (300 if args.tiny else 10_000)
    runs = args.runs or (1 if args.tiny else RUNS)
    limit = 100

    print(f"headless listing: {files:,} files, pages of {limit}, loopback; {machine()}")
    byte_compile()  # as installed: see cold_start.byte_compile
    server, base = start_server(files)
    try:
        ours_cmd = [*cli(), "files", "--all", "--format", "ndjson", "--limit", str(limit),
                    "--provider", "openai", "--auth", "none", "--base-url", base]  # fmt: skip
        sdk_cmd = [sys.executable, "-c", SDK_SCRIPT, f"{base}/openai/v1", str(limit)]
        timed_lines(ours_cmd)  # warm-up
        timed_lines(sdk_cmd)
        ours: list[float] = []
        sdk: list[float] = []
        for _ in range(runs):
            for command, times in ((ours_cmd, ours), (sdk_cmd, sdk)):
                elapsed, lines = timed_lines(command)
                if lines != files:
                    raise SystemExit(f"{command[0]} printed {lines} lines, expected {files}")
                times.append(elapsed)
        inner_ours: list[float] = []
        inner_sdk: list[float] = []
        for _ in range(runs):
            started = time.perf_counter()
            assert asyncio.run(ours_in_process(base, limit)) == files
            inner_ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert sdk_in_process(base, limit) == files
            inner_sdk.append(time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(timeout=10)

    print()
    print_table(
        ("measure", "ours ms", "SDK ms", "SDK / ours"),
        [
            ("whole process (the target)", median(ours) * 1000, median(sdk) * 1000,
             median(sdk) / median(ours)),
            ("listing loop only, in-process", median(inner_ours) * 1000,
             median(inner_sdk) * 1000, median(inner_sdk) / median(inner_ours)),
        ],
    )  # fmt: skip
    print(f"runs, ours (ms): {' '.join(f'{t * 1000:.0f}' for t in ours)}")
    print(f"runs, SDK  (ms): {' '.join(f'{t * 1000:.0f}' for t in sdk)}")
    print()
    speedup = median(sdk) / median(ours)
    ok = verdict(
        "5 headless listing",
        speedup >= MIN_SPEEDUP,
        f"ours {median(ours) * 1000:.0f} ms, SDK {median(sdk) * 1000:.0f} ms: "
        f"{speedup:.2f}x faster (at least {MIN_SPEEDUP}x wanted)",
    )
    if not args.ndjson_only:
        ok = other_formats(files, runs, limit) and ok
    return 0 if ok or args.tiny else 1


def _children_cpu() -> float:
    """User and system CPU seconds of the child processes waited for so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def other_formats(files: int, runs: int, limit: int) -> bool:
    """Target 8 (issue 15): ``--format csv`` and ``--format table`` against the SDK writing
    the same rows, whole processes, alternating, on a server of their own."""
    from mpilot_tui.formats.table import COLUMNS, CSV_FIELDS

    sdk_scripts = {
        "csv": SDK_CSV_SCRIPT % (CSV_FIELDS["files"],),
        "table": SDK_TABLE_SCRIPT % (tuple(c.key for c in COLUMNS["files"]),),
    }
    env = {**clean_env(), "COLUMNS": "120"}
    server, base = start_server(files)
    figures: dict[str, tuple[list[float], list[float]]] = {}
    cpu: dict[str, tuple[list[float], list[float]]] = {}
    try:
        for fmt, script in sdk_scripts.items():
            ours_cmd = [*cli(), "files", "--all", "--format", fmt, "--limit", str(limit),
                        "--provider", "openai", "--auth", "none", "--base-url", base]  # fmt: skip
            sdk_cmd = [sys.executable, "-c", script, f"{base}/openai/v1", str(limit)]
            timed_lines(ours_cmd, env)  # warm-up
            timed_lines(sdk_cmd, env)
            ours: list[float] = []
            sdk: list[float] = []
            ours_cpu: list[float] = []
            sdk_cpu: list[float] = []
            for _ in range(runs):
                for command, times, cpus in ((ours_cmd, ours, ours_cpu), (sdk_cmd, sdk, sdk_cpu)):
                    before = _children_cpu()
                    elapsed, lines = timed_lines(command, env)
                    cpus.append(_children_cpu() - before)
                    if lines != files + 1:  # the header, then a line a file
                        raise SystemExit(f"{fmt}: {lines} lines, expected {files + 1}")
                    times.append(elapsed)
            figures[fmt] = (ours, sdk)
            cpu[fmt] = (ours_cpu, sdk_cpu)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print()
    print_table(
        ("format (whole process)", "ours ms", "SDK ms", "SDK / ours"),
        [(fmt, median(o) * 1000, median(k) * 1000, median(k) / median(o))
         for fmt, (o, k) in figures.items()],
    )  # fmt: skip
    print_table(
        ("format (process CPU, user+sys)", "ours ms", "SDK ms", "SDK / ours"),
        [(fmt, median(o) * 1000, median(k) * 1000, median(k) / median(o))
         for fmt, (o, k) in cpu.items()],
    )  # fmt: skip
    print("(CPU time is the fairer comparison on a loaded machine: the wall time of both")
    print(" then waits mostly on the server's turn for a core; the verdict stays on wall time)")
    for fmt, (o, k) in figures.items():
        print(f"runs, {fmt} ours (ms): {' '.join(f'{t * 1000:.0f}' for t in o)}")
        print(f"runs, {fmt} SDK  (ms): {' '.join(f'{t * 1000:.0f}' for t in k)}")
    print()
    ratios = {fmt: median(k) / median(o) for fmt, (o, k) in figures.items()}
    passed: bool = verdict(
        "8 headless listing, csv and table",
        all(r >= MIN_SPEEDUP for r in ratios.values()),
        ", ".join(f"{fmt} {r:.2f}x" for fmt, r in ratios.items())
        + f" faster than the SDK writing the same rows (at least {MIN_SPEEDUP}x wanted)",
    )
    return passed


if __name__ == "__main__":
    raise SystemExit(main())
