"""A big store's page bodies in a temporary file (listing/spill.py): read back exactly, from
any thread; kept in memory when the disk says no or the user says so; gone with the store."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import stat
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mpilot_tui.api.models import ExtraFields, FileObject
from mpilot_tui.api.pagination import Page, ResponseMeta
from mpilot_tui.formats.export import RowExport, export_envelopes, loaded_envelopes
from mpilot_tui.listing import spill as spill_module
from mpilot_tui.listing.rows import RowStore

META = ResponseMeta("GET", "http://gateway.test/openai/v1/files", 200, 1.0, 10, 0.0)


def page(first: int, count: int = 50) -> Page[FileObject]:
    items = [
        FileObject(id=f"file-{first + k:06d}", filename=f"é {first + k}.jsonl", bytes=first + k)
        for k in range(count)
    ]
    body = {"object": "list", "data": [item.model_dump() for item in items], "has_more": True}
    return Page("files", items, True, "next", None, ExtraFields(), META,
                json.dumps(body).encode())  # fmt: skip


def filled(pages: int = 12) -> RowStore:
    store = RowStore("files")
    for number in range(pages):
        store.append_page(page(50 * number))
    return store


def export(store: RowStore, path: Path) -> bytes:
    writer = RowExport(path, "ndjson", "files")
    asyncio.run(export_envelopes(writer, loaded_envelopes(store), None, lambda *_: None))
    writer.finish()
    return path.read_bytes()


@pytest.fixture
def small_keep(monkeypatch: pytest.MonkeyPatch) -> int:
    """A store keeps 4 KB of bodies in memory (a page here is ~1.3 KB compressed)."""
    monkeypatch.setattr(spill_module, "SPILL_AFTER", 4096)
    monkeypatch.delenv(spill_module.SPILL_ENV, raising=False)
    return 4096


def test_bodies_past_the_first_bytes_go_to_the_file_and_read_back_exactly(
    small_keep: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = filled()
    spilled = [record.spilled for record in store.pages]
    assert spilled[0] is False and spilled[-1] is True
    assert spilled == sorted(spilled)  # the first bodies stay, every later one is written
    assert store.spill.kept <= small_keep < store.spill.kept + len(store.pages[-1].compressed)
    assert store.spill.spilled == sum(len(r.compressed) for r in store.pages if r.spilled)
    assert [store.item(row)["bytes"] for row in range(len(store))] == list(range(len(store)))
    assert store.item(599)["filename"] == "é 599.jsonl"
    # An export from the file writes what one from memory writes.
    monkeypatch.setenv(spill_module.SPILL_ENV, "0")
    in_memory = filled()
    assert not any(record.spilled for record in in_memory.pages)
    assert export(store, tmp_path / "a.ndjson") == export(in_memory, tmp_path / "b.ndjson")


def test_threads_read_the_file_at_once_without_a_shared_position(small_keep: int) -> None:
    store = filled(40)
    expected = [record.compressed for record in store.pages]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(5):
            read = list(pool.map(lambda record: record.compressed, reversed(store.pages)))
            assert read[::-1] == expected


def test_the_file_is_this_users_only_has_no_name_and_goes_with_the_store(
    small_keep: int,
) -> None:
    store = filled()
    descriptor = store.spill._file.fileno()  # type: ignore[union-attr]
    status = os.fstat(descriptor)
    assert stat.S_IMODE(status.st_mode) & 0o077 == 0
    assert status.st_nlink == 0  # never in a directory listing
    gone = weakref.ref(store.spill)
    del store
    gc.collect()
    assert gone() is None


def test_a_disk_that_refuses_keeps_the_bodies_in_memory(
    small_keep: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def full(*args: Any) -> int:
        calls.append(args)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    store = filled()
    assert len(calls) == 1  # it tried once, then kept everything in memory
    assert not any(record.spilled for record in store.pages)
    assert [store.item(row)["id"] for row in (0, 599)] == ["file-000000", "file-000599"]


@pytest.mark.parametrize("setting", ["0", "off", "No", "false"])
def test_the_environment_keeps_every_body_in_memory(
    small_keep: int, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv(spill_module.SPILL_ENV, setting)
    store = filled()
    assert store.spill._file is None
    assert store.spill.kept == sum(len(record.compressed) for record in store.pages)


def test_a_short_file_is_an_error_not_a_wrong_body(small_keep: int) -> None:
    store = filled()
    store.spill._file.truncate(10)  # type: ignore[union-attr]
    with pytest.raises(OSError, match="ended"):
        store.pages[-1].compressed  # noqa: B018
