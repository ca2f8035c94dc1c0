"""Target 2: appending a page of 100 rows and repainting costs the same at 1k and at 1M rows.

For each size an app is filled (untimed) and scrolled to its end, so that the new rows land
on screen; then each timed step is what happens when a page arrives:

- ours: ``BrowserScreen.on_browser_screen_page_loaded`` (page guard, ``RowStore.append_page``,
  ``FileTable.rows_appended``, status bar) in the real browser screen, then one frame;
- baseline: ``DataTable.add_rows`` with the same 100 rows as cell strings (made inside the
  timed step), the dimension update DataTable defers to idle, then one frame.

A frame is painted synchronously and encoded for a terminal (``_common.render_frame``).
One app per size is open at once and the timed steps go round the sizes in turn (in a new
shuffled order each round), so that the noise of a shared machine falls on every size alike.
Figures are medians of wall time (ms); CPU ms is the event-loop thread's CPU time over the
same step. DataTable gets a third of the steps (each takes seconds at 1M rows).

    python bench/paging.py                          # 1k, 10k, 100k, 1M; both tables
    python bench/paging.py --datatable-max 100000   # spare the 1M-row DataTable (~3 minutes)
    python bench/paging.py --tiny
"""

from __future__ import annotations

import asyncio
import random
import time
from contextlib import AsyncExitStack
from typing import Any

from _common import (
    PageFactory,
    base_parser,
    machine,
    median,
    percentile,
    print_table,
    verdict,
)
from _subjects import DataTableSubject, OursSubject, Timing

FULL_SIZES = (1_000, 10_000, 100_000, 1_000_000)
TINY_SIZES = (200, 1_000)
STEPS = 60
"""Timed appends per size."""
BUDGET_MS = 16.0
"""One frame at 60 Hz."""
MAX_RATIO = 1.2


async def run(kind: Any, sizes: tuple[int, ...], steps: int) -> dict[int, list[Timing]]:
    factory = await PageFactory.from_demo()
    results: dict[int, list[Timing]] = {size: [] for size in sizes}
    shuffler = random.Random(0)
    async with AsyncExitStack() as stack:
        started = time.perf_counter()
        subjects = [await kind.open(stack, factory, size) for size in sizes]
        print(f"({kind.name}: filled in {time.perf_counter() - started:.1f} s)", flush=True)
        order = list(zip(sizes, subjects, strict=True))
        for _ in range(steps):
            shuffler.shuffle(order)  # no size always runs first or after the largest
            for size, subject in order:
                results[size].append(await subject.append_step())
    return results


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help=f"timed appends per size ({STEPS})")
    parser.add_argument(
        "--datatable-max", type=int, default=None, help="largest size to run DataTable at"
    )
    args = parser.parse_args()
    sizes = TINY_SIZES if args.tiny else FULL_SIZES
    steps = args.steps or (5 if args.tiny else STEPS)
    dt_max = args.datatable_max if args.datatable_max is not None else sizes[-1]
    dt_sizes = tuple(size for size in sizes if size <= dt_max)

    dt_steps = max(3, steps // 3)
    print(
        f"paging: a page of 100 rows appended + one frame; {machine()}; "
        f"{steps} steps per size ({dt_steps} for DataTable)"
    )
    ours = asyncio.run(run(OursSubject, sizes, steps))
    theirs = asyncio.run(run(DataTableSubject, dt_sizes, dt_steps)) if dt_sizes else {}

    def wall(timings: list[Timing]) -> list[float]:
        return [w for w, _ in timings]

    def cpu(timings: list[Timing]) -> list[float]:
        return [c for _, c in timings]

    first = median(wall(ours[sizes[0]]))
    rows = []
    for size in sizes:
        mine = ours[size]
        row: list[Any] = [
            size,
            median(wall(mine)),
            percentile(wall(mine), 0.9),
            median(cpu(mine)),
            median(wall(mine)) / first,
        ]
        if size in theirs:
            base = median(wall(theirs[dt_sizes[0]]))
            row += [
                median(wall(theirs[size])),
                percentile(wall(theirs[size]), 0.9),
                median(cpu(theirs[size])),
                median(wall(theirs[size])) / base,
            ]
        else:
            row += ["-", "-", "-", "-"]
        rows.append(row)
    print()
    print_table(
        ("rows loaded", "ours ms", "p90", "CPU ms", "x first",
         "DataTable ms", "p90", "CPU ms", "x first"),
        rows,
    )  # fmt: skip
    print()
    large = median(wall(ours[sizes[-1]]))
    ratio = large / first
    ok = verdict(
        "2 paging cost flat",
        ratio <= MAX_RATIO and large < BUDGET_MS,
        f"{large:.2f} ms at {sizes[-1]:,} rows = {ratio:.2f}x the {first:.2f} ms at "
        f"{sizes[0]:,} (limits {MAX_RATIO}x, {BUDGET_MS:.0f} ms)",
    )
    return 0 if ok or args.tiny else 1


if __name__ == "__main__":
    raise SystemExit(main())
