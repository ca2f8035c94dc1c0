"""``MPilotApp``: the Textual app, built by :func:`create_app` for the CLI and the tests."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.console import RenderableType
from textual import events
from textual.actions import SkipAction
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.screen import Screen
from textual.worker import Worker

from .. import collector
from ..api import GatewayClient
from ..api.settings import ConnectionSettings
from ..config.errors import ConfigError
from ..config.session import Session
from .ascii import ascii_driver, needs_ascii
from .config_saves import ConfigChange, ConfigSaved, ConfigSaves
from .screens.browser import BrowserScreen, ContainerUsed
from .screens.browser_tools import BrowserTools
from .screens.help import HelpScreen
from .screens.requests_view import RequestsView
from .widgets.file_table import ColumnChoice, FileTable

if TYPE_CHECKING:
    from ..config.store import ConfigStore

__all__ = [
    "EXIT_CRASH",
    "EXIT_INTERRUPTED",
    "SIGNAL_EXIT_CODES",
    "MPilotApp",
    "binding_groups",
    "create_app",
    "run_app",
]

EXIT_CRASH = 70
"""The app stopped on an error it did not expect (``EX_SOFTWARE``); Textual itself exits 0."""
EXIT_INTERRUPTED = 130
"""Ctrl-C, as in the CLI."""
SIGNAL_EXIT_CODES = {signal.SIGTERM: 143, signal.SIGHUP: 129}
"""The exit code for each signal that ends the app (128 + the signal's number), after the
terminal is restored."""
COLLECTOR_HELD_AT_MOST = 2.0
"""Seconds after mount the garbage collector comes back at the latest (a slow first page)."""
SHUTDOWN_GRACE = 3.0
"""Seconds a signalled app has to restore the terminal and close before it is ended anyway
(after a hang-up the terminal is gone and writing the restore sequences can block)."""


class MPilotApp(App[None]):
    """Browse the files an MPilot/Bifrost gateway holds."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "mpilot-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, so that ? works in dialogs too (modal screens hide the app's other
        # bindings); typed into a text box, it is text. F1 opens help from a text box too.
        Binding("question_mark", "help", "Help", id="app.help", priority=True),
        Binding(
            "f1",
            "help(True)",
            "Help (in a text box too)",
            show=False,
            id="app.help_f1",
            priority=True,
        ),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("P", "profiles", "Profiles", id="app.profiles"),
        Binding(
            "ctrl+c",
            "interrupt",
            "Copy the selection, or quit (exit 130)",
            id="app.interrupt",
            show=False,
            priority=True,
        ),
    ]

    def __init__(
        self,
        session: Session,
        client: GatewayClient | None = None,
        *,
        client_factory: Callable[[ConnectionSettings], GatewayClient] | None = None,
    ) -> None:
        super().__init__()
        self.quitting = False
        """Set when the app was asked to exit; input arriving after that is dropped."""
        self.session = session
        self.client_factory = client_factory
        """Builds clients for other profiles (tests inject transports here)."""
        self.history_size: int | None = None
        """The config's ``inspector_history``, kept for the clients of later profiles."""
        self.client = client or self._new_client(session)
        self._owns_client = client is None
        self.handle_signals = False
        """Turn SIGTERM and SIGHUP into a clean exit (:func:`run_app` sets it; tests that run
        the app inside pytest do not)."""
        self.confirm_quit = True
        """Ask before quitting drops more than a page of rows (the config's ``confirm_quit``)."""
        self.crash: str | None = None
        """What an unexpected error cost, said on stderr once the terminal is back."""
        self._theme_chosen = False
        """The user chose a theme in this session (the config's must not undo it)."""
        self._applying_theme = False
        """The theme being set is the config's, not the user's."""
        self.column_choices: dict[str, ColumnChoice] = {}
        """The config's ``[columns.VIEW]`` by kind, given to every browser's table."""
        self.config_saves = ConfigSaves(self._start_config_change, self.post_message)
        """Changes to the config file, written one at a time off the event loop."""

    def get_driver_class(self) -> type[Driver]:
        """The platform's driver; on a terminal that cannot show Unicode, one that draws in
        ASCII of the same widths (see :mod:`.ascii`)."""
        driver = super().get_driver_class()
        if driver.__name__ == "HeadlessDriver" or not needs_ascii(sys.__stderr__):
            return driver
        return ascii_driver(driver)

    def _new_client(self, session: Session) -> GatewayClient:
        if self.client_factory is not None and session.demo_config is None:
            client = self.client_factory(session.settings)
        else:
            client = session.client()
        if self.history_size is not None:
            client.history.resize(self.history_size)
        return client

    def on_mount(self) -> None:
        self.client.start()
        # The collector, held off by the console script while it starts, comes back when the
        # first answer is drawn (the browser), or after this long whatever happened.
        self.set_timer(COLLECTOR_HELD_AT_MOST, collector.release)
        if self.handle_signals:
            loop = asyncio.get_running_loop()
            for signum, code in SIGNAL_EXIT_CODES.items():
                loop.add_signal_handler(signum, self._end_on_signal, code)
        self.push_screen(BrowserScreen(self.session, self.client))
        # Also printed to stderr before the app starts, where the app's screen hides them.
        for warning in self.session.warnings:
            self.notify(warning, title="Warning", severity="warning", markup=False, timeout=8)
        # The keymap and theme come from the config file, read once the first frame is up.
        self.call_after_refresh(self._load_settings)

    # -- profiles -------------------------------------------------------------------------

    @property
    def config_file(self) -> Path:
        """The config file in use (the default location when the session has none)."""
        if self.session.config_file is not None:
            return self.session.config_file
        from ..config import config_path

        return config_path()

    def _load_settings(self) -> None:
        """Apply the config's ``[keymap]`` and ``theme``; a broken file only warns."""
        if not self.config_file.exists():
            return
        from ..config import ConfigError, ConfigStore

        try:
            config = ConfigStore.load(self.config_file).config
        except ConfigError as exc:
            self.notify(str(exc), title="Config not applied", severity="warning", markup=False)
            return
        # A theme the user picked before the file was read (it is read after the first
        # frame) wins over the file's: the file is about to get it anyway.
        theme = None if self._theme_chosen else config.theme
        self.apply_settings(config.keymap, theme, config.inspector_history)
        if config.confirm_quit is not None:
            self.confirm_quit = config.confirm_quit
        from ..listing import kind_named

        self.column_choices = {
            kind_named(view): ColumnChoice(frozenset(chosen.hidden), dict(chosen.widths))
            for view, chosen in config.columns.items()
        }
        self._apply_columns()

    def _apply_columns(self) -> None:
        """Give the browser's table the remembered column choices."""
        try:
            table = self.browser.table
        except LookupError:
            return
        for kind, choice in self.column_choices.items():
            table.choose_columns(kind, choice)

    def remember_columns(self, kind: str, choice: ColumnChoice) -> None:
        """Keep a table's column choice for this session and in the config file."""
        from ..listing import KINDS

        self.column_choices[kind] = choice
        view = KINDS[kind].name  # type: ignore[index]

        def edit(store: ConfigStore) -> bool:
            store.set_columns(view, sorted(choice.hidden), dict(choice.widths))
            return True

        def done(error: ConfigError | None, wrote: bool) -> None:
            if error is not None:
                self.notify(str(error), title="Columns not saved", severity="warning",
                            markup=False)  # fmt: skip
            else:
                self.notify(f"Columns kept in the config file ([columns.{view}]).",
                            timeout=3, markup=False)  # fmt: skip

        self.config_saves.submit(ConfigChange(self.config_file, edit, done))

    def action_profiles(self) -> None:
        from .screens.profiles import ProfileSwitcher

        def chosen(name: str | None) -> None:
            if name is not None:
                self.switch_profile(name)

        self.push_screen(ProfileSwitcher(self.config_file, self.session.profile_name), chosen)

    def switch_profile(self, name: str) -> None:
        """Reconnect to the saved profile ``name`` and reload the browser."""
        from ..config import ConfigError
        from ..config.session import resolve_session

        try:
            session = resolve_session(config_file=self.config_file, profile=name)
        except ConfigError as exc:
            self.notify(str(exc), title="Profile not usable", severity="error", markup=False)
            return
        # Back to the browser first: the switch replaces it, not a dialog opened over it.
        while not isinstance(self.screen, BrowserScreen) and len(self.screen_stack) > 1:
            self.pop_screen()
        old_client, owned = self.client, self._owns_client
        self.session = session
        self.client = self._new_client(session)
        self.client.start()
        self._owns_client = True
        self.switch_screen(BrowserScreen(session, self.client))
        self.call_after_refresh(self._apply_columns)
        for warning in session.warnings:
            self.notify(warning, title="Warning", severity="warning", markup=False)
        self.notify(f"Connected to profile {name}", markup=False, timeout=3)
        if owned:
            self.run_worker(old_client.aclose(), group="close-client", exit_on_error=False)

    def remember_container(self, container_id: str) -> None:
        """Keep the container in the active profile's recent list."""
        profile = self.session.profile_name
        if profile is None or self.session.demo_config is not None:
            return

        def edit(store: ConfigStore) -> bool:
            if not store.add_recent_container(profile, container_id):
                raise ConfigError(
                    f"a container id of {len(container_id):,} characters is not remembered"
                )
            return True

        def done(error: ConfigError | None, wrote: bool) -> None:
            if error is not None:
                self.notify(str(error), title="Recent container not saved", markup=False)

        self.config_saves.submit(ConfigChange(self.config_file, edit, done))

    def watch_theme(self, theme: str) -> None:
        """Remember the chosen theme in the config file (when one exists)."""
        if not self.is_running:
            return
        if not self._applying_theme:
            self._theme_chosen = True
        if not self.config_file.exists():
            return

        def edit(store: ConfigStore) -> bool:
            if store.config.theme == theme:
                return False
            store.set_theme(theme)
            return True

        def done(error: ConfigError | None, wrote: bool) -> None:
            """A theme that could not be kept is no news worth a toast (as before)."""

        self.config_saves.submit(ConfigChange(self.config_file, edit, done))

    def _start_config_change(self, work: Callable[[], None]) -> Worker[None]:
        return self.run_worker(work, thread=True, group="config-save", exit_on_error=False)

    def on_config_saved(self, message: ConfigSaved) -> None:
        self.config_saves.finished(message)

    async def on_unmount(self) -> None:
        if self.handle_signals:
            loop = asyncio.get_running_loop()
            for signum in SIGNAL_EXIT_CODES:
                loop.remove_signal_handler(signum)
        try:
            await self.config_saves.drain()
        finally:
            if self._owns_client:
                await self.client.aclose()

    def _end_on_signal(self, code: int) -> None:
        self.exit(return_code=code)
        stopper = threading.Timer(SHUTDOWN_GRACE, os._exit, args=(code,))
        stopper.daemon = True
        stopper.start()

    def exit(
        self,
        result: None = None,
        return_code: int = 0,
        message: RenderableType | None = None,
    ) -> None:
        self.quitting = True
        super().exit(result, return_code, message)

    async def on_event(self, event: events.Event) -> None:
        # Keys typed at once after q (``qe``, ``qi``, ``qP`` …) would open a screen on an app
        # that is taking its screens down; its on_mount would find no widgets and crash the
        # exit. Once quitting, input is dropped.
        if self.quitting and isinstance(event, events.InputEvent):
            return
        await super().on_event(event)

    async def action_quit(self) -> None:
        """``q``: in a dialog or a screen over the browser, close it (as its escape does);
        in the browser, quit, asking first when more than one page of rows would be lost."""
        screen = self.screen
        if not isinstance(screen, BrowserScreen) and len(self.screen_stack) > 2:
            escape = self.active_bindings.get("escape")
            if escape is not None and escape.enabled:
                await self.run_action(escape.binding.action, escape.node)
            else:
                screen.dismiss(None)
            return
        self._quit_asking(0)

    def _quit_asking(self, return_code: int) -> None:
        """Quit, asking first when more than one page of rows would be lost."""
        try:
            browser = self.browser
        except LookupError:
            self.exit(return_code=return_code)
            return
        rows = len(browser.store)
        if not self.confirm_quit or rows <= browser.selection.page_size:
            self.exit(return_code=return_code)
            return
        from .screens.confirm import QuitConfirm

        if isinstance(self.screen, QuitConfirm):
            self.exit(return_code=return_code)  # asked already: a second ctrl+c means it
            return

        def answered(quit_app: bool | None) -> None:
            if quit_app:
                self.exit(return_code=return_code)

        self.push_screen(QuitConfirm(rows), answered)

    def action_interrupt(self) -> None:
        """Ctrl-C, as Textual users expect: in a text box with a selection, copy it; else
        quit (asking first, as q does, when more than a page of rows would be lost) with
        the CLI's exit code for an interrupt. A notice says which it did."""
        focused = self.focused
        selected = getattr(focused, "selected_text", "") if focused is not None else ""
        if isinstance(selected, str) and selected:
            from .clipboard import copy_text

            copy_text(self, selected, f"ctrl+c: the selection ({len(selected):,} characters)")
            return
        self._quit_asking(EXIT_INTERRUPTED)

    def _handle_exception(self, error: Exception) -> None:
        # Textual's hook for an unhandled error: it prints the traceback and exits with
        # return code 1, which its run() does not turn into the process's exit code.
        if self.crash is None:
            try:
                rows = len(self.browser.store)
            except LookupError:
                rows = 0
            self.crash = (
                f"the app stopped on an unexpected error ({type(error).__name__}; the "
                f"traceback is above): the {rows:,} loaded rows were lost, nothing on the "
                "gateway was changed"
            )
        super()._handle_exception(error)

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

    def apply_settings(
        self, keymap: Mapping[str, str], theme: str | None, history_size: int | None = None
    ) -> None:
        """Apply the config's ``[keymap]`` (binding id -> key), theme and inspector ring size."""
        from .keys import key_problem, keymap_problems

        # What config check says, said here too; entries with a key that is not a key are
        # left out (a clash is only warned about: the user may mean it).
        for problem in keymap_problems(keymap):
            self.notify(problem, title="Config", severity="warning", markup=False)
        known = {b.id for _, bindings in binding_groups({}) for b in bindings}
        self.user_keymap = {
            k: v
            for k, v in keymap.items()
            if k in known and not any(key_problem(key.strip()) for key in v.split(","))
        }
        self.set_keymap(self.user_keymap)
        if theme:
            from .themes import theme_problem

            wrong = theme_problem(theme, tuple(sorted(self.available_themes)))
            if wrong is None:
                self._applying_theme = True
                try:
                    self.theme = theme
                finally:
                    self._applying_theme = False
            else:
                self.notify(f"{wrong}; keeping {self.theme}.", title="Config",
                            severity="warning", markup=False)  # fmt: skip
        if history_size is not None:
            self.history_size = history_size
            self.client.history.resize(history_size)

    def action_help(self, anywhere: bool = False) -> None:
        """``?``: every key; in a dialog or a screen over the browser, that screen's keys.
        A ``?`` typed in a text box that takes it as text is left to it (a picker's field
        does not: no page size, purpose or id has one); ``anywhere``: F1, which is never text."""
        screen = self.screen
        if isinstance(screen, HelpScreen):
            raise SkipAction()  # its own ? closes it
        focused = self.focused
        if not anywhere and focused is not None and focused.check_consume_key("question_mark", "?"):
            raise SkipAction()
        if isinstance(screen, BrowserScreen) or len(self.screen_stack) <= 2:
            self.push_screen(HelpScreen(self.binding_groups()))
            return
        self.push_screen(HelpScreen(self.screen_binding_groups(screen), of_screen=True))

    def screen_binding_groups(self, screen: Screen[object]) -> list[tuple[str, list[Binding]]]:
        """The keys that work on ``screen`` now (its own and its focused widget's), then the
        app's: what ``?`` shows over a dialog."""
        own: list[Binding] = []
        actions: set[str] = set()
        active = screen.active_bindings.values()
        # The screen's own keys first, then those of its widgets that have an id (a text
        # box's editing keys are left out: they are a text box's).
        for namespace, binding, _, _ in sorted(active, key=lambda a: a.node is not screen):
            if namespace is self or binding.action in actions:
                continue
            if namespace is not screen and not binding.id:
                continue
            actions.add(binding.action)
            own.append(binding)
        title = getattr(screen, "HELP_TITLE", None) or _words(type(screen).__name__)
        anywhere = [b for b in MPilotApp.BINDINGS if isinstance(b, Binding) and b.id]
        return [(f"{title}: its keys", own), ("Anywhere", anywhere)]

    def binding_groups(self) -> list[tuple[str, list[Binding]]]:
        """Every binding with an id, grouped by where it works, as the help screen lists it."""
        return binding_groups(getattr(self, "user_keymap", {}))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        try:
            browser = self.browser
        except LookupError:
            return
        commands = [
            ("Retry what failed", "Retry the page that failed (rows stay)",
             browser.action_refresh),
            ("Reload", "Reload the listing from the first page", browser.action_reload),
            ("Toggle order", "Switch between newest first and oldest first",
             browser.action_toggle_order),
            ("Choose purpose", "Only files with one purpose", browser.action_choose_purpose),
            ("Switch mode", "Files, container files or requests", browser.action_switch_mode),
            ("Requests view", "The gateway's request log and its cache hits",
             browser.action_requests),
            ("Request filters", "Cache, status, provider, model, type, period, search, latency",
             browser.action_request_filters),
            ("Live mode", "Follow new requests as they arrive", browser.action_live),
            ("Choose container", "Pick the container to list", browser.action_choose_container),
            ("Page size", "Items per request", browser.action_page_size),
            ("Filter loaded rows", "Match id, filename or path", browser.action_filter),
            ("Copy id", "Copy the highlighted row's id", browser.action_copy_id),
            ("Copy row as JSON", "Copy the highlighted item", browser.action_copy_json),
            ("Request inspector", "Every request of the session, with its envelope",
             browser.action_inspector),
            ("Cache summary", "Hit rate, similarity against the threshold, latency",
             browser.action_cache_summary),
            ("Find: keep paging", "Load pages until the filter matches", browser.action_find_more),
            ("Sort loaded rows", "By any column, without refetching", browser.action_sort),
            ("Columns", "Show, hide, widen or narrow the table's columns (kept in the config)",
             browser.action_columns),
            ("Fetch full item", "GET the highlighted item with its own extra_fields",
             browser.action_fetch_item),
            ("Preview content", "Show or save the highlighted file's content",
             browser.action_preview),
            ("Export rows", "Shown, loaded or all rows to CSV, JSON or NDJSON",
             browser.action_export),
            ("Switch profile", "Reconnect to a saved profile", self.action_profiles),
            ("Help", "Every key", self.action_help),
        ]  # fmt: skip
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)


def binding_groups(keymap: Mapping[str, str]) -> list[tuple[str, list[Binding]]]:
    """Every binding with an id, grouped by where it works, with ``keymap`` (binding id ->
    key) applied: what the help screen lists and ``config check`` checks a keymap against."""
    groups: list[tuple[str, list[Binding]]] = []
    sources: list[tuple[str, Iterable[BindingType]]] = [
        ("Anywhere", MPilotApp.BINDINGS),
        ("Browser", BrowserScreen.BINDINGS),
        ("Table", FileTable.BINDINGS),
        ("Power tools", BrowserTools.BINDINGS),
        ("Requests", RequestsView.BINDINGS),
        # The secondary screens are imported here, not at start: they cost start-up time.
        ("Request inspector", _screen_bindings("inspector", "InspectorScreen")),
        ("Content preview", _screen_bindings("preview", "PreviewScreen")),
        ("Export", _screen_bindings("export", "ExportScreen")),
        ("Request log stats", _screen_bindings("request_stats", "RequestStatsScreen")),
        ("Request filters", _screen_bindings("request_filters", "RequestFilterDialog")),
    ]
    for title, bindings in sources:
        shown = [
            replace(b, key=keymap[b.id], key_display=None) if b.id in keymap else b
            for b in bindings
            if isinstance(b, Binding) and b.id
        ]
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


def _words(name: str) -> str:
    """``ContainerPicker`` -> ``Container picker``: a class name as a title."""
    spaced = "".join(f" {c.lower()}" if c.isupper() and i else c for i, c in enumerate(name))
    return spaced.removesuffix(" screen").strip().capitalize()


def _screen_bindings(module: str, name: str) -> list[BindingType]:
    """The bindings of a screen class in ``ui/screens/<module>.py``, imported on demand."""
    from importlib import import_module

    screen = getattr(import_module(f"{__package__}.screens.{module}"), name)
    return list(screen.BINDINGS)


def create_app(
    session: Session,
    client: GatewayClient | None = None,
    *,
    client_factory: Callable[[ConnectionSettings], GatewayClient] | None = None,
) -> MPilotApp:
    """The app for a session; tests pass their own client (e.g. on the demo gateway)."""
    return MPilotApp(session, client, client_factory=client_factory)


def run_app(session: Session, app: MPilotApp | None = None, **run_options: object) -> int:
    """Run the app in this terminal; the process's exit code: 0 after ``q``, 130 after
    Ctrl-C, 143/129 after SIGTERM/SIGHUP, :data:`EXIT_CRASH` after an unexpected error."""
    app = app or create_app(session)
    app.handle_signals = True
    app.run(**run_options)  # type: ignore[arg-type]
    # The terminal is restored; all that is left is the interpreter's exit, whose last
    # garbage collection walks every object of Textual, Rich, pydantic and httpx: it took
    # 1.3 to 3 s on a loaded machine (0.2 s with this). Files are closed and std streams are
    # flushed by the exit itself, so skipping that last collection loses nothing.
    gc.freeze()
    if app.crash is not None:
        print(f"mpilot-tui: error: {app.crash}", file=sys.stderr)
        return EXIT_CRASH
    if app.return_code == EXIT_INTERRUPTED:
        print("mpilot-tui: interrupted", file=sys.stderr)
    return app.return_code or 0
