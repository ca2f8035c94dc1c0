"""The inspector shows a request's path and query whole and copies it as curl, with the
credentials named as shell variables, never their values."""

from __future__ import annotations

import shlex

import pytest
from helpers_ui import browser, demo_app, loaded, text_shown, wait_for
from pydantic import SecretStr

from mpilot_tui.api.history import RequestRecord
from mpilot_tui.api.settings import ConnectionSettings
from mpilot_tui.ui.screens.inspector import InspectorScreen, curl_command

TOKEN = "sk-bf-secret-0123456789"
PASSWORD = "pw-secret-0123456789"
URL = "http://gw.example:8080/openai/v1/files?provider=openai&limit=100&after=abc%3D%3D"


def _record(url: str = URL, method: str = "GET") -> RequestRecord:
    return RequestRecord(started_at=0.0, method=method, url=url, status=200)


@pytest.mark.parametrize(
    ("settings", "url", "expected"),
    [
        (
            ConnectionSettings(base_url="http://gw.example:8080", token=SecretStr(TOKEN)),
            URL,
            f'curl -H "Authorization: Bearer $MPILOT_TOKEN" {shlex.quote(URL)}',
        ),
        (
            ConnectionSettings(
                base_url="http://gw.example:8080", auth="x-bf-vk", token=SecretStr(TOKEN)
            ),
            URL,
            f'curl -H "x-bf-vk: $MPILOT_TOKEN" {shlex.quote(URL)}',
        ),
        (
            ConnectionSettings(
                base_url="http://gw.example:8080", token=SecretStr(TOKEN),
                username='ad"min$', password=SecretStr(PASSWORD),
            ),
            "http://gw.example:8080/api/providers",
            'curl -u "ad\\"min\\$:$MPILOT_ADMIN_PASSWORD" http://gw.example:8080/api/providers',
        ),
        (
            ConnectionSettings(base_url="http://gw.example:8080", auth="none"),
            URL,
            f"curl {shlex.quote(URL)}",
        ),
    ],
)  # fmt: skip
def test_curl_names_the_credentials_never_their_values(
    settings: ConnectionSettings, url: str, expected: str
) -> None:
    command = curl_command(_record(url), settings)
    assert command == expected
    assert TOKEN not in command and PASSWORD not in command


def test_a_hostile_url_stays_one_quoted_word() -> None:
    url = "http://gw/x?q=';rm -rf ~;'&b=$(id)\x1b[2J"
    command = curl_command(_record(url, "DELETE"), ConnectionSettings(base_url="http://gw"))
    words = shlex.split(command)
    assert words[:3] == ["curl", "-X", "DELETE"] and len(words) == 4
    assert "\x1b" not in command


@pytest.mark.asyncio
async def test_inspector_shows_path_and_query_whole_and_c_copies_curl(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = demo_app(files=30)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot, browser(app), 30)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        screen = app.screen
        assert isinstance(screen, InspectorScreen)
        files = next(r for r in screen.records if "/v1/files" in r.url)
        screen.query_one("DataTable").move_cursor(row=screen.records.index(files))  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: screen.selected is files)
        text = await text_shown(pilot, "path        /openai/v1/files")
        assert "path        /openai/v1/files" in text
        assert "provider=openai" in text and "limit=100" in text, "each parameter on its line"
        await pilot.press("c")
        assert copied == [curl_command(files, app.client.settings)]
        assert copied[0].startswith("curl ") and files.url in copied[0]
