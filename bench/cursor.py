"""Target 3: moving the cursor one row and repainting, with 1,000,000 rows loaded.

Each timed step is the down key's action (``FileTable.action_cursor_down``: the cursor
reactive, the lines it touches, scrolling when it leaves the screen, the highlight message)
and then one frame, painted synchronously and encoded for a terminal
(``_common.render_frame``); the app handles what the step queued before the next one
(untimed), so Pilot's waits are never timed. The cursor starts at the middle of the rows, on
the top line of the screen: the first ~28 moves only move the highlight, the rest also
scroll the table by one line each, as holding the key does. One app per size is open at
once and the moves go round the sizes in a new shuffled order each round.

The same moves are timed at 1,000 rows, and on Textual's DataTable (at 1,000 and at the
largest size it is given: 100,000 by default, since filling a DataTable with 1M rows takes
minutes), for comparison.

    python bench/cursor.py
    python bench/cursor.py --datatable-max 1000000
    python bench/cursor.py --tiny
"""

from __future__ import annotations

import asyncio
import random
import time
from contextlib import AsyncExitStack
from typing import Any

from _common import PageFactory, base_parser, machine, median, percentile, print_table, verdict
from _subjects import DataTableSubject, OursSubject, Timing

MOVES = 200
BUDGET_MS = 16.0
"""One frame at 60 Hz."""


async def run(kind: Any, sizes: tuple[int, ...], moves: int) -> dict[int, list[Timing]]:
    factory = await PageFactory.from_demo()
    results: dict[int, list[Timing]] = {size: [] for size in sizes}
    shuffler = random.Random(0)
    async with AsyncExitStack() as stack:
        started = time.perf_counter()
        subjects = [await kind.open(stack, factory, size) for size in sizes]
        print(f"({kind.name}: filled in {time.perf_counter() - started:.1f} s)", flush=True)
        for size, subject in zip(sizes, subjects, strict=True):
            await subject.place_cursor(max(0, size // 2 - moves // 2))
        order = list(zip(sizes, subjects, strict=True))
        for _ in range(moves):
            shuffler.shuffle(order)  # no size always runs first or after the largest
            for size, subject in order:
                results[size].append(await subject.cursor_step())
    return results


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=None, help=f"timed moves ({MOVES})")
    parser.add_argument(
        "--datatable-max", type=int, default=None, help="largest size to run DataTable at"
    )
    args = parser.parse_args()
    sizes = (200, 1_000) if args.tiny else (1_000, 1_000_000)
    moves = args.moves or (20 if args.tiny else MOVES)
    dt_max = (
        args.datatable_max if args.datatable_max is not None else (1_000 if args.tiny else 100_000)
    )
    dt_sizes = tuple(sorted({sizes[0], min(dt_max, sizes[-1])})) if dt_max >= sizes[0] else ()

    print(f"cursor: one row down + one frame; {machine()}; {moves} moves per size")
    ours = asyncio.run(run(OursSubject, sizes, moves))
    theirs = asyncio.run(run(DataTableSubject, dt_sizes, moves)) if dt_sizes else {}

    rows = []
    for name, results in (("ours", ours), ("DataTable", theirs)):
        for size, timings in results.items():
            wall = [w for w, _ in timings]
            cpu = [c for _, c in timings]
            rows.append((name, size, median(wall), percentile(wall, 0.9), max(wall), median(cpu)))
    print()
    print_table(("table", "rows loaded", "median ms", "p90 ms", "max ms", "CPU ms"), rows)
    print()
    largest = median([w for w, _ in ours[sizes[-1]]])
    ok = verdict(
        "3 cursor move",
        largest < BUDGET_MS,
        f"median {largest:.2f} ms over {moves} moves at {sizes[-1]:,} rows "
        f"(limit {BUDGET_MS:.0f} ms)",
    )
    return 0 if ok or args.tiny else 1


if __name__ == "__main__":
    raise SystemExit(main())
