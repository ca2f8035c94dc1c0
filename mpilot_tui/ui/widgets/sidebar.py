"""``ProviderSidebar``: the 23 standard providers plus the gateway's custom ones."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...api.providers import STANDARD_PROVIDERS, provider_info
from ...formats.text import cell_width, ellipsize, visible

__all__ = ["ALL_PROVIDERS", "ProviderSidebar"]

ALL_PROVIDERS = "(all providers)"
"""The sidebar's first entry in the Requests view: the request log of every provider."""


class ProviderSidebar(OptionList):
    """Pick a provider: ``F`` lists files, ``C`` container files, ``●`` configured here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="sidebar.down"),
        Binding("k", "cursor_up", "Up", show=False, id="sidebar.up"),
        Binding("g", "first", "First", show=False, id="sidebar.first"),
        Binding("G", "last", "Last", show=False, id="sidebar.last"),
    ]

    class Selected(Message):
        """A provider was chosen (enter or click)."""

        def __init__(self, provider: str) -> None:
            super().__init__()
            self.provider = provider

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.providers: list[str] = list(STANDARD_PROVIDERS)
        self.configured: frozenset[str] | None = None
        """Providers configured on the gateway, when ``/api/providers`` answered."""
        self.border_title = "Providers"
        self.border_subtitle = "F files C cntr"
        """The markers' legend: a dim name without F is a provider the gateway lists no
        files for (choosing it says so)."""

    def on_mount(self) -> None:
        self._rebuild()

    def show_all_entry(self, shown: bool) -> None:
        """Offer "all providers" first (the Requests view) or not (the files views)."""
        if shown == (ALL_PROVIDERS in self.providers):
            return
        current = self.selected_provider
        if shown:
            self.providers.insert(0, ALL_PROVIDERS)
        else:
            self.providers.remove(ALL_PROVIDERS)
        self._rebuild()
        if current is not None and current in self.providers:
            self.select_provider(current, announce=False)

    def set_configured(self, names: list[str] | None) -> None:
        """Mark configured providers and add custom ones (None: the list is not available)."""
        current = self.selected_provider
        if names is not None:
            self.configured = frozenset(names)
            for name in names:
                if name not in self.providers:
                    self.providers.append(name)
        self._rebuild()
        if current is not None:
            self.select_provider(current, announce=False)

    @property
    def selected_provider(self) -> str | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self.providers):
            return None
        return self.providers[index]

    def select_provider(self, name: str, *, announce: bool = True) -> None:
        if name not in self.providers:
            self.providers.append(name)
            self._rebuild()
        self.highlighted = self.providers.index(name)
        if announce:
            self.post_message(self.Selected(name))

    def _rebuild(self) -> None:
        highlighted = self.highlighted
        self.clear_options()
        self.add_options([Option(self._label(name), id=None) for name in self.providers])
        if highlighted is not None and highlighted < len(self.providers):
            self.highlighted = highlighted

    def _label(self, name: str) -> Text:
        if name == ALL_PROVIDERS:
            return Text("all providers", style="bold")
        info = provider_info(name)
        shown = ellipsize(visible(name[:200]), 11)
        label = Text(shown + " " * (11 - cell_width(shown)))  # cells, not characters
        files = "F" if info.files or not info.standard else "·"
        containers = "C" if info.container_files else "·"
        label.append(f" {files}{containers}", style="bold" if info.files else "dim")
        if self.configured is not None:
            if name in self.configured:
                label.append("●", style="green")
            else:
                label.append("○", style="dim")
        if info.standard and not info.files:
            label.stylize("dim", 0, 11)
        return label

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Selected(self.providers[event.option_index]))
