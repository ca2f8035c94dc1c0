"""``MPilotApp``: the Textual app, built by :func:`create_app` for the CLI and the tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from ..api import GatewayClient
from ..session import Session
from .screens.browser import BrowserScreen, ContainerUsed
from .screens.help import HelpScreen
from .widgets.file_table import FileTable

__all__ = ["MPilotApp", "create_app", "run_app"]


class MPilotApp(App[None]):
    """Browse the files an MPilot/Bifrost gateway holds."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "mpilot-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, session: Session, client: GatewayClient | None = None) -> None:
        super().__init__()
        self.session = session
        self.client = client or session.client()
        self._owns_client = client is None

    def on_mount(self) -> None:
        self.push_screen(BrowserScreen(self.session, self.client))

    async def on_unmount(self) -> None:
        if self._owns_client:
            await self.client.aclose()

    @property
    def browser(self) -> BrowserScreen:
        for screen in self.screen_stack:
            if isinstance(screen, BrowserScreen):
                return screen
        raise LookupError("no browser screen")

    def on_container_used(self, message: ContainerUsed) -> None:
        """Remember recently used containers in the profile, when there is one."""
        remember = getattr(self, "remember_container", None)
        if callable(remember):
            remember(message.container_id)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.binding_groups()))

    def binding_groups(self) -> list[tuple[str, list[Binding]]]:
        """Every binding with an id, grouped by where it works, as the help screen lists it."""
        groups: list[tuple[str, list[Binding]]] = []
        sources: list[tuple[str, Iterable[BindingType]]] = [
            ("Anywhere", self.BINDINGS),
            ("Browser", BrowserScreen.BINDINGS),
            ("Table", FileTable.BINDINGS),
        ]
        for title, bindings in sources:
            shown = [b for b in bindings if isinstance(b, Binding) and b.id]
            groups.append((title, shown))
        groups.append(
            (
                "Built in",
                [
                    Binding("tab", "focus_next", "Next pane", id="app.focus_next"),
                    Binding("shift+tab", "focus_previous", "Previous pane", id="app.focus_prev"),
                    Binding("ctrl+p", "command_palette", "Command palette", id="app.palette"),
                ],
            )
        )
        return groups

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        try:
            browser = self.browser
        except LookupError:
            return
        commands = [
            ("Refresh / retry", "Reload the listing, or retry the page that failed",
             browser.action_refresh),
            ("Toggle order", "Switch between newest first and oldest first",
             browser.action_toggle_order),
            ("Choose purpose", "Only files with one purpose", browser.action_choose_purpose),
            ("Switch mode", "Files or container files", browser.action_switch_mode),
            ("Choose container", "Pick the container to list", browser.action_choose_container),
            ("Page size", "Items per request", browser.action_page_size),
            ("Filter loaded rows", "Match id, filename or path", browser.action_filter),
            ("Copy id", "Copy the highlighted row's id", browser.action_copy_id),
            ("Copy row as JSON", "Copy the highlighted item", browser.action_copy_json),
            ("Help", "Every key", self.action_help),
        ]  # fmt: skip
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)


def create_app(session: Session, client: GatewayClient | None = None) -> MPilotApp:
    """The app for a session; tests pass their own client (e.g. on the demo gateway)."""
    return MPilotApp(session, client)


def run_app(session: Session) -> None:
    create_app(session).run()
