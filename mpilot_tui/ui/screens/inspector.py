"""The request inspector: every request of the session, and the session's cache summary.

The list is read from the client's :class:`~mpilot_tui.api.history.RequestHistory` (a ring of
the last N records, credentials already redacted), polled twice a second; nothing here does
I/O. Selecting a request shows its whole response envelope as folded, pretty JSON (the
``data`` list cut to a few items unless ``a`` asks for all), the envelope's ``extra_fields``,
``cache_debug``, ``raw_request``/``raw_response``, and the headers both ways.
"""

from __future__ import annotations

import shlex
import time
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Collapsible,
    DataTable,
    Footer,
    Static,
    TabbedContent,
    TabPane,
)

from ...api import GatewayClient
from ...api.history import RequestRecord
from ...api.settings import ConnectionSettings
from ...formats.text import human_bytes, visible
from ...reqlog.session_cache import (
    FactBook,
    RequestFacts,
    content_type,
    parse_body,
    summarise,
)
from ..clipboard import copy_text
from ..widgets.cache_summary import render_summary
from ..widgets.detail import json_text, similarity_bar

__all__ = ["InspectorScreen", "curl_command"]

TOKEN_VARIABLE = "MPILOT_TOKEN"
PASSWORD_VARIABLE = "MPILOT_ADMIN_PASSWORD"
"""The shell variables a copied curl command names instead of the credentials' values."""

POLL_SECONDS = 0.5
"""How often the screen looks for new or finished requests."""
ITEMS_SHOWN = 3
"""Items of an envelope's ``data`` list shown before the rest is folded away."""
PATH_WIDTH = 64
"""Cells of the path-and-query column on a wide screen."""
COLUMNS: tuple[tuple[str, int | None], ...] = (
    ("time", None), ("method", None), ("path and query", PATH_WIDTH), ("status", None),
    ("client", None), ("gateway", None), ("gap", None), ("size", None), ("items", None),
    ("cache", None), ("error", None),
)  # fmt: skip
LEFT_FOLDS: tuple[tuple[str, str, bool], ...] = (
    ("envelope", "response envelope", False),
    ("body", "body (not JSON)", False),
    ("curl", "as curl (c copies it)", True),
)
"""(id, title, collapsed at first) of the folds under the request's summary."""
RIGHT_FOLDS: tuple[tuple[str, str, bool], ...] = (
    ("response_headers", "response headers", True),
    ("request_headers", "request headers (credentials redacted)", True),
    ("extra", "extra_fields", False),
    ("cache", "cache_debug", False),
    ("raw_request", "raw_request", True),
    ("raw_response", "raw_response", True),
)
"""The folds beside them: the headers (folded), then the envelope's extra fields."""
FOLDS = LEFT_FOLDS + RIGHT_FOLDS


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f} ms"


def _clock(started_at: float) -> str:
    millis = int((started_at % 1) * 1000)
    return time.strftime("%H:%M:%S", time.localtime(started_at)) + f".{millis:03d}"


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def _headers(pairs: tuple[tuple[str, str], ...]) -> RenderableType:
    if not pairs:
        return Text("none recorded", style="italic")
    grid = _grid()
    for name, value in pairs:
        grid.add_row(Text(visible(name)), Text(visible(value)))
    return grid


def _in_double_quotes(text: str) -> str:
    """``text`` safe inside a shell's double quotes."""
    return "".join("\\" + char if char in '"$`\\' else char for char in text)


def curl_command(record: RequestRecord, settings: ConnectionSettings) -> str:
    """The request as a ``curl`` command line: the credentials the client sent for it are
    named as ``$MPILOT_TOKEN`` / ``$MPILOT_ADMIN_PASSWORD``, never their values."""
    parts = ["curl"]
    if record.method.upper() != "GET":
        parts += ["-X", shlex.quote(record.method)]
    try:
        path = urlsplit(record.url).path
    except ValueError:
        path = record.path_and_query
    sent = settings.credentials_for(path)
    bearer = "virtual key" in sent and settings.auth == "bearer"
    if "admin" in sent and settings.username is not None and not bearer:
        user = _in_double_quotes(visible(settings.username))
        parts.append(f'-u "{user}:${PASSWORD_VARIABLE}"')
    if bearer:
        parts.append(f'-H "Authorization: Bearer ${TOKEN_VARIABLE}"')
    elif "virtual key" in sent:
        parts.append(f'-H "x-bf-vk: ${TOKEN_VARIABLE}"')
    parts.append(shlex.quote(visible(record.url)))
    return " ".join(parts)


def _url_rows(grid: Table, record: RequestRecord, width: int) -> None:
    """The request's URL whole: the method and origin, then the path and query on one line
    when they fit ``width``, else the path and each query parameter on its own line (so a
    long query wraps between parameters, never inside one)."""
    try:
        parts = urlsplit(record.url)
    except ValueError:
        grid.add_row("request", Text(f"{visible(record.method)} {visible(record.url)}"))
        return
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""
    grid.add_row("request", Text(f"{visible(record.method)} {visible(origin)}"))
    path = visible(parts.path or "/")
    if parts.query and cell_len(path) + 1 + cell_len(visible(parts.query)) <= width:
        grid.add_row("path", Text(f"{path}?{visible(parts.query)}"))
        return
    grid.add_row("path", Text(path))
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        lines = [f"{visible(name)}={visible(value)}" for name, value in pairs]
        grid.add_row("query", Text("\n".join(lines) or visible(parts.query)))


class InspectorScreen(Screen[None]):
    """Requests made this session; ``C`` shows the cache summary."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,i", "close", "Close", id="inspector.close"),
        Binding("l", "show_tab('requests')", "Requests", id="inspector.requests"),
        Binding("C", "show_tab('cache')", "Cache summary", id="inspector.cache"),
        Binding("a", "toggle_all_items", "All items", id="inspector.all_items"),
        Binding("c", "copy_curl", "Copy as curl", id="inspector.copy_curl"),
    ]
    DEFAULT_CSS = """
    InspectorScreen #inspector-header { height: 1; background: $panel; }
    InspectorScreen #inspector-tabs, InspectorScreen #inspector-tabs > ContentSwitcher {
        height: 1fr;
    }
    InspectorScreen TabPane { height: 1fr; padding: 0; }
    InspectorScreen #requests-table { height: 2fr; }
    InspectorScreen #request-panes { height: 3fr; }
    InspectorScreen #request-panes > VerticalScroll {
        width: 1fr; border: round $primary 40%; padding: 0 1;
    }
    InspectorScreen #request-panes Collapsible { padding: 0; border: none; }
    """

    def __init__(self, client: GatewayClient, tab: str = "requests") -> None:
        super().__init__()
        self.client = client
        self.initial_tab = tab
        self.records: list[RequestRecord] = []
        """The requests in the table, newest first."""
        self.selected: RequestRecord | None = None
        self.show_all_items = False
        self.book = FactBook()
        self._signature: tuple[int, int, int] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="inspector-header")
        with TabbedContent(initial=self.initial_tab, id="inspector-tabs"):
            with TabPane("Requests", id="requests"):
                yield DataTable(id="requests-table", cursor_type="row", zebra_stripes=True)
                with Horizontal(id="request-panes"):
                    with VerticalScroll(id="request-detail"):
                        yield Static("Highlight a request to see it here.", id="request-summary")
                        yield from self._folds(LEFT_FOLDS)
                    with VerticalScroll(id="request-extra"):
                        yield from self._folds(RIGHT_FOLDS)
            with TabPane("Cache summary", id="cache"), VerticalScroll(id="cache-scroll"):
                yield Static(id="cache-summary")
        yield Footer()

    def _folds(self, folds: tuple[tuple[str, str, bool], ...]) -> ComposeResult:
        for name, title, collapsed in folds:
            with Collapsible(title=title, collapsed=collapsed, id=f"fold-{name}"):
                yield Static(id=f"fold-{name}-body")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in COLUMNS:
            if label == "path and query":
                # The rest of the columns take about 110 cells; the path gets what is left.
                width = max(24, min(PATH_WIDTH, self.app.size.width - 110))
            table.add_column(label, width=width, key=label)
        self.query_one("#request-detail").border_title = "Request"
        self.query_one("#request-extra").border_title = "Headers and extra_fields"
        for name, _, _ in FOLDS:
            self.query_one(f"#fold-{name}", Collapsible).display = False
        self.poll()
        self.set_interval(POLL_SECONDS, self.poll)
        self.action_show_tab(self.initial_tab)

    # -- the list -------------------------------------------------------------------------

    def poll(self) -> None:
        """Redraw when requests were added or finished since the last look."""
        history = self.client.history
        records = list(history)
        pending = sum(1 for r in records if r.status is None and r.error is None)
        signature = (history.total, pending, history.capacity)
        if signature == self._signature:
            return
        self._signature = signature
        self.book.keep_only(records)
        self.records = records[::-1]
        self._fill_table()
        self._show_header(len(records), history.capacity, history.total)
        summary = summarise(records, self.book, history.total)
        self.query_one("#cache-summary", Static).update(render_summary(summary))

    def _show_header(self, kept: int, capacity: int, total: int) -> None:
        text = Text(" Request inspector ", style="bold reverse")
        text.append(f"  {kept:,} request(s) shown · the last {capacity:,} are kept")
        text.append(f" · {total:,} this session · read-only: every request is a GET", style="dim")
        self.query_one("#inspector-header", Static).update(text)

    def _fill_table(self) -> None:
        table = self.query_one(DataTable)
        keep = self.selected
        table.clear()
        for record in self.records:
            table.add_row(*self._cells(record))
        if keep is not None and any(r is keep for r in self.records):
            table.move_cursor(row=self._index(keep), animate=False)
        elif self.records:
            self._show_record(self.records[table.cursor_row])

    def _index(self, record: RequestRecord) -> int:
        return next(i for i, r in enumerate(self.records) if r is record)

    def _cells(self, record: RequestRecord) -> list[Text]:
        facts = self.book.facts(record)
        if record.status is None:
            status = Text("…" if record.error is None else "—", style="dim")
        else:
            status = Text(str(record.status), style="green" if record.status < 400 else "red")
        gap = None if facts.latency_ms is None else record.elapsed_ms - facts.latency_ms
        cache = Text(facts.cache_label)
        if facts.cache_hit is not None:
            cache.stylize("bold green" if facts.cache_hit else "yellow")
        return [
            Text(_clock(record.started_at)),
            Text(visible(record.method)),
            Text(visible(record.path_and_query)),
            status,
            Text(_ms(record.elapsed_ms), justify="right"),
            Text(_ms(facts.latency_ms), justify="right"),
            Text(_ms(gap), justify="right"),
            Text(human_bytes(record.size) if record.status is not None else "", justify="right"),
            Text("" if facts.item_count is None else f"{facts.item_count:,}", justify="right"),
            cache,
            Text(visible(record.error or ""), style="red"),
        ]

    @on(DataTable.RowHighlighted)
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.records):
            self._show_record(self.records[event.cursor_row])

    # -- the detail -----------------------------------------------------------------------

    def _show_record(self, record: RequestRecord) -> None:
        self.selected = record
        facts = self.book.facts(record)
        # A body's JSON escapes (``\u0073k-…``) decode to what the raw scrub could not see.
        body = self.client.redactor.scrub_json(parse_body(record))
        self.query_one("#request-summary", Static).update(self._summary(record, facts, body))
        extra = body.get("extra_fields") if isinstance(body, dict) else None
        extra = extra if isinstance(extra, dict) else None
        self._fold("envelope", self._envelope(body) if body is not None else None)
        shown_extra = (
            {k: v for k, v in extra.items() if k not in ("cache_debug", "raw_request",
                                                         "raw_response")}
            if extra is not None
            else None
        )  # fmt: skip
        self._fold("extra", json_text(shown_extra) if shown_extra is not None else None)
        cache = extra.get("cache_debug") if extra else None
        self._fold("cache", json_text(cache) if cache is not None else None)
        for name in ("raw_request", "raw_response"):
            value = extra.get(name) if extra else None
            self._fold(name, json_text(value) if value is not None else None)
        self._fold("body", self._raw_body(record) if body is None and record.body else None)
        answered = record.status is not None
        self._fold("response_headers", _headers(record.response_headers) if answered else None)
        self._fold("request_headers", _headers(record.request_headers))
        self._fold("curl", Text(curl_command(record, self.client.settings)))

    def _summary(self, record: RequestRecord, facts: RequestFacts, body: Any) -> RenderableType:
        grid = _grid()
        # The label column and the pane's border and padding take about 16 cells.
        _url_rows(grid, record, self.query_one("#request-detail").size.width - 16)
        status = "no answer" if record.status is None else str(record.status)
        grid.add_row("status", Text(f"{status} · attempt {record.attempt}"))
        timing = Text(f"client {_ms(record.elapsed_ms)}")
        if record.upstream_latency_ms is not None:
            timing.append(f" · upstream {_ms(record.upstream_latency_ms)}")
        if facts.latency_ms is not None:
            timing.append(f" · gateway {_ms(facts.latency_ms)}")
            timing.append(f" · gap {_ms(record.elapsed_ms - facts.latency_ms)} on the way")
        else:
            timing.append(" · gateway latency not reported")
        grid.add_row("time", timing)
        routed = record.bifrost_headers
        if routed:
            lines = "\n".join(f"{name} {visible(value)}" for name, value in routed)
            grid.add_row("x-bifrost-*", Text(lines))
        if record.status is not None:
            size = f"{human_bytes(record.size)} ({record.size:,} bytes)"
            if record.body_truncated:
                size += f" · only the first {human_bytes(len(record.body))} kept"
            kind = content_type(record) or "no content type"
            grid.add_row("response", Text(f"{size} · {visible(kind)}"))
        if facts.item_count is not None:
            grid.add_row("items", Text(f"{facts.item_count:,}"))
        grid.add_row("cache", self._cache_row(facts))
        if record.error:
            grid.add_row("error", Text(visible(record.error), style="bold red"))
            if record.error_message:
                grid.add_row("message", Text(visible(record.error_message)))
        return grid

    def _cache_row(self, facts: RequestFacts) -> Text:
        if facts.cache_hit is None:
            return Text("no cache_debug in this answer", style="italic")
        row = Text()
        if facts.cache_hit:
            row.append(" HIT ", style="bold black on green")
        else:
            row.append(" MISS ", style="bold black on yellow")
        if facts.hit_type:
            row.append(f" {visible(self.client.redactor.scrub(facts.hit_type))}")
        if facts.similarity is not None:
            row.append("  ")
            row.append_text(similarity_bar(facts.similarity, facts.threshold))
            row.append(f" {facts.similarity:.3f}")
            if facts.threshold is not None:
                row.append(f" vs threshold {facts.threshold:.3f}")
        return row

    def _envelope(self, body: Any) -> RenderableType:
        if not isinstance(body, dict):
            return json_text(body)
        shown = {k: v for k, v in body.items() if k != "extra_fields"}
        if "extra_fields" in body:
            shown["extra_fields"] = "… (folded below)"
        data = body.get("data")
        note = None
        if isinstance(data, list) and len(data) > ITEMS_SHOWN and not self.show_all_items:
            shown["data"] = data[:ITEMS_SHOWN]
            note = Text(
                f"data: the first {ITEMS_SHOWN} of {len(data):,} items (a shows all)",
                style="italic dim",
            )
        rendered = json_text(shown)
        return Group(note, rendered) if note is not None else rendered

    def _raw_body(self, record: RequestRecord) -> RenderableType:
        kind = content_type(record)
        excerpt = record.body[:2048]
        if kind.startswith("text/") or "json" in kind:
            lines = excerpt.decode("utf-8", "replace").split("\n")[:40]
            return Text("\n".join(visible(line) for line in lines))
        hexed = " ".join(f"{b:02x}" for b in excerpt[:64])
        return Text(f"{len(record.body):,} bytes kept · starts with {hexed}")

    def _fold(self, name: str, content: RenderableType | None) -> None:
        fold = self.query_one(f"#fold-{name}", Collapsible)
        fold.display = content is not None
        if content is not None:
            self.query_one(f"#fold-{name}-body", Static).update(content)

    # -- actions --------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_show_tab(self, tab: str) -> None:
        # Focus moves into the tab too: a focused widget in another tab would switch back.
        self.query_one(TabbedContent).active = tab
        self.query_one(DataTable if tab == "requests" else "#cache-scroll").focus()

    def action_copy_curl(self) -> None:
        """``c``: the highlighted request as a curl command, credentials as variables."""
        if self.selected is None:
            return
        command = curl_command(self.selected, self.client.settings)
        names = f"${TOKEN_VARIABLE} / ${PASSWORD_VARIABLE}"
        copy_text(self.app, command, f"the request as curl (credentials as {names})")

    def action_toggle_all_items(self) -> None:
        self.show_all_items = not self.show_all_items
        if self.selected is not None:
            self._show_record(self.selected)
