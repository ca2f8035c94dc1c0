"""The Requests view's filter dialog: every filter of the request log in one form.

It returns a new :class:`~mpilot_tui.reqlog.LogFilters` (or None when cancelled); a value the
filters refuse keeps the dialog open with the reason under the form.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select

from ...formats.text import visible
from ...reqlog import CACHE_CHOICES, PERIODS, STATUSES, LogFilters, parse_time

__all__ = ["RequestFilterDialog", "filters_from_form"]

CACHE_LABELS = {
    "any": "went through the cache (hit or miss)",
    "hits": "hits (direct or semantic)",
    "direct": "direct hits",
    "semantic": "semantic hits",
    "misses": "misses (filters the loaded rows)",
}
TEXT_FIELDS = ("provider", "model", "object", "since", "until", "search", "min_latency",
               "max_latency")  # fmt: skip
LABELS = {
    "provider": "provider(s)",
    "model": "model(s)",
    "object": "request type(s)",
    "since": "since",
    "until": "until",
    "search": "content search",
    "min_latency": "min latency (ms)",
    "max_latency": "max latency (ms)",
}
PLACEHOLDERS = {
    "provider": "openai, azure (comma separated)",
    "model": "gpt-4o-mini, …",
    "object": "chat.completion, embedding, responses, …",
    "since": "ISO time, e.g. 2026-10-15T10:00:00Z (a period wins)",
    "until": "ISO time",
    "search": "text in the request's content",
}


def _number(name: str, text: str) -> float | None:
    value = text.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        shown = visible(value)[:30]
        raise ValueError(f"{LABELS[name]}: {shown!r} is not a number") from None


def filters_from_form(
    current: LogFilters, choices: dict[str, str | None], texts: dict[str, str]
) -> LogFilters:
    """The filters the form describes (sorting kept from ``current``); ValueError says what
    is wrong with a value."""

    def text(name: str) -> str | None:
        value = texts.get(name, "").strip()
        return value or None

    def time(name: str) -> str | None:
        value = text(name)
        if value is None:
            return None
        try:
            return parse_time(value)
        except ValueError as exc:
            raise ValueError(f"{LABELS[name]}: {exc}") from None

    return LogFilters(
        cache=choices.get("cache"),  # type: ignore[arg-type]
        status=choices.get("status"),
        provider=text("provider"),
        model=text("model"),
        object=text("object"),
        period=choices.get("period"),
        since=time("since"),
        until=time("until"),
        search=text("search"),
        min_latency=_number("min_latency", texts.get("min_latency", "")),
        max_latency=_number("max_latency", texts.get("max_latency", "")),
        sort_by=current.sort_by,
        order=current.order,
    )


class RequestFilterDialog(ModalScreen[LogFilters | None]):
    """Edit the request log's filters; enter or Apply applies, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="filters.apply"),
    ]
    DEFAULT_CSS = """
    RequestFilterDialog { align: center middle; }
    RequestFilterDialog .picker { width: 80; max-height: 90%; }
    RequestFilterDialog VerticalScroll { height: auto; max-height: 24; }
    RequestFilterDialog .filter-row { height: 1; margin-bottom: 1; }
    RequestFilterDialog Label.field { width: 26; color: $text-muted; }
    RequestFilterDialog .filter-row Input, RequestFilterDialog .filter-row Select { width: 1fr; }
    RequestFilterDialog #filters-error { color: $text-error; display: none; }
    RequestFilterDialog #filters-error.shown { display: block; }
    RequestFilterDialog #filters-buttons { height: auto; margin-top: 1; }
    """

    def __init__(self, current: LogFilters) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        c = self.current
        with Vertical(classes="picker"):
            yield Label("Filter the request log", classes="picker-title")
            with VerticalScroll():
                with Horizontal(classes="filter-row"):
                    yield Label("cache", classes="field")
                    yield Select([(CACHE_LABELS[v], v) for v in CACHE_CHOICES], compact=True,
                                 value=c.cache or Select.NULL, prompt="any request",
                                 id="f-cache")  # fmt: skip
                with Horizontal(classes="filter-row"):
                    yield Label("status", classes="field")
                    yield Select([(s, s) for s in STATUSES], prompt="any status", compact=True,
                                 value=c.status if c.status in STATUSES else Select.NULL,
                                 id="f-status")  # fmt: skip
                with Horizontal(classes="filter-row"):
                    yield Label("period", classes="field")
                    yield Select([(f"last {p}", p) for p in PERIODS], prompt="no period",
                                 value=c.period or Select.NULL, compact=True,
                                 id="f-period")  # fmt: skip
                for name in TEXT_FIELDS:
                    value = getattr(c, name)
                    shown = "" if value is None else str(value)
                    if isinstance(value, float):
                        shown = f"{value:g}"
                    with Horizontal(classes="filter-row"):
                        yield Label(LABELS[name], classes="field")
                        yield Input(value=shown, id=f"f-{name}", compact=True,
                                    placeholder=PLACEHOLDERS.get(name, ""))  # fmt: skip
            yield Label(id="filters-error")
            with Horizontal(id="filters-buttons"):
                yield Button("Apply", variant="primary", id="filters-apply")
                yield Button("Clear all", id="filters-clear")
                yield Button("Cancel", id="filters-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#f-cache", Select).focus()

    def _choice(self, name: str) -> str | None:
        value = self.query_one(f"#f-{name}", Select).value
        return value if isinstance(value, str) else None

    def action_apply(self) -> None:
        choices = {name: self._choice(name) for name in ("cache", "status", "period")}
        texts = {name: self.query_one(f"#f-{name}", Input).value for name in TEXT_FIELDS}
        try:
            filters = filters_from_form(self.current, choices, texts)
        except ValueError as exc:
            error = self.query_one("#filters-error", Label)
            error.update(Text(visible(str(exc))))
            error.add_class("shown")
            return
        self.dismiss(filters)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#filters-apply")
    def apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#filters-clear")
    def clear_pressed(self) -> None:
        self.dismiss(LogFilters(sort_by=self.current.sort_by, order=self.current.order))

    @on(Button.Pressed, "#filters-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
