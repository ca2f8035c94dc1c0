"""Bad responses: every one ends in a typed error, rows kept, the app alive, the right exit code.

Each case is played twice against the loopback gateway: in the browser (the first page is
fine, paging on with ``G`` meets the hostile answer) and in the CLI (``files --all``: the
first page is printed, then one error line and the documented exit code).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from helpers_hostile import (
    FIRST_IDS,
    Handler,
    HostileServer,
    envelope,
    file_item,
    files_body,
    first_page_then,
    json_reply,
    make_tui,
    notifications,
    one_error_line,
    reply,
    run_cli,
    running,
    shown,
    still_responsive,
    trickle,
    wait_for,
)
from helpers_ui import detail_caught_up, workers_done

from mpilot_tui.api import errors
from mpilot_tui.cli.common import EXIT_API, EXIT_CONNECTION, EXIT_PROTOCOL


@dataclass(frozen=True)
class Case:
    name: str
    handler: Handler
    error: type[errors.MPilotError]
    exit_code: int
    says: str
    """A fragment of the message the user sees (screen and stderr)."""
    timeout: float = 10.0
    """The client's timeout: short only where the case is about the timeout."""


HTML_DASHBOARD = "<!doctype html><html><head><title>Bifrost</title></head><body>app</body></html>"
PROXY_502 = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></html>"


def past_http_date() -> str:
    return format_datetime(datetime.now(UTC) - timedelta(minutes=5), usegmt=True)


CASES = [
    Case("not-json", reply(200, "this is not json {", "application/json"),
         errors.NotJSONError, EXIT_PROTOCOL, "not valid JSON"),
    Case("text-plain", reply(200, "hello", "text/plain"),
         errors.NotJSONError, EXIT_PROTOCOL, "expected JSON"),
    Case("dashboard-html", reply(200, HTML_DASHBOARD, "text/html; charset=utf-8"),
         errors.DashboardHTMLError, EXIT_PROTOCOL, "serves the dashboard"),
    Case("truncated-json", reply(200, b'{"object":"list","data":[{"id":"file-x","filen'),
         errors.NotJSONError, EXIT_PROTOCOL, "EOF while parsing"),
    Case("invalid-utf8", reply(200, b'{"object":"list","data":[{"id":"f\xff\xfe"}]}'),
         errors.NotJSONError, EXIT_PROTOCOL, "not valid JSON"),
    Case("wrong-types", json_reply({"object": "list", "data": [{"id": 42, "bytes": "big"}]}),
         errors.ShapeError, EXIT_PROTOCOL, "data.0.id"),
    Case("missing-data", json_reply({"object": "list", "has_more": False}),
         errors.ShapeError, EXIT_PROTOCOL, "data: Field required"),
    Case("missing-id", json_reply({"object": "list", "data": [{"filename": "a.txt"}]}),
         errors.ShapeError, EXIT_PROTOCOL, "data.0.id: Field required"),
    Case("data-not-a-list", json_reply({"object": "list", "data": {"id": "file-x"}}),
         errors.ShapeError, EXIT_PROTOCOL, "valid array"),
    Case("body-never-ends", trickle(0.05),
         errors.TimeoutError, EXIT_CONNECTION, "did not answer completely", timeout=0.5),
    Case("proxy-502-html", reply(502, PROXY_502, "text/html"),
         errors.ServerError, EXIT_API, "HTML page titled '502 Bad Gateway'"),
    Case("proxy-503-text", reply(503, "upstream connect error or disconnect", "text/plain"),
         errors.ServerError, EXIT_API, "upstream connect error"),
    Case("proxy-504-empty", reply(504, "", None),
         errors.ServerError, EXIT_API, "504: Gateway Timeout"),
    Case("401-envelope", json_reply(envelope(401, "virtual_key_not_found", "key not found"), 401),
         errors.AuthenticationError, EXIT_API, "virtual_key_not_found"),
    Case("401-plain", reply(401, "Unauthorized", "text/plain"),
         errors.AuthenticationError, EXIT_API, "401: Unauthorized"),
    Case("403-envelope", json_reply(envelope(403, "provider_blocked", "provider blocked"), 403),
         errors.PermissionDeniedError, EXIT_API, "provider_blocked"),
    Case("403-html", reply(403, "<html><title>Access denied</title></html>", "text/html"),
         errors.PermissionDeniedError, EXIT_API, "titled 'Access denied'"),
    Case("429-envelope-retry-after-seconds",
         json_reply(envelope(429, "rate_limited", "slow down"), 429, [("Retry-After", "0")]),
         errors.RateLimitError, EXIT_API, "rate_limited"),
    Case("429-plain-retry-after-date",
         reply(429, "Too many", "text/plain", [("Retry-After", past_http_date())]),
         errors.RateLimitError, EXIT_API, "429: Too Many Requests"),
]  # fmt: skip
IDS = [case.name for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_browser_keeps_rows_and_shows_typed_error(server: HostileServer, case: Case) -> None:
    server.file_pages["c1"] = case.handler
    app = make_tui(server.base_url, timeout=case.timeout)
    async with running(app) as (pilot, screen):
        await first_page_then(pilot, screen)
        error = screen.last_error
        assert type(error) is case.error, repr(error)
        # The toast says what happened; the detail pane names the error's kind.
        assert any(case.says in note for note in notifications(app))
        text = shown(app)
        assert case.error.__name__ in text
        # The rows already loaded stay, on screen too.
        assert screen.store.ids == FIRST_IDS
        assert all(file_id in text for file_id in FIRST_IDS)
        assert "3 rows" in text
        listing = screen.listing
        assert listing.goal is None and listing.following is None, "End is not left armed"
        await still_responsive(pilot, screen)
        assert app.is_running


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_exit_code_and_one_line(server: HostileServer, tmp_path: Path, case: Case) -> None:
    server.file_pages["c1"] = case.handler
    result = run_cli(tmp_path, "--all", "--timeout", str(case.timeout), base_url=server.base_url)
    assert result.code == case.exit_code, result.stderr
    line = one_error_line(result)
    assert case.says in line
    # What was loaded before the failure is still printed.
    assert all(file_id in result.stdout for file_id in FIRST_IDS)


def test_cli_trickling_body_is_bounded_by_the_timeout(
    server: HostileServer, tmp_path: Path
) -> None:
    server.file_pages[None] = trickle(0.05)
    result = run_cli(tmp_path, "--timeout", "0.5", base_url=server.base_url)
    assert result.code == EXIT_CONNECTION
    # The body never ends: only the deadline on the whole answer (twice the timeout) stops it.
    assert "0.5 s timeout" in one_error_line(result)


async def test_rate_limit_shows_capped_retry_after(server: HostileServer) -> None:
    server.file_pages["c1"] = reply(429, "no", "text/plain", [("Retry-After", "99999999")])
    app = make_tui(server.base_url)
    async with running(app) as (pilot, screen):
        await first_page_then(pilot, screen)
        error = screen.last_error
        assert isinstance(error, errors.RateLimitError)
        assert error.retry_after == 20.0
        assert any("(retry after 20 s)" in note for note in notifications(app))


# -- large and odd but valid answers ----------------------------------------------------------

MEGA = "A" * 1_048_576


async def test_browser_shows_a_megabyte_filename_without_freezing(server: HostileServer) -> None:
    items = [file_item("file-mega", filename=MEGA), file_item("file-small")]
    server.file_pages[None] = json_reply(files_body(items))
    app = make_tui(server.base_url)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 2)
        await workers_done(pilot)
        # Every key lands (how fast is bench/'s business, not a test's).
        await pilot.press("j", "k", "j")
        await wait_for(pilot, lambda: screen.table.cursor == 1)
        await pilot.press("k")
        await wait_for(pilot, lambda: screen.table.cursor == 0)
        await detail_caught_up(pilot, screen)
        assert "AAAAAAAAAAAAAAAAAA…" in shown(app)
        # The detail pane shows the start of the name and says how long it is.
        await pilot.press("enter")
        detail = screen.detail
        for _ in range(10):
            if "1,048,576" in shown(app):
                break
            await pilot.press("pagedown")
            # Until the page down has landed (the pane scrolled to where it aimed).
            await wait_for(pilot, lambda: detail.scroll_y == detail.scroll_target_y)
        assert "1,048,576" in shown(app)


def test_cli_megabyte_filename(server: HostileServer, tmp_path: Path) -> None:
    items = [file_item("file-mega", filename=MEGA)]
    server.file_pages[None] = json_reply(files_body(items))
    table = run_cli(tmp_path, base_url=server.base_url)
    assert table.code == 0
    row = next(line for line in table.stdout.splitlines() if "file-mega" in line)
    assert len(row) < 200 and row.count("A") < 100 and "…" in row
    ndjson = run_cli(tmp_path, "--format", "ndjson", base_url=server.base_url)
    assert json.loads(ndjson.stdout.splitlines()[0])["filename"] == MEGA


async def test_browser_takes_a_page_of_ten_thousand(server: HostileServer) -> None:
    items = [file_item(f"file-{n:05d}") for n in range(10_000)]
    server.file_pages[None] = json_reply(files_body(items))
    app = make_tui(server.base_url, timeout=10)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 10_000, timeout=20)
        await pilot.press("G")
        await wait_for(pilot, lambda: screen.table.cursor == 9_999)
        await detail_caught_up(pilot, screen)
        text = shown(app)
        assert "file-09999" in text
        assert "10,000 rows" in text
        await pilot.press("k")
        await wait_for(pilot, lambda: screen.table.cursor == 9_998)


def test_cli_page_of_ten_thousand(server: HostileServer, tmp_path: Path) -> None:
    items = [file_item(f"file-{n:05d}") for n in range(10_000)]
    server.file_pages[None] = json_reply(files_body(items))
    result = run_cli(tmp_path, "--format", "ndjson", base_url=server.base_url)
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 10_000
    assert json.loads(lines[-1])["id"] == "file-09999"
    assert "10,000 files" in result.stderr


UNKNOWN = {
    "zz_item_future": {"nested": [1, 2]},
}


def unknown_everywhere() -> Handler:
    item = file_item("file-unknown", zz_item_future={"nested": [1, 2]})
    body = files_body([item], zz_envelope_future="kept")
    body["extra_fields"]["zz_extra_future"] = "also kept"
    body["extra_fields"]["cache_debug"] = {"cache_hit": False, "zz_cache_future": 7}
    return json_reply(body)


async def test_browser_keeps_unknown_fields(server: HostileServer) -> None:
    server.file_pages[None] = unknown_everywhere()
    app = make_tui(server.base_url)
    async with running(app, size=(200, 60)) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 1)
        await detail_caught_up(pilot, screen)
        assert screen.last_error is None
        text = shown(app)
        for expected in ("zz_item_future", '"nested"', "zz_cache_future", "unknown extra fields"):
            assert expected in text
        page = screen.store.pages[0]
        assert page.extra_fields.model_extra == {"zz_extra_future": "also kept"}


def test_cli_keeps_unknown_fields(server: HostileServer, tmp_path: Path) -> None:
    server.file_pages[None] = unknown_everywhere()
    as_json = json.loads(run_cli(tmp_path, "--format", "json", base_url=server.base_url).stdout)
    assert as_json["zz_envelope_future"] == "kept"
    assert as_json["extra_fields"]["zz_extra_future"] == "also kept"
    assert as_json["data"][0]["zz_item_future"] == {"nested": [1, 2]}
    ndjson = run_cli(tmp_path, "--format", "ndjson", base_url=server.base_url)
    assert json.loads(ndjson.stdout)["zz_item_future"] == {"nested": [1, 2]}


def test_cli_json_stays_valid_with_out_of_range_numbers(
    server: HostileServer, tmp_path: Path
) -> None:
    body = b'{"object":"list","data":[{"id":"file-1","zz":1e400}],"zz":-1e400}'
    server.file_pages[None] = reply(200, body)
    for output_format in ("json", "ndjson"):
        result = run_cli(tmp_path, "--format", output_format, base_url=server.base_url)
        assert result.code == 0, result.stderr
        assert "Infinity" not in result.stdout
        for document in (
            result.stdout.strip().split("\n") if output_format == "ndjson" else [result.stdout]
        ):
            json.loads(document)
