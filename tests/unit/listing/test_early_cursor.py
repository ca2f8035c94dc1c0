"""A bulk run asks for the next page before this one's items are validated: the cursor is
read from the raw body (``mpilot_tui.api.early``). Over ``httpx.MockTransport``: the order
of requests and validations, and every failing page typed as a whole decode types it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mpilot_tui.api import (
    DashboardHTMLError,
    GatewayClient,
    MPilotError,
    NotJSONError,
    ServerError,
    ShapeError,
)
from mpilot_tui.api.decoding import Decoder
from mpilot_tui.api.early import read_facts
from mpilot_tui.api.settings import ConnectionSettings
from mpilot_tui.listing import Listing, Query

Body = dict[str, Any] | bytes
Reply = Callable[[httpx.Request], httpx.Response]


def files(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {"id": f"file-{n:05d}", "object": "file", "bytes": n} for n in range(start, start + count)
    ]


def envelope(items: list[dict[str, Any]], after: str | None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"object": "list", "data": items}
    if after:
        body.update(has_more=True, after=after)
    body.update(extra_fields={"provider": "openai"}, **extra)
    return body


def json_reply(body: Body, status: int = 200, ctype: str = "application/json") -> Reply:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda request: httpx.Response(status, content=content, headers={"content-type": ctype})


class Gateway:
    """Answers by cursor; records every request and every validation, in order."""

    def __init__(self, replies: dict[str | None, Reply]) -> None:
        self.replies = replies
        self.events: list[tuple[str, str | None]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after")
        self.events.append(("request", after))
        return self.replies[after](request)

    @property
    def requests(self) -> list[str | None]:
        return [where for what, where in self.events if what == "request"]

    def client(self) -> GatewayClient:
        settings = ConnectionSettings(base_url="http://gw.test", auth="none")
        return GatewayClient(settings, transport=httpx.MockTransport(self.handle))


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Gateway]]:
    made: list[Gateway] = []
    validate = Decoder.validate

    def recording(self: Decoder, response: Any, adapter: Any) -> Any:
        after = httpx.URL(response.url).params.get("after")
        for gw in made:
            gw.events.append(("validate", after))
        return validate(self, response, adapter)

    monkeypatch.setattr(Decoder, "validate", recording)

    def make(replies: dict[str | None, Reply]) -> Gateway:
        gw = Gateway(replies)
        made.append(gw)
        return gw

    yield make


async def walk(gw: Gateway, **query: Any) -> tuple[Listing, list[str], MPilotError | None]:
    listing = Listing(Query(**query), keep_rows=False)
    ids: list[str] = []
    error: MPilotError | None = None
    async with gw.client() as client:
        try:
            async for page in listing.walk(client):
                ids.extend(item.id for item in page.items)
        except MPilotError as exc:
            error = exc
    return listing, ids, error


async def test_the_next_page_is_asked_for_before_this_one_is_validated(
    gateway: Callable[..., Gateway],
) -> None:
    gw = gateway({
        None: json_reply(envelope(files(0, 3), "c1")),
        "c1": json_reply(envelope(files(3, 3), "c2")),
        "c2": json_reply(envelope(files(6, 2), None)),
    })  # fmt: skip
    _, ids, error = await walk(gw)
    assert error is None and ids == [f"file-{n:05d}" for n in range(8)]
    assert gw.events == [
        ("request", None), ("request", "c1"), ("validate", None),
        ("request", "c2"), ("validate", "c1"), ("validate", "c2"),
    ], "each request went out before the page before it was validated"  # fmt: skip


async def test_a_page_with_invalid_items_is_the_same_error_and_nothing_after_it_is_taken(
    gateway: Callable[..., Gateway],
) -> None:
    bad = envelope([{"id": "file-1", "bytes": "lots"}], "c1")
    gw = gateway({None: json_reply(bad), "c1": json_reply(envelope(files(1, 2), "c2"))})
    async with gw.client() as client:
        with pytest.raises(ShapeError) as alone:
            await client.list_files(limit=100, order="desc")
    gw.events.clear()
    listing, ids, error = await walk(gw)
    assert isinstance(error, ShapeError) and str(error) == str(alone.value)
    assert ids == [] and listing.rows_loaded == 0
    assert "c2" not in gw.requests, "nothing was asked for after the page sent ahead"
    assert listing.inflight is None and listing.landing is None and listing.resumable
    assert listing.next_position is None, "a retry asks for the failed page again"


@pytest.mark.parametrize(
    ("reply", "error_type"),
    [
        (json_reply(b"<html><title>app</title></html>", ctype="text/html"), DashboardHTMLError),
        (json_reply(b'{"object":"list","data":[{"id":"a"}],"has_more":true,"after":"c1"'),
         NotJSONError),
        (json_reply(envelope(files(0, 2), "c1", has_more="yes")), ShapeError),
        (json_reply(envelope(files(0, 2), None) | {"has_more": True, "after": 7}), ShapeError),
        (json_reply({"error": {"message": "boom"}, "has_more": True, "after": "c1"}, 500),
         ServerError),
    ],
    ids=["html", "bad-json", "has-more-not-bool", "cursor-not-a-string", "error-envelope"],
)  # fmt: skip
async def test_a_failing_page_sends_no_request_for_the_next(
    gateway: Callable[..., Gateway], reply: Reply, error_type: type[MPilotError]
) -> None:
    gw = gateway({None: reply, "c1": json_reply(envelope(files(5, 1), None))})
    async with gw.client() as client:
        with pytest.raises(error_type) as alone:
            await client.list_files(limit=100, order="desc")
    gw.events.clear()
    listing, ids, error = await walk(gw)
    assert type(error) is error_type and str(error) == str(alone.value), "typed as today"
    assert gw.requests == [None], "no request for the next page"
    assert ids == [] and listing.last_error is error


async def test_a_typed_limit_and_a_single_page_read_no_cursor_ahead(
    gateway: Callable[..., Gateway],
) -> None:
    gw = gateway({None: json_reply(envelope(files(0, 2), "c1"))})
    listing = Listing(Query(), keep_rows=False)
    async with gw.client() as client:
        pages = [page async for page in listing.walk(client, max_pages=1)]
    assert len(pages) == 1 and gw.events == [("request", None), ("validate", None)]


# -- reading the facts from the raw body -----------------------------------------------------


def facts(body: Body, keys: tuple[str, ...] = ("after",), last_item: bool = True) -> Any:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return read_facts(
        content, request_after="c0", url="u", cursor_keys=keys, last_id_fallback=last_item
    )


def test_the_cursor_comes_from_the_envelopes_tail() -> None:
    got = facts(envelope(files(0, 3), "c1"))
    assert (got.has_more, got.next_cursor, got.request_after) == (True, "c1", "c0")
    assert facts(envelope(files(0, 3), None)).has_next_page() is False


def test_arrays_and_look_alikes_inside_items_or_extra_fields_do_not_fool_it() -> None:
    tricky = files(0, 2)
    tricky[0]["filename"] = 'x],"has_more":false,"after":"nope'
    tricky[1]["tags"] = [1, 2]
    tricky[1]["after"] = "item-level"
    body = envelope(tricky, "c1")
    body["extra_fields"] = {"fallbacks": [{"has_more": False}], "after": "deep", "n": [1]}
    got = facts(body)
    assert (got.has_more, got.next_cursor) == (True, "c1")


def test_another_key_order_is_read_whole() -> None:
    raw = b'{"has_more":true,"after":"c9","extra_fields":{},"data":[{"id":"a"},{"id":"b"}]}'
    got = facts(raw)
    assert (got.has_more, got.next_cursor) == (True, "c9")


def test_the_fallback_cursors_of_each_kind() -> None:
    no_after = {"object": "list", "data": files(0, 2), "has_more": True}
    assert facts(no_after).next_cursor == "file-00001", "files: the last item's id"
    assert facts(no_after, last_item=False) is not None
    assert facts(no_after, last_item=False).next_cursor is None
    container = no_after | {"last_id": "cf-9"}
    assert facts(container, ("after", "last_id"), last_item=False).next_cursor == "cf-9"
    both = container | {"after": "c1"}
    assert facts(both, ("after", "last_id"), last_item=False).next_cursor == "c1"


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[1, 2]", b'{"data": 5}', b'{"data":[],"has_more":NaN,"x":[1],"y":1}'],
)
def test_a_body_whose_facts_cannot_be_read_predicts_nothing(raw: bytes) -> None:
    assert facts(raw) is None


async def test_a_receive_cancelled_after_sending_ahead_leaves_nothing_landing(
    gateway: Callable[..., Gateway],
) -> None:
    """Escape (or a new selection) cancels the fetch while the page sent ahead starts: that
    page never lands, so the listing must not keep it as "landing" (every later bulk run
    would stop sending ahead)."""
    gw = gateway({
        None: json_reply(envelope(files(0, 3), "c1")),
        "c1": json_reply(envelope(files(3, 3), None)),
    })  # fmt: skip
    listing = Listing(Query(), keep_rows=False)
    first = listing.restart()
    assert first is not None
    listing.follow_to_end()  # a bulk run: the next page is sent ahead
    async with gw.client() as client:
        task = asyncio.ensure_future(listing.receive(client, first))
        while listing.landing is None:  # answered: the page after it is on its way
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert listing.landing is None and listing.inflight is None
