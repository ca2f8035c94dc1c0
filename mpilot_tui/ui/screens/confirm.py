"""``QuitConfirm``: asked once before quitting drops more than a page of loaded rows."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label

__all__ = ["QuitConfirm"]


class QuitConfirm(ModalScreen[bool]):
    """Quit and lose the loaded rows? ``q``, ``y`` or enter quit; ``n`` or escape stay."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,y,enter", "answer(True)", "Quit", id="confirm.quit"),
        Binding("n,escape", "answer(False)", "Stay", id="confirm.stay"),
    ]

    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker"):
            yield Label("Quit mpilot-tui?", classes="picker-title")
            yield Label(
                f"The {self.rows:,} loaded rows will be dropped.\n"
                "q, y or enter: quit · n or escape: stay\n"
                "(confirm_quit = false in the config file turns this question off)"
            )
        yield Footer()

    def action_answer(self, quit_app: bool) -> None:
        self.dismiss(quit_app)
