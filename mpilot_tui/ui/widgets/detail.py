"""``DetailPane``: the highlighted item, its page's ``extra_fields`` and ``cache_debug``.

Every value from the gateway is shown as plain text through :func:`visible`; JSON blocks
(``raw_request``, ``raw_response``, ``provider_response_headers``, unknown fields) are
pretty-printed and folded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from rich.console import Group, RenderableType
from rich.highlighter import JSONHighlighter
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from ...api.errors import APIStatusError, MPilotError
from ...api.models import CacheDebug, ExtraFields
from ...api.pagination import ResponseMeta
from ...api.redaction import Redactor
from ...formats.text import ago, ellipsize, finite_number, human_bytes, local_time, utc_iso, visible

__all__ = ["DetailPane", "clip", "json_text", "similarity_bar", "url_text"]

TIME_FIELDS = frozenset({"created_at", "expires_at", "updated_at", "last_active_at"})
KNOWN_EXTRA = frozenset(ExtraFields.model_fields)
FOLDED_EXTRA = ("raw_request", "raw_response", "provider_response_headers")
_HIGHLIGHT = JSONHighlighter()
MAX_VALUE_CHARS = 2000
"""Characters of one value shown; wrapping a megabyte of text would freeze the screen."""
MAX_JSON_CHARS = 50_000
"""Characters of a pretty-printed JSON block shown (``raw_response`` may be huge)."""


def json_text(value: Any) -> Text:
    """Pretty JSON as highlighted plain text, with control characters made visible."""
    try:
        dumped = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        dumped = repr(value)
    lines = [visible(clip(line)) for line in clip(dumped, MAX_JSON_CHARS).splitlines()]
    return _HIGHLIGHT(Text("\n".join(lines)))


def clip(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was (a gateway may send MBs)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters in all; y copies the row)"


URL_BREAK_CHARS = 40
"""A URL longer than this is shown a line per part: the path, then ``?first``, ``&next``…"""


def url_text(url: str, style: str = "") -> Text:
    """``url`` to be read and copied whole: a long one is broken before its path, its ``?``
    and each ``&`` (never inside a parameter), not folded mid-token at the pane's edge."""
    shown = visible(clip(url))
    if len(shown) <= URL_BREAK_CHARS or "?" not in shown:
        return Text(shown, style=style)
    path, _, query = shown.partition("?")
    scheme, found, rest = path.partition("://")
    host, slash, route = rest.partition("/")
    lines = [f"{scheme}{found}{host}", f"{slash}{route}"] if found and slash else [path]
    for number, part in enumerate(query.split("&")):
        lines.append(("?" if number == 0 else "&") + part)
    return Text("\n".join(lines), style=style)


def similarity_bar(similarity: object, threshold: object, width: int = 20) -> Text:
    """``█████████░░│░░`` with the threshold marked (none where a value is no finite number:
    a gateway may send ``NaN`` or ``1e400``)."""
    score = finite_number(similarity)
    threshold = finite_number(threshold)
    if score is None:
        return Text("░" * width, style="dim")
    similarity = score
    ratio = max(0.0, min(1.0, similarity))
    filled = round(ratio * width)
    # Clamped before scaling: a huge finite threshold times the width is infinite.
    mark = None
    if threshold is not None:
        mark = min(width - 1, round(max(0.0, min(1.0, threshold)) * width))
    text = Text()
    for cell in range(width):
        char = "█" if cell < filled else "░"
        if cell == mark:
            char = "┃"
        hit = threshold is None or similarity >= threshold
        text.append(char, style=("green" if hit else "yellow") if cell < filled else "dim")
    return text


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def _when(value: Any) -> Text:
    if not isinstance(value, int | float):
        return Text(visible(clip(str(value))))
    text = Text(local_time(value, "%Y-%m-%d %H:%M:%S"))
    text.append(f"  {utc_iso(value)}  {ago(value)}  ", style="dim")
    text.append(f"({value})", style="dim")
    return text


def _field(name: str, value: Any) -> Text:
    if name in TIME_FIELDS:
        return _when(value)
    if name == "bytes" and isinstance(value, int):
        return Text(f"{human_bytes(value)}  ({value:,} bytes)")
    if isinstance(value, dict | list):
        return json_text(value)
    return Text(visible(clip(str(value))))


def _pairs(values: dict[str, Any]) -> Text:
    """``name value`` lines, the names dim: a small object shown without JSON's punctuation."""
    text = Text()
    for number, (name, value) in enumerate(values.items()):
        if number:
            text.append("\n")
        text.append(f"{visible(clip(str(name), 80))} ", style="dim")
        shown = value if isinstance(value, str) else json.dumps(value, default=str)
        text.append(visible(clip(shown)))
    return text


NOT_LISTED = ("expires_at", "updated_at")
"""File fields a Bifrost 2.x list answer leaves out (a retrieve has them)."""


class DetailPane(VerticalScroll, can_focus=True):
    """The detail of the highlighted row, and the last error in full."""

    DEFAULT_CSS = """
    DetailPane { padding: 0 1; }
    DetailPane > .detail-section { margin-bottom: 1; }
    DetailPane > #detail-error { display: none; border: round $error; padding: 0 1; }
    DetailPane > #detail-error.shown { display: block; }
    DetailPane Collapsible { padding: 0; border: none; }
    """

    def __init__(self, *, redactor: Redactor | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shown_title = ""
        """The title of the item shown (``Row 3``), as its section heads it."""
        self.redactor = redactor or Redactor()
        """Masks the connection's secrets in what is shown (a gateway may echo them in any
        field, JSON-escaped or not), as the request inspector does."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-error")
        yield Static("Highlight a row to see it here.", id="detail-item", classes="detail-section")
        yield Static(id="detail-extra", classes="detail-section")
        yield Static(id="detail-cache", classes="detail-section")
        for name in (*FOLDED_EXTRA, "unknown"):
            title = "unknown extra fields" if name == "unknown" else name
            with Collapsible(title=title, collapsed=True, id=f"fold-{name}"):
                yield Static(id=f"fold-{name}-body")

    def on_mount(self) -> None:
        self.border_title = "Detail"
        self.border_subtitle = "[ ] sections · z zoom"

    # -- errors -------------------------------------------------------------------------------

    def show_error(self, error: MPilotError | None, *, rows_loaded: int = 0) -> None:
        """Show ``error`` above the item (None hides it); ``rows_loaded`` says whether there
        are rows that stay."""
        panel = self.query_one("#detail-error", Static)
        if error is None:
            panel.remove_class("shown")
            return
        grid = _grid()
        grid.add_row("error", Text(error.kind, style="bold red"))
        if isinstance(error, APIStatusError):
            for label, value in error.fields():
                grid.add_row(label, Text(visible(clip(value))))
            if error.raw_response is not None:
                grid.add_row("upstream", json_text(error.raw_response))
            if error.body_excerpt:
                grid.add_row("body", Text(visible(error.body_excerpt[:300])))
        else:
            grid.add_row("message", Text(visible(clip(error.message))))
            if error.url:
                grid.add_row("url", url_text(error.url))
        hint = Text(
            "r retries · the rows already loaded stay" if rows_loaded else "r retries",
            style="italic dim",
        )
        panel.update(Group(grid, hint))
        panel.add_class("shown")

    # -- the item -----------------------------------------------------------------------------

    def show_item(
        self,
        item: dict[str, Any] | None,
        *,
        extra: ExtraFields | None,
        meta: ResponseMeta | None,
        title: str = "Item",
        extra_of: str = "of the page",
        from_list: bool = True,
    ) -> None:
        """Show ``item``, then the ``extra_fields`` of the response it came in (``extra_of``
        says which: the listing's page, or a fetch of the item itself).

        A file from a list answer without ``expires_at``/``updated_at`` says they are not in
        the list answer (Bifrost 2.x drops them there), not that the file never expires.
        """
        item_static = self.query_one("#detail-item", Static)
        if item is not None:
            item = self.redactor.scrub_json(item)
        extra = self._scrubbed(extra)
        if item is None:
            item_static.update(Text("No row highlighted.", style="dim"))
            self.query_one("#detail-extra", Static).update("")
            self.query_one("#detail-cache", Static).update("")
            self._fold("unknown", None)
            for name in FOLDED_EXTRA:
                self._fold(name, None)
            return
        grid = _grid()
        for name, value in item.items():
            if name == "extra_fields":
                continue
            grid.add_row(Text(ellipsize(visible(name[:200]), 32)), _field(name, value))
        if from_list and item.get("object") == "file":
            for name in NOT_LISTED:
                if name not in item:
                    note = "not in the list answer; press f to fetch the item"
                    grid.add_row(name, Text(note, style="italic dim"))
        item_static.update(Group(Text(title, style="bold underline"), grid))
        self.shown_title = title
        self._show_extra(extra, meta, extra_of)

    def show_request(self, body: RenderableType) -> None:
        """Show a request-log entry (rendered by :mod:`.request_detail`): no page extras."""
        self.query_one("#detail-item", Static).update(body)
        self.query_one("#detail-extra", Static).update("")
        self.query_one("#detail-cache", Static).update("")
        for name in (*FOLDED_EXTRA, "unknown"):
            self._fold(name, None)

    def _scrubbed(self, extra: ExtraFields | None) -> ExtraFields | None:
        """``extra`` with the connection's secrets masked in every string of it."""
        if extra is None or not self.redactor:
            return extra
        dumped = extra.model_dump(by_alias=True, exclude_unset=True)
        clean = self.redactor.scrub_json(dumped)
        if clean == dumped:
            return extra
        try:
            return ExtraFields.model_validate(clean)
        except ValidationError:
            return ExtraFields()

    def _show_extra(
        self, extra: ExtraFields | None, meta: ResponseMeta | None, extra_of: str
    ) -> None:
        extra_static = self.query_one("#detail-extra", Static)
        cache_static = self.query_one("#detail-cache", Static)
        if extra is None:
            extra_static.update("")
            cache_static.update("")
            return
        grid = _grid()
        for label, value in self._extra_rows(extra, meta):
            grid.add_row(label, value)
        extra_static.update(Group(Text(f"extra_fields ({extra_of})", style="bold underline"), grid))
        cache_static.update(self._cache(extra.cache_debug))
        # A response with cache_debug shows it first: it is what users look for.
        item_static = self.query_one("#detail-item", Static)
        children = list(self.children)
        first = extra.cache_debug is not None
        if first and children.index(cache_static) > children.index(item_static):
            self.move_child(cache_static, before=item_static)
        elif not first and children.index(cache_static) < children.index(extra_static):
            self.move_child(cache_static, after=extra_static)
        for name in FOLDED_EXTRA:
            self._fold(name, getattr(extra, name))
        unknown = {k: v for k, v in (extra.model_extra or {}).items() if k not in KNOWN_EXTRA}
        self._fold("unknown", unknown or None)

    def _extra_rows(
        self, extra: ExtraFields, meta: ResponseMeta | None
    ) -> Iterable[tuple[str, RenderableType]]:
        if extra.request_type:
            yield "request_type", Text(visible(clip(extra.request_type)))
        if extra.provider:
            yield "provider", Text(visible(clip(extra.provider)))
        latency = Text()
        upstream = meta.upstream_latency_ms if meta is not None else None
        if upstream is not None:
            latency.append("upstream ")
            latency.append(f"{upstream:g} ms", style="bold")
            latency.append("  ")
        latency.append("gateway ")
        latency.append("?" if extra.latency is None else f"{extra.latency:g} ms", style="bold")
        if meta is not None:
            latency.append("  client ")
            latency.append(f"{meta.elapsed_ms:.1f} ms", style="bold")
            if extra.latency is not None:
                latency.append(f"  (+{meta.elapsed_ms - extra.latency:.1f} ms on the way)")
        yield "latency", latency
        if extra.routing_info is not None:
            yield "routing_info", _pairs(extra.routing_info.model_dump(exclude_none=True))
        for name in (
            "model_requested",
            "model_deployment",
            "original_model_requested",
            "resolved_model_used",
            "converted_request_type",
        ):
            value = getattr(extra, name)
            if value:
                yield name, Text(visible(clip(value)))
        if extra.chunk_index is not None:
            yield "chunk_index", Text(str(extra.chunk_index))
        if extra.parse_errors:
            yield "parse_errors", json_text(extra.parse_errors)
        if meta is not None and meta.bifrost_headers:
            yield (
                "x-bifrost-*",
                _pairs(
                    {name.removeprefix("x-bifrost-"): value for name, value in meta.bifrost_headers}
                ),
            )
        if meta is not None:
            response = Text(f"{meta.status} · {human_bytes(meta.size)}\n", style="dim")
            yield "response", response + url_text(meta.url, style="dim")

    def _cache(self, cache: CacheDebug | None) -> RenderableType:
        heading = Text("cache debug", style="bold underline")
        if cache is None:
            return Group(heading, Text("this response carried no cache_debug", style="italic"))
        badge = Text()
        if cache.cache_hit:
            badge.append(" HIT ", style="bold black on green")
        else:
            badge.append(" MISS ", style="bold black on yellow")
        if cache.hit_type:
            badge.append(f"  {visible(clip(cache.hit_type))}")
        grid = _grid()
        if cache.similarity is not None:
            row = similarity_bar(cache.similarity, cache.threshold)
            row.append(f" {cache.similarity:.3f}")
            if cache.threshold is not None:
                sign = "≥" if cache.similarity >= cache.threshold else "<"
                row.append(f" {sign} threshold {cache.threshold:.3f}")
            grid.add_row("similarity", row)
        elif cache.threshold is not None:
            grid.add_row("threshold", Text(f"{cache.threshold:.3f}"))
        requested = "/".join(
            visible(clip(v)) for v in (cache.requested_provider, cache.requested_model) if v
        )
        used = "/".join(visible(clip(v)) for v in (cache.provider_used, cache.model_used) if v)
        if requested or used:
            grid.add_row("requested → used", Text(f"{requested or '?'} → {used or '?'}"))
        if cache.input_tokens is not None:
            grid.add_row("input_tokens", Text(f"{cache.input_tokens:,}"))
        if cache.cache_id:
            grid.add_row("cache_id", Text(visible(clip(cache.cache_id))))
        for name, value in (cache.model_extra or {}).items():
            grid.add_row(Text(ellipsize(visible(name[:200]), 32)), _field(name, value))
        return Group(heading, badge, grid)

    # -- sections -----------------------------------------------------------------------------

    def sections(self) -> list[Widget]:
        """The sections shown, top to bottom: the error, the item, extra_fields, cache
        debug (first when the response has one), the folded JSON blocks."""
        return [
            child for child in self.children
            if child.display and (child.id != "detail-error" or child.has_class("shown"))
            and child.virtual_region.height > 0
        ]  # fmt: skip

    def jump_section(self, step: int) -> str | None:
        """Scroll to the next (``step`` 1) or previous (-1) section; its name, or None when
        there is none that way."""
        sections = self.sections()
        if not sections:
            return None
        top = round(self.scroll_y)
        if step > 0 and top >= round(self.max_scroll_y):
            return None  # at the end already: every later section is in view
        offsets = [round(child.virtual_region.y) for child in sections]
        if step > 0:
            later = [i for i, y in enumerate(offsets) if y > top]
            index = later[0] if later else None
        else:
            earlier = [i for i, y in enumerate(offsets) if y < top]
            index = earlier[-1] if earlier else None
        if index is None:
            return None
        self.scroll_to(y=offsets[index], animate=False)
        return section_name(sections[index])

    def _fold(self, name: str, value: Any) -> None:
        fold = self.query_one(f"#fold-{name}", Collapsible)
        fold.display = value is not None
        if value is not None:
            self.query_one(f"#fold-{name}-body", Static).update(json_text(value))


SECTION_NAMES = {"detail-error": "error", "detail-item": "item", "detail-extra": "extra_fields",
                 "detail-cache": "cache debug"}  # fmt: skip


def section_name(widget: Widget) -> str:
    """What a section of the detail pane is called (a fold: its title)."""
    if isinstance(widget, Collapsible):
        return str(widget.title)
    return SECTION_NAMES.get(widget.id or "", widget.id or "section")
