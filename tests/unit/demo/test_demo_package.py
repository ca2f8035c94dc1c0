"""The demo package's public interface, its defaults, and what it may import."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

import mpilot_tui.demo as demo
from mpilot_tui.demo import DemoConfig, create_app

MakeClient = Any
FILES = "/openai/v1/files"


def test_public_interface() -> None:
    assert demo.__all__ == sorted(demo.__all__) == ["DemoConfig", "create_app", "serve"]
    assert isinstance(create_app(), Starlette)
    assert isinstance(create_app(DemoConfig(files=3)), Starlette)
    config = DemoConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.files = 5  # type: ignore[misc]
    defaults = {f.name: f.default for f in dataclasses.fields(DemoConfig)}
    assert defaults["files"] == 1200
    assert defaults["containers"] == 3
    assert defaults["container_files"] == 40
    assert defaults["keys"] == 1
    assert defaults["seed"] == 7
    assert defaults["latency_ms"] == 0
    assert defaults["auth"] == "open"
    assert defaults["virtual_key"] == "sk-bf-demo-7c1e2a9f3a"
    assert defaults["admin_username"] == defaults["admin_password"] == "admin"
    assert defaults["bifrost"] == "2.2"
    assert defaults["list_cache_debug"] is False
    assert defaults["content_delay_ms"] == 0


def test_the_demo_imports_neither_textual_nor_httpx() -> None:
    package = Path(demo.__file__).parent
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root not in ("textual", "httpx"), f"{source.name} imports {name}"


async def test_bad_order_is_an_upstream_400(make_client: MakeClient) -> None:
    response = await make_client().get(FILES, params={"order": "sideways"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["param"] == "order"
    assert body["extra_fields"]["raw_response"]["error"]["param"] == "order"


@pytest.mark.bifrost("1.4", "1.5")
@pytest.mark.parametrize(("path", "status"), [(FILES, 500), ("/v1/files", 400)])
async def test_non_integer_limit_is_a_gateway_error(
    make_client: MakeClient, path: str, status: int
) -> None:
    response = await make_client().get(path, params={"limit": "ten", "provider": "openai"})
    assert response.status_code == status
    assert response.json()["error"]["param"] == "limit"


@pytest.mark.bifrost("2.2")
@pytest.mark.parametrize("path", [FILES, "/v1/files"])
async def test_22_ignores_a_non_integer_limit(make_client: MakeClient, path: str) -> None:
    client = make_client(files=30)
    ignored = await client.get(path, params={"limit": "ten", "provider": "openai"})
    unset = await client.get(path, params={"provider": "openai"})
    assert ignored.status_code == 200
    assert ignored.json()["data"] == unset.json()["data"] and len(unset.json()["data"]) == 30


@pytest.mark.bifrost("1.4", "1.5")
async def test_suffix_range_returns_the_tail(make_client: MakeClient) -> None:
    client = make_client()
    item = (await client.get(FILES, params={"limit": 1})).json()["data"][0]
    whole = await client.get(f"{FILES}/{item['id']}/content", headers={"range": "bytes=0-"})
    tail = await client.get(f"{FILES}/{item['id']}/content", headers={"range": "bytes=-100"})
    assert tail.status_code == 206
    assert tail.content == whole.content[-100:]
    assert len(whole.content) == item["bytes"]


@pytest.mark.bifrost("2.2")
async def test_22_content_ignores_range_and_sends_everything(make_client: MakeClient) -> None:
    client = make_client()
    item = (await client.get(FILES, params={"limit": 1})).json()["data"][0]
    whole = await client.get(f"{FILES}/{item['id']}/content")
    tail = await client.get(f"{FILES}/{item['id']}/content", headers={"range": "bytes=-100"})
    assert whole.status_code == tail.status_code == 200
    assert "content-range" not in tail.headers and "accept-ranges" not in tail.headers
    assert tail.content == whole.content and len(whole.content) == item["bytes"]


async def test_content_delay_holds_back_the_first_byte(make_client: MakeClient) -> None:
    # The body is not started before the delay ends: the response start waits on it too,
    # since the first chunk is what is held back. Measured against a loop clock, no wall time.
    import asyncio

    client = make_client(files=3, content_delay_ms=200)
    item = (await client.get(FILES, params={"limit": 1})).json()["data"][0]
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await client.get(f"{FILES}/{item['id']}/content")
    assert response.status_code == 200 and len(response.content) == item["bytes"]
    assert loop.time() - started >= 0.2
