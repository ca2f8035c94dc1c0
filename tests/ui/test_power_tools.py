"""Power tools, driven like a user: the request inspector, the cache summary, keep paging
until found, sorting, the full item, content preview and save, export, and the keymap."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import subprocess
import sys
import zlib
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers_ui import (
    LIST_CACHE_DEBUG_DEMO,
    Driver,
    browser,
    demo_app,
    detail_caught_up,
    history_settled,
    loaded,
    notified,
    open_export,
    screen_text,
    text_shown,
    wait_for,
    workers_done,
)
from pydantic import SecretStr
from textual.command import CommandList, CommandPalette
from textual.widgets import Input, ProgressBar, RadioButton

from mpilot_tui.api import GatewayClient
from mpilot_tui.api.settings import DEMO_BASE_URL, ConnectionSettings
from mpilot_tui.config.session import Session
from mpilot_tui.demo import DemoConfig
from mpilot_tui.demo import create_app as create_demo
from mpilot_tui.formats.content import PREVIEW_CAP
from mpilot_tui.formats.table import CSV_FIELDS
from mpilot_tui.formats.writers import write_csv, write_json
from mpilot_tui.reqlog.session_cache import FactBook, summarise
from mpilot_tui.ui.app import MPilotApp, create_app
from mpilot_tui.ui.screens import preview as preview_module
from mpilot_tui.ui.screens.browser import BrowserScreen
from mpilot_tui.ui.screens.export import ExportScreen
from mpilot_tui.ui.screens.help import HelpScreen
from mpilot_tui.ui.screens.inspector import InspectorScreen
from mpilot_tui.ui.screens.pickers import OptionPicker
from mpilot_tui.ui.screens.preview import PreviewScreen

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("in_tmp_folder")]


async def load_everything(pilot: Driver, screen: BrowserScreen) -> None:
    while screen.has_more:
        pages = len(screen.store.pages)
        await pilot.press("G")
        await wait_for(pilot, partial(paged_past, screen, pages))


def paged_past(screen: BrowserScreen, pages: int) -> bool:
    """More than ``pages`` pages are in, and none is in flight."""
    return len(screen.store.pages) > pages and not screen.inflight


async def move_to(pilot: Driver, screen: BrowserScreen, row: int) -> None:
    position = screen.view.position_of(row)
    assert position is not None
    screen.table.move_cursor(position)
    await detail_caught_up(pilot, screen)


def first_row(screen: BrowserScreen, condition: Any) -> int:
    for row in range(len(screen.store)):
        if condition(screen.store.summary(row)):
            return row
    raise AssertionError("no such row in the demo data")


def save_progress(preview: PreviewScreen) -> float:
    """How far the save has come, as its progress bar shows it."""
    return preview.query_one("#save-progress", ProgressBar).progress


def highlighted_command(app: MPilotApp) -> str:
    """The command palette's highlighted hit ("" when none is, or no palette is up)."""
    palette = app.screen
    if not isinstance(palette, CommandPalette):
        return ""
    hits = palette.query_one(CommandList)
    if hits.highlighted is None:
        return ""
    return str(hits.get_option_at_index(hits.highlighted).prompt)


def list_requests(app: MPilotApp) -> int:
    return sum(1 for r in app.client.history if r.url.split("?")[0].endswith("/files"))


# -- request inspector --------------------------------------------------------------------


async def test_inspector_lists_requests_and_shows_the_envelope() -> None:
    app = demo_app(files=150)
    async with app.run_test(size=(170, 50)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 100)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        inspector = app.screen
        assert isinstance(inspector, InspectorScreen)
        await history_settled(pilot)
        assert len(inspector.records) == len(app.client.history)
        text = screen_text(app)
        assert "/api/version" in text
        assert "/openai/v1/files?provider=openai&limit=100&order=desc" in text
        for header in ("status", "client", "gateway", "gap", "size", "items", "cache", "error"):
            assert header in text
        index = next(i for i, r in enumerate(inspector.records) if "/openai/v1/files" in r.url)
        await pilot.press(*["down"] * index)
        record = inspector.records[index]
        await wait_for(pilot, lambda: inspector.selected is record, what="the highlighted request")
        await text_shown(pilot, f"the first 3 of {record.item_count:,} items")
        assert inspector.selected is record
        text = screen_text(app)
        assert "response envelope" in text
        assert '"object": "list"' in text
        assert f"the first 3 of {record.item_count:,} items" in text
        assert '"request_type": "file_list"' in text
        assert f"gateway {record.gateway_latency_ms:,.1f} ms" in text
        assert "response headers" in text
        await pilot.click("#fold-response_headers CollapsibleTitle")
        await text_shown(pilot, "content-type")
        assert "content-type" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))


async def test_inspector_redacts_credentials() -> None:
    config = DemoConfig(files=10, auth="vk")
    settings = ConnectionSettings(
        base_url=DEMO_BASE_URL, auth="x-bf-vk", token=SecretStr(config.virtual_key)
    )
    client = GatewayClient(settings, transport=httpx.ASGITransport(app=create_demo(config)))
    app = create_app(Session(settings=settings), client)
    async with app.run_test(size=(170, 50)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 10)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        await history_settled(pilot)
        # The file listing: the virtual key goes only there (/api/… and /health get none).
        inspector = app.screen
        assert isinstance(inspector, InspectorScreen)
        listed = next(i for i, r in enumerate(inspector.records) if "/openai/v1/files" in r.url)
        inspector.query_one("DataTable").move_cursor(row=listed)  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: inspector.selected is inspector.records[listed])
        await pilot.click("#fold-request_headers CollapsibleTitle")
        await text_shown(pilot, "x-bf-vk")
        text = screen_text(app)
        assert "x-bf-vk" in text and "<redacted>" in text
        assert config.virtual_key not in text
    await client.aclose()


async def test_inspector_ring_holds_the_last_n_requests() -> None:
    app = demo_app(page_size=20, files=200)
    async with app.run_test(size=(170, 50)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 20)
        app.apply_settings({}, None, history_size=4)
        await load_everything(pilot, screen)
        assert app.client.history.total > 4
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        inspector = app.screen
        assert isinstance(inspector, InspectorScreen)
        await history_settled(pilot)
        assert len(inspector.records) == 4
        text = screen_text(app)
        assert "the last 4 are kept" in text
        assert f"{app.client.history.total:,} this session" in text


async def test_cache_summary_counts_hits_and_charts_similarity() -> None:
    # cache_debug on lists (and 1.x misses with a similarity) opted in: 2.2 sends none.
    app = demo_app(page_size=20, files=600, **LIST_CACHE_DEBUG_DEMO)
    async with app.run_test(size=(170, 50)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 20)
        await load_everything(pilot, screen)
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        await history_settled(pilot)
        records = list(app.client.history)
        summary = summarise(records, FactBook())
        assert summary.hits and summary.misses and summary.scored
        text = screen_text(app)
        assert "Cache summary" in text
        rate = f"{summary.hit_rate:.0%} of {summary.with_cache:,} answers with cache_debug"
        assert rate in text
        counts = f"{summary.hits:,} hits: {summary.direct:,} direct · {summary.semantic:,} semantic"
        assert counts in text
        assert f"— {summary.misses:,} misses" in text
        assert "┃ threshold 0.80" in text
        assert re.search(r"0 [·▁▂▃▄▅▆▇█┃]{21} 1", text), "the similarity histogram"
        assert "latency with and without a hit" in text
        assert re.search(r"hit\s+█", text) and re.search(r"miss\s+█", text)
        # l goes back to the request list.
        await pilot.press("l")
        await text_shown(pilot, "path and query")
        assert "path and query" in screen_text(app)


# -- find and sort ------------------------------------------------------------------------


async def test_keep_paging_until_the_filter_matches() -> None:
    async with GatewayClient.for_demo(create_demo(DemoConfig(files=3000))) as other:
        ids = [f.id async for p in other.iter_files("openai", limit=1000) for f in p.items]
    target = ids[2450]
    app = demo_app(files=3000)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 100)
        await pilot.press("slash", *target[-10:])
        await workers_done(pilot)  # the filter runs in a worker
        assert len(screen.view) == 0
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: screen.finding is None and len(screen.view) == 1, 20)
        # Find-more pages in bulk (the prefetched second page of 100, then 1,000 and 4,000:
        # the rest, 1,800 rows), not 25 pages of 100.
        assert len(screen.store) == 3000 and list_requests(app) == 4
        assert screen.table.current_row is not None
        assert screen.store.ids[screen.table.current_row] == target
        await text_shown(pilot, target)
        text = screen_text(app)
        assert target in text
        assert notified(app, "Found 1 more match(es)")


async def test_keep_paging_shows_progress_and_escape_stops_it() -> None:
    app = demo_app(files=50_000, latency_ms=40)  # bulk pages: 400, 1,600, 6,400, 10,000…
    # Wide enough for the whole progress subtitle at four-digit counts (140 columns cut it
    # to "fetch…" once a fast run passed 1,000 rows: the test failed on fast machines only).
    async with app.run_test(size=(170, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 100)
        await pilot.press("slash", *"nothing-matches-this")
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: len(screen.store) >= 400)
        progress = r"escape stops · finding: [\d,]+ rows loaded, [\d,]+ pages? fetched"
        await wait_for(pilot, lambda: re.search(progress, screen_text(app)) is not None)
        await pilot.press("escape")
        await pilot.pause()
        assert screen.finding is None
        stopped = len(screen.store)
        await workers_done(pilot)  # a page in flight at escape has ended
        assert len(screen.store) == stopped, "no page is fetched after escape"
        assert screen.has_more and screen.inflight is None
        assert notified(app, "Stopped paging")
        assert screen.query_one("#filter").value == "nothing-matches-this"  # type: ignore[attr-defined]


async def test_keep_paging_reports_the_end_of_the_listing() -> None:
    app = demo_app(files=250)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 100)
        await pilot.press("slash", *"zzz-none")
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: screen.finding is None and not screen.has_more)
        await workers_done(pilot)
        assert len(screen.store) == 250
        assert notified(app, "No further match: the listing ended (250 rows loaded)")


async def test_sort_picker_sorts_loaded_rows_and_holds_as_pages_arrive() -> None:
    app = demo_app(files=600)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 200)
        await workers_done(pilot)
        requests = list_requests(app)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, OptionPicker))
        picker = app.screen
        assert isinstance(picker, OptionPicker)
        position = picker.values.index("Size ▼")
        await pilot.press(*["down"] * position, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await workers_done(pilot)
        assert list_requests(app) == requests, "sorting does not refetch"

        def sizes() -> list[int]:
            return [
                screen.store.value("bytes", screen.view.row(i)) or -1
                for i in range(len(screen.view))
            ]

        assert sizes() == sorted(sizes(), reverse=True)
        assert "Size ▼" in screen_text(app)
        await load_everything(pilot, screen)
        assert len(screen.view) == 600
        assert sizes() == sorted(sizes(), reverse=True), "the sort holds as pages arrive"
        assert "Size ▼" in screen_text(app)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, OptionPicker))
        await pilot.press("home", "enter")
        await wait_for(pilot, lambda: screen.view.indexes is None)


async def test_a_sorted_view_does_not_page_on_its_own() -> None:
    app = demo_app(files=2000)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 200)
        await app.workers.wait_for_complete()
        requests = list_requests(app)
        await pilot.press("j", "j")
        screen.apply_sort("bytes", False, "Size ▲")
        await pilot.pause()
        assert screen.table.cursor == 0, "sorting moves to the top, as a header click does"
        await pilot.press("j", "j", "pagedown")
        await app.workers.wait_for_complete()
        assert list_requests(app) == requests, "moving in a sorted view asks for no page"
        # End is the last row of the whole sorted listing: it pages to the end, then stops.
        await pilot.press("G")
        await wait_for(pilot, lambda: not screen.has_more and not screen.inflight)
        await app.workers.wait_for_complete()
        settled = list_requests(app)
        assert settled > requests and len(screen.store) == 2000
        assert screen.table.cursor == len(screen.view) - 1 == 1999
        assert screen.table.current_row == screen.view.row(1999)
        await pilot.press("k", "G")
        await app.workers.wait_for_complete()
        assert list_requests(app) == settled, "no runaway paging"


# -- the full item and its content ----------------------------------------------------------


async def test_fetch_full_item_into_the_detail_pane() -> None:
    app = demo_app(files=20)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 20)
        await pilot.press("j", "f")
        item_id = screen.store.ids[1]
        await wait_for(pilot, lambda: "Fetched" in screen_text(app))
        await workers_done(pilot)
        text = screen_text(app)
        assert f"Fetched {item_id}" in text
        assert "file_retrieve" in text, "the item's own extra_fields"
        assert "extra_fields (of this item's GET)" in text
        assert "extra_fields (of the page)" not in text
        assert any(r.url.endswith(f"/openai/v1/files/{item_id}?provider=openai")
                   for r in app.client.history)  # fmt: skip


async def test_fetch_full_container_file() -> None:
    app = demo_app(files=5, containers=2, container_files=6)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 5)
        await pilot.press("m")
        await wait_for(pilot, lambda: len(getattr(app.screen, "ids", [])) >= 2)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: screen.store.kind == "container_files"
                       and len(screen.store) == 6)  # fmt: skip
        await detail_caught_up(pilot, screen)
        await pilot.press("f")
        await wait_for(pilot, lambda: "container_file_retrieve" in screen_text(app))


async def open_preview(
    pilot: Driver, app: MPilotApp, screen: BrowserScreen, row: int
) -> PreviewScreen:
    await move_to(pilot, screen, row)
    await pilot.press("v")
    await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen))
    preview = app.screen
    assert isinstance(preview, PreviewScreen)
    return preview


async def test_preview_shows_jsonl_highlighted() -> None:
    app = demo_app(page_size=1000, files=1000)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 1000)
        row = first_row(screen, lambda s: s["filename"].endswith(".jsonl") and s["bytes"] < 50_000)
        preview = await open_preview(pilot, app, screen, row)
        await wait_for(pilot, lambda: preview.rendered is not None)
        await workers_done(pilot)
        text = screen_text(app)
        assert screen.store.text["filename"][row] in text
        assert "application/jsonl" in text
        assert re.search(r"JSONL · [\d,]+ lines", text)
        assert '  "messages": [' in text, "each record pretty-printed"
        rendered = preview.rendered
        assert rendered is not None and getattr(rendered, "spans", None), "highlighted"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))


async def test_preview_caps_large_text_and_shows_binary_as_hex() -> None:
    app = demo_app(page_size=1000, files=3000)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 1000)
        await load_everything(pilot, screen)
        big = first_row(
            screen, lambda s: s["filename"].endswith((".txt", ".md")) and s["bytes"] > 300_000
        )
        await move_to(pilot, screen, big)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen))
        await wait_for(pilot, lambda: app.screen.rendered is not None)  # type: ignore[attr-defined]
        await workers_done(pilot)
        assert "the first 256.0 KB of" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
        png = first_row(screen, lambda s: s["filename"].endswith(".png") and s["bytes"] < 2_000_000)
        await move_to(pilot, screen, png)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen))
        await wait_for(pilot, lambda: app.screen.rendered is not None)  # type: ignore[attr-defined]
        await workers_done(pilot)
        text = screen_text(app)
        assert "PNG image · hex of the first 256 of" in text
        assert "00000000  89 50 4e 47 0d 0a 1a 0a" in text
        assert "|.PNG" in text


async def test_save_content_with_progress(in_tmp_folder: Path) -> None:
    app = demo_app(page_size=1000, files=1000)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 1000)
        row = first_row(screen, lambda s: s["filename"].endswith(".csv") and s["bytes"] < 900_000)
        name = screen.store.text["filename"][row]
        preview = await open_preview(pilot, app, screen, row)
        await wait_for(pilot, lambda: preview.content is not None)
        await pilot.press("s")
        await wait_for(pilot, lambda: app.focused is preview.query_one("#save-path"))
        await text_shown(pilot, f"./{name}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Saved" in screen_text(app))
        saved = in_tmp_folder / name
        assert saved.read_bytes() == preview.content
        text = screen_text(app)
        assert f"Saved {len(preview.content):,} bytes to {saved}" in text
        assert "100%" in text


async def test_large_file_previews_its_first_bytes_and_saves_whole(in_tmp_folder: Path) -> None:
    app = demo_app(page_size=1000, files=3000)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 1000)
        await load_everything(pilot, screen)
        row = first_row(screen, lambda s: 2_000_000 < s["bytes"] < 8_000_000)
        size = screen.store.summary(row)["bytes"]
        preview = await open_preview(pilot, app, screen, row)
        await wait_for(pilot, lambda: preview.content is not None)
        fetch = list(app.client.history)[-1]
        assert fetch.url.endswith("/content?provider=openai")
        assert fetch.size == PREVIEW_CAP, "only the first bytes were fetched"
        assert preview.total == size
        await pilot.press("s")
        await wait_for(pilot, lambda: app.focused is preview.query_one("#save-path"))
        await pilot.press("ctrl+u", *"./big.bin", "enter")
        await wait_for(pilot, lambda: "Saved" in screen_text(app), 20)
        saved = (in_tmp_folder / "big.bin").read_bytes()
        assert len(saved) == size
        assert preview.content is not None and saved.startswith(preview.content)
        assert f"Saved {size:,} bytes to" in screen_text(app)
        assert [p.name for p in in_tmp_folder.iterdir()] == ["big.bin"]


async def test_a_cut_preview_is_never_saved_as_the_whole_file(in_tmp_folder: Path) -> None:
    """A gateway that ignores Range, streams without a length, under a stale listed size."""
    body = b"".join(b'{"n": %d}\n' % n for n in range(200_000))

    class Chunked(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            for start in range(0, len(body), 65536):
                yield body[start : start + 65536]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/openai/v1/files":
            item = {"id": "file-1", "filename": "big.jsonl", "bytes": 100}
            return httpx.Response(200, json={"object": "list", "data": [item]})
        if request.url.path == "/openai/v1/files/file-1/content":
            return httpx.Response(200, stream=Chunked(), headers={"content-type": "text/plain"})
        return httpx.Response(404, json={"error": {"message": "no"}})

    settings = ConnectionSettings(base_url="http://gw.test", auth="none", retries=0)
    client = GatewayClient(settings, transport=httpx.MockTransport(handler))
    app = create_app(Session(settings=settings), client)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 1)
        preview = await open_preview(pilot, app, screen, 0)
        await wait_for(pilot, lambda: preview.content is not None)
        assert len(preview.content or b"") == PREVIEW_CAP
        assert not preview.complete
        assert "the first 256.0 KB of a size not told shown" in screen_text(app)
        await pilot.press("s")
        await wait_for(pilot, lambda: app.focused is preview.query_one("#save-path"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Saved" in screen_text(app), 20)
        assert (in_tmp_folder / "big.jsonl").read_bytes() == body
    await client.aclose()


async def test_cancelled_save_leaves_no_file(
    in_tmp_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Slow enough (a pause per 1 KB chunk of a >50 KB file) that escape lands mid-save even
    # on a loaded machine.
    monkeypatch.setattr(preview_module, "SAVE_CHUNK", 1024)
    monkeypatch.setattr(preview_module, "SAVE_PAUSE", 0.05)
    app = demo_app(page_size=1000, files=1000)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 1000)
        row = first_row(screen, lambda s: s["filename"].endswith(".md") and s["bytes"] > 50_000)
        preview = await open_preview(pilot, app, screen, row)
        await wait_for(pilot, lambda: preview.content is not None)
        await pilot.press("s")
        await wait_for(pilot, lambda: app.focused is preview.query_one("#save-path"), 10)
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: preview.saving, 10)
        await wait_for(pilot, lambda: save_progress(preview) > 0, what="a first chunk saved")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not preview.saving)
        await wait_for(pilot, lambda: "Save cancelled: nothing was written" in screen_text(app))
        assert list(in_tmp_folder.iterdir()) == []


# -- export -------------------------------------------------------------------------------


async def choose(pilot: Driver, dialog: ExportScreen, radio_set: str, label: str) -> None:
    buttons = dialog.query(f"{radio_set} RadioButton").results(RadioButton)
    button = next(b for b in buttons if label in str(b.label))
    await pilot.click(button)
    path = dialog.query_one("#export-path", Input)
    await wait_for(
        pilot, lambda: path.value.endswith("." + dialog.chosen_format) and bool(button.value)
    )


async def test_export_loaded_rows_in_each_format(in_tmp_folder: Path) -> None:
    app = demo_app(files=150)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 150)
        dialog = await open_export(pilot, app)
        text = screen_text(app)
        assert "./mpilot-files-openai.csv" in text
        assert "Loaded rows (150)" in text
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.last_state == "done")
        items = [screen.store.item(row) for row in range(150)]
        expected = io.StringIO()
        write_csv(items, "files", expected)
        assert (in_tmp_folder / "mpilot-files-openai.csv").read_text() == expected.getvalue()
        await wait_for(pilot, lambda: "Exported 150 rows to" in screen_text(app))

        await choose(pilot, dialog, "#export-format", "JSON")
        assert "./mpilot-files-openai.json" in screen_text(app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: dialog.last_state == "done" and not dialog.running)
        await wait_for(pilot, lambda: (in_tmp_folder / "mpilot-files-openai.json").exists())
        envelopes = [json.loads(zlib.decompress(p.compressed)) for p in screen.store.pages]
        expected = io.StringIO()
        write_json(envelopes, expected)
        assert (in_tmp_folder / "mpilot-files-openai.json").read_text() == expected.getvalue()

        await choose(pilot, dialog, "#export-format", "NDJSON")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: (in_tmp_folder / "mpilot-files-openai.ndjson").exists())
        lines = (in_tmp_folder / "mpilot-files-openai.ndjson").read_text().splitlines()
        assert [json.loads(line)["id"] for line in lines] == screen.store.ids
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
        assert {r.method for r in app.client.history} == {"GET"}


async def test_export_shown_rows_keeps_filter_and_sort(in_tmp_folder: Path) -> None:
    app = demo_app(files=300)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 100)
        await load_everything(pilot, screen)
        await pilot.press("slash", *".jsonl", "enter")
        screen.apply_sort("bytes", True, "Size ▼")
        await workers_done(pilot)  # the filter runs in a worker
        shown = [screen.store.ids[screen.view.row(i)] for i in range(len(screen.view))]
        assert 0 < len(shown) < 300
        dialog = await open_export(pilot, app)
        assert f"Rows shown ({len(shown):,}: filter and sort applied)" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.last_state == "done")
        with (in_tmp_folder / "mpilot-files-openai.csv").open(newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == list(CSV_FIELDS["files"])
        assert [r[0] for r in rows[1:]] == shown


async def test_export_of_all_rows_completes(in_tmp_folder: Path) -> None:
    app = demo_app(page_size=1000, files=2500)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 1000)
        dialog = await open_export(pilot, app)
        await choose(pilot, dialog, "#export-scope", "All rows")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: dialog.last_state == "done", 20)
        lines = (in_tmp_folder / "mpilot-files-openai.csv").read_text().splitlines()
        assert len(lines) == 2501
        await wait_for(pilot, lambda: "Exported 2,500 rows" in screen_text(app))


@pytest.mark.parametrize(("fmt", "label"), [("ndjson", "NDJSON"), ("csv", "CSV")])
async def test_export_writes_the_same_bytes_as_the_cli(
    in_tmp_folder: Path, fmt: str, label: str
) -> None:
    """The app's export and ``mpilot-tui files --all --format F`` share one writer."""
    cli = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "mpilot_tui", "files", "--demo", "--provider", "openai",
         "--all", "--format", fmt],
        capture_output=True, check=True,
    )  # fmt: skip
    app = demo_app()  # the demo's defaults, as --demo uses them
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 100)
        dialog = await open_export(pilot, app)
        await choose(pilot, dialog, "#export-scope", "All rows")
        await choose(pilot, dialog, "#export-format", label)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: dialog.last_state == "done", 20)
    exported = (in_tmp_folder / f"mpilot-files-openai.{fmt}").read_bytes()
    assert exported.count(b"\n") >= 1200
    assert exported == cli.stdout


async def test_export_of_100k_rows_shows_progress_and_cancels_cleanly(
    in_tmp_folder: Path,
) -> None:
    # 30 ms a page: the whole export would take at least three seconds.
    app = demo_app(page_size=1000, files=100_000, latency_ms=30)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 1000)
        dialog = await open_export(pilot, app)
        await choose(pilot, dialog, "#export-scope", "All rows")
        await pilot.press("ctrl+s")

        def written() -> int:
            match = re.search(r"([\d,]+) rows written · escape cancels", screen_text(app))
            return int(match.group(1).replace(",", "")) if match else 0

        await wait_for(pilot, lambda: written() >= 3000, 20)
        assert dialog.running
        assert dialog.query_one("#export-progress").display
        await pilot.press("escape")
        await wait_for(pilot, lambda: dialog.last_state == "cancelled")
        cancelled = r"Export cancelled after [\d,]+ rows: no file was written"
        await wait_for(pilot, lambda: re.search(cancelled, screen_text(app)) is not None)
        assert list(in_tmp_folder.iterdir()) == [], "neither the file nor a partial one"
        assert not [w for w in app.workers if w.group == "export" and w.is_running]
        requests = list_requests(app)
        await workers_done(pilot)
        assert list_requests(app) == requests, "paging stopped"
        assert not dialog.query_one("#export-progress").display
        assert not dialog.query_one("#export-path").disabled, "the form is usable again"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))


# -- palette, help and settings -----------------------------------------------------------


async def run_command(pilot: Driver, app: MPilotApp, title: str) -> None:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*title)
    await workers_done(pilot)  # the palette's search
    await wait_for(pilot, lambda: title in highlighted_command(app), what=f"{title!r} highlighted")
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))


async def test_palette_opens_the_power_tools() -> None:
    app = demo_app(files=30)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 30)
        await run_command(pilot, app, "Request inspector")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowserScreen))
        await run_command(pilot, app, "Export rows")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))


async def test_help_lists_the_power_tools() -> None:
    app = demo_app(files=5)
    async with app.run_test(size=(140, 60)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await text_shown(pilot, "browser.inspector")
        text = screen_text(app)
        for binding_id in (
            "browser.inspector",
            "browser.find_more",
            "browser.sort",
            "browser.fetch_item",
            "browser.preview",
            "browser.export",
        ):
            assert binding_id in text  # fmt: skip


async def test_keymap_entry_with_a_key_that_is_not_a_key_is_warned_and_left_out() -> None:
    app = demo_app(files=30)
    async with app.run_test(size=(140, 60)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 30)
        app.apply_settings({"browser.order": "notakey!!"}, None)
        await pilot.pause()
        assert notified(app, "[keymap] browser.order = 'notakey!!'")
        assert "browser.order" not in app.user_keymap
        order = screen.selection.order
        await pilot.press("o")
        await wait_for(pilot, lambda: screen.selection.order != order)


async def test_keymap_rebinds_refresh_and_theme_applies() -> None:
    app = demo_app(files=30)
    async with app.run_test(size=(140, 60)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 30)
        app.apply_settings({"browser.reload": "ctrl+l", "no.such": "x"}, "textual-light")
        await pilot.pause()
        assert app.theme == "textual-light"
        assert notified(app, "[keymap] names no such binding: no.such")
        generation = screen.generation
        await pilot.press("ctrl+r")
        await workers_done(pilot)
        assert screen.generation == generation, "ctrl+r no longer reloads"
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: screen.generation == generation + 1)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await text_shown(pilot, "browser.reload")
        line = next(x for x in screen_text(app).splitlines() if "browser.reload" in x)
        assert "ctrl+l" in line


async def test_keymap_from_the_config_file(in_tmp_folder: Path) -> None:
    config = in_tmp_folder / "no-config.toml"
    config.write_text('theme = "textual-light"\n\n[keymap]\n"browser.export" = "ctrl+e"\n')
    app = demo_app(files=10)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 10)
        assert app.theme == "textual-light"
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))


async def test_inspector_ring_size_from_the_config_file(in_tmp_folder: Path) -> None:
    (in_tmp_folder / "no-config.toml").write_text("inspector_history = 12\n")
    app = demo_app(page_size=20, files=400)
    async with app.run_test(size=(170, 50)) as pilot:
        screen = browser(app)
        await loaded(pilot, screen, 20)
        await wait_for(pilot, lambda: app.client.history.capacity == 12)
        while app.client.history.total <= 12 and screen.has_more:  # pages of 20 (End: bulk)
            await pilot.press("pagedown")
            await wait_for(pilot, lambda: screen.inflight is None)
        assert app.client.history.total > 12
        assert len(app.client.history) == 12
