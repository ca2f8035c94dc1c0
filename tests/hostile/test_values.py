"""Valid JSON with hostile values: huge integers, out-of-range floats, NaN, wrong types.

Every formatter takes any JSON value and shows something; no value crashes a screen or the
CLI's table; and a crash the app did not expect ends it with a non-zero exit code and a
message that says the rows were lost (Textual's own default is 0).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from helpers_hostile import (
    FIRST_IDS,
    HostileServer,
    file_item,
    files_body,
    make_tui,
    reply,
    run_cli,
    running,
    shown,
    wait_for,
)
from helpers_ui import detail_caught_up, workers_done
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from mpilot_tui.cli.common import EXIT_OK
from mpilot_tui.formats import text as text_module
from mpilot_tui.ui.widgets.cache_summary import histogram
from mpilot_tui.ui.widgets.detail import similarity_bar

HUGE = 10**400
"""An integer JSON allows and no 64-bit column holds."""


def page_with(**fields: Any) -> bytes:
    """A page of one file whose fields are replaced (raw JSON text, so 1e400 and NaN stay)."""
    item = file_item("file-hostile-value")
    body = json.dumps(files_body([item]))
    for name, raw in fields.items():
        body = body.replace(f'"{name}": {json.dumps(item.get(name))}', f'"{name}": {raw}', 1)
    return body.encode()


def cache_page(cache: str) -> bytes:
    body = json.dumps(files_body([file_item(i) for i in FIRST_IDS]))
    return body.replace(
        '"extra_fields": {', '"extra_fields": {"cache_debug": ' + cache + ", ", 1
    ).encode()


HOSTILE_FIELDS = [
    pytest.param({"bytes": str(HUGE)}, id="bytes-10e400"),
    pytest.param({"created_at": str(HUGE)}, id="created_at-10e400"),
    pytest.param({"created_at": str(-HUGE)}, id="created_at-minus-10e400"),
    pytest.param({"bytes": "1e400"}, id="bytes-1e400"),
    pytest.param({"created_at": "NaN"}, id="created_at-nan"),
    pytest.param({"bytes": "-Infinity"}, id="bytes-minus-infinity"),
    pytest.param({"bytes": '"12"', "created_at": "[1]"}, id="wrong-types"),
]


@pytest.mark.parametrize("fields", HOSTILE_FIELDS)
def test_cli_table_shows_hostile_values(
    server: HostileServer, tmp_path: Path, fields: dict[str, str]
) -> None:
    server.file_pages[None] = reply(200, page_with(**fields))
    result = run_cli(tmp_path, base_url=server.base_url)
    assert "Traceback" not in result.stderr, result.stderr
    if result.code == EXIT_OK:
        assert "file-hostile-value" in result.stdout
    else:  # a wrong type is a shape error, said in one line
        assert result.code == 4 and "mpilot-tui: error:" in result.stderr, result.stderr


@pytest.mark.parametrize("fields", HOSTILE_FIELDS)
async def test_browser_shows_hostile_values(server: HostileServer, fields: dict[str, str]) -> None:
    server.file_pages[None] = reply(200, page_with(**fields))
    app = make_tui(server.base_url)
    async with running(app) as (pilot, screen):
        await wait_for(
            pilot, lambda: screen.inflight is None and (len(screen.store) or screen.last_error)
        )
        await detail_caught_up(pilot, screen)
        assert app.is_running and app.return_code is None
        if len(screen.store):
            await wait_for(pilot, lambda: "file-hostile-value" in shown(app))


CACHE_CASES = [
    pytest.param(
        '{"cache_hit": true, "similarity": 0.9, "threshold": 1e400}', id="threshold-1e400"
    ),
    pytest.param('{"cache_hit": true, "similarity": NaN, "threshold": 0.8}', id="similarity-nan"),
    pytest.param('{"cache_hit": true, "similarity": -Infinity, "threshold": NaN}', id="both-odd"),
    pytest.param(
        '{"cache_hit": true, "similarity": 1e400, "threshold": -1e400, "input_tokens": '
        + str(HUGE)
        + "}",
        id="huge-tokens",
    ),
]


@pytest.mark.parametrize("cache", CACHE_CASES)
async def test_browser_detail_and_cache_summary_take_odd_scores(
    server: HostileServer, cache: str
) -> None:
    server.file_pages[None] = reply(200, cache_page(cache))
    app = make_tui(server.base_url)
    async with running(app) as (pilot, screen):
        await wait_for(
            pilot, lambda: screen.inflight is None and (len(screen.store) or screen.last_error)
        )
        await detail_caught_up(pilot, screen)
        assert app.is_running
        if len(screen.store):
            assert "HIT" in shown(app)
        else:  # a value out of its type's range is a shape error, shown as one
            assert "ShapeError" in shown(app)
        await pilot.press("C")
        await wait_for(pilot, lambda: app.screen is not screen, what="the cache summary")
        await workers_done(pilot)
        assert app.is_running and app.return_code is None
        assert "Cache" in shown(app)


# -- every formatter, any value ----------------------------------------------------------------

ODD_NUMBERS = st.sampled_from([HUGE, -HUGE, math.inf, -math.inf, math.nan, 2**63, -(2**63) - 1])
ANY_VALUE = (
    ODD_NUMBERS
    | st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)
)


def _render(value: Text) -> str:
    console = Console(width=80, file=None, record=True, color_system=None)
    console.print(value)
    return console.export_text()


@settings(max_examples=300, deadline=None)
@given(value=ANY_VALUE, other=ANY_VALUE)
def test_every_formatter_takes_any_json_value(value: Any, other: Any) -> None:
    for shown_text in (
        text_module.human_bytes(value),
        text_module.ago(value),
        text_module.local_time(value),
        text_module.utc_iso(value),
    ):
        assert isinstance(shown_text, str)
    assert _render(similarity_bar(value, other))
    assert _render(histogram([value, other], value))
    assert _render(histogram([value], other))
