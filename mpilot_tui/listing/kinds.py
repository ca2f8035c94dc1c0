"""What a kind of listing is: the one table of kinds.

Each kind (files, container files, containers; the request log fits the same shape) is
described once, in :data:`KINDS`: its user-facing name, its columns and CSV fields, its page
limit, how the next page is asked for (:class:`CursorPaging` or :class:`OffsetPaging`), and
its list, retrieve and content calls on the :class:`~mpilot_tui.api.GatewayClient`.

A :class:`Query` says which listing of a kind is wanted (provider, container, purpose, order,
page size). Nothing here does I/O by itself or imports Textual: the calls return awaitables
that the caller (a Textual worker, the CLI's event loop) awaits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from ..api import (
    GatewayClient,
    HttpResponse,
    ItemResult,
    Page,
    PageAnswer,
    PageGuard,
    PaginationError,
    Sink,
)
from ..api.client import CONTAINER_PAGE_LIMIT
from ..api.pagination import LOG_PAGE_LIMIT, PageKind
from ..formats.table import COLUMNS, CSV_FIELDS, Column

__all__ = [
    "CONTAINER_PAGE_LIMIT",
    "KINDS",
    "CursorPaging",
    "Kind",
    "KindSpec",
    "OffsetPaging",
    "PageAsk",
    "Paging",
    "Position",
    "Query",
    "kind_named",
    "spec_of",
]

Kind = PageKind
"""A kind's internal name (``files``, ``container_files``, ``containers``, ``requests``)."""
Position = str | int | None
"""Where a page starts: an opaque cursor (None: the first page) or an offset."""
Order = Literal["asc", "desc"]
FILES_BULK_LIMIT = 10_000
"""The files route documents no maximum; the gateway serves pages of 10,000 (the demo's
largest) well, and bigger ones only hold the rows back longer."""
BULK_GROWTH = 4
"""Each page of a bulk run asks for this many times the one before (up to the kind's bulk
limit): the first rows still come quickly, and a long listing soon goes in few requests."""
BULK_START = 1_000
"""The smallest first page of a bulk run (up to the kind's bulk limit): growing from a page
of 100 cost two more round trips than starting here, for rows that came a few tens of
milliseconds sooner."""


@dataclass(frozen=True)
class Query:
    """Which listing of a kind is wanted: changing any field starts a new listing."""

    kind: Kind = "files"
    provider: str = "openai"
    container: str | None = None
    """The container whose files are listed (``container_files`` only)."""
    purpose: str | None = None
    """Only files with this purpose (``files`` only)."""
    order: Order = "desc"
    page_size: int = 100
    """The page size the user chose; :attr:`limit` is what is sent."""
    exact_limit: bool = False
    """Send :attr:`page_size` as it is (a ``--limit`` typed on the command line: the gateway
    or the client refuses one out of range) instead of fitting it to the kind's maximum."""
    start: Position = None
    """Where the first page starts (the CLI's ``--after``)."""
    filters: Mapping[str, str] = field(default_factory=dict)
    """Further query parameters of kinds that have them: the request log's filters, as
    :meth:`mpilot_tui.reqlog.LogFilters.to_params` makes them (without ``end_time``: each page
    is sent with the listing's start time, :attr:`PageAsk.as_of`, as the end)."""

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    @property
    def limit(self) -> int:
        """The ``limit`` each page is asked for with."""
        return self.page_size if self.exact_limit else self.spec.fit_limit(self.page_size)

    @property
    def is_complete(self) -> bool:
        """Everything the kind needs is known (container files need a container)."""
        return not self.spec.needs_container or bool(self.container)

    def with_changes(self, **changes: Any) -> Query:
        return replace(self, **changes)


class Paging(Protocol):
    """How a kind asks for the page after one: by cursor or by offset."""

    @property
    def name(self) -> Literal["cursor", "offset"]:
        """``cursor`` or ``offset``: what the CLI's narration tells the user to send back."""
        ...

    def first(self, query: Query) -> Position:
        """Where the listing's first page starts."""
        ...

    def has_next(self, page: Page[Any]) -> bool:
        """Whether a page follows ``page``."""
        ...

    def next(self, page: Page[Any], asked: Position) -> Position:
        """Where the page after ``page`` (asked for at ``asked``) starts."""
        ...

    def check_next(self, guard: PageGuard, page: Page[Any], asked: Position) -> None:
        """Raise :class:`PaginationError` when the page after ``page`` must not be asked for."""
        ...


@dataclass(frozen=True)
class CursorPaging:
    """The gateway's opaque cursors: a page carries the cursor of the next one."""

    name: Literal["cursor", "offset"] = "cursor"

    def first(self, query: Query) -> Position:
        return query.start if isinstance(query.start, str) else None

    def has_next(self, page: Page[Any]) -> bool:
        return page.has_next_page()

    def next(self, page: Page[Any], asked: Position) -> Position:
        return page.next_cursor

    def check_next(self, guard: PageGuard, page: Page[Any], asked: Position) -> None:
        guard.check_next(page)


@dataclass(frozen=True)
class OffsetPaging:
    """``offset``/``limit`` paging: the next page starts where this one's items end."""

    name: Literal["cursor", "offset"] = "offset"
    max_empty_pages: int = 1
    """Empty pages in a row, with more said to follow, after which paging stops (an empty
    page does not move the offset, so the next one would be the same request)."""

    def first(self, query: Query) -> Position:
        return query.start if isinstance(query.start, int) else 0

    def has_next(self, page: Page[Any]) -> bool:
        return page.has_more

    def next(self, page: Page[Any], asked: Position) -> Position:
        if page.next_offset is not None:
            return page.next_offset  # counts entries dropped as repeats too
        return (asked if isinstance(asked, int) else 0) + len(page.items)

    def check_next(self, guard: PageGuard, page: Page[Any], asked: Position) -> None:
        if page.has_more and self.next(page, asked) == (asked if isinstance(asked, int) else 0):
            raise PaginationError(
                f"page {guard.pages} is empty but says more follow (offset {asked}); "
                "paging stopped",
                url=page.meta.url,
            )


@dataclass(frozen=True)
class PageAsk:
    """One page asked for: of which listing (and which run of it), and where it starts."""

    query: Query
    position: Position = None
    generation: int = 0
    """Which run of the listing asked (answers for an earlier run are dropped)."""
    as_of: float = 0.0
    """Wall-clock time (unix seconds) the listing started: kinds paged by offset send it as
    the end of the period, so rows arriving meanwhile do not shift the offsets."""

    limit: int | None = None
    """The ``limit`` sent for this page when it differs from the query's (a bulk run grows
    it toward the kind's :attr:`KindSpec.bulk_limit`); None: :attr:`Query.limit`."""

    @property
    def size(self) -> int:
        """The ``limit`` this page is asked for with."""
        return self.query.limit if self.limit is None else self.limit

    async def answer(self, client: GatewayClient) -> PageAnswer[Any]:
        """The request for this page, answered: what it says of the next page may be read
        before its items are validated (:attr:`PageAnswer.early`)."""
        got = await self.query.spec.fetch(client, self)
        return got if isinstance(got, PageAnswer) else PageAnswer.of(got)

    async def send(self, client: GatewayClient) -> Page[Any]:
        """The request for this page, validated."""
        return (await self.answer(client)).page()


Fetch = Callable[[GatewayClient, PageAsk], Awaitable[Page[Any] | PageAnswer[Any]]]
"""A kind's list call: a page, or an answer to validate (cursor kinds, read ahead)."""
Retrieve = Callable[[GatewayClient, Query, str], Awaitable[ItemResult]]
Content = Callable[[GatewayClient, Query, str, Sink | None, int | None], Awaitable[HttpResponse]]


@dataclass(frozen=True)
class KindSpec:
    """Everything that differs between kinds of listing, in one place."""

    kind: Kind
    name: str
    """The user-facing name: the CLI command, ``--view``, the config's ``default_mode``."""
    title: str
    """What the mode bar shows."""
    noun: str
    """What the rows are, in a sentence ("12 container files in 1 page")."""
    fetch: Fetch
    paging: Paging = CursorPaging()
    max_limit: int | None = None
    """The largest ``limit`` the route takes (None: no documented maximum)."""
    needs_container: bool = False
    name_column: str = "filename"
    """The column that names a row (shown by the preview, searched by the filter)."""
    retrieve: Retrieve | None = None
    """``GET`` of one item (``f`` in the browser), when the kind has one."""
    content: Content | None = None
    """The item's bytes (``v`` in the browser), when the kind has them."""
    in_browser: bool = True
    """Offered by the browser's mode switch."""
    bulk_limit: int = 100
    """The page size a bulk run (everything asked for: End to the end, find-more, export
    all, the CLI's ``--all``) grows toward: the largest the route takes, or a sensible
    ceiling where it documents none."""

    @property
    def columns(self) -> tuple[Column, ...]:
        return COLUMNS[self.kind]

    @property
    def csv_fields(self) -> tuple[str, ...]:
        return CSV_FIELDS[self.kind]

    def fit_limit(self, page_size: int) -> int:
        """``page_size`` within what the route takes."""
        size = max(1, page_size)
        return size if self.max_limit is None else min(size, self.max_limit)


# -- the calls of each kind ------------------------------------------------------------------


def _cursor(position: Position) -> str | None:
    return position if isinstance(position, str) else None


def _list_files(client: GatewayClient, ask: PageAsk) -> Awaitable[PageAnswer[Any]]:
    q = ask.query
    return client.answer_files(q.provider, q.purpose, ask.size, _cursor(ask.position), q.order)


def _list_container_files(client: GatewayClient, ask: PageAsk) -> Awaitable[PageAnswer[Any]]:
    q, cursor = ask.query, _cursor(ask.position)
    return client.answer_container_files(q.container or "", q.provider, ask.size, cursor, q.order)


def _list_containers(client: GatewayClient, ask: PageAsk) -> Awaitable[PageAnswer[Any]]:
    q = ask.query
    return client.answer_containers(q.provider, ask.size, _cursor(ask.position), q.order)


def _list_requests(client: GatewayClient, ask: PageAsk) -> Awaitable[Page[Any]]:
    q = ask.query
    params = dict(q.filters)
    params.setdefault("order", q.order)
    from ..reqlog.filters import with_end_time  # the request log's modules load when used

    params = with_end_time(params, ask.as_of or None)
    offset = ask.position if isinstance(ask.position, int) else 0
    return client.list_logs(params, ask.size, offset)


def _retrieve_request(client: GatewayClient, q: Query, item_id: str) -> Awaitable[ItemResult]:
    return client.get_log(item_id)


def _retrieve_file(client: GatewayClient, q: Query, item_id: str) -> Awaitable[ItemResult]:
    return client.retrieve_file(item_id, q.provider)


def _retrieve_container_file(
    client: GatewayClient, q: Query, item_id: str
) -> Awaitable[ItemResult]:
    return client.retrieve_container_file(q.container or "", item_id, q.provider)


def _file_content(
    client: GatewayClient, q: Query, item_id: str, sink: Sink | None, first_bytes: int | None
) -> Awaitable[HttpResponse]:
    return client.file_content(item_id, q.provider, sink=sink, first_bytes=first_bytes)


def _container_file_content(
    client: GatewayClient, q: Query, item_id: str, sink: Sink | None, first_bytes: int | None
) -> Awaitable[HttpResponse]:
    return client.container_file_content(
        q.container or "", item_id, q.provider, sink=sink, first_bytes=first_bytes
    )


KINDS: dict[Kind, KindSpec] = {
    "files": KindSpec(
        kind="files", name="files", title="Files", noun="files",
        fetch=_list_files, retrieve=_retrieve_file, content=_file_content,
        bulk_limit=FILES_BULK_LIMIT,
    ),
    "container_files": KindSpec(
        kind="container_files", name="container-files", title="Container files",
        noun="container files", fetch=_list_container_files, max_limit=CONTAINER_PAGE_LIMIT,
        needs_container=True, name_column="path", retrieve=_retrieve_container_file,
        content=_container_file_content, bulk_limit=CONTAINER_PAGE_LIMIT,
    ),
    "containers": KindSpec(
        kind="containers", name="containers", title="Containers", noun="containers",
        fetch=_list_containers, max_limit=CONTAINER_PAGE_LIMIT, name_column="name",
        in_browser=False, bulk_limit=CONTAINER_PAGE_LIMIT,
    ),
    "requests": KindSpec(
        kind="requests", name="requests", title="Requests", noun="requests",
        fetch=_list_requests, paging=OffsetPaging(), max_limit=LOG_PAGE_LIMIT,
        name_column="provider_model", retrieve=_retrieve_request, in_browser=True,
        bulk_limit=LOG_PAGE_LIMIT,
    ),
}  # fmt: skip
"""The one table of kinds."""

_BY_NAME = {spec.name: spec for spec in KINDS.values()}


def spec_of(kind: Kind) -> KindSpec:
    return KINDS[kind]


def kind_named(name: str, default: Kind = "files") -> Kind:
    """The kind a user-facing name (``container-files``) or an internal one stands for."""
    spec = _BY_NAME.get(name)
    if spec is not None:
        return spec.kind
    return name if name in KINDS else default
