"""Target 6: holding the down key through 2,000 rows never waits on "loading more…".

The real app runs headless (120x36) on the in-process demo gateway with 150 ms of added
latency on every API call; nothing in the app is switched off. Once the first page is on
screen, a "held key" calls the table's down action (``FileTable.action_cursor_down``, what
the down binding runs) 30 times a second until the cursor has moved 2,000 rows; the app
fetches pages by itself as the cursor goes.

A frame is 1/60 s. A sampler looks at the table once per frame and counts:

- waiting frames: the cursor is on the last loaded row while a page is on its way
  (the held key is stuck behind "loading more…");
- marker frames: the "loading more…" line is inside the visible part of the table;
- stalled keys: key presses that could not move the cursor because rows had not arrived.

The target holds when no run of waiting or marker frames is longer than one frame and no
key stalls. "Headroom" is how many loaded rows were still below the cursor at each press:
its minimum shows how early the next page was asked for.

    python bench/perceived_paging.py
    python bench/perceived_paging.py --rows 2000 --rate 30 --latency-ms 150
    python bench/perceived_paging.py --tiny
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from _common import APP_SIZE, base_parser, machine, print_table, verdict
from _subjects import wait_for

from mpilot_tui.config.session import demo_session
from mpilot_tui.demo import DemoConfig
from mpilot_tui.ui.app import create_app
from mpilot_tui.ui.widgets.file_table import FileTable

FRAME = 1 / 60


@dataclass
class Tally:
    frames: int = 0
    waiting_frames: int = 0
    marker_frames: int = 0
    longest_waiting_run: int = 0
    longest_marker_run: int = 0
    stalled_keys: int = 0
    keys: int = 0
    headroom: list[int] = field(default_factory=list)
    pages_at_start: int = 0
    pages_at_end: int = 0


def marker_visible(table: FileTable) -> bool:
    top = int(table.scroll_offset.y)
    body = max(1, table.scrollable_content_region.height - 1)
    return table.listing.loading and top <= len(table.view) < top + body


async def hold_down(rows: int, rate: float, latency_ms: int, files: int) -> Tally:
    app = create_app(demo_session(DemoConfig(files=files, latency_ms=latency_ms)))
    tally = Tally()
    async with app.run_test(size=APP_SIZE) as pilot:
        table = app.screen.query_one(FileTable)
        await wait_for(lambda: len(table.view) > 0 and not table.listing.loading, pilot)
        await pilot.pause(0.3)  # the first prefetch, as a user would see it settle
        tally.pages_at_start = len(app.screen.store.pages)  # type: ignore[attr-defined]
        done = asyncio.Event()

        async def sampler() -> None:
            waiting_run = marker_run = 0
            next_frame = time.perf_counter()
            while not done.is_set():
                next_frame += FRAME
                await asyncio.sleep(max(0.0, next_frame - time.perf_counter()))
                tally.frames += 1
                waiting = table.listing.loading and table.cursor >= len(table.view) - 1
                marker = marker_visible(table)
                waiting_run = waiting_run + 1 if waiting else 0
                marker_run = marker_run + 1 if marker else 0
                tally.waiting_frames += waiting
                tally.marker_frames += marker
                tally.longest_waiting_run = max(tally.longest_waiting_run, waiting_run)
                tally.longest_marker_run = max(tally.longest_marker_run, marker_run)

        async def key() -> None:
            moved = 0
            next_key = time.perf_counter()
            while moved < rows:
                next_key += 1 / rate
                await asyncio.sleep(max(0.0, next_key - time.perf_counter()))
                with app._context():
                    tally.headroom.append(len(table.view) - 1 - table.cursor)
                    before = table.cursor
                    table.action_cursor_down()
                    tally.keys += 1
                    if table.cursor == before:
                        tally.stalled_keys += 1
                    else:
                        moved += 1
            done.set()

        await asyncio.gather(sampler(), key())
        tally.pages_at_end = len(app.screen.store.pages)  # type: ignore[attr-defined]
    return tally


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="rows to move through (2000)")
    parser.add_argument("--rate", type=float, default=30.0, help="key presses a second (30)")
    parser.add_argument("--latency-ms", type=int, default=150, help="demo latency (150)")
    args = parser.parse_args()
    rows = args.rows or (90 if args.tiny else 2_000)
    files = rows + 1_000

    print(
        f"perceived paging: hold down for {rows:,} rows at {args.rate:g} keys/s, "
        f"{args.latency_ms} ms demo latency, frames of 1/60 s; {machine()}"
    )
    started = time.perf_counter()
    tally = asyncio.run(hold_down(rows, args.rate, args.latency_ms, files))
    elapsed = time.perf_counter() - started
    print()
    print_table(
        ("measure", "value"),
        [
            ("key presses", tally.keys),
            ("stalled key presses", tally.stalled_keys),
            ("frames sampled", tally.frames),
            ("frames waiting on a page at the last row", tally.waiting_frames),
            ("longest run of waiting frames", tally.longest_waiting_run),
            ("frames with 'loading more…' on screen", tally.marker_frames),
            ("longest run of marker frames", tally.longest_marker_run),
            ("least headroom (loaded rows below the cursor)", min(tally.headroom)),
            ("pages fetched while the key was held", tally.pages_at_end - tally.pages_at_start),
            ("wall time (s)", round(elapsed, 1)),
        ],
    )
    print()
    ok = verdict(
        "6 perceived paging",
        tally.longest_waiting_run <= 1 and tally.longest_marker_run <= 1
        and tally.stalled_keys == 0,
        f"longest wait {tally.longest_waiting_run} frame(s), marker on screen at most "
        f"{tally.longest_marker_run} frame(s) in a row, {tally.stalled_keys} stalled keys, "
        f"least headroom {min(tally.headroom)} rows (limit: 1 frame, 0 stalls)",
    )  # fmt: skip
    return 0 if ok or args.tiny else 1


if __name__ == "__main__":
    raise SystemExit(main())
