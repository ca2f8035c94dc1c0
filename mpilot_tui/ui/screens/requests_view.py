"""The browser's Requests view: the gateway's request log, its filters, live mode and detail.

:class:`RequestsView` is a base of :class:`~mpilot_tui.ui.screens.browser.BrowserScreen`.
The rows are the ``requests`` kind's listing (offset pages with a fixed end time, see
:mod:`mpilot_tui.listing.kinds`); what the user filters by is one
:class:`~mpilot_tui.reqlog.LogFilters`, sent as the query's ``filters``. The filters the
gateway has no parameter for (cache misses, "went through the cache") keep only the matching
entries of each page as it lands, and the mode bar says so.

Live mode (``L``) follows new requests: through the gateway's ``/ws`` feed when it has one
(each message asks for the newest page: the feed strips ``cache_debug``; the in-process
demo's feed is carried in process), else by polling the newest page, which the mode bar
says (``live: polling every 2 s``). New entries are added to the rows, kept in time order on
top, and marked; the cursor stays on the request it was on.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer

from ...api import AuthenticationError, ItemResult, MPilotError, NotFoundError, Page
from ...api.pagination import keep_only
from ...formats.text import visible
from ...listing import PageAsk
from ...listing.columns import NARROW_MISSING
from ...listing.rows import MISSING, RowStore
from ...reqlog.filters import CACHE_CHOICES, MAX_CHIPS, LogFilters
from .browser_tools import BrowserTools

if TYPE_CHECKING:
    from ...api.log_models import LogEntry

# The log's models (api.logs, api.log_models, reqlog.explain) load on the view's first use:
# this mixin is imported with every view, and they would add to the Files view's cold start.

__all__ = [
    "LIVE_POLL_SECONDS",
    "SERVER_SORTS",
    "MissLatencies",
    "RequestsView",
    "keep_items",
    "requests_problem",
]

SERVER_SORTS = {
    "time_ms": "timestamp",
    "latency_us": "latency",
    "total_tokens": "tokens",
    "cost_nusd": "cost",
}
"""Columns the gateway sorts by (``sort_by``): a sort on them restarts the listing."""
LIVE_POLL_SECONDS = 2.0
"""How often live mode asks for the newest page when the gateway has no ``/ws`` feed."""
LIVE_PAGE = 100
"""Entries asked for in each page of a live poll."""
LIVE_MAX_PAGES = 10
"""Pages one live poll reads at most: when more than a page of new requests arrived since
the last one, it reads on until it reaches a request already loaded, up to this many."""
LIVE_NEWEST_ROWS = 4 * LIVE_PAGE * LIVE_MAX_PAGES
"""Loaded rows (the newest) whose ids live mode checks new pages against, when the listing
came newest first (see ``RequestsView._live_known``)."""
ENTRY_CACHE = 64
"""Whole entries (``GET /api/logs/{id}``) kept for rows visited again."""


def keep_items(page: Page[Any], keep: Callable[[LogEntry], bool]) -> Page[Any]:
    """``page`` with only the entries ``keep`` accepts; the body is rewritten to match (a
    row's entry is found at its place in it) and the next page's offset is unchanged."""
    flags = [keep(item) for item in page.items]
    if all(flags):
        return page
    next_offset = page.next_offset
    if next_offset is None and page.offset is not None:
        next_offset = page.offset + len(page.items)
    return replace(keep_only(page, flags), next_offset=next_offset)


def requests_problem(error: MPilotError, has_admin_credentials: bool) -> str | None:
    """What a failed request-log call means for the user, when it is one of the two cases
    the Requests view explains (no request log; no or wrong admin credentials)."""
    from ...api.logs import LogsUnavailableError

    if isinstance(error, LogsUnavailableError):
        return (
            "This gateway keeps no request log: its /api/logs routes are not there (the logging"
            " plugin is off or not loaded). The Files views keep working: press m."
        )
    if isinstance(error, AuthenticationError):
        if not has_admin_credentials:
            return (
                "The request log needs admin credentials, and only a virtual key is set (it is"
                " not accepted on /api/…): set MPILOT_ADMIN_USERNAME and MPILOT_ADMIN_PASSWORD,"
                " or give the profile a username and password_env, then start again."
            )
        return (
            "The gateway refused the admin credentials for the request log: check"
            " MPILOT_ADMIN_USERNAME/MPILOT_ADMIN_PASSWORD or the profile's username and password."
        )
    return None


MISS_CHUNK = 65_536
"""Rows read at a time for the misses' latencies (bounds what a million rows allocate)."""


class MissLatencies:
    """Latencies of the loaded misses by provider/model, kept up to date as rows arrive.

    Each model's misses are kept as one array of microseconds (8 bytes a miss), taken in
    chunks of ``MISS_CHUNK`` rows, with numpy while the columns are coded: at a million rows
    the first detail shown had read them into Python lists (80 MB at its peak, 30 MB kept,
    ~150 ms on the event loop). Medians are kept until more rows come."""

    def __init__(self) -> None:
        self.store: RowStore | None = None
        self.upto = 0
        self.by_model: dict[str, array[int]] = {}
        self._medians: dict[str, float | None] = {}

    def median(self, store: RowStore, provider_model: str) -> float | None:
        """The median latency (ms) of the loaded misses of ``provider_model``."""
        if store is not self.store:
            self.store, self.upto, self.by_model, self._medians = store, 0, {}, {}
        if store.kind != "requests":
            return None
        size = len(store)
        if self.upto < size:
            self._medians = {}
            for lo in range(self.upto, size, MISS_CHUNK):
                self._take(store, lo, min(size, lo + MISS_CHUNK))
            self.upto = size
        if provider_model not in self._medians:
            self._medians[provider_model] = self._median_of(provider_model)
        return self._medians[provider_model]

    def _median_of(self, provider_model: str) -> float | None:
        values = self.by_model.get(provider_model)
        if not values:
            return None
        import numpy as np

        from ...reqlog.cache_stats import median_and_p95

        return median_and_p95(np.frombuffer(values, dtype=np.int64) / 1000)[0]

    def _take(self, store: RowStore, lo: int, hi: int) -> None:
        cache, models = store.text["cache"], store.text["provider_model"]
        if cache.values is None or models.values is None:
            # Slices, not a read per row (a packed column decodes a run in two C calls).
            rows = zip(cache[lo:hi], models[lo:hi], store.ints["latency_us"][lo:hi], strict=True)
            for outcome, model, value in rows:
                if outcome == "miss" and value != MISSING:
                    self.by_model.setdefault(model, array("q")).append(value)
            return
        if "miss" not in cache.values:
            return
        latency = store.ints["latency_us"].data
        import numpy as np

        wide = latency.typecode == "q"
        numbers = np.frombuffer(latency[lo:hi], dtype=np.int64 if wide else np.int32)
        codes = np.frombuffer(cache.codes[lo:hi], dtype=np.uint16)
        chosen = (codes == cache.values.index("miss")) & (
            numbers != (MISSING if wide else NARROW_MISSING)
        )
        model_codes = np.frombuffer(models.codes[lo:hi], dtype=np.uint16)[chosen]
        numbers = numbers[chosen].astype(np.int64)
        for code in np.unique(model_codes).tolist():
            kept = self.by_model.setdefault(models.values[code], array("q"))
            kept.frombytes(numbers[model_codes == code].tobytes())


class RequestsView(BrowserTools):
    """The Requests view's keys, filters, live mode and request detail."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("R", "requests", "Requests", id="requests.open"),
        Binding("x", "request_filters", "Filters", id="requests.filters"),
        Binding("L", "live", "Live", id="requests.live"),
        Binding("H", "cycle_cache", "Cache filter: next", show=False, id="requests.cache"),
        Binding("X", "clear_filters", "Clear every filter", show=False, id="requests.clear_all"),
        *[
            Binding(
                str(n),
                f"clear_chip({n})",
                f"Clear filter {n}",
                show=False,
                id=f"requests.clear_{n}",
            )
            for n in range(1, MAX_CHIPS + 1)
        ],
    ]

    class LivePage(Message):
        """The newest pages came (newest first), for the live run ``run``."""

        def __init__(self, run: int, pages: list[Page[Any]]) -> None:
            super().__init__()
            self.run = run
            self.pages = pages

    class LiveSignal(Message):
        """The ``/ws`` feed said something changed (``run``'s feed)."""

        def __init__(self, run: int) -> None:
            super().__init__()
            self.run = run

    class LiveFeedEnded(Message):
        """The ``/ws`` feed could not be opened or closed: live mode polls instead."""

        def __init__(self, run: int, error: MPilotError | None) -> None:
            super().__init__()
            self.run = run
            self.error = error

    class LiveFailed(Message):
        def __init__(self, run: int, error: MPilotError) -> None:
            super().__init__()
            self.run = run
            self.error = error

    log_filters = LogFilters()
    """What the request log is filtered and sorted by."""
    live_run = 0
    """Which live run is on (0: live mode is off); answers of another run are dropped."""
    live_how = ""
    """``ws`` or ``polling`` while live mode is on."""
    live_new = 0

    def init_requests(self) -> None:
        """Per-screen state (called from the browser's constructor)."""
        self.log_filters = LogFilters()
        self.live_run = 0
        self.live_how = ""
        self._live_runs = 0
        self._live_timer: Timer | None = None
        self._live_busy = False
        self._live_again = False
        self._known_ids: set[str] = set()
        self._in_flight: dict[str, int] = {}
        """Ids of loaded rows still ``processing``, and their rows (live mode updates them)."""
        self.live_new = 0
        """Requests live mode added since it was turned on."""
        self._known_upto: tuple[int, int] = (-1, 0)
        self.marked_rows: set[int] = set()
        """Store rows that live mode added (the table marks them)."""
        self.misses = MissLatencies()
        self._entries: dict[str, LogEntry] = {}
        self._gone: dict[str, None] = {}
        """Ids whose whole entry the gateway answered 404 for (e.g. removed by its retention
        since the list was read): the list row is shown, and not fetched again each time
        the cursor rests on it or a page lands in a sorted view (each a request and a toast)."""

    @property
    def in_requests(self) -> bool:
        return self.selection.kind == "requests"

    # -- what is listed ---------------------------------------------------------------------

    def set_log_filters(self, filters: LogFilters) -> None:
        """Filter the request log by ``filters`` (the listing starts over when it is shown)."""
        self.log_filters = filters
        self.select(filters=filters.to_params())

    def action_requests(self) -> None:
        if not self.in_requests:
            self.select(kind="requests")

    def action_request_filters(self) -> None:
        if not self._requests_only("x filters the request log"):
            return
        from .request_filters import RequestFilterDialog

        def chosen(filters: LogFilters | None) -> None:
            if filters is not None and filters != self.log_filters:
                self.set_log_filters(filters)

        self.app.push_screen(RequestFilterDialog(self.log_filters), chosen)

    def action_cycle_cache(self) -> None:
        if not self._requests_only("H chooses the cache filter of the request log"):
            return
        choices: list[Any] = [None, *CACHE_CHOICES]
        current = choices.index(self.log_filters.cache)
        cache = choices[(current + 1) % len(choices)]
        self.set_log_filters(replace(self.log_filters, cache=cache))

    def action_clear_filters(self) -> None:
        if not self._requests_only("X clears the request log's filters"):
            return
        if self.log_filters != LogFilters():
            self.set_log_filters(LogFilters())

    def action_clear_chip(self, number: int) -> None:
        if not self.in_requests:
            return
        chips = self.log_filters.chips()
        if 1 <= number <= len(chips):
            self.clear_chip(chips[number - 1][0])

    def clear_chip(self, key: str) -> None:
        """Clear the filter a chip shows (``key`` as :meth:`LogFilters.chips` names it)."""
        filters = self.log_filters.cleared(key)
        if filters != self.log_filters:
            self.set_log_filters(filters)

    def choose_log_provider(self, provider: str | None) -> None:
        """The sidebar's choice in the Requests view (None: every provider)."""
        if provider != self.log_filters.provider:
            self.set_log_filters(replace(self.log_filters, provider=provider))

    def _requests_only(self, what: str) -> bool:
        if self.in_requests:
            return True
        self.notify(f"{what}; press R for the Requests view.", timeout=3, markup=False)
        return False

    # -- sorting: by the gateway for time, latency, tokens and cost --------------------------

    def apply_sort(self, column: str | None, reverse: bool, label: str) -> None:
        """``S``'s choice: the gateway sorts by the columns it can (the listing restarts),
        the loaded rows are re-ordered for the others."""
        if not self.server_sort(column, reverse):
            super().apply_sort(column, reverse, label)

    def server_sort(self, column: str | None, reverse: bool) -> bool:
        """Sort by ``column`` on the gateway when it can (restarting the listing); whether it
        did. Descending is the gateway's default."""
        if not self.in_requests:
            return False
        if column is None:
            if self.log_filters.sort_by is None:
                return False
            self.set_log_filters(replace(self.log_filters, sort_by=None, order=None))
            return True
        sort_by = SERVER_SORTS.get(column)
        if sort_by is None:
            return False
        self.set_log_filters(
            replace(self.log_filters, sort_by=sort_by, order="desc" if reverse else "asc")
        )
        self.notify(f"Sorted by {sort_by} {'descending' if reverse else 'ascending'} on the "
                    "gateway (the listing restarts).", timeout=3, markup=False)  # fmt: skip
        return True

    # -- the filter the gateway cannot apply --------------------------------------------------

    def page_filter(self, ask: PageAsk) -> Callable[[Page[Any]], Page[Any]] | None:
        """Keep only the entries of a requests page that pass the local part of the filter,
        and drop those live mode added already."""
        if ask.query.kind != "requests":
            return None
        filters = self.log_filters
        known = self._live_known() if self.marked_rows else None
        if not filters.is_local() and not known:
            return None

        def keep(entry: LogEntry) -> bool:
            if known and entry.id in known:
                return False
            return filters.keep(entry)

        return lambda page: keep_items(page, keep)

    # -- live mode --------------------------------------------------------------------------

    def action_live(self) -> None:
        if not self._requests_only("L follows new requests"):
            return
        if self.live_run:
            self.stop_live()
            self.notify("Live mode off.", timeout=2, markup=False)
        else:
            self.start_live()
        self.show_query()

    def start_live(self) -> None:
        self._live_runs += 1
        self.live_run = self._live_runs
        self.live_new = 0
        self._live_busy = False
        self._live_again = False
        self.keep_live_order()
        self.live_how = "ws"  # until the feed fails to open: then it polls, and says so
        self._follow_feed(self.live_run)
        self.notify("Live mode: following the gateway's /ws feed.", timeout=3, markup=False)

    def keep_live_order(self) -> None:
        """Live mode adds new entries to the rows: the view is kept in the gateway's order
        (time, or the column sorted by on the gateway), which puts new ones in place."""
        view = self.listing.view
        if view.sort_column is not None:
            return
        by = {name: column for column, name in SERVER_SORTS.items()}
        column = by.get(self.log_filters.sort_by or "timestamp", "timestamp")
        descending = (self.log_filters.order or self.selection.order) == "desc"
        row = self.table.current_row
        self.listing.set_sort(column, reverse=descending)
        self.table.show_listing(keep_cursor=True)
        position = None if row is None else view.position_of(row)
        if position is not None:
            self.table.move_cursor(position)  # the same request, wherever the order put it

    def _poll_live(self, why: str) -> None:
        self.live_how = "polling"
        if self._live_timer is not None:
            self._live_timer.stop()
        self._live_timer = self.set_interval(LIVE_POLL_SECONDS, self._live_tick)
        self.notify(f"Live mode: {why}, every {LIVE_POLL_SECONDS:g} s.", timeout=3,
                    markup=False)  # fmt: skip
        self._live_tick()

    def live_words(self) -> str | None:
        """How live mode follows new requests, for the mode bar, or None when it is off:
        ``polling every 2 s · 3 new``, ``/ws feed · 3 new``."""
        if not self.live_how:
            return None
        how = "/ws feed" if self.live_how == "ws" else f"polling every {LIVE_POLL_SECONDS:g} s"
        return f"{how} · {self.live_new:,} new"

    def stop_live(self) -> None:
        self.live_run = 0
        self.live_how = ""
        if self._live_timer is not None:
            self._live_timer.stop()
            self._live_timer = None
        self.workers.cancel_group(self, "live")
        self.workers.cancel_group(self, "live-feed")

    def _live_tick(self) -> None:
        if not self.live_run or not self.in_requests:
            return
        if self._live_busy:
            self._live_again = True
            return
        self._live_busy = True
        self._fetch_newest(self.live_run, dict(self.selection.filters), self._live_known())

    @work(exclusive=True, group="live", exit_on_error=False)
    async def _fetch_newest(self, run: int, params: dict[str, str], known: set[str]) -> None:
        """The newest pages, until one holds a request already loaded (``known``), the log
        ends, or ``LIVE_MAX_PAGES`` were read."""
        params.pop("end_time", None)  # the newest entries, past the listing's fixed end
        if self.log_filters.until is not None:
            params["end_time"] = self.log_filters.until
        params.pop("sort_by", None)  # the newest, whatever the rows are sorted by
        params["order"] = "desc"
        pages: list[Page[Any]] = []
        offset = 0
        try:
            while len(pages) < LIVE_MAX_PAGES:
                page = await self.client.list_logs(params, LIVE_PAGE, offset)
                pages.append(page)
                reached = not known or any(entry.id in known for entry in page.items)
                if reached or not page.has_more or not page.items:
                    break
                offset = page.next_offset or offset + len(page.items)
        except MPilotError as exc:
            if not pages:
                self.post_message(self.LiveFailed(run, exc))
                return
        self.post_message(self.LivePage(run, pages))

    @work(exclusive=True, group="live-feed", exit_on_error=False)
    async def _follow_feed(self, run: int) -> None:
        try:
            async for _event in self.client.follow_logs():
                self.post_message(self.LiveSignal(run))
        except MPilotError as exc:
            self.post_message(self.LiveFeedEnded(run, exc))
            return
        self.post_message(self.LiveFeedEnded(run, None))

    def on_requests_view_live_signal(self, message: LiveSignal) -> None:
        if message.run == self.live_run:
            self._live_tick()

    def on_requests_view_live_feed_ended(self, message: LiveFeedEnded) -> None:
        if message.run != self.live_run:
            return
        why = "the /ws feed closed"
        if message.error is not None:
            why = f"no /ws feed ({visible(str(message.error))[:120]})"
        self._poll_live(f"{why}; polling the newest page")
        self.show_query()

    def on_requests_view_live_failed(self, message: LiveFailed) -> None:
        if message.run != self.live_run:
            return
        self._live_busy = False
        self.stop_live()
        self.show_query()
        self.notify(visible(str(message.error)), title="Live mode stopped", severity="error",
                    markup=False)  # fmt: skip

    def on_requests_view_live_page(self, message: LivePage) -> None:
        if message.run != self.live_run:
            return
        self._live_busy = False
        if self.in_requests and self.listing.started:
            known = self._live_known()
            pages = message.pages
            if len(pages) >= LIVE_MAX_PAGES and not any(e.id in known for e in pages[-1].items):
                self.notify(f"More than {LIVE_MAX_PAGES * LIVE_PAGE:,} new requests since the "
                            "last look: the newest are shown; r reloads them all.", timeout=5,
                            markup=False)  # fmt: skip
            for page in pages:
                self.add_live_rows(page)
        if self._live_again:
            self._live_again = False
            self._live_tick()

    def _live_known(self) -> set[str]:
        """The ids of the loaded rows a live page can repeat, and which of them are in flight
        (kept up to date as rows come). When the listing came newest first, only its newest
        ``LIVE_NEWEST_ROWS`` are indexed at first (a live page holds the newest requests, so
        it can repeat no older one; at 1M rows a set of every id blocked the event loop for
        a second), then every row added after."""
        store = self.listing.store
        generation, upto = self._known_upto
        if generation != self.listing.generation or upto > len(store):
            self._known_ids = set()
            self._in_flight = {}
            upto = 0
            newest_first = (
                self.log_filters.sort_by in (None, "timestamp")
                and (self.log_filters.order or self.selection.order) == "desc"
            )
            if newest_first and len(store) > LIVE_NEWEST_ROWS:
                self._index_known(0, LIVE_NEWEST_ROWS)
                upto = len(store)
        self._index_known(upto, len(store))
        self._known_upto = (self.listing.generation, len(store))
        return self._known_ids

    def _index_known(self, start: int, end: int) -> None:
        store = self.listing.store
        self._known_ids.update(store.ids[start:end])
        if store.kind != "requests":
            return
        for row, status in enumerate(store.text["status"][start:end], start):
            if status == "processing":
                self._in_flight[store.ids[row]] = row

    def _finish_rows(self, page: Page[Any]) -> int:
        """Rows that were in flight and are finished in ``page``: their columns are updated
        (status, latency, tokens, cost, cache); how many."""
        store = self.listing.store
        finished = 0
        for entry in page.items:
            row = self._in_flight.get(entry.id)
            if row is None or entry.status == "processing":
                continue
            del self._in_flight[entry.id]
            self._entries.pop(entry.id, None)
            store.update_row(row, entry)
            finished += 1
        return finished

    def add_live_rows(self, page: Page[Any]) -> int:
        """Add the entries of ``page`` not loaded yet; the cursor stays on its request."""
        known = self._live_known()
        finished = self._finish_rows(page)
        filters = self.log_filters
        fresh = keep_items(page, lambda e: e.id not in known and filters.keep(e))
        listing, table = self.listing, self.table
        if not fresh.items:
            if finished:
                table.refresh()
                self._show_detail_again()
            return 0
        row = table.current_row
        rows = listing.store.append_page(fresh)
        listing.view.extend(rows)
        listing.rows_loaded = len(listing.store)
        self.marked_rows.update(rows)
        self.live_new += len(rows)
        self._live_known()
        table.show_listing(keep_cursor=True)
        if row is not None:
            position = listing.view.position_of(row)
            if position is not None:
                table.move_cursor(position)
        self._update_status()
        self.show_query()
        return len(rows)

    def _show_detail_again(self) -> None:
        """Redraw the highlighted request (a row in flight may have finished)."""
        row = self.table.current_row
        if row is not None:
            self.show_request_detail(row, f"Request · row {self.table.cursor + 1:,}")

    # -- the detail of a request ------------------------------------------------------------

    def show_request_detail(self, row: int, title: str) -> None:
        """Show the row's entry at once (the trimmed list row, or the whole one fetched
        before), and fetch the whole entry when it is not at hand."""
        from ...api.log_models import LogEntry
        from ..widgets.request_detail import render_request

        store = self.listing.store
        item_id = store.ids[row]
        whole = self._entries.get(item_id)
        gone = item_id in self._gone
        entry = whole if whole is not None else LogEntry.model_validate(store.item(row))
        median = self.misses.median(store, store.text["provider_model"][row])
        self.detail.show_request(
            render_request(entry, median_miss_ms=median, whole=whole is not None, title=title)
        )
        if whole is None and not gone:
            # Quietly: rows are fetched as the cursor rests on them.
            self._fetch_item(self.generation, self.selection, item_id)

    def item_failed(self, item_id: str, error: MPilotError) -> None:
        if self.in_requests and isinstance(error, NotFoundError):
            self._gone[item_id] = None
            while len(self._gone) > ENTRY_CACHE:
                del self._gone[next(iter(self._gone))]

    def item_fetched(self, item_id: str, result: ItemResult) -> None:
        if not self.in_requests:
            super().item_fetched(item_id, result)
            return
        current = item_id == self._current_id()
        row = self.table.current_row if current else None
        self.request_fetched(result.item, row, f"Request · row {self.table.cursor + 1:,}")

    def request_fetched(self, entry: Any, row: int | None, title: str) -> None:
        """The whole entry came: keep it, and show it when its row is still highlighted."""
        from ...api.log_models import LogEntry

        if not isinstance(entry, LogEntry):
            return
        self._entries[entry.id] = entry
        self._gone.pop(entry.id, None)
        while len(self._entries) > ENTRY_CACHE:
            del self._entries[next(iter(self._entries))]
        if row is None:
            return
        from ..widgets.request_detail import render_request

        store = self.listing.store
        median = self.misses.median(store, store.text["provider_model"][row])
        self.detail.show_request(
            render_request(entry, median_miss_ms=median, whole=True, title=title)
        )

    # -- the cache summary -------------------------------------------------------------------

    def action_cache_summary(self) -> None:
        """``C``: in this view, the stats of the filtered request log."""
        if not self.in_requests:
            super().action_cache_summary()
            return
        from ...reqlog.filters import with_end_time
        from .request_stats import RequestStatsScreen, describe

        params = with_end_time(self.selection.filters, self.listing.as_of or None)
        chips = [(k, v) for k, v in self.log_filters.chips() if k != "sort"]
        screen = RequestStatsScreen(self.client, params, describe(chips), self.store)
        self.app.push_screen(screen)

    def requests_error(self, error: MPilotError) -> str | None:
        """The Requests view's own words for ``error`` (see :func:`requests_problem`)."""
        if not self.in_requests:
            return None
        return requests_problem(error, self.session.settings.has_admin_credentials)
