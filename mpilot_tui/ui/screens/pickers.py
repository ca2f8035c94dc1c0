"""Small modal pickers: purpose, container, page size."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ...api import GatewayClient, MPilotError
from ...text import ellipsize, local_time, visible

__all__ = ["PURPOSES", "ContainerPicker", "OptionPicker"]

PURPOSES = (
    "batch", "assistants", "fine-tune", "vision", "batch_output", "user_data", "responses",
    "evals", "assistants_output", "fine-tune-results",
)  # fmt: skip
"""Known purposes; the gateway's set is open, so free entry is allowed too."""

ANY = "(any)"


class OptionPicker(ModalScreen[str | None]):
    """Pick one of a few values, or type another; Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel")
    ]

    def __init__(self, title: str, options: list[str], current: str | None, free: bool) -> None:
        super().__init__()
        self.title_text = title
        self.values = options
        self.current = current
        self.free = free

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker"):
            yield Label(self.title_text, classes="picker-title")
            yield OptionList(*[Option(Text(visible(v))) for v in self.values], id="picker-list")
            if self.free:
                yield Input(placeholder="or type a value and press enter", id="picker-input")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.values:
            options.highlighted = self.values.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.values[event.option_index])

    @on(Input.Submitted)
    def typed(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ContainerPicker(ModalScreen[str | None]):
    """Containers from ``GET /v1/containers``, the recently used ones, or a typed id."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel")
    ]

    def __init__(self, client: GatewayClient, provider: str, recent: list[str]) -> None:
        super().__init__()
        self.client = client
        self.provider = provider
        self.recent = recent
        self.ids: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker"):
            yield Label(Text(f"Container ({visible(self.provider)})"), classes="picker-title")
            yield Input(placeholder="container id, e.g. cntr_…", id="picker-input")
            yield OptionList(id="picker-list")
            yield Label("loading containers…", id="picker-note")

    def on_mount(self) -> None:
        for container_id in self.recent:
            self._add(container_id, Text(f"{ellipsize(visible(container_id), 40)}  (recent)"))
        self.query_one(Input).focus()
        self.load_containers()

    def _add(self, container_id: str, label: Text) -> None:
        if container_id in self.ids:
            return
        self.ids.append(container_id)
        options = self.query_one(OptionList)
        options.add_option(Option(label))
        if options.highlighted is None:
            options.highlighted = 0

    @work(exclusive=True, group="containers", exit_on_error=False)
    async def load_containers(self) -> None:
        try:
            page = await self.client.list_containers(self.provider, limit=100)
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
            label = Text(ellipsize(visible(container_id), 40))
            label.append(f"  {ellipsize(visible(name), 30)}  {local_time(created)}", style="dim")
            self._add(container_id, label)
        note = message.note or f"{len(message.rows)} container(s) from the gateway"
        self.query_one("#picker-note", Label).update(Text(visible(note)))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.ids[event.option_index])

    @on(Input.Submitted)
    def typed(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            self.dismiss(value)
