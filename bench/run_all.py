"""Run every benchmark in turn and end with their PASS/FAIL lines.

    python bench/run_all.py            # full sizes (about 15 minutes on a 2-core VM)
    python bench/run_all.py --tiny     # seconds each: only checks that the scripts work

Any other arguments are passed to every script.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPTS = (
    "cold_start.py",
    "paging.py",
    "cursor.py",
    "memory.py",
    "headless_listing.py",
    "perceived_paging.py",
)
"""In the order of the targets (1 to 6)."""


def main() -> int:
    here = Path(__file__).resolve().parent
    verdicts: list[str] = []
    failed = 0
    for script in SCRIPTS:
        print(f"\n=== {script} ===", flush=True)
        done = subprocess.run(
            [sys.executable, str(here / script), *sys.argv[1:]],
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        print(done.stdout, end="", flush=True)
        verdicts += [line for line in done.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
        failed += done.returncode != 0
    print("\n=== summary ===")
    print("\n".join(verdicts))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
