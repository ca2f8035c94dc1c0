"""One-line bars: the connection header, the mode bar and the status bar."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from ...api.models import ExtraFields
from ...api.pagination import ResponseMeta
from ...listing import KINDS, Progress
from ...text import counted, ellipsize, visible

__all__ = ["ConnectionBar", "ModeBar", "StatusBar"]


class ConnectionBar(Static):
    """Profile or base URL, auth with the token masked, gateway version."""

    def show(self, label: str, auth: str, version: str | None) -> None:
        text = Text()
        text.append(" mpilot-tui ", style="bold reverse")
        text.append("  ")
        text.append(visible(_without_userinfo(label)), style="bold")
        text.append("  │  ")
        text.append(visible(auth))
        text.append("  │  ")
        shown = ellipsize(visible(version[:200]), 40) if version else None
        text.append(f"gateway {shown}" if shown else "gateway version ?")
        self.update(text)


def _without_userinfo(label: str) -> str:
    """A base URL without ``user:password@`` (the password is a secret); other labels as is."""
    try:
        parts = urlsplit(label)
    except ValueError:
        return label
    if parts.scheme and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return label


MODES = tuple((spec.name, spec.title) for spec in KINDS.values() if spec.in_browser)
"""The browser's views: a kind's user-facing name and title."""


class ModeBar(Static):
    """``Files | Container files`` plus the current purpose, order, page size, container."""

    class ModeClicked(Message):
        def __init__(self, mode: str) -> None:
            super().__init__()
            self.mode = mode

    class ChipClicked(Message):
        """A filter chip of the Requests view was clicked (its filter is cleared)."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str]] = []
        self._chips: list[tuple[int, int, str]] = []

    def _modes(self, mode: str) -> Text:
        text = Text()
        self._spans = []
        self._chips = []
        for key, label in MODES:
            start = len(text)
            text.append(f" {label} ", style="bold reverse" if key == mode else "dim")
            self._spans.append((start, len(text), key))
            text.append(" ")
        text.append(" ")
        return text

    def show_requests(
        self,
        chips: list[tuple[str, str]],
        *,
        order: str,
        page_size: int,
        live: str,
        local: bool,
    ) -> None:
        """The Requests view: its filters as numbered chips (the digit clears one), the
        order, the page size and whether live mode is on."""
        text = self._modes("requests")
        if live:
            text.append(f" ● live ({live}) ", style="bold black on green")
            text.append(" ")
        if not chips:
            text.append("no filter (x filters)", style="italic")
        for number, (key, label) in enumerate(chips, start=1):
            start = len(text)
            text.append(f"{number}", style="bold reverse")
            text.append(f" {label} ", style="bold")
            self._chips.append((start, len(text), key))
            text.append(" ")
        if local:
            text.append(" misses: loaded rows only", style="italic")
        text.append(f"  order: {order}  page: {page_size}")
        self.update(text)

    def show(
        self,
        mode: str,
        *,
        provider: str,
        purpose: str | None,
        order: str,
        page_size: int,
        container: str | None,
    ) -> None:
        text = self._modes(mode)
        text.append(ellipsize(visible(provider[:200]), 40), style="bold")
        if mode == "files":
            text.append(f"  purpose: {ellipsize(visible(purpose), 40) if purpose else 'any'}")
        else:
            shown = ellipsize(visible(container), 28) if container else "none (b to pick)"
            text.append("  container: ")
            text.append(shown, style="bold" if container else "italic")
        text.append(f"  order: {order}  page: {page_size}")
        self.update(text)

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.post_message(self.ModeClicked(key))
        for start, end, key in self._chips:
            if start <= event.x < end:
                self.post_message(self.ChipClicked(key))


class StatusBar(Static):
    """Rows loaded, more/all, last status, gateway and client latency, cache hit/miss."""

    def show(
        self,
        *,
        rows: int,
        shown: int | None,
        has_more: bool,
        loading: bool,
        meta: ResponseMeta | None,
        extra: ExtraFields | None,
        error: str | None,
        failed: bool = False,
        progress: Progress | None = None,
        page_extras: bool = True,
    ) -> None:
        """``page_extras``: say the gateway latency and ``cache_debug`` of the last page (the
        files views; the request log's pages carry neither)."""
        text = Text(" ")
        text.append(counted(rows, "rows"), style="bold")
        if shown is not None and shown != rows:
            text.append(f" ({shown:,} shown)")
        if progress is not None:
            pages = f"{progress.pages:,} page{'s' if progress.pages != 1 else ''}"
            rate = f"{progress.rows_per_second:,.0f} rows/s"
            text.append(f" · to the end: {pages}, {rate} (escape stops)", style="italic")
        elif loading:
            text.append(" · loading…", style="italic")
        elif failed:
            text.append(" · stopped by an error (r retries)", style="bold")
        else:
            text.append(" · more available" if has_more else " · all loaded")
        if error:
            text.append("  │  ")
            text.append(ellipsize(visible(error), 60), style="bold red")
        elif meta is not None:
            text.append("  │  ")
            text.append(f"{meta.status}", style="bold green" if meta.status < 400 else "red")
            if page_extras:
                latency = None if extra is None else extra.latency
                gateway = "?" if latency is None else f"{latency:g} ms"
                text.append(f" · gateway {gateway}")
            text.append(f" · client {meta.elapsed_ms:.0f} ms")
        cache = extra.cache_debug if extra is not None else None
        if cache is not None:
            text.append("  │  cache ")
            if cache.cache_hit:
                text.append(" HIT ", style="bold black on green")
                if cache.hit_type:
                    text.append(f" {visible(cache.hit_type)}")
            else:
                text.append(" MISS ", style="bold black on yellow")
        elif meta is not None and error is None and page_extras:
            text.append("  │  no cache_debug", style="dim")
        self.update(text)
