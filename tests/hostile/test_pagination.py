"""Pagination abuse: each stops paging with a clear message, and what was loaded stays."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers_hostile import (
    FIRST_IDS,
    Conn,
    Handler,
    HostileServer,
    Seen,
    file_item,
    files_body,
    files_page,
    json_reply,
    make_tui,
    notifications,
    one_error_line,
    run_cli,
    running,
    shown,
    still_responsive,
    wait_for,
)
from helpers_ui import workers_done

from mpilot_tui.api import errors
from mpilot_tui.api.pagination import MAX_EMPTY_PAGES
from mpilot_tui.cli.common import EXIT_PROTOCOL

SECOND_IDS = [f"file-second-{n}" for n in range(1, 4)]
HUGE_CURSOR = "c" * 102_400


def endless_empty_pages(seen: Seen, conn: Conn) -> None:
    """``has_more`` forever: every cursor leads to an empty page with a fresh cursor."""
    cursor = seen.query.get("after")
    if cursor is None:
        files_page()(seen, conn)
        return
    number = int(cursor.removeprefix("c")) + 1
    json_reply(files_body([], after=f"c{number}"))(seen, conn)


@dataclass(frozen=True)
class Abuse:
    name: str
    arrange: dict[str | None, Handler]
    says: str
    loaded: list[str]
    """The rows that must be on screen at the end."""


ABUSES = [
    Abuse(
        "repeated-cursor",
        {"c1": json_reply(files_body([file_item(i) for i in SECOND_IDS], after="c1"))},
        "a cursor it already sent",
        FIRST_IDS + SECOND_IDS,
    ),
    Abuse("endless-empty-pages", {}, f"{MAX_EMPTY_PAGES} empty pages in a row", FIRST_IDS),
    Abuse(
        "100kb-cursor",
        {None: json_reply(files_body([file_item(i) for i in FIRST_IDS], after=HUGE_CURSOR))},
        "a cursor of 102,400 characters",
        FIRST_IDS,
    ),
    Abuse(
        "repeated-ids",
        {"c1": json_reply(files_body([file_item(i) for i in [*FIRST_IDS[1:], "file-new"]], "c2"))},
        "repeats 2 item(s) already loaded",
        FIRST_IDS,
    ),
]


def arrange(server: HostileServer, abuse: Abuse) -> None:
    if abuse.name == "endless-empty-pages":
        server.routes["/openai/v1/files"] = endless_empty_pages
    server.file_pages.update(abuse.arrange)


def file_requests(server: HostileServer) -> list[str | None]:
    return [seen.query.get("after") for seen in server.requests("/openai/v1/files")]


@pytest.mark.parametrize("abuse", ABUSES, ids=[a.name for a in ABUSES])
async def test_browser_stops_paging_and_keeps_rows(server: HostileServer, abuse: Abuse) -> None:
    arrange(server, abuse)
    app = make_tui(server.base_url)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) >= 3)
        await pilot.press("G")
        await wait_for(pilot, lambda: screen.last_error is not None)
        await workers_done(pilot)
        assert isinstance(screen.last_error, errors.PaginationError)
        assert any(abuse.says in note for note in notifications(app))
        assert screen.store.ids == abuse.loaded
        text = shown(app)
        assert all(file_id in text for file_id in abuse.loaded)
        assert "PaginationError" in text
        # Paging has stopped: the end of the table asks for nothing more.
        requests = len(file_requests(server))
        assert requests <= MAX_EMPTY_PAGES + 1
        assert not screen.has_more
        await pilot.press("G")
        await workers_done(pilot)
        assert len(file_requests(server)) == requests
        await still_responsive(pilot, screen)
        assert HUGE_CURSOR not in file_requests(server)


async def test_refresh_after_a_refused_cursor_reloads_instead_of_sending_it(
    server: HostileServer,
) -> None:
    arrange(server, ABUSES[2])
    app = make_tui(server.base_url)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: screen.last_error is not None)
        await pilot.press("r")
        await wait_for(pilot, lambda: len(file_requests(server)) == 2)
        await wait_for(pilot, lambda: len(screen.store) == 3 and screen.inflight is None)
        assert file_requests(server) == [None, None]


@pytest.mark.parametrize("abuse", ABUSES, ids=[a.name for a in ABUSES])
def test_cli_all_stops_with_exit_4(server: HostileServer, tmp_path: Path, abuse: Abuse) -> None:
    arrange(server, abuse)
    result = run_cli(tmp_path, "--all", "--format", "ndjson", base_url=server.base_url)
    assert result.code == EXIT_PROTOCOL
    assert abuse.says in one_error_line(result)
    printed = [line for line in result.stdout.splitlines() if line]
    assert len(printed) == len(abuse.loaded)
    assert all(file_id in result.stdout for file_id in abuse.loaded)
    assert HUGE_CURSOR not in file_requests(server)
    assert len(file_requests(server)) <= MAX_EMPTY_PAGES + 1


def test_cli_does_not_offer_a_huge_cursor(server: HostileServer, tmp_path: Path) -> None:
    arrange(server, ABUSES[2])
    result = run_cli(tmp_path, base_url=server.base_url)
    assert result.code == EXIT_PROTOCOL
    assert "a cursor of 102,400 characters" in one_error_line(result)
    assert HUGE_CURSOR not in result.stderr
    assert all(file_id in result.stdout for file_id in FIRST_IDS)


# -- has_more must be a boolean; --all --format json is always an array ------------------------

ODD_HAS_MORE = ["yes", "no", 1, 0, "true", None, [True]]


@pytest.mark.parametrize("value", ODD_HAS_MORE, ids=repr)
def test_cli_a_non_boolean_has_more_is_a_shape_error(
    server: HostileServer, tmp_path: Path, value: object
) -> None:
    body = files_body([file_item(i) for i in FIRST_IDS], after="c1")
    body["has_more"] = value
    server.file_pages[None] = json_reply(body)
    result = run_cli(tmp_path, "--all", base_url=server.base_url)
    assert result.code == EXIT_PROTOCOL, result.stderr
    assert "has_more" in one_error_line(result)
    assert server.requests("/openai/v1/files") and all(
        "after" not in seen.query for seen in server.requests("/openai/v1/files")
    ), "an odd has_more was taken as true"


async def test_browser_a_non_boolean_has_more_is_a_shape_error(server: HostileServer) -> None:
    body = files_body([file_item(i) for i in SECOND_IDS], after="c2")
    body["has_more"] = "yes"
    server.file_pages["c1"] = json_reply(body)
    app = make_tui(server.base_url)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 3 and screen.inflight is None)
        await pilot.press("G")
        await wait_for(pilot, lambda: screen.last_error is not None, timeout=10)
        assert type(screen.last_error) is errors.ShapeError
        assert "has_more" in str(screen.last_error)
        assert screen.store.ids == FIRST_IDS
        await still_responsive(pilot, screen)


@pytest.mark.parametrize("pages", [1, 2])
def test_cli_all_json_is_always_an_array(server: HostileServer, tmp_path: Path, pages: int) -> None:
    if pages == 1:
        server.file_pages[None] = json_reply(files_body([file_item(i) for i in FIRST_IDS]))
    else:
        server.file_pages["c1"] = json_reply(files_body([file_item(i) for i in SECOND_IDS]))
    result = run_cli(tmp_path, "--all", "--format", "json", base_url=server.base_url)
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, list) and len(document) == pages
    assert [item["id"] for envelope in document for item in envelope["data"]][:3] == FIRST_IDS
    single = run_cli(tmp_path, "--format", "json", base_url=server.base_url)
    assert isinstance(json.loads(single.stdout), dict), "one page without --all: the envelope"
