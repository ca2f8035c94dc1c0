"""Targets 1 and 7: cold start, from process start to the first page of rows on screen.

Measured from outside, with no hook in the app: ``mpilot-tui --demo`` runs on a
pseudo-terminal of 120x36 (``TERM=xterm-256color``) and this script reads everything the app
writes to it. The clock starts just before the process is spawned and stops when the bytes
on the terminal contain both the first and the fifteenth id of the demo listing's first page
(ids this script looks up beforehand from the same demo gateway; only their first 12
characters, as a narrow id column may truncate them): the first page of rows has been
painted. The app is then ended (SIGTERM to the process this script started).

The yardstick is ``python -c "import textual.app, httpx, pydantic"``, from spawn to exit,
with the same interpreter. Runs alternate (yardstick, app, yardstick, app, ...) after one
unmeasured warm-up of each, so both see the same machine; the figures are medians.

The app's modules are byte-compiled first, as an install does (see ``byte_compile``).

    python bench/cold_start.py            # 7 runs of each
    python bench/cold_start.py --runs 15
    python bench/cold_start.py --tiny     # 2 runs of each
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from _common import base_parser, machine, median, print_table, verdict

RUNS = 7
MAX_RATIO = 2.0
ROUND_TWO_RATIO = 1.6
"""Issue 15, target 7."""
COLUMNS, LINES = 120, 36
TIMEOUT = 60.0
YARDSTICK = "import textual.app, httpx, pydantic"


def app_command() -> list[str]:
    """``mpilot-tui --demo``: the console script next to this interpreter, else ``-m``."""
    script = Path(sys.executable).with_name("mpilot-tui")
    if script.exists():
        return [str(script), "--demo"]
    found = shutil.which("mpilot-tui")
    return [found, "--demo"] if found else [sys.executable, "-m", "mpilot_tui", "--demo"]


ID_PREFIX = 12
"""Characters of an id looked for ("file-" and 7 more: unique among the demo's ids)."""


def expected_ids() -> list[bytes]:
    """The first and fifteenth ids of the first page ``--demo`` shows (their prefixes)."""
    from mpilot_tui.config.session import demo_session

    async def first_page() -> list[bytes]:
        session = demo_session()
        async with session.client() as client:
            page = await client.list_files(
                session.default_provider, None, session.page_size, None, "desc"
            )
        return [page.items[n].id[:ID_PREFIX].encode() for n in (0, 14)]

    return asyncio.run(first_page())


def time_app(command: list[str], needles: list[bytes]) -> tuple[float, float]:
    """Seconds from spawn to the first byte on the terminal, and to all ``needles`` shown."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    seen = b""
    first_byte = shown = float("nan")
    try:
        while time.perf_counter() - started < TIMEOUT:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 1 << 16)
            except OSError:
                break
            now = time.perf_counter()
            if not seen:
                first_byte = now - started
            seen += data
            if all(needle in seen for needle in needles):
                shown = now - started
                break
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(master)
    if shown != shown:  # NaN: never shown
        raise SystemExit(f"the rows never appeared; the terminal got {len(seen)} bytes")
    return first_byte, shown


def time_yardstick() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", YARDSTICK], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help=f"measured runs of each ({RUNS})")
    args = parser.parse_args()
    runs = args.runs or (2 if args.tiny else RUNS)
    command = app_command()
    needles = expected_ids()
    print(f"cold start: spawn to first page of rows on a {COLUMNS}x{LINES} pty; {machine()}")
    byte_compile()
    time_yardstick()  # warm-up: bytecode caches, file cache
    time_app(command, needles)
    yardsticks: list[float] = []
    first_bytes: list[float] = []
    shown: list[float] = []
    for _ in range(runs):
        yardsticks.append(time_yardstick())
        first, rows = time_app(command, needles)
        first_bytes.append(first)
        shown.append(rows)

    def ms(values: list[float]) -> str:
        return " ".join(f"{v * 1000:.0f}" for v in values)

    print()
    print_table(
        ("measure", "median ms", "min ms", "max ms", "runs (ms)"),
        [
            (f'python -c "{YARDSTICK}"', median(yardsticks) * 1000, min(yardsticks) * 1000,
             max(yardsticks) * 1000, ms(yardsticks)),
            ("mpilot-tui --demo: first byte on the terminal", median(first_bytes) * 1000,
             min(first_bytes) * 1000, max(first_bytes) * 1000, ms(first_bytes)),
            ("mpilot-tui --demo: first page of rows shown", median(shown) * 1000,
             min(shown) * 1000, max(shown) * 1000, ms(shown)),
        ],
    )  # fmt: skip
    print()
    ratio = median(shown) / median(yardsticks)
    detail = (
        f"{median(shown) * 1000:.0f} ms to rows = {ratio:.2f}x the "
        f"{median(yardsticks) * 1000:.0f} ms of the imports alone"
    )
    ok = verdict("1 cold start", ratio <= MAX_RATIO, f"{detail} (limit {MAX_RATIO}x)")
    ok = verdict("7 cold start", ratio <= ROUND_TWO_RATIO, f"{detail} (limit {ROUND_TWO_RATIO}x)")
    return 0 if ok or args.tiny else 1


def byte_compile() -> None:
    """Compile the package's modules to bytecode first, as installing it does (pip compiles
    them). Where ``PYTHONDONTWRITEBYTECODE`` is set, every run would otherwise compile the
    app's ~100 modules from source (about a third more time to the first rows on the 2-core
    machine), a cost the yardstick's installed packages never pay. The bytecode goes to the
    package's ``__pycache__`` folders (ignored by git)."""
    import compileall

    import mpilot_tui

    compileall.compile_dir(str(Path(mpilot_tui.__file__).parent), quiet=1)


if __name__ == "__main__":
    raise SystemExit(main())
