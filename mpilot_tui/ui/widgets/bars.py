"""One-line bars: the connection header, the mode bar and the status bar."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from ...api.models import ExtraFields
from ...api.pagination import ResponseMeta
from ...formats.text import cell_width, counted, ellipsize, visible
from ...listing import KINDS, Progress

__all__ = ["ConnectionBar", "KeyFooter", "ModeBar", "StatusBar"]


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
SHORT_TITLES = {"files": "Files", "container-files": "Cntr", "requests": "Req"}
"""The views' titles when the mode bar is short of room."""

Segment = tuple[str, str, str | None]
"""One run of the mode bar: its text, its style and what a click on it does (``mode:X``,
``chip:K`` or nothing)."""


def _cells(segments: list[Segment]) -> int:
    return sum(cell_width(text) for text, _, _ in segments)


class ModeBar(Static):
    """``Files | Container files | Requests`` plus what is listed: provider, purpose or
    container, order and page size (the Requests view: its filter chips).

    The bar is laid out for its width: when the whole does not fit, the view tabs shorten
    first, then only the current one shows (``m`` switches), then the values shorten
    (provider, purpose, container, chips); the order and the page size always show. The
    Requests view's chips never shorten past their value: when they still do not fit, the
    bar takes a second line (or more), so that every filter that is on stays in sight.
    """

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
        self._spans: list[tuple[int, int, int, str]] = []
        """Clickable runs as laid out last: line, first and end cell, target."""
        self._mode = "files"
        self._body: list[list[list[Segment]]] = []
        """What follows the tabs, in the order shown, each part as its fitting variants
        (the first is the whole; later ones are shorter)."""
        self._tail: list[Segment] = []
        """The order and page size: always shown, whatever the width."""
        self._wraps = False
        """The body may take more lines rather than be cut (the Requests view's chips)."""

    @property
    def plain(self) -> str:
        """The bar's text as shown (for tests and the screen reader in us)."""
        return self._text(self._layout(self._width())).plain

    def _width(self) -> int:
        return self.size.width or 10_000

    def _tabs(self, short: int) -> list[Segment]:
        """The view tabs: ``short`` 0 full titles, 1 short titles, 2 the current one only."""
        segments: list[Segment] = []
        for key, label in MODES:
            current = key == self._mode
            if short == 2 and not current:
                continue
            title = SHORT_TITLES.get(key, label) if short == 1 and not current else label
            segments.append((f" {title} ", "bold reverse" if current else "dim", f"mode:{key}"))
            segments.append((" ", "", None))
        segments.append((" ", "", None))
        return segments

    def _layout(self, width: int) -> list[list[Segment]]:
        """The fullest variant that fits ``width`` cells on one line; when none does and the
        body wraps, the fewest lines (the fullest variant among those)."""
        steps = max((len(part) for part in self._body), default=1)
        # (tabs, values): full, short tabs, the current tab only, then shorter values.
        plan = [(0, 0), (1, 0), *((2, step) for step in range(steps))]
        candidates = [self._tabs(tabs) + self._variant(step) + self._tail for tabs, step in plan]
        if not self._wraps:
            candidates.append(self._tabs(2) + self._tail)
        for segments in candidates:
            if _cells(segments) <= width:
                return [segments]
        if not self._wraps:
            return [candidates[-1]]
        wrapped = [self._wrapped(step, width) for step in range(steps)]
        return min(wrapped, key=len)  # min keeps the first (fullest) of equal lengths

    def _wrapped(self, step: int, width: int) -> list[list[Segment]]:
        """The current tab, the body at variant ``step`` and the tail, on as many lines of
        ``width`` as they need; a part is never split."""
        units = [self._tabs(2)]
        units += [part[min(step, len(part) - 1)] for part in self._body]
        units.append(self._tail)
        lines: list[list[Segment]] = [[]]
        for unit in units:
            if lines[-1] and _cells(lines[-1]) + _cells(unit) > width:
                lines.append([])
            lines[-1].extend(unit)
        return lines

    def lines_needed(self) -> int:
        """The lines the bar takes at its width."""
        return len(self._layout(self._width())) if self.size.width else 1

    def _variant(self, step: int) -> list[Segment]:
        return [seg for part in self._body for seg in part[min(step, len(part) - 1)]]

    def _text(self, lines: list[list[Segment]]) -> Text:
        text = Text()
        self._spans = []
        for number, segments in enumerate(lines):
            if number:
                text.append("\n")
            line_start = len(text)
            for content, style, target in segments:
                start = len(text) - line_start
                text.append(content, style=style)
                if target is not None:
                    self._spans.append((number, start, len(text) - line_start, target))
        return text

    def _show(self, mode: str, body: list[list[list[Segment]]], tail: list[Segment]) -> None:
        self._mode = mode
        self._body = body
        self._tail = tail
        self._wraps = mode == "requests"
        self._fit_height()
        self.refresh()

    def _fit_height(self) -> None:
        lines = self.lines_needed()
        if self.styles.height is None or self.styles.height.value != lines:
            self.styles.height = lines

    def on_resize(self) -> None:
        self._fit_height()

    def render(self) -> Text:
        # Laid out when drawn, for the width it is drawn at (a resize redraws it).
        return self._text(self._layout(self._width()))

    def show_requests(
        self,
        chips: list[tuple[str, str]],
        short_chips: list[tuple[str, str]],
        *,
        order: str,
        page_size: int,
        live: str | None,
    ) -> None:
        """The Requests view: its filters as numbered chips (the digit clears one; the
        short labels when room is short), the order, the page size and how live mode
        follows new requests, when it is on (never shortened)."""
        body: list[list[list[Segment]]] = []
        if live:
            body.append([[(f" ● live: {live} ", "bold black on green", None), (" ", "", None)]])
        if not chips:
            body.append([[("no filter (x filters)", "italic", None)],
                         [("no filter", "italic", None)]])  # fmt: skip
        pairs = zip(chips, short_chips, strict=True)
        for number, ((key, label), (_, brief)) in enumerate(pairs, start=1):
            digit: Segment = (f"{number}", "bold reverse", f"chip:{key}")
            body.append([
                [digit, (f" {label} ", "bold", f"chip:{key}"), (" ", "", None)],
                [digit, (f" {brief} ", "bold", f"chip:{key}"), (" ", "", None)],
            ])  # fmt: skip
        self._show("requests", body, [(f"  order: {order}  page: {page_size}", "", None)])

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
        name = visible(provider[:200])
        body: list[list[list[Segment]]] = [
            [[(ellipsize(name, 40), "bold", None)], [(ellipsize(name, 16), "bold", None)],
             [(ellipsize(name, 10), "bold", None)]],
        ]  # fmt: skip
        if mode == "files":
            value = visible(purpose) if purpose else "any"
            body.append([[(f"  purpose: {ellipsize(value, 40)}", "", None)],
                         [(f"  purpose: {ellipsize(value, 14)}", "", None)],
                         [(f"  {ellipsize(value, 10)}", "", None)]])  # fmt: skip
        else:
            style = "bold" if container else "italic"
            whole = visible(container) if container else "none (b to pick)"
            brief = visible(container) if container else "none (b)"
            body.append([[("  container: ", "", None), (ellipsize(whole, 28), style, None)],
                         [("  container: ", "", None), (ellipsize(brief, 16), style, None)],
                         [("  ", "", None), (ellipsize(brief, 12), style, None)]])  # fmt: skip
        self._show(mode, body, [(f"  order: {order}  page: {page_size}", "", None)])

    def on_click(self, event: events.Click) -> None:
        for line, start, end, target in self._spans:
            if line == event.y and start <= event.x < end:
                kind, _, key = target.partition(":")
                if kind == "mode":
                    self.post_message(self.ModeClicked(key))
                else:
                    self.post_message(self.ChipClicked(key))
                return


class StatusBar(Static):
    """Rows loaded, more/all, last status, gateway and client latency, cache hit/miss.

    Laid out for its width: when the whole does not fit, the latencies go first, then the
    status code; the cache badge (``no cache_debug`` too) is never cut."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._parts: list[tuple[str, str, int]] = []
        """The bar's runs: text, style and how soon it goes when short of room (0 never)."""

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
        parts: list[tuple[str, str, int]] = [(" ", "", 0), (counted(rows, "rows"), "bold", 0)]
        if shown is not None and shown != rows:
            parts.append((f" ({shown:,} shown)", "", 0))
        if progress is not None:
            pages = f"{progress.pages:,} page{'s' if progress.pages != 1 else ''}"
            rate = f"{progress.rows_per_second:,.0f} rows/s"
            parts.append((f" · to the end: {pages}, {rate} (escape stops)", "italic", 0))
        elif loading:
            parts.append((" · loading…", "italic", 0))
        elif failed:
            parts.append((" · stopped by an error (r retries)", "bold", 0))
        else:
            parts.append((" · more available" if has_more else " · all loaded", "", 0))
        if error:
            parts.append(("  │  ", "", 0))
            parts.append((ellipsize(visible(error), 60), "bold red", 0))
        elif meta is not None:
            parts.append(("  │  ", "", 3))
            parts.append((f"{meta.status}", "bold green" if meta.status < 400 else "red", 3))
            if page_extras:
                latency = None if extra is None else extra.latency
                gateway = "?" if latency is None else f"{latency:g} ms"
                parts.append((f" · gateway {gateway}", "", 1))
            parts.append((f" · client {meta.elapsed_ms:.0f} ms", "", 2))
        cache = extra.cache_debug if extra is not None else None
        if cache is not None:
            parts.append(("  │  cache ", "", 0))
            if cache.cache_hit:
                parts.append((" HIT ", "bold black on green", 0))
                if cache.hit_type:
                    parts.append((f" {visible(cache.hit_type)}", "", 0))
            else:
                parts.append((" MISS ", "bold black on yellow", 0))
        elif meta is not None and error is None and page_extras:
            parts.append(("  │  no cache_debug", "dim", 0))
        self._parts = parts
        self.refresh()

    def render(self) -> Text:
        # Fitted when drawn, for the width it is drawn at (a resize redraws it).
        return self._fitted()

    def _fitted(self) -> Text:
        width = self.size.width or 10_000
        parts = self._parts
        for level in range(4):
            parts = [part for part in self._parts if part[2] == 0 or part[2] > level]
            if sum(cell_width(text) for text, _, _ in parts) <= width:
                break
        text = Text()
        for content, style, _ in parts:
            text.append(content, style=style)
        return text


FOOTER_ORDER = (
    "refresh", "filter", "switch_mode", "toggle_order", "choose_purpose", "choose_container",
    "request_filters", "live", "zoom", "toggle_sidebar", "copy_id", "last_row", "requests",
    "reload", "copy_json",
)  # fmt: skip
"""The browser footer's keys, most important first (a narrow footer cuts the end); keys of
other actions follow in their own order."""
ALWAYS_SHOWN = ("help", "quit")
"""Actions whose keys the footer keeps at its right end, however narrow the terminal."""
PALETTE_MIN_WIDTH = 100
"""Below this many columns the footer leaves out the command palette's key (ctrl+p works)."""


class KeyFooter(Footer):
    """Textual's footer, with the most important keys first and ``?`` and ``q`` always
    shown at its right end (Textual's own lists keys as the bindings chain them, so a
    narrow terminal lost Help and Quit)."""

    DEFAULT_CSS = """
    KeyFooter .footer-always {
        dock: right;
        width: auto;
        height: 1;
        border-left: vkey $foreground 20%;
    }
    """

    _Entry = tuple[str, str, str, str, bool, str]
    """A key as shown: key, its display, description, action, enabled, tooltip."""

    _shown: tuple[tuple[_Entry, ...], tuple[_Entry, ...]] | None = None
    """The keys the footer shows now (as :meth:`_layout` made them)."""
    _pending = False
    """A check of the bindings is due after the next refresh."""

    def _layout(self) -> tuple[tuple[_Entry, ...], tuple[_Entry, ...]]:
        """The keys that fit, most important first, and the group kept at the right end."""
        active = self.screen.active_bindings
        first: dict[str, KeyFooter._Entry] = {}
        for _, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in first:
                key_display = self.app.get_key_display(binding)
                first[binding.action] = (binding.key, key_display, binding.description,
                                         binding.action, enabled, tooltip)  # fmt: skip
        rank = {action: index for index, action in enumerate(FOOTER_ORDER)}
        actions = sorted(
            (action for action in first if action.rpartition(".")[2] not in ALWAYS_SHOWN),
            key=lambda action: rank.get(action, len(rank)),
        )
        always = [
            first[wanted]
            for name in ALWAYS_SHOWN
            if (wanted := next((a for a in first if a.rpartition(".")[2] == name), None))
        ]
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if self.app.size.width >= PALETTE_MIN_WIDTH and palette is not None:
            _, binding, enabled, tooltip = palette
            always.append((binding.key, self.app.get_key_display(binding), binding.description,
                           binding.action, enabled, tooltip or binding.description))  # fmt: skip
        # Only the keys that fit whole: a key cut mid-word ("h S") says nothing.
        room = self.app.size.width - 1 - sum(self._key_width(entry) for entry in always)
        fitted: list[KeyFooter._Entry] = []
        for action in actions:
            room -= self._key_width(first[action])
            if room < 0:
                break
            fitted.append(first[action])
        return tuple(fitted), tuple(always)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._shown = fitted, always = self._layout()
        for entry in fitted:
            yield self._footer_key(entry)
        # ? and q (and the palette's key, when there is room) in one group docked right.
        with HorizontalGroup(classes="footer-always"):
            for entry in always:
                yield self._footer_key(entry)

    def _footer_key(self, entry: _Entry) -> FooterKey:
        """A key of this footer, made in the footer's style. A FooterKey starts compact and
        takes the footer's style once mounted: each key then restyled itself twice, a third
        of the footer's cost in the first frame."""
        key, key_display, description, action, enabled, tooltip = entry
        widget = FooterKey(key, key_display, description, action, disabled=not enabled,
                           tooltip=tooltip)  # fmt: skip
        widget.set_reactive(FooterKey.compact, self.compact)
        return widget.data_bind(compact=Footer.compact)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Textual's footer rebuilds all its keys each time the screen's bindings may have
        changed (a focus move, a listing's state): several times in the first frames. This
        one checks once after the next refresh, and rebuilds only when the keys differ."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._check_keys)

    async def _check_keys(self) -> None:
        self._pending = False
        if self.is_attached and self._layout() != self._shown:
            await self.recompose()

    def _key_width(self, entry: _Entry) -> int:
        """Cells a FooterKey takes: the key and description, with Textual's padding."""
        _, key_display, description, _, _, _ = entry
        padding = 1 if self.compact else 3
        return cell_width(key_display) + cell_width(description) + padding

    def on_resize(self) -> None:
        if not self._pending:
            self._pending = True
            self.call_after_refresh(self._check_keys)
