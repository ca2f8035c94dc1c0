"""The request loop's seams: its options object, its injected clocks, open / read / close."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from helpers_net import keep

from mpilot_tui.api import errors
from mpilot_tui.api._http import Clocks, RequestLoop, RequestOptions
from mpilot_tui.api.settings import ConnectionSettings

BODY = b'{"data": [], "has_more": false}'


def _loop(handler: httpx.MockTransport, clocks: Clocks | None = None) -> RequestLoop:
    settings = ConnectionSettings(base_url="http://gw.invalid", auth="none", retries=0)
    return RequestLoop(settings, transport=handler, clocks=clocks)


def _ticks(step: float) -> Iterator[float]:
    now = 100.0
    while True:
        yield now
        now += step


def test_request_options_are_one_frozen_value() -> None:
    options = RequestOptions(headers=(("range", "bytes=0-9"),), unbounded=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.unbounded = False  # type: ignore[misc]
    assert RequestOptions() == RequestOptions(sink=None, headers=(), unbounded=False)


async def test_injected_clocks_time_and_date_the_request() -> None:
    ticks = _ticks(0.25)
    clocks = Clocks(stopwatch=lambda: next(ticks), wall=lambda: 1_700_000_000.0)
    loop = _loop(httpx.MockTransport(lambda request: httpx.Response(200, content=BODY)), clocks)
    response = await loop.get("/openai/v1/files", {"limit": 2})
    await loop.aclose()
    assert response.started_at == response.record.started_at == 1_700_000_000.0
    assert response.elapsed_ms == response.record.elapsed_ms == 250.0
    assert response.content == BODY
    assert response.record.status == 200
    assert response.record.size == len(BODY)


async def test_extra_headers_are_sent_and_recorded() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(206, content=b"0123456789")

    loop = _loop(httpx.MockTransport(answer))
    response = await loop.get("/x", headers={"Range": "bytes=0-9"})
    await loop.aclose()
    assert seen[0].headers["range"] == "bytes=0-9"
    assert ("Range", "bytes=0-9") in response.record.request_headers
    assert response.status == 206


async def test_a_sink_takes_a_2xx_body_and_its_failure_is_recorded() -> None:
    taken: list[bytes] = []

    def sink(chunk: bytes) -> bool:
        taken.append(chunk)
        raise OSError("disk full")

    loop = _loop(httpx.MockTransport(lambda request: httpx.Response(200, content=BODY)))
    with pytest.raises(OSError, match="disk full"):
        await loop.get("/x", sink=sink)
    await loop.aclose()
    record = list(loop.history)[-1]
    assert taken == [BODY]
    assert record.error == "OSError"
    assert record.status == 200
    assert record.size == len(BODY)


async def test_an_error_answer_is_read_whole_not_sunk() -> None:
    taken: list[bytes] = []
    loop = _loop(httpx.MockTransport(lambda request: httpx.Response(404, content=b"gone")))
    response = await loop.get("/x", sink=keep(taken))
    await loop.aclose()
    assert response.status == 404
    assert response.content == b"gone"
    assert taken == []


async def test_a_transport_failure_closes_the_record_with_the_clients_error() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("reset by peer", request=request)

    ticks = _ticks(0.5)
    loop = _loop(httpx.MockTransport(broken), Clocks(stopwatch=lambda: next(ticks)))
    with pytest.raises(errors.TransportError, match="broke mid-answer"):
        await loop.get("/x")
    await loop.aclose()
    record = list(loop.history)[-1]
    assert record.error == "TransportError"
    assert record.elapsed_ms == 500.0
    assert record.status is None
