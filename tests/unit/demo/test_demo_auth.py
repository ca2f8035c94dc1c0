"""The demo gateway's authentication modes and virtual-key governance, on each generation."""

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


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["status_code"] == status
    return body


def _code(body: dict[str, Any], bifrost: str) -> str:
    """A virtual-key error's code where the generation puts it: 1.x in ``error.code`` (and
    ``type``), 2.x only in the top-level ``type``."""
    if bifrost == "2.2":
        assert "code" not in body["error"] and "type" not in body["error"]
        return str(body["type"])
    assert body["type"] == body["error"]["type"] == body["error"]["code"]
    return str(body["error"]["code"])


NOT_FOUND = {
    "1.4": "virtual_key_not_found",
    "1.5": "virtual_key_not_found",
    "2.2": "access_not_found",
}
"""The code of an unknown (or revoked) virtual key per generation (2.1.0 renamed it)."""


def _plain_unauthorized(body: dict[str, Any], bifrost: str) -> None:
    assert body["error"]["message"] == "Unauthorized"
    if bifrost == "2.2":  # a plain error: no event id, type or code
        assert body == {
            "is_bifrost_error": False,
            "status_code": 401,
            "error": {"message": "Unauthorized"},
            "extra_fields": {},
        }


# -- vk mode --------------------------------------------------------------------------------


async def test_vk_mode_requires_a_virtual_key(make_client: MakeClient, bifrost: str) -> None:
    client = make_client(auth="vk")
    body = _error(await client.get(FILES), 401)
    assert _code(body, bifrost) == "virtual_key_required"
    assert body["error"]["message"].startswith("virtual key is required.")
    # A Bearer token that is not a virtual key does not count as one.
    body = _error(await client.get(FILES, headers={"Authorization": "Bearer abc"}), 401)
    assert _code(body, bifrost) == "virtual_key_required"


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": "Bearer sk-bf-wrong-key"}, {"x-bf-vk": "sk-bf-wrong-key"}],
)
async def test_vk_mode_refuses_an_unknown_key(
    make_client: MakeClient, bifrost: str, headers: dict[str, str]
) -> None:
    body = _error(await make_client(auth="vk").get(FILES, headers=headers), 401)
    assert _code(body, bifrost) == NOT_FOUND[bifrost]
    if bifrost == "2.2":
        assert body["error"]["message"] == (
            "virtual key not found. The provided virtual key does not exist or has been revoked."
        )


@pytest.mark.bifrost("2.2")
@pytest.mark.parametrize(
    "headers",
    [
        {"x-api-key": VK},
        {"x-goog-api-key": VK},
        {"Authorization": "Bearer SK-BF-" + VK.removeprefix("sk-bf-")},
    ],
)
async def test_22_reads_the_key_from_more_headers(
    make_client: MakeClient, bifrost: str, headers: dict[str, str]
) -> None:
    # 2.x reads x-api-key and x-goog-api-key too, and matches the prefix in any case (the
    # uppercased key is then a key that does not exist: it was read, and refused).
    response = await make_client(auth="vk").get(FILES, params={"limit": 1}, headers=headers)
    if "Authorization" in headers:
        assert _code(_error(response, 401), bifrost) == "access_not_found"
    else:
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("headers", [{"Authorization": f"Bearer {VK}"}, {"x-bf-vk": VK}])
async def test_vk_mode_accepts_the_key_in_either_header(
    make_client: MakeClient, headers: dict[str, str]
) -> None:
    response = await make_client(auth="vk").get(FILES, params={"limit": 2}, headers=headers)
    assert response.status_code == 200
    assert len(response.json()["data"]) == 2


async def test_blocked_provider_is_403_provider_blocked(make_client: MakeClient) -> None:
    client = make_client(auth="vk")
    headers = {"x-bf-vk": VK}
    body = _error(await client.get(FILES, params={"provider": "bedrock"}, headers=headers), 403)
    assert body["error"]["code"] == "provider_blocked"
    assert body["extra_fields"]["provider"] == "bedrock"
    allowed = await client.get(FILES, params={"provider": "anthropic"}, headers=headers)
    assert allowed.status_code == 200


@pytest.mark.bifrost("2.2")
async def test_vk_mode_management_is_open_on_22(make_client: MakeClient, bifrost: str) -> None:
    # 2.x: admin credentials only with admin auth on; without it /api/... is open.
    client = make_client(auth="vk")
    for headers in ({}, {"x-bf-vk": VK}, {"Authorization": f"Bearer {VK}"}):
        assert (await client.get("/api/providers", headers=headers)).status_code == 200


@pytest.mark.bifrost("1.4", "1.5")
async def test_vk_mode_management_needs_admin_credentials(
    make_client: MakeClient, bifrost: str
) -> None:
    client = make_client(auth="vk")
    _error(await client.get("/api/providers", headers={"Authorization": f"Bearer {VK}"}), 403)
    _error(await client.get("/api/providers", headers={"x-bf-vk": VK}), 403)
    _error(await client.get("/api/providers"), 401)
    admin = await client.get("/api/providers", headers={"Authorization": "Bearer demo-admin-jwt"})
    assert admin.status_code == 200


# -- admin mode -----------------------------------------------------------------------------


@pytest.mark.bifrost("1.5", "2.2")
async def test_admin_mode_leaves_inference_to_governance(
    make_client: MakeClient, bifrost: str
) -> None:
    # From 1.5 on admin credentials are for /api/... only; inference needs none of them.
    client = make_client(auth="admin")
    assert (await client.get(FILES, params={"limit": 1})).status_code == 200
    assert (
        await client.get(FILES, params={"limit": 1}, headers={"x-bf-vk": VK})
    ).status_code == 200
    wrong = _error(await client.get(FILES, headers={"Authorization": "Bearer sk-bf-wrong"}), 401)
    assert _code(wrong, bifrost) == NOT_FOUND[bifrost]
    _plain_unauthorized(_error(await client.get("/api/providers"), 401), bifrost)
    both = make_client(auth="vk+admin")
    assert (await both.get(FILES, headers={"x-bf-vk": VK})).status_code == 200
    assert _code(_error(await both.get(FILES, headers=_basic("admin", "admin")), 401), bifrost) == (
        "virtual_key_required"
    )


@pytest.mark.bifrost("1.4")
async def test_admin_mode_requires_admin_credentials(make_client: MakeClient) -> None:
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
) -> None:
    response = await make_client(auth="admin").get(FILES, params={"limit": 1}, headers=headers)
    assert response.status_code == 200


async def test_admin_mode_checks_the_vk_in_x_bf_vk(make_client: MakeClient, bifrost: str) -> None:
    client = make_client(auth="admin")
    headers = {**_basic("admin", "admin"), "x-bf-vk": "sk-bf-wrong"}
    assert (
        _code(_error(await client.get(FILES, headers=headers), 401), bifrost)
        == (NOT_FOUND[bifrost])
    )
    headers = {**_basic("admin", "admin"), "x-bf-vk": VK}
    blocked = await client.get(FILES, params={"provider": "bedrock"}, headers=headers)
    assert _error(blocked, 403)["error"]["code"] == "provider_blocked"
    # Admin credentials alone reach the provider the virtual key is blocked from.
    alone = await client.get(
        FILES, params={"provider": "bedrock"}, headers=_basic("admin", "admin")
    )
    assert alone.status_code == 200


async def test_admin_mode_management_routes(make_client: MakeClient, bifrost: str) -> None:
    client = make_client(auth="admin")
    assert (await client.get("/api/providers", headers=_basic("admin", "admin"))).status_code == 200
    # A virtual key on /api/...: 1.x refuses it with 403, 2.x with 401 like any wrong credential.
    _error(
        await client.get("/api/providers", headers={"x-bf-vk": VK}),
        401 if bifrost == "2.2" else 403,
    )
    _plain_unauthorized(
        _error(await client.get("/api/providers", headers=_basic("root", "admin")), 401), bifrost
    )
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/api/version")).status_code == 200


async def test_custom_admin_credentials(make_client: MakeClient) -> None:
    client = make_client(auth="admin", admin_username="ops", admin_password="s3cret")
    path = "/api/providers"
    assert (await client.get(path, headers=_basic("ops", "s3cret"))).status_code == 200
    _error(await client.get(path, headers=_basic("admin", "admin")), 401)


async def test_admin_session_login_cookie_and_bearer_token(
    make_client: MakeClient, bifrost: str
) -> None:
    client = make_client(auth="admin")
    refused = await client.post("/api/session/login", json={"username": "admin", "password": "x"})
    assert refused.status_code == 401
    login = await client.post("/api/session/login", json={"username": "admin", "password": "admin"})
    assert login.status_code == 200
    token = login.cookies["token"]
    # The cookie the client now holds, and the same token as a Bearer session token.
    assert (await client.get("/api/providers")).status_code == 200
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/providers", headers=bearer)).status_code == 200
    assert (await client.get("/api/providers")).status_code == 401


# -- open mode ------------------------------------------------------------------------------


async def test_open_mode_needs_nothing_but_checks_a_key_that_is_sent(
    make_client: MakeClient, bifrost: str
) -> None:
    client = make_client(auth="open")
    assert (await client.get(FILES, params={"limit": 1})).status_code == 200
    assert (await client.get("/api/providers")).status_code == 200
    body = _error(await client.get(FILES, headers={"x-bf-vk": "sk-bf-wrong"}), 401)
    assert _code(body, bifrost) == NOT_FOUND[bifrost]
    ok = await client.get(FILES, params={"limit": 1}, headers={"x-bf-vk": VK})
    assert ok.status_code == 200


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        DemoConfig(keys=0)
    with pytest.raises(ValueError):
        DemoConfig(files=-1)
