"""Saved profiles in the browser: a switcher, and an add/edit form with a connection test."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import SecretStr, ValidationError
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from ...api import GatewayClient, MPilotError
from ...api.settings import ConnectionSettings
from ...config import ConfigError, ConfigStore, ProfileConfig, describe_token_source
from ...text import visible

__all__ = ["ProfileForm", "ProfileSwitcher"]


class ProfileSwitcher(ModalScreen[str | None]):
    """Pick a saved profile to reconnect to; ``a`` adds one, ``e`` edits the highlighted."""

    DEFAULT_CSS = """
    ProfileSwitcher { align: center middle; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="profiles.cancel"),
        # Priority: acted on as the key arrives, so the keys typed behind it go to the form.
        Binding("a", "add", "Add profile", id="profiles.add", priority=True),
        Binding("e", "edit", "Edit profile", id="profiles.edit", priority=True),
    ]

    def __init__(self, config_file: Path, active: str | None) -> None:
        super().__init__()
        self.config_file = config_file
        self.active = active
        self.names: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker"):
            yield Label("Profiles  (enter switches · a adds · e edits)", classes="picker-title")
            yield OptionList(id="profile-list")
            yield Label(Text(visible(str(self.config_file)), style="dim"), id="profile-path")
        yield Footer()  # this dialog's keys, not the browser's underneath

    def on_mount(self) -> None:
        self.reload()
        self.set_focus(self.query_one(OptionList))

    def reload(self, highlight: str | None = None) -> None:
        """List the profiles again, highlighting ``highlight`` if given (e.g. one just saved).

        Otherwise the active profile, else the default, else the first is highlighted, so
        that enter always has a profile to switch to.
        """
        options = self.query_one(OptionList)
        options.clear_options()
        try:
            store = ConfigStore.load(self.config_file)
        except ConfigError as exc:
            self.names = []
            options.add_option(Option(Text(visible(str(exc)), style="red"), disabled=True))
            return
        self.names = store.profile_names()
        for name in self.names:
            profile = store.get_profile(name)
            label = Text("● " if name == self.active else "  ", style="green")
            label.append(visible(name), style="bold")
            label.append(f"  {visible(profile.base_url)}  {profile.auth} ")
            label.append(visible(describe_token_source(profile)), style="dim")
            if name == store.default_profile:
                label.append("  (default)", style="italic")
            options.add_option(Option(label))
        if not self.names:
            options.add_option(Option(Text("No profiles yet: press a to add one."), disabled=True))
            return
        for candidate in (highlight, self.active, store.default_profile, self.names[0]):
            if candidate in self.names:
                options.highlighted = self.names.index(candidate)
                break

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option_index < len(self.names):
            self.dismiss(self.names[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_add(self) -> None:
        self._open_form(ProfileForm(self.config_file, None), None)

    def action_edit(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None and index < len(self.names):
            name = self.names[index]
            self._open_form(ProfileForm(self.config_file, name), name)

    def _open_form(self, form: ProfileForm, editing: str | None) -> None:
        def closed(saved: str | None) -> None:
            # The profile just saved (or the one edited) is the one enter then switches to.
            self.reload(highlight=saved or editing)

        self.app.push_screen(form, closed)


AUTH_CHOICES = [("bearer (Authorization)", "bearer"), ("x-bf-vk header", "x-bf-vk"),
                ("basic admin + x-bf-vk", "basic"), ("none", "none")]  # fmt: skip


class ProfileForm(ModalScreen[str | None]):
    """Add or edit one profile, validated by the same model as the config file."""

    DEFAULT_CSS = """
    ProfileForm { align: center middle; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="profile_form.cancel"),
        Binding("ctrl+s", "save", "Save", id="profile_form.save"),
        Binding("ctrl+t", "test", "Test connection", id="profile_form.test"),
    ]

    class Tested(Message):
        def __init__(self, lines: list[tuple[str, bool]]) -> None:
            super().__init__()
            self.lines = lines

    def __init__(self, config_file: Path, name: str | None) -> None:
        super().__init__()
        self.config_file = config_file
        self.name_to_edit = name

    def compose(self) -> ComposeResult:
        profile: ProfileConfig | None = None
        if self.name_to_edit:
            profile = ConfigStore.load(self.config_file).get_profile(self.name_to_edit)
        with VerticalScroll(classes="picker", id="profile-form"):
            title = f"Edit profile {self.name_to_edit}" if profile else "Add a profile"
            yield Label(title, classes="picker-title")
            yield Input(self.name_to_edit or "", placeholder="name", id="pf-name",
                        disabled=profile is not None)  # fmt: skip
            yield Input(profile.base_url if profile else "", placeholder="base URL", id="pf-url")
            yield Select(AUTH_CHOICES, value=profile.auth if profile else "bearer",
                         allow_blank=False, id="pf-auth")  # fmt: skip
            yield Input(
                profile.token_env or "" if profile else "",
                placeholder="token from env var (e.g. MPILOT_PROD_TOKEN)",
                id="pf-env",
            )
            yield Input(placeholder="or a token to store in the file (hidden)", password=True,
                        id="pf-token")  # fmt: skip
            yield Input(profile.default_provider if profile else "openai",
                        placeholder="default provider", id="pf-provider")  # fmt: skip
            yield Input(str(profile.page_size) if profile else "100", placeholder="page size",
                        id="pf-page", type="integer")  # fmt: skip
            with Horizontal(id="pf-buttons"):
                yield Button("Test connection", id="pf-test")
                yield Button("Save", variant="primary", id="pf-save")
            yield Static(id="pf-result")
        yield Footer()

    def on_mount(self) -> None:
        # The name field (on edit: the first field that can change) takes the keys at once;
        # set_focus is synchronous, so a key already queued finds it focused.
        editable = [field for field in self.query(Input) if not field.disabled]
        if editable:
            self.set_focus(editable[0])

    def on_key(self, event: events.Key) -> None:
        """Type into the focused field the characters that arrived while the form opened.

        A key typed before the form was mounted went to the screen itself (nothing had focus
        yet) and is handled here, after on_mount. A focused Input consumes every printable
        key itself, so a printable key that reaches the screen now was typed ahead.
        """
        field = self.focused
        if isinstance(field, Input) and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            field.insert_text_at_cursor(event.character)

    def _values(self) -> dict[str, Any]:
        def text(widget_id: str) -> str:
            return self.query_one(widget_id, Input).value.strip()

        values: dict[str, Any] = {
            "base_url": text("#pf-url"),
            "auth": self.query_one("#pf-auth", Select).value,
            "default_provider": text("#pf-provider") or "openai",
            "page_size": int(text("#pf-page") or "100"),
        }
        if text("#pf-env"):
            values["token_env"] = text("#pf-env")
            values["token"] = None
        elif text("#pf-token"):
            values["token"] = text("#pf-token")
            values["token_env"] = None
        return values

    def _validate(self) -> dict[str, Any] | None:
        values = self._values()
        check = {k: SecretStr(v) if k == "token" and v else v for k, v in values.items()}
        try:
            ProfileConfig.model_validate({k: v for k, v in check.items() if v is not None})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'profile'}: {e['msg']}"
                for e in exc.errors(include_input=False, include_url=False)
            )
            self._result([(f"not valid: {problems}", False)])
            return None
        return values

    def _result(self, lines: list[tuple[str, bool]]) -> None:
        text = Text()
        for line, ok in lines:
            text.append(
                ("✔ " if ok else "✘ ") + visible(line) + "\n", style="green" if ok else "red"
            )
        self.query_one("#pf-result", Static).update(text)

    @on(Button.Pressed, "#pf-save")
    def action_save(self) -> None:
        values = self._validate()
        name = self.query_one("#pf-name", Input).value.strip()
        if values is None:
            return
        if not name:
            self._result([("a profile needs a name", False)])
            return
        try:
            store = ConfigStore.load(self.config_file)
            store.set_profile(name, values)
            store.save()
        except ConfigError as exc:
            self._result([(str(exc), False)])
            return
        self.app.notify(f"Saved profile {visible(name)}", markup=False, timeout=3)
        self.dismiss(name)

    @on(Button.Pressed, "#pf-test")
    def action_test(self) -> None:
        values = self._validate()
        if values is None:
            return
        token = self.query_one("#pf-token", Input).value.strip()
        env_name = values.get("token_env")
        if env_name:
            import os

            token = os.environ.get(str(env_name), "")
        settings = ConnectionSettings(
            base_url=values["base_url"],
            auth=values["auth"],
            token=SecretStr(token) if token else None,
            timeout=10.0,
            retries=0,
        )
        self._result([("testing…", True)])
        self.run_test(settings, values["default_provider"])

    @work(exclusive=True, group="profile-test", exit_on_error=False)
    async def run_test(self, settings: ConnectionSettings, provider: str) -> None:
        lines: list[tuple[str, bool]] = []
        factory = getattr(self.app, "client_factory", None)
        try:
            client: GatewayClient = factory(settings) if factory else GatewayClient(settings)
        except MPilotError as exc:
            self.post_message(self.Tested([(str(exc), False)]))
            return
        async with client:
            try:
                health = await client.health()
                lines.append((f"/health answered: {health.get('status', health)}", True))
            except MPilotError as exc:
                lines.append((f"/health: {exc}", False))
            try:
                page = await client.list_files(provider, limit=1)
                lines.append(
                    (
                        f"GET /openai/v1/files ({provider}) answered {page.meta.status} in "
                        f"{page.meta.elapsed_ms:.0f} ms",
                        True,
                    )
                )
            except MPilotError as exc:
                lines.append((f"list files: {exc}", False))
        self.post_message(self.Tested(lines))

    def on_profile_form_tested(self, message: Tested) -> None:
        self._result(message.lines)

    def action_cancel(self) -> None:
        self.dismiss(None)
