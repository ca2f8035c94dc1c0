"""Every benchmark script still runs: each is started at a tiny size (``--tiny``).

The figures of a tiny run mean nothing and the verdict is not checked; what is checked is that
the script finishes, prints its table and one PASS/FAIL line per target, and is described in
``bench/README.md``. The full runs and their figures: ``docs/benchmarks.md``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = {
    "cold_start.py": "1",
    "paging.py": "2",
    "cursor.py": "3",
    "memory.py": "4",
    "headless_listing.py": "5",
    "perceived_paging.py": "6",
    "interactive.py": "1-5",
    "request_log.py": "R",
    "requests_interactive.py": "RV",
    "bulk_paging.py": "9.",
}
"""Each script and the target it reports on."""


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_benchmark_runs_at_a_tiny_size(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--tiny"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=BENCH,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    verdicts = re.findall(rf"^(PASS|FAIL)  {SCRIPTS[script]} .+$", done.stdout, re.MULTILINE)
    assert len(verdicts) == 1, done.stdout
    assert "----" in done.stdout, "the figures table is missing"


INTERACTIVE_OPS = {
    "filter_first_char", "filter_next_char", "filter_max_block", "sort", "sorted_append",
    "export_csv", "export_ndjson", "scroll_max_pause",
}  # fmt: skip
"""The ops ``interactive.py --json`` must report (the issue's contract for the benchmarks)."""


def test_interactive_json_lines_keep_the_contract() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "interactive.py"), "--rows", "500", "--json", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=BENCH,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    *ops, last = lines
    assert last["op"] == "peak_rss_mb" and last["rows"] == 500 and last["value"] > 0
    assert set(last) == {"op", "rows", "value"}
    assert {line["op"] for line in ops} >= INTERACTIVE_OPS
    for line in ops:
        assert set(line) == {"op", "rows", "median_ms", "max_ms"}, line
        assert line["rows"] == 500
        assert 0 <= line["median_ms"] <= line["max_ms"], line


def test_every_script_is_documented() -> None:
    readme = (BENCH / "README.md").read_text(encoding="utf-8")
    on_disk = {p.name for p in BENCH.glob("*.py") if not p.name.startswith("_")}
    # requests_rows.py prints figures and no verdict: the Requests view's per-page work.
    assert on_disk == {*SCRIPTS, "run_all.py", "requests_rows.py"}
    for name in on_disk:
        assert name in readme, f"bench/README.md does not describe {name}"
