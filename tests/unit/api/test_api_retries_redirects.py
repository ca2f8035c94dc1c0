"""The request loop: bounded retries with backoff and Retry-After, and the redirect policy."""

from __future__ import annotations

import email.utils
import random
import time
from typing import Any

import httpx
import pytest

from mpilot_tui.api import (
    APIStatusError,
    AuthenticationError,
    ConnectError,
    NotFoundError,
    RateLimitError,
    RedirectError,
    ServerError,
    _http,
)
from mpilot_tui.api._http import RETRY_AFTER_CAP, parse_retry_after

# -- retries ------------------------------------------------------------------------------


async def test_503_then_200_succeeds_after_one_retry(gw: Any) -> None:
    gw.queue(gw.raw(503, b"busy", "text/plain"), gw.json(200, gw.file_list(["file-1"])))
    client = gw.client()
    page = await client.list_files()
    assert [f.id for f in page.items] == ["file-1"]
    assert len(gw.requests) == 2
    assert len(gw.sleeps) == 1
    assert 0 < gw.sleeps[0] <= _http.BACKOFF_BASE
    assert [r.attempt for r in client.history] == [1, 2]
    assert [r.status for r in client.history] == [503, 200]


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_retries_are_bounded_by_the_default_of_two(gw: Any, status: int) -> None:
    gw.queue(gw.json(status, gw.envelope(status, message="still failing")))
    with pytest.raises(APIStatusError) as caught:
        await gw.client().list_files()
    assert caught.value.status == status
    assert len(gw.requests) == 3
    assert len(gw.sleeps) == 2


@pytest.mark.parametrize("retries", [0, 1, 4])
async def test_retries_setting_is_honoured(gw: Any, retries: int) -> None:
    gw.queue(gw.raw(502, b"bad gateway", "text/plain"))
    with pytest.raises(ServerError):
        await gw.client(retries=retries).list_files()
    assert len(gw.requests) == retries + 1
    assert len(gw.sleeps) == retries


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, APIStatusError), (401, AuthenticationError), (404, NotFoundError), (500, ServerError)],
)
async def test_other_statuses_are_not_retried(gw: Any, status: int, cls: type) -> None:
    gw.queue(gw.json(status, gw.envelope(status, message="no")), gw.json(200, gw.file_list([])))
    with pytest.raises(cls):
        await gw.client().list_files()
    assert len(gw.requests) == 1
    assert gw.sleeps == []


async def test_retry_after_seconds_is_the_wait(gw: Any) -> None:
    gw.queue(
        gw.json(429, gw.envelope(429, code="rate_limited"), headers={"Retry-After": "3"}),
        gw.json(200, gw.file_list([])),
    )
    await gw.client().list_files()
    assert gw.sleeps == [3.0]


async def test_retry_after_http_date_is_the_wait(gw: Any) -> None:
    when = email.utils.formatdate(time.time() + 10, usegmt=True)
    gw.queue(gw.raw(503, b"", "text/plain", {"Retry-After": when}), gw.json(200, {"data": []}))
    await gw.client().list_files()
    assert len(gw.sleeps) == 1
    assert 8.0 < gw.sleeps[0] <= 10.0


@pytest.mark.parametrize("value", ["999999", "1e300", "inf"])
async def test_absurd_retry_after_is_capped(gw: Any, value: str) -> None:
    gw.queue(gw.raw(429, b"slow down", "text/plain", {"Retry-After": value}))
    with pytest.raises(RateLimitError) as caught:
        await gw.client().list_files()
    assert gw.sleeps == [RETRY_AFTER_CAP, RETRY_AFTER_CAP]
    assert caught.value.retry_after == RETRY_AFTER_CAP


async def test_rate_limit_error_carries_retry_after(gw: Any) -> None:
    gw.queue(gw.json(429, gw.envelope(429, code="token_limited"), headers={"Retry-After": "7"}))
    with pytest.raises(RateLimitError) as caught:
        await gw.client(retries=0).list_files()
    assert caught.value.retry_after == 7.0
    assert caught.value.code == "token_limited"


async def test_rate_limit_error_without_retry_after(gw: Any) -> None:
    gw.queue(gw.json(429, gw.envelope(429, code="rate_limited")))
    with pytest.raises(RateLimitError) as caught:
        await gw.client(retries=0).list_files()
    assert caught.value.retry_after is None


async def test_invalid_retry_after_falls_back_to_backoff(gw: Any) -> None:
    gw.queue(gw.raw(503, b"", "text/plain", {"Retry-After": "soon"}), gw.json(200, {"data": []}))
    await gw.client().list_files()
    assert len(gw.sleeps) == 1
    assert 0 < gw.sleeps[0] <= _http.BACKOFF_BASE


async def test_connect_errors_are_retried(gw: Any) -> None:
    gw.queue(
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ConnectError("[Errno 111] Connection refused"),
        gw.json(200, gw.file_list(["file-1"])),
    )
    client = gw.client()
    page = await client.list_files()
    assert page.items[0].id == "file-1"
    assert len(gw.sleeps) == 2
    assert [r.error for r in client.history] == ["ConnectError", "ConnectError", None]


async def test_connect_errors_exhaust_the_retries(gw: Any) -> None:
    gw.queue(httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(ConnectError):
        await gw.client().list_files()
    assert len(gw.requests) == 3
    assert len(gw.sleeps) == 2


async def test_backoff_grows_between_attempts(gw: Any) -> None:
    gw.queue(gw.raw(503, b"", "text/plain"))
    with pytest.raises(ServerError):
        await gw.client(retries=4).list_files()
    assert len(gw.sleeps) == 4
    assert all(a < b for a, b in zip(gw.sleeps, gw.sleeps[1:], strict=False))
    assert all(s <= _http.BACKOFF_CAP for s in gw.sleeps)


async def test_backoff_is_capped_and_jittered(gw: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = gw.client()
    monkeypatch.setattr(random, "random", lambda: 0.0)
    low = [client.http.backoff(n) for n in range(8)]
    monkeypatch.setattr(random, "random", lambda: 0.999999)
    high = [client.http.backoff(n) for n in range(8)]
    assert low[:3] == [0.25, 0.5, 1.0]
    assert max(high) <= _http.BACKOFF_CAP
    assert high[-1] == pytest.approx(_http.BACKOFF_CAP, rel=1e-3)
    assert all(lo < hi for lo, hi in zip(low, high, strict=True))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("0", 0.0),
        ("2.5", 2.5),
        (" 4 ", 4.0),
        ("-3", 0.0),
        ("nan", None),
        ("garbage", None),
        ("100000", RETRY_AFTER_CAP),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_dates() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after(email.utils.formatdate(now + 5, usegmt=True), now=now) == 5.0
    assert parse_retry_after(email.utils.formatdate(now - 60, usegmt=True), now=now) == 0.0
    far = email.utils.formatdate(now + 86_400 * 365, usegmt=True)
    assert parse_retry_after(far, now=now) == RETRY_AFTER_CAP


# -- redirects ----------------------------------------------------------------------------


def _redirect(status: int, location: str) -> Any:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"location": location})

    return reply


@pytest.mark.parametrize("auth", ["bearer", "x-bf-vk"])
async def test_same_origin_307_is_followed_with_credentials(gw: Any, auth: str) -> None:
    gw.queue(
        _redirect(307, "/gateway/openai/v1/files?provider=openai"),
        gw.json(200, gw.file_list(["file-1"])),
    )
    client = gw.client(auth=auth)
    page = await client.list_files()
    assert page.items[0].id == "file-1"
    assert [str(r.url) for r in gw.requests] == [
        "http://gw.test/openai/v1/files?provider=openai",
        "http://gw.test/gateway/openai/v1/files?provider=openai",
    ]
    for request in gw.requests:
        if auth == "bearer":
            assert request.headers["authorization"] == f"Bearer {gw.TOKEN}"
        else:
            assert request.headers["x-bf-vk"] == gw.TOKEN
    assert page.meta.url == "http://gw.test/gateway/openai/v1/files?provider=openai"
    assert [r.status for r in client.history] == [307, 200]


@pytest.mark.parametrize(
    ("auth", "extra"),
    [("bearer", {}), ("x-bf-vk", {}), ("basic", {"username": "admin"})],
)
@pytest.mark.parametrize(
    "location",
    [
        "http://evil.test/openai/v1/files",
        "https://gw.test/openai/v1/files",
        "http://gw.test:9999/openai/v1/files",
        "//evil.test/steal",
    ],
)
async def test_cross_origin_redirect_is_refused(
    gw: Any, auth: str, extra: dict[str, Any], location: str
) -> None:
    seen_elsewhere: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if (request.url.scheme, request.url.host, request.url.port) != ("http", "gw.test", None):
            seen_elsewhere.append(request)
            return httpx.Response(200, json={"data": []})
        return httpx.Response(302, headers={"location": location})

    gw.handler = handler
    with pytest.raises(RedirectError) as caught:
        await gw.client(auth=auth, **extra).list_files()
    assert seen_elsewhere == []
    assert len(gw.requests) == 1
    assert "another origin" in str(caught.value)
    assert gw.TOKEN not in str(caught.value)


async def test_redirect_error_message_has_no_credentials_of_the_target(gw: Any) -> None:
    gw.queue(_redirect(302, f"http://evil.test/x?token={gw.TOKEN}"))
    with pytest.raises(RedirectError) as caught:
        await gw.client().list_files()
    assert gw.TOKEN not in str(caught.value)
    assert "evil.test" in str(caught.value)


async def test_redirect_loop_is_stopped(gw: Any) -> None:
    gw.queue(_redirect(307, "/openai/v1/files?provider=openai"))
    with pytest.raises(RedirectError, match="more than"):
        await gw.client().list_files()
    assert len(gw.requests) == _http.MAX_REDIRECTS + 1
