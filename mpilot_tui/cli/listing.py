"""``files``, ``container-files`` and ``containers``: listings for scripts and pipes."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from collections.abc import Callable
from typing import Any, TextIO

import click

from ..api import Page
from ..config.session import Session, resolve_session
from ..formats.table import FILE_FORMATS, FORMATS, write_table
from ..formats.text import counted
from ..formats.writers import ListingWriter
from ..listing import KINDS, Kind, Listing, Query
from .common import (
    EXIT_CODES_HELP,
    connection_options,
    handle_errors,
    merged_connection,
    narrate,
    warn,
)
from .progress import Progress
from .streams import holds_unicode, use_json_escapes

__all__ = ["register"]


def listing_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--provider", metavar="P", help="Provider to list (default: openai)."),
        click.option("--order", type=click.Choice(["asc", "desc"]), help="Sort order."),
        click.option("--limit", type=click.IntRange(min=1), help="Items per page."),
        click.option("--after", metavar="CURSOR", help="Start after this opaque cursor."),
        click.option("--all", "fetch_all", is_flag=True, help="Follow the cursor to the end."),
        click.option(
            "--format",
            "output_format",
            type=click.Choice(FORMATS),
            default="table",
            show_default=True,
            help="table (for people), json (the envelopes), ndjson (one item a line), csv.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return connection_options(func)


def open_session(ctx: click.Context, connection: dict[str, Any]) -> Session:
    session = resolve_session(**connection)
    for message in session.warnings:
        warn(message)
    return session


class _Printer:
    """Writes pages to stdout in one format, as they arrive.

    ``json``, ``ndjson`` and ``csv`` go through :class:`ListingWriter`, as the browser's
    export does, so a script and the app write the same bytes for the same listing.
    """

    def __init__(self, kind: Kind, output_format: str, out: TextIO, *, every_page: bool) -> None:
        self.kind = kind
        self.out = out
        self.count = 0
        self._rows: list[dict[str, Any]] = []
        self._format = output_format
        self._every_page = every_page
        if output_format in ("json", "ndjson"):
            use_json_escapes(out)
        self.scrub: Callable[[Any], Any] | None = None
        """The client's secret mask for decoded JSON (set once the client exists): a token a
        gateway echoes into data is printed masked, as the browser shows it."""
        self._writer: ListingWriter | None = None
        """Made with the first page: a listing whose first page fails writes nothing (not
        even a CSV header) to stdout."""

    def add(self, page: Page[Any]) -> None:
        self.count += len(page.items)
        if self._format in FILE_FORMATS:
            if self._writer is None:
                self._writer = ListingWriter(
                    self._format, self.kind, self.out, array=self._every_page, scrub=self.scrub
                )
            self._writer.add_envelope(json.loads(page.raw))
        else:
            rows = (item.model_dump(exclude_unset=True) for item in page.items)
            self._rows.extend(self.scrub(row) if self.scrub else row for row in rows)

    def finish(self) -> None:
        if self._format in FILE_FORMATS:
            if self._writer is not None:
                self._writer.finish()
        else:
            ellipsis = "…" if holds_unicode(self.out) else "..."
            write_table(self._rows, self.kind, self.out, _table_width(self.out), ellipsis)
        self.out.flush()


def _table_width(out: TextIO) -> int:
    """``COLUMNS`` when set, else the terminal's width, else 80 (a pipe)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return shutil.get_terminal_size((80, 24)).columns if out.isatty() else 80


def _run_listing(
    ctx: click.Context,
    kind: Kind,
    *,
    fetch_all: bool,
    output_format: str,
    connection: dict[str, Any],
    provider: str | None,
    order: str | None,
    limit: int | None,
    after: str | None,
    **query: Any,
) -> None:
    session = open_session(ctx, connection)
    spec = KINDS[kind]
    listing = Listing(
        Query(
            kind=kind,
            provider=provider or session.default_provider,
            order="asc" if (order or session.order) == "asc" else "desc",
            page_size=limit or session.page_size,
            exact_limit=limit is not None,
            start=after,
            **query,
        ),
        keep_rows=False,
    )
    printer = _Printer(kind, output_format, sys.stdout, every_page=fetch_all)
    progress = Progress(sys.stderr, spec.noun, enabled=None if fetch_all else False)

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
                if listing.pages_loaded:
                    printer.finish()

    asyncio.run(main())
    what, pages = spec.noun, listing.pages_loaded
    if fetch_all:
        narrate(f"{counted(printer.count, what)} in {counted(pages, 'pages')}")
    elif listing.has_more:
        flag = "--after" if spec.paging.name == "cursor" else "--offset"
        narrate(
            f"{counted(printer.count, what)}; more available: add {flag} {listing.next_position} "
            "for the next page, or --all for everything"
        )
    else:
        narrate(f"{counted(printer.count, what)}; that is all")


def register(group: click.Group) -> None:
    """Add the listing commands to the root group."""

    @group.command("files", epilog=EXIT_CODES_HELP)
    @click.option("--purpose", metavar="X", help="Only files with this purpose.")
    @listing_options
    @click.pass_context
    @handle_errors
    def files(
        ctx: click.Context,
        /,
        purpose: str | None,
        provider: str | None,
        order: str | None,
        limit: int | None,
        after: str | None,
        fetch_all: bool,
        output_format: str,
        **connection: Any,
    ) -> None:
        """List files (GET /openai/v1/files)."""
        _run_listing(
            ctx, "files", fetch_all=fetch_all, output_format=output_format,
            connection=merged_connection(ctx, **connection), provider=provider, order=order,
            limit=limit, after=after, purpose=purpose,
        )  # fmt: skip

    @group.command("container-files", epilog=EXIT_CODES_HELP)
    @click.argument("container_id")
    @listing_options
    @click.pass_context
    @handle_errors
    def container_files(
        ctx: click.Context,
        /,
        container_id: str,
        provider: str | None,
        order: str | None,
        limit: int | None,
        after: str | None,
        fetch_all: bool,
        output_format: str,
        **connection: Any,
    ) -> None:
        """List the files in a container (GET /v1/containers/{id}/files)."""
        _run_listing(
            ctx, "container_files", fetch_all=fetch_all, output_format=output_format,
            connection=merged_connection(ctx, **connection), provider=provider, order=order,
            limit=limit, after=after, container=container_id,
        )  # fmt: skip

    @group.command("containers", epilog=EXIT_CODES_HELP)
    @listing_options
    @click.pass_context
    @handle_errors
    def containers(
        ctx: click.Context,
        /,
        provider: str | None,
        order: str | None,
        limit: int | None,
        after: str | None,
        fetch_all: bool,
        output_format: str,
        **connection: Any,
    ) -> None:
        """List containers (GET /v1/containers)."""
        _run_listing(
            ctx, "containers", fetch_all=fetch_all, output_format=output_format,
            connection=merged_connection(ctx, **connection), provider=provider, order=order,
            limit=limit, after=after,
        )  # fmt: skip
