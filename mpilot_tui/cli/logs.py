"""``logs``, ``logs show`` and ``cache-stats``: the gateway's request log for scripts and pipes.

``logs`` walks the same listing engine as ``files`` (offset pages of the ``requests`` kind,
with the listing's start time as the fixed end of the period). ``ndjson`` writes one entry a
line as the gateway sent it, ``json`` the page envelopes, ``csv`` a row per entry with the
cache facts, ``table`` the Requests view's columns. Misses have no gateway filter: with
``--cache-hit miss`` the pages are filtered here, and stderr says so.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import click

from ..api import GatewayClient, Page
from ..api.log_models import LogEntry, loose_float
from ..api.pagination import ITEMS_KEY, items_of
from ..formats.table import FORMATS, table_row, write_table
from ..formats.text import visible
from ..formats.writers import ListingWriter, write_json
from ..listing import KINDS, Listing, Query
from ..reqlog import (
    PERIODS,
    SORTS,
    STATUSES,
    LogFilters,
    explain_cache,
    median_miss_latency,
    parse_time,
    stats_lines,
)
from .common import (
    EXIT_CODES_HELP,
    EXIT_USAGE,
    connection_options,
    fail,
    handle_errors,
    merged_connection,
    narrate,
    warn,
)
from .listing import open_session
from .progress import Progress

__all__ = ["register"]

CACHE_HIT_CHOICES = ("direct", "semantic", "any", "miss")
"""``--cache-hit``: ``any`` is any hit (direct or semantic); ``miss`` filters here."""
_CACHE_FILTER = {"direct": "direct", "semantic": "semantic", "any": "hits", "miss": "misses"}
TEXT_CUT = 2000
"""Characters of an input or output message ``logs show`` prints."""


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The filters ``logs`` and ``cache-stats`` share."""
    options = [
        click.option("--provider", metavar="P", help="Only this provider (commas: several)."),
        click.option("--model", metavar="M", help="Only this model (commas: several)."),
        click.option("--status", type=click.Choice(STATUSES), help="Only this status."),
        click.option("--object", "object_type", metavar="TYPE",
                     help="Only this request type (chat.completion, embedding, responses, …)."),
        click.option("--cache-hit", type=click.Choice(CACHE_HIT_CHOICES),
                     help="direct or semantic hits, any hit, or misses (filtered here)."),
        click.option("--period", type=click.Choice(PERIODS),
                     help="The last hour, 6 hours, day, week or 30 days."),
        click.option("--since", metavar="ISO", help="From this time (ISO 8601; UTC if no offset)."),
        click.option("--until", metavar="ISO", help="Up to this time (ISO 8601)."),
        click.option("--search", metavar="TEXT", help="Content search (the gateway's)."),
        click.option("--min-latency", type=click.FloatRange(min=0), metavar="MS",
                     help="Latency at least this many ms."),
        click.option("--max-latency", type=click.FloatRange(min=0), metavar="MS",
                     help="Latency at most this many ms."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def _time_option(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        fail(f"--{name}: {exc}", EXIT_USAGE)


FILTER_PARAMS = ("provider", "model", "status", "object_type", "cache_hit", "period", "since",
                 "until", "search", "min_latency", "max_latency")  # fmt: skip
"""The parameters :func:`filter_options` adds (the arguments of :func:`build_filters`)."""


def split_filters(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A command's options split into the filters' and the rest (the connection's)."""
    chosen = {name: options[name] for name in FILTER_PARAMS if name in options}
    rest = {name: value for name, value in options.items() if name not in chosen}
    return chosen, rest


def build_filters(
    *,
    provider: str | None = None,
    model: str | None = None,
    status: str | None = None,
    object_type: str | None = None,
    cache_hit: str | None = None,
    period: str | None = None,
    since: str | None = None,
    until: str | None = None,
    search: str | None = None,
    min_latency: float | None = None,
    max_latency: float | None = None,
    sort: str | None = None,
    order: str | None = None,
) -> LogFilters:
    """The command line's filters, checked (a bad one is a usage error, exit 2)."""
    if period and (since or until):
        warn("--period overrides --since/--until (the gateway ends a period at its now)")
    try:
        return LogFilters(
            cache=_CACHE_FILTER[cache_hit] if cache_hit else None,  # type: ignore[arg-type]
            status=status, provider=provider, model=model, object=object_type, period=period,
            since=_time_option("since", since), until=_time_option("until", until),
            search=search, min_latency=min_latency, max_latency=max_latency, sort_by=sort,
            order=order,
        )  # fmt: skip
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)


class _LogPrinter:
    """Writes request-log pages to stdout in one format, as they arrive."""

    def __init__(self, output_format: str, out: TextIO, filters: LogFilters, *, every: bool):
        self.format = output_format
        self.out = out
        self.filters = filters
        self.count = 0
        self.dropped = 0
        self._rows: list[dict[str, Any]] = []
        self.scrub: Callable[[Any], Any] | None = None
        """The client's secret mask for decoded JSON (set once the client exists)."""
        self._writer = (
            ListingWriter(output_format, "requests", out, array=every)  # type: ignore[arg-type]
            if output_format != "table"
            else None
        )

    def add(self, page: Page[Any]) -> None:
        kept: list[LogEntry] = [e for e in page.items if self.filters.keep(e)]
        self.dropped += len(page.items) - len(kept)
        self.count += len(kept)
        if self._writer is not None:
            envelope = json.loads(page.raw)
            if len(kept) != len(page.items) and isinstance(envelope, dict):
                sent = [i for i in items_of("requests", envelope) if isinstance(i, dict)]
                if len(sent) == len(page.items):  # entries() keeps the objects, in order
                    chosen = [
                        raw for raw, e in zip(sent, page.items, strict=True) if self.filters.keep(e)
                    ]
                else:
                    ids = {e.id for e in kept}
                    chosen = [raw for raw in sent if str(raw.get("id")) in ids]
                envelope[ITEMS_KEY["requests"]] = chosen
            self._writer.scrub = self.scrub
            self._writer.add_envelope(envelope)
        else:
            rows = (table_row("requests", entry) for entry in kept)
            self._rows.extend(self.scrub(row) if self.scrub else row for row in rows)

    def finish(self) -> None:
        if self._writer is not None:
            self._writer.finish()
        else:
            width = shutil.get_terminal_size((120, 24)).columns if self.out.isatty() else 120
            write_table(self._rows, "requests", self.out, width)
        self.out.flush()


def _run_logs(
    ctx: click.Context,
    *,
    filters: LogFilters,
    limit: int | None,
    offset: int | None,
    fetch_all: bool,
    output_format: str,
    connection: dict[str, Any],
) -> None:
    session = open_session(ctx, connection)
    spec = KINDS["requests"]
    listing = Listing(
        Query(
            kind="requests",
            order="asc" if filters.order == "asc" else "desc",
            page_size=limit or session.page_size,
            exact_limit=limit is not None,
            start=offset or 0,
            filters=filters.to_params(None),
        ),
        keep_rows=False,
    )
    printer = _LogPrinter(output_format, sys.stdout, filters, every=fetch_all)
    progress = Progress(sys.stderr, "requests", enabled=None if fetch_all else False)

    async def main() -> None:
        async with session.client() as client:
            printer.scrub = client.redactor.scrub_json
            try:
                async for page in listing.walk(client, max_pages=None if fetch_all else 1):
                    progress.clear()  # stdout may be the same terminal
                    printer.add(page)
                    progress.update(printer.count, listing.pages_loaded)
            finally:
                progress.clear()
                if fetch_all or listing.pages_loaded:
                    printer.finish()

    asyncio.run(main())
    pages = listing.pages_loaded
    what = spec.noun
    if filters.is_local():
        narrate(
            f"misses are filtered here (the gateway has no miss filter): {printer.count} of"
            f" {printer.count + printer.dropped} entries read are misses"
        )
    if fetch_all:
        narrate(f"{printer.count} {what} in {pages} page{'s' if pages != 1 else ''}")
    elif listing.has_more:
        narrate(
            f"{printer.count} {what}; more available: add --offset {listing.next_position} "
            "for the next page, or --all for everything"
        )
    else:
        narrate(f"{printer.count} {what}; that is all")


# -- logs show -----------------------------------------------------------------------------


def _cut(value: Any, limit: int = TEXT_CUT) -> str:
    text = visible(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _message_text(message: Any) -> str | None:
    if not isinstance(message, dict):
        return None
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        texts = [p for p in parts if isinstance(p, str)]
        if texts:
            return "\n".join(texts)
    if message.get("tool_calls"):
        return f"(tool calls) {json.dumps(message['tool_calls'], ensure_ascii=False)}"
    return None


def _detail_lines(entry: LogEntry, median_ms: float | None) -> list[str]:
    lines: list[tuple[str, Any]] = [
        ("id", entry.id),
        ("time", entry.timestamp),
        ("status", entry.status),
        ("provider/model", entry.provider_model),
        ("type", entry.object),
        ("stream", None if entry.stream is None else ("yes" if entry.stream else "no")),
        ("latency", None if entry.latency is None else f"{entry.latency:,.1f} ms"),
        ("cost", None if entry.cost is None else f"${entry.cost:.6f}"),
    ]
    usage = entry.token_usage
    if usage is not None:
        tokens = f"{usage.total if usage.total is not None else '?'} total"
        if usage.prompt_tokens is not None or usage.completion_tokens is not None:
            tokens += f" ({usage.prompt_tokens or 0} prompt, {usage.completion_tokens or 0}"
            tokens += " completion"
            cached = usage.cached_tokens
            tokens += f", {cached} cached)" if cached else ")"
        lines.append(("tokens", tokens))
    key = entry.selected_key_name or (entry.selected_key or {}).get("name")
    lines.append(("key", key or entry.selected_key_id))
    lines.append(("virtual key", entry.virtual_key_name or (entry.virtual_key or {}).get("name")))
    lines.append(
        ("routing rule", entry.routing_rule_name or (entry.routing_rule or {}).get("name"))
    )
    if entry.number_of_retries or entry.fallback_index:
        retries = f"{entry.number_of_retries or 0}, fallback {entry.fallback_index or 0}"
        lines.append(("retries", retries))
    lines.append(("error", entry.error_message))
    lines.append(("stop reason", entry.stop_reason))
    out = [f"{label}: {_cut(value, 300)}" for label, value in lines if value not in (None, "")]
    explanation = explain_cache(entry, median_ms)
    out.append("")
    out.append(f"cache: {explanation.badge or 'skipped'}")
    out.extend(f"  {line}" for line in explanation.lines)
    history = entry.input_history or entry.responses_input_history or []
    last_input = next(
        (text for text in (_message_text(m) for m in reversed(history)) if text), None
    )
    if last_input:
        out += ["", "input (last message):", f"  {_cut(last_input)}"]
    output = _message_text(entry.output_message)
    if output is None and entry.responses_output:
        texts = []
        for item in entry.responses_output:
            content = item.get("content") if isinstance(item, dict) else None
            texts += [_message_text({"content": content})]
        output = "\n".join(t for t in texts if t) or None
    if output:
        out += ["", "output:", f"  {_cut(output)}"]
    return out


async def _median_for(client: GatewayClient, entry: LogEntry) -> float | None:
    """The median latency of recent misses of the entry's provider/model (one page), for a
    hit: the same group the Requests view compares a hit with."""
    if not entry.model or entry.cache_debug is None or not entry.cache_debug.hit:
        return None
    params = {"models": entry.model}
    if entry.provider:
        params["providers"] = entry.provider
    page = await client.list_logs(params, 200, 0)
    return median_miss_latency(page.items, entry.model, entry.provider)


def _run_show(
    ctx: click.Context, log_id: str, output_format: str, connection: dict[str, Any]
) -> None:
    session = open_session(ctx, connection)

    async def main() -> tuple[LogEntry, bytes, float | None]:
        async with session.client() as client:
            result = await client.get_log(log_id)
            entry = result.item
            assert isinstance(entry, LogEntry)
            median = None
            if output_format == "table":
                try:
                    median = await _median_for(client, entry)
                except Exception:  # the comparison is a nicety; the entry is what was asked
                    median = None
            return entry, result.raw, median

    entry, raw, median = asyncio.run(main())
    if output_format == "json":
        write_json([json.loads(raw)], sys.stdout)
    else:
        sys.stdout.write("\n".join(_detail_lines(entry, median)) + "\n")
    sys.stdout.flush()


# -- cache-stats ---------------------------------------------------------------------------


def _run_stats(
    ctx: click.Context,
    filters: LogFilters,
    compare: bool,
    output_format: str,
    connection: dict[str, Any],
) -> None:
    if filters.is_local():
        fail(
            "--cache-hit miss cannot narrow the stats: the gateway has no miss filter (the"
            " stats count misses already: finished requests minus hits)",
            EXIT_USAGE,
        )
    if compare and not (filters.period or filters.since):
        fail(
            "--compare needs --period or --since: the previous period is the one of the same"
            " length just before it",
            EXIT_USAGE,
        )
    session = open_session(ctx, connection)
    params = filters.to_params(time.time() if compare and not filters.period else None)

    async def main() -> Any:
        async with session.client() as client:
            return await client.log_stats(params, compare=compare)

    result = asyncio.run(main())
    if output_format == "json":
        write_json([result.raw], sys.stdout)
    else:
        chips = ", ".join(label for _, label in filters.chips()) or "all requests"
        sys.stdout.write(f"Request-log stats ({chips})\n")
        for line in stats_lines(result.stats, result.previous):
            sys.stdout.write(f"  {line.text()}\n")
    sys.stdout.flush()
    if compare and result.previous is None:
        narrate("the gateway sent no previous period to compare with (an older gateway?)")
    total = loose_float(result.raw.get("total_requests"))
    if total == 0:
        narrate("no requests match these filters")


def register(group: click.Group) -> None:
    """Add ``logs`` (with ``logs show``) and ``cache-stats`` to the root group."""

    @group.group(
        "logs", invoke_without_command=True, epilog=EXIT_CODES_HELP,
        context_settings={"max_content_width": 100},
    )  # fmt: skip
    @filter_options
    @click.option("--sort", type=click.Choice(SORTS), help="Sorted by the gateway (default time).")
    @click.option("--order", type=click.Choice(["asc", "desc"]), help="Sort order (default desc).")
    @click.option("--limit", type=click.IntRange(min=1), help="Entries per page (1..1000).")
    @click.option("--offset", type=click.IntRange(min=0), help="Start at this offset.")
    @click.option("--all", "fetch_all", is_flag=True, help="Page on to the end.")
    @click.option(
        "--format", "output_format", type=click.Choice(FORMATS), default="table",
        show_default=True,
        help="table (for people), json (the page envelopes), ndjson (one entry a line as "
        "sent), csv.",
    )  # fmt: skip
    @connection_options
    @click.pass_context
    @handle_errors
    def logs(
        ctx: click.Context,
        /,
        sort: str | None,
        order: str | None,
        limit: int | None,
        offset: int | None,
        fetch_all: bool,
        output_format: str,
        **options: Any,
    ) -> None:
        """List the gateway's request log (GET /api/logs; admin credentials).

        Without --all one page, and on stderr how to get the next. `logs show LOG_ID`
        prints one entry whole, with its cache explained.
        """
        chosen, connection = split_filters(options)
        ctx.obj = {**(ctx.obj or {}), "logs_connection": connection}
        if ctx.invoked_subcommand is not None:
            return
        filters = build_filters(**chosen, sort=sort, order=order)
        _run_logs(
            ctx, filters=filters, limit=limit, offset=offset, fetch_all=fetch_all,
            output_format=output_format, connection=merged_connection(ctx, **connection),
        )  # fmt: skip

    @logs.command("show", epilog=EXIT_CODES_HELP)
    @click.argument("log_id")
    @click.option(
        "--format", "output_format", type=click.Choice(["table", "json"]), default="table",
        show_default=True, help="table (in words, the cache explained), json (as sent).",
    )  # fmt: skip
    @connection_options
    @click.pass_context
    @handle_errors
    def show(ctx: click.Context, /, log_id: str, output_format: str, **connection: Any) -> None:
        """Print one request-log entry whole (GET /api/logs/{id})."""
        parent = (ctx.parent.obj or {}).get("logs_connection", {}) if ctx.parent else {}
        merged = merged_connection(ctx, **{**parent, **{k: v for k, v in connection.items()
                                                          if v is not None}})  # fmt: skip
        _run_show(ctx, log_id, output_format, merged)

    @group.command("cache-stats", epilog=EXIT_CODES_HELP)
    @filter_options
    @click.option("--compare", is_flag=True, help="Compare with the previous period.")
    @click.option(
        "--format", "output_format", type=click.Choice(["table", "json"]), default="table",
        show_default=True, help="table (in words), json (the gateway's stats object as sent).",
    )  # fmt: skip
    @connection_options
    @click.pass_context
    @handle_errors
    def cache_stats(
        ctx: click.Context,
        /,
        compare: bool,
        output_format: str,
        **options: Any,
    ) -> None:
        """Cache hit rate and the request log's stats (GET /api/logs/stats), in words."""
        chosen, connection = split_filters(options)
        filters = build_filters(**chosen)
        _run_stats(ctx, filters, compare, output_format, merged_connection(ctx, **connection))
