"""Small modal pickers: purpose, container, page size."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from ...api import GatewayClient, MPilotError
from ...formats.text import cell_width, ellipsize, local_time, visible
from ...listing import CONTAINER_PAGE_LIMIT

__all__ = [
    "NEXT_VIEW",
    "PAGE_SIZE_RANGE",
    "PURPOSES",
    "ContainerPicker",
    "OptionPicker",
    "page_size_problem",
]

NEXT_VIEW = "<next view>"
"""What the container picker answers for ``m`` with nothing typed: go on to the next view
(no container id holds a space or angle brackets)."""

PURPOSES = (
    "batch", "assistants", "fine-tune", "vision", "batch_output", "user_data", "responses",
    "evals", "assistants_output", "fine-tune-results",
)  # fmt: skip
"""Known purposes; the gateway's set is open, so free entry is allowed too."""

ANY = "(any)"

PAGE_SIZE_RANGE = (1, 10000)
"""The page sizes the config accepts (``page_size``), and so the page-size prompt."""


def page_size_problem(value: str) -> str | None:
    """Why ``value`` is not a page size, or None when it is one."""
    low, high = PAGE_SIZE_RANGE
    text = value.strip()
    if text.isascii() and text.isdigit() and low <= int(text) <= high:
        return None
    shown = ellipsize(visible(text), 20)
    return f'"{shown}" is not a page size: give a whole number from {low} to {high}'


class _ValueInput(Input):
    """A picker's field: ``?`` is never part of a page size, a purpose or a container id,
    so it is left to the bindings (the help for this dialog) instead of typed. Textual
    leaves a key to the bindings when the focused widget says it will not consume it."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if key == "question_mark":
            return False
        return super().check_consume_key(key, character)


class _IdInput(_ValueInput):
    """The container id field: an ``m`` typed into it while it is empty is the picker's
    "next view", not text."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if key == "m" and not self.value:
            return False
        return super().check_consume_key(key, character)


class OptionPicker(ModalScreen[str | None]):
    """Pick one of a few values, or type another; Escape cancels.

    With free entry, typing goes to the field from the first key (as in the container
    picker): enter takes what was typed, or the highlighted value when nothing was; down
    moves to the list. A typed value that ``validate`` finds wrong (it returns why) keeps the
    picker open with the reason shown under the field.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "to_list", "To the list", show=False),
    ]
    DEFAULT_CSS = """
    OptionPicker #picker-error { width: 1fr; height: auto; color: $text-error; display: none; }
    OptionPicker #picker-error.shown { display: block; }
    """

    def __init__(
        self,
        title: str,
        options: list[str],
        current: str | None,
        free: bool,
        validate: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.values = options
        self.current = current
        self.free = free
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker"):
            yield Label(self.title_text, classes="picker-title")
            if self.free:
                yield _ValueInput(
                    placeholder="type a value and press enter, or ↓ to the list",
                    id="picker-input",
                )
                yield Label(id="picker-error")
            yield OptionList(*[Option(Text(visible(v))) for v in self.values], id="picker-list")
        yield Footer()  # this dialog's keys, not the browser's underneath

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.values:
            options.highlighted = self.values.index(self.current)
        if self.free:
            self.query_one(Input).focus()
        else:
            options.focus()

    def action_to_list(self) -> None:
        """Down from the field goes to the list (the list's own down moves in it)."""
        if self.free and isinstance(self.focused, Input):
            self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.values[event.option_index])

    @on(Input.Submitted)
    def typed(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            highlighted = self.query_one(OptionList).highlighted
            if highlighted is not None:
                self.dismiss(self.values[highlighted])
            return
        problem = self.validate(value) if self.validate is not None else None
        if problem is None:
            self.dismiss(value)
            return
        error = self.query_one("#picker-error", Label)
        error.update(Text(visible(problem)))
        error.add_class("shown")

    @on(Input.Changed)
    def retyped(self) -> None:
        if self.free:
            self.query_one("#picker-error", Label).remove_class("shown")

    def action_cancel(self) -> None:
        self.dismiss(None)


def container_label(
    container_id: str, name: str, created: int | None, width: int, recent: bool = False
) -> Text:
    """One container on one line of ``width`` cells: the id whole when it fits, then the name
    and the date, each shortened (the date to its day, the name with an ellipsis) to fit."""
    ident, name = visible(container_id), visible(name)
    dates = ["(recent)"] if recent else [local_time(created), local_time(created, "%Y-%m-%d")]
    need = cell_width(ident) + (2 + min(cell_width(name), 8) if name else 0)
    for when in dates:
        room = width - (cell_width(when) + 2 if when else 0)
        if room >= need:
            break
    if room < 12:  # too narrow for a date: the id matters most
        when, room = "", width
    id_width = min(cell_width(ident), room - (2 + min(cell_width(name), 8) if name else 0))
    label = Text(ellipsize(ident, max(8, id_width)))
    name_width = room - label.cell_len - 2
    if name and name_width >= 3:
        label.append(f"  {ellipsize(name, name_width)}", style="dim")
    if when:
        label.append(f"  {when}", style="dim")
    return label


class ContainerPicker(ModalScreen[str | None]):
    """Containers from ``GET /v1/containers``, the recently used ones, or a typed id."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "to_list", "To the list", show=False),
        # `m` cycles the views, and this picker opens on the way from Files to Requests: with
        # nothing typed, m goes on (the id field lets it pass; typed text keeps its m).
        Binding("m", "next_view", "Next view", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    ContainerPicker #picker-note { width: 1fr; height: auto; }
    """

    def __init__(self, client: GatewayClient, provider: str, recent: list[str]) -> None:
        super().__init__()
        self.client = client
        self.provider = provider
        self.recent = recent
        self.ids: list[str] = []
        self.entries: list[tuple[str, str, int | None, bool]] = []
        """What each option shows (id, name, created, recent), to lay it out again."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker"):
            yield Label(Text(f"Container ({visible(self.provider)})"), classes="picker-title")
            yield _IdInput(placeholder="container id (cntr_…), or ↓ to the list", id="picker-input")
            yield OptionList(id="picker-list")
            yield Label("loading containers…", id="picker-note")
        yield Footer()

    def on_mount(self) -> None:
        for container_id in self.recent:
            self._add(container_id, "", None, recent=True)
        self.query_one(Input).focus()
        self.load_containers()

    @property
    def label_width(self) -> int:
        """Cells an option has on one line: the list's width, less room for its scrollbar
        (kept always, so that a long list does not wrap its lines when the bar appears)."""
        options = self.query_one(OptionList)
        width = options.content_region.width - options.styles.scrollbar_size_vertical
        return max(20, width) if options.content_region.width else 60

    def _add(self, container_id: str, name: str, created: int | None, recent: bool) -> None:
        if container_id in self.ids:
            return
        self.ids.append(container_id)
        self.entries.append((container_id, name, created, recent))
        options = self.query_one(OptionList)
        options.add_option(Option(container_label(container_id, name, created,
                                                  self.label_width, recent)))  # fmt: skip
        if options.highlighted is None:
            options.highlighted = 0

    def on_resize(self) -> None:
        self.call_after_refresh(self._relabel)

    def _relabel(self) -> None:
        options = self.query_one(OptionList)
        width = self.label_width
        for index, (container_id, name, created, recent) in enumerate(self.entries):
            label = container_label(container_id, name, created, width, recent)
            options.replace_option_prompt_at_index(index, label)

    def action_to_list(self) -> None:
        """Down from the id field goes to the list (the list's own down moves in it)."""
        options = self.query_one(OptionList)
        if options.option_count:
            options.focus()

    @work(exclusive=True, group="containers", exit_on_error=False)
    async def load_containers(self) -> None:
        try:
            page = await self.client.list_containers(self.provider, limit=CONTAINER_PAGE_LIMIT)
        except MPilotError as exc:
            self.post_message(self.Loaded([], f"containers not listed: {exc}"))
            return
        rows = [(c.id, c.name, c.created_at) for c in page.items]
        self.post_message(self.Loaded(rows, None))

    class Loaded(Message):
        """The container list arrived (or could not be had: ``note`` says why)."""

        def __init__(self, rows: list[tuple[str, str, int | None]], note: str | None) -> None:
            super().__init__()
            self.rows = rows
            self.note = note

    def on_container_picker_loaded(self, message: Loaded) -> None:
        for container_id, name, created in message.rows:
            self._add(container_id, name, created, recent=False)
        note = message.note or f"{len(message.rows)} container(s) from the gateway"
        style = "red" if message.note else ""
        self.query_one("#picker-note", Label).update(Text(visible(note), style=style))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_next_view(self) -> None:
        self.dismiss(NEXT_VIEW)

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.ids[event.option_index])

    @on(Input.Submitted)
    def typed(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            self.dismiss(value)
