"""The help screen: every binding, from the live bindings, with its id."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

__all__ = ["HelpScreen"]

INTRO = (
    "mpilot-tui browses the files a gateway holds and its request log (R: the Requests view, "
    "where cache hits are explained). It is read-only: nothing here deletes or changes data "
    "on the gateway. Sidebar markers: F lists files, C container files, ● configured on this "
    "gateway. ? in a dialog lists that dialog's keys (F1 from a text box). z zooms the "
    "detail pane or the table, [ and ] jump between the detail's sections, h hides the "
    "sidebar; r retries only what failed, ctrl+r or F5 reload from the start. Rebind any key "
    "in the config's [keymap] table by its id."
)


DIALOG_INTRO = (
    "The keys of the screen under this one. Escape closes this help; ? in the browser lists "
    "every key."
)


def key_display(app: App[object], binding: Binding) -> str:
    """The keys of ``binding`` as a user types them (``?``, ``/``, ``ctrl+f``), by the app's
    own key display for each key; modifiers are spelled out, as the config's keymap takes
    them."""
    if binding.key_display:
        return binding.key_display
    shown = []
    for key in binding.key.split(","):
        modifiers, name = replace(binding, key=key.strip()).parse_key()
        plain = app.get_key_display(replace(binding, key=name, key_display=None))
        shown.append("+".join([*modifiers, plain]))
    return ", ".join(shown)


class HelpScreen(ModalScreen[None]):
    """Keys, grouped by where they work."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, groups: list[tuple[str, list[Binding]]], *, of_screen: bool = False) -> None:
        super().__init__()
        self.groups = groups
        self.of_screen = of_screen
        """Only the keys of the screen under it (a dialog's), not every key."""

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
        table.add_column("key", no_wrap=True)
        table.add_column("does")
        table.add_column("id", style="dim", no_wrap=True)
        for title, bindings in self.groups:
            table.add_row(Text(title, style="bold underline"), "", "")
            for binding in bindings:
                table.add_row(key_display(self.app, binding), binding.description, binding.id or "")
        with VerticalScroll(id="help-body"):
            intro = DIALOG_INTRO if self.of_screen else INTRO
            yield Static(Text(intro), id="help-intro")
            yield Static(table)
            yield Static(Text("escape closes this screen", style="italic dim"))
        yield Footer()

    def on_mount(self) -> None:
        title = self.groups[0][0].removesuffix(": its keys") if self.of_screen else ""
        self.query_one("#help-body").border_title = f"Help · {title}" if title else "Help"

    def action_close(self) -> None:
        self.dismiss(None)
