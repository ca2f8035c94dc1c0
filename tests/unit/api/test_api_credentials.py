"""Two credentials for two route families, and what a 401 says about them."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import SecretStr

from mpilot_tui.api import errors
from mpilot_tui.api.credentials import clean_credential, mask_secret, secret_forms
from mpilot_tui.api.settings import ConnectionSettings, route_family

ADMIN: dict[str, Any] = {"username": "admin", "password": SecretStr("hunter2-admin")}
BASIC = "Basic " + base64.b64encode(b"admin:hunter2-admin").decode()


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/openai/v1/files", "inference"),
        ("/openai/files", "inference"),
        ("/v1/containers/c/files", "inference"),
        ("/api/providers", "admin"),
        ("/api/version", "admin"),
        ("/health", "other"),
        ("/openaix/files", "other"),
        ("/apis", "other"),
    ],
)
def test_route_family(path: str, family: str) -> None:
    assert route_family(path) == family


@pytest.mark.parametrize("auth", ["bearer", "x-bf-vk"])
async def test_virtual_key_goes_only_to_inference_routes(gw: Any, auth: str) -> None:
    gw.handler = lambda request: gw.json(200, gw.file_list([]))(request)
    client = gw.client(auth=auth, **ADMIN)
    await client.list_files()
    files = gw.last.headers
    if auth == "bearer":
        assert files["authorization"] == f"Bearer {gw.TOKEN}"
        assert "x-bf-vk" not in files
    else:
        assert files["x-bf-vk"] == gw.TOKEN
        assert "authorization" not in files
    gw.handler = lambda request: gw.json(200, {"providers": []})(request)
    await client.list_providers()
    api = gw.last.headers
    assert api["authorization"] == BASIC
    assert "x-bf-vk" not in api
    assert gw.TOKEN not in str(api.raw)
    gw.handler = lambda request: gw.json(200, {"status": "ok"})(request)
    await client.health()
    assert "authorization" not in gw.last.headers
    assert "x-bf-vk" not in gw.last.headers


async def test_api_routes_go_without_credentials_when_no_admin_is_set(gw: Any) -> None:
    gw.handler = lambda request: gw.json(200, {"providers": [{"name": "openai"}]})(request)
    result = await gw.client(auth="bearer").list_providers()
    assert result.permitted
    assert "authorization" not in gw.last.headers
    assert "x-bf-vk" not in gw.last.headers


async def test_basic_sends_admin_on_every_route_and_the_key_in_x_bf_vk(gw: Any) -> None:
    gw.handler = lambda request: gw.json(200, gw.file_list([]))(request)
    client = gw.client(auth="basic", **ADMIN)
    await client.list_files()
    assert gw.last.headers["authorization"] == BASIC
    assert gw.last.headers["x-bf-vk"] == gw.TOKEN
    gw.handler = lambda request: gw.json(200, {"providers": []})(request)
    await client.list_providers()
    assert gw.last.headers["authorization"] == BASIC
    assert "x-bf-vk" not in gw.last.headers


async def test_none_sends_nothing_anywhere(gw: Any) -> None:
    gw.handler = lambda request: gw.json(200, {"providers": []})(request)
    await gw.client(auth="none", **ADMIN).list_providers()
    assert "authorization" not in gw.last.headers


async def test_a_base_url_with_a_path_still_finds_the_route(gw: Any) -> None:
    gw.handler = lambda request: gw.json(200, {"providers": []})(request)
    client = gw.client("http://gw.test/gateway", auth="bearer", **ADMIN)
    await client.list_providers()
    assert gw.last.url.path == "/gateway/api/providers"
    assert gw.last.headers["authorization"] == BASIC


def _unauthorized() -> dict[str, Any]:
    return {"is_bifrost_error": False, "status_code": 401, "error": {"message": "Unauthorized"}}


async def test_401_on_api_without_admin_credentials_says_what_to_set(gw: Any) -> None:
    gw.queue(gw.json(401, _unauthorized()))
    result = await gw.client(auth="bearer").list_providers()
    assert not result.permitted
    assert result.message is not None
    assert "admin credentials" in result.message
    assert "MPILOT_ADMIN_USERNAME" in result.message
    assert "MPILOT_ADMIN_PASSWORD" in result.message


async def test_401_on_api_with_admin_credentials_names_the_user(gw: Any) -> None:
    gw.queue(gw.json(401, _unauthorized()))
    result = await gw.client(auth="bearer", **ADMIN).list_providers()
    assert result.message is not None
    assert "refused the admin credentials of user 'admin'" in result.message
    assert "hunter2" not in result.message


async def test_401_on_inference_names_the_masked_virtual_key(gw: Any) -> None:
    gw.queue(gw.json(401, _unauthorized()))
    with pytest.raises(errors.AuthenticationError) as caught:
        await gw.client(auth="x-bf-vk").list_files()
    text = str(caught.value)
    assert text.startswith("401: Unauthorized; ")
    assert f"x-bf-vk {mask_secret(gw.TOKEN)}" in text
    assert "MPILOT_TOKEN" in text and "P in the browser" in text
    assert gw.TOKEN not in text
    assert ("hint", caught.value.hint) in caught.value.fields()


async def test_401_on_inference_without_a_key_says_none_was_sent(gw: Any) -> None:
    gw.queue(gw.json(401, _unauthorized()))
    with pytest.raises(errors.AuthenticationError) as caught:
        await gw.client(token=None).list_files()
    assert "no virtual key was sent: set MPILOT_TOKEN" in str(caught.value)


async def test_plain_error_has_no_empty_fields(gw: Any) -> None:
    gw.queue(gw.json(400, {"is_bifrost_error": False, "error": {"message": "bad limit"}}))
    with pytest.raises(errors.APIStatusError) as caught:
        await gw.client().list_files()
    assert str(caught.value) == "400: bad limit"
    labels = [label for label, _ in caught.value.fields()]
    assert "type" not in labels and "event_id" not in labels and "code" not in labels


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        # 1.x: the code in error.type; 2.1+: renamed, in the top-level type.
        (401, {"error": {"type": "virtual_key_not_found", "message": "m"}}, "AuthenticationError"),
        (401, {"type": "access_not_found", "error": {"message": "m"}}, "AuthenticationError"),
        (403, {"error": {"type": "virtual_key_blocked", "message": "m"}}, "PermissionDeniedError"),
        (403, {"type": "access_blocked", "error": {"message": "m"}}, "PermissionDeniedError"),
        (400, {"error": {"code": "virtual_key_required", "message": "m"}}, "AuthenticationError"),
        (400, {"type": "access_required", "error": {"message": "m"}}, "AuthenticationError"),
    ],
)
async def test_virtual_key_codes_of_both_generations(
    gw: Any, status: int, body: dict[str, Any], expected: str
) -> None:
    gw.queue(gw.json(status, body))
    with pytest.raises(errors.APIStatusError) as caught:
        await gw.client().list_files()
    assert type(caught.value).__name__ == expected
    problem = caught.value.virtual_key_problem
    assert problem in ("not_found", "blocked", "required")
    assert mask_secret(gw.TOKEN) in str(caught.value)


def test_settings_refuse_a_key_a_header_cannot_carry() -> None:
    for bad in ("sk-bf-abc\r\ndef-1234", "sk-bf-abcdé-12345", "sk-bf-\udcff-123456789"):
        with pytest.raises(errors.CredentialError) as caught:
            ConnectionSettings(base_url="http://gw.test", token=SecretStr(bad))
        assert bad not in str(caught.value)
    with pytest.raises(errors.CredentialError):
        ConnectionSettings(base_url="http://gw.test", username="a:b")
    with pytest.raises(errors.CredentialError):
        ConnectionSettings(base_url="http://gw.test", username="a", password=SecretStr("p\x00w"))
    # A password travels base64-encoded: any text (not controls) is fine.
    settings = ConnectionSettings(
        base_url="http://gw.test", username="ädmin", password=SecretStr("pässwörd")
    )
    expected = base64.b64encode("ädmin:pässwörd".encode()).decode()
    assert settings.auth_headers("/api/providers")["Authorization"] == f"Basic {expected}"


def test_clean_credential_strips_and_reports() -> None:
    cleaned = clean_credential(" sk-bf-0123456789abcd\r\n", what="MPILOT_TOKEN", kind="virtual key")
    assert cleaned.stripped
    assert cleaned.secret is not None
    assert cleaned.secret.get_secret_value() == "sk-bf-0123456789abcd"
    assert clean_credential("\t\n", what="x", kind="virtual key").secret is None
    plain = clean_credential("sk-bf-0123456789abcd", what="x", kind="virtual key")
    assert not plain.stripped


def test_clean_credential_error_shows_only_the_masked_form() -> None:
    with pytest.raises(errors.CredentialError) as caught:
        clean_credential("sk-bf-secret\x1bpart-9f3a", what="MPILOT_TOKEN", kind="virtual key")
    message = str(caught.value)
    assert "MPILOT_TOKEN holds a control character, U+001B" in message
    assert "sk-bf-…9f3a" in message
    assert "secret" not in message and "\x1b" not in message


def test_mask_never_shows_a_control_character() -> None:
    assert mask_secret("sk-bf-abcdefgh\x07xyz") == "sk-bf-…?xyz"


def test_secret_forms_cover_escaped_echoes() -> None:
    forms = secret_forms('pa"ss/wö\\rd')
    assert 'pa\\"ss/w\\u00f6\\\\rd' in forms  # JSON, ASCII-escaped
    assert 'pa\\"ss\\/w\\u00f6\\\\rd' in forms  # JSON with escaped slashes
    assert 'pa"ss/w\\xc3\\xb6\\\\rd' in forms  # repr of the UTF-8 bytes
    assert "pa%22ss%2Fw%C3%B6%5Crd" in forms  # percent-encoded


def test_describe_auth_names_both_credentials_masked() -> None:
    settings = ConnectionSettings(
        base_url="http://gw.test", token=SecretStr("sk-bf-0123456789abcd"), **ADMIN
    )
    assert settings.describe_auth() == "bearer sk-bf-…abcd + admin admin"
    assert "hunter2" not in repr(settings)
    assert "0123456789" not in repr(settings)
