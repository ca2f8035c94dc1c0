"""The demo gateway's authentication modes and virtual-key governance."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from mpilot_tui.demo import DemoConfig

FILES = "/openai/v1/files"
VK = DemoConfig().virtual_key
MakeClient = Any


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _error(response: Any, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status_code"] == status
    return body


# -- vk mode --------------------------------------------------------------------------------


async def test_vk_mode_requires_a_virtual_key(make_client: MakeClient):
    client = make_client(auth="vk")
    body = _error(await client.get(FILES), 401)
    assert body["error"]["code"] == "virtual_key_required"
    # A Bearer token that is not a virtual key does not count as one.
    body = _error(await client.get(FILES, headers={"Authorization": "Bearer abc"}), 401)
    assert body["error"]["code"] == "virtual_key_required"


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": "Bearer sk-bf-wrong-key"}, {"x-bf-vk": "sk-bf-wrong-key"}],
)
async def test_vk_mode_refuses_an_unknown_key(make_client: MakeClient, headers: dict[str, str]):
    body = _error(await make_client(auth="vk").get(FILES, headers=headers), 401)
    assert body["error"]["code"] == "virtual_key_not_found"


@pytest.mark.parametrize("headers", [{"Authorization": f"Bearer {VK}"}, {"x-bf-vk": VK}])
async def test_vk_mode_accepts_the_key_in_either_header(
    make_client: MakeClient, headers: dict[str, str]
):
    response = await make_client(auth="vk").get(FILES, params={"limit": 2}, headers=headers)
    assert response.status_code == 200
    assert len(response.json()["data"]) == 2


async def test_blocked_provider_is_403_provider_blocked(make_client: MakeClient):
    client = make_client(auth="vk")
    headers = {"x-bf-vk": VK}
    body = _error(await client.get(FILES, params={"provider": "bedrock"}, headers=headers), 403)
    assert body["error"]["code"] == "provider_blocked"
    assert body["extra_fields"]["provider"] == "bedrock"
    allowed = await client.get(FILES, params={"provider": "anthropic"}, headers=headers)
    assert allowed.status_code == 200


async def test_vk_mode_management_needs_admin_credentials(make_client: MakeClient):
    client = make_client(auth="vk")
    _error(await client.get("/api/providers", headers={"Authorization": f"Bearer {VK}"}), 403)
    _error(await client.get("/api/providers", headers={"x-bf-vk": VK}), 403)
    _error(await client.get("/api/providers"), 401)
    admin = await client.get("/api/providers", headers={"Authorization": "Bearer demo-admin-jwt"})
    assert admin.status_code == 200


# -- admin mode -----------------------------------------------------------------------------


async def test_admin_mode_requires_admin_credentials(make_client: MakeClient):
    client = make_client(auth="admin")
    assert _error(await client.get(FILES), 401)["error"]["message"] == "Unauthorized"
    wrong = _error(await client.get(FILES, headers=_basic("admin", "nope")), 401)
    assert wrong["error"]["message"] == "Unauthorized"
    # In admin mode Authorization carries admin credentials: a virtual key there is refused.
    _error(await client.get(FILES, headers={"Authorization": f"Bearer {VK}"}), 401)


@pytest.mark.parametrize(
    "headers",
    [
        _basic("admin", "admin"),
        {**_basic("admin", "admin"), "x-bf-vk": VK},
        {"Authorization": "Bearer demo-admin-jwt"},
        {"Authorization": "Bearer demo-admin-jwt", "x-bf-vk": VK},
    ],
)
async def test_admin_mode_accepts_admin_credentials_with_or_without_vk(
    make_client: MakeClient, headers: dict[str, str]
):
    response = await make_client(auth="admin").get(FILES, params={"limit": 1}, headers=headers)
    assert response.status_code == 200


async def test_admin_mode_checks_the_vk_in_x_bf_vk(make_client: MakeClient):
    client = make_client(auth="admin")
    headers = {**_basic("admin", "admin"), "x-bf-vk": "sk-bf-wrong"}
    assert _error(await client.get(FILES, headers=headers), 401)["error"]["code"] == (
        "virtual_key_not_found"
    )
    headers = {**_basic("admin", "admin"), "x-bf-vk": VK}
    blocked = await client.get(FILES, params={"provider": "bedrock"}, headers=headers)
    assert _error(blocked, 403)["error"]["code"] == "provider_blocked"
    # Admin credentials alone reach the provider the virtual key is blocked from.
    alone = await client.get(
        FILES, params={"provider": "bedrock"}, headers=_basic("admin", "admin")
    )
    assert alone.status_code == 200


async def test_admin_mode_management_routes(make_client: MakeClient):
    client = make_client(auth="admin")
    assert (await client.get("/api/providers", headers=_basic("admin", "admin"))).status_code == 200
    _error(await client.get("/api/providers", headers={"x-bf-vk": VK}), 403)
    _error(await client.get("/api/providers", headers=_basic("root", "admin")), 401)
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/api/version")).status_code == 200


async def test_custom_admin_credentials(make_client: MakeClient):
    client = make_client(auth="admin", admin_username="ops", admin_password="s3cret")
    assert (await client.get(FILES, headers=_basic("ops", "s3cret"))).status_code == 200
    _error(await client.get(FILES, headers=_basic("admin", "admin")), 401)


# -- open mode ------------------------------------------------------------------------------


async def test_open_mode_needs_nothing_but_checks_a_key_that_is_sent(make_client: MakeClient):
    client = make_client(auth="open")
    assert (await client.get(FILES, params={"limit": 1})).status_code == 200
    assert (await client.get("/api/providers")).status_code == 200
    body = _error(await client.get(FILES, headers={"x-bf-vk": "sk-bf-wrong"}), 401)
    assert body["error"]["code"] == "virtual_key_not_found"
    ok = await client.get(FILES, params={"limit": 1}, headers={"x-bf-vk": VK})
    assert ok.status_code == 200


def test_config_rejects_nonsense():
    with pytest.raises(ValueError):
        DemoConfig(keys=0)
    with pytest.raises(ValueError):
        DemoConfig(files=-1)
