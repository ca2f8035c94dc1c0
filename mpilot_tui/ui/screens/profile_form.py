"""The add/edit form for one saved profile, with a connection test.

Every setting of a profile has a labelled field, grouped as the gateway uses them: the
virtual key (one source of three) for the inference routes, the admin login for the
management API, and the browsing preferences. The test's result has its own box under the
buttons, so it never covers them and never drifts away from them at any terminal size.

Secrets typed here go into :class:`~mpilot_tui.ui.widgets.secret_input.SecretInput` fields
(kept out of Textual's log) and leave them only wrapped in :class:`pydantic.SecretStr`.
"""

from __future__ import annotations

import asyncio
import os
import shlex
from pathlib import Path
from typing import Any, ClassVar, cast

from pydantic import SecretStr, ValidationError
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static

from ...api import GatewayClient, MPilotError
from ...api.credentials import CredentialKind, clean_credential
from ...api.errors import CredentialError
from ...api.redaction import mask_url_password, restore_url_password
from ...api.settings import ConnectionSettings
from ...config import ConfigError, ConfigStore, ProfileConfig
from ...config.models import DEFAULT_MODES, ORDERS
from ...config.secrets import resolve_password, resolve_token
from ...formats.text import visible
from ..config_saves import ConfigChange, ConfigHost
from ..widgets.secret_input import SecretInput

__all__ = ["AUTH_CHOICES", "ProfileForm"]

AUTH_CHOICES = [
    ("Authorization: Bearer", "bearer"),
    ("x-bf-vk header", "x-bf-vk"),
    ("basic (1.4: admin login on every route)", "basic"),
    ("none (send no credentials)", "none"),
]
"""Where the virtual key goes, as the form offers it."""

TEST_TIMEOUT = 10.0
"""The longest a connection test waits for one answer."""


def _row(label: str, field: Widget) -> Horizontal:
    """One labelled field."""
    return Horizontal(Label(label, classes="pf-label"), field, classes="pf-row")


def _command_text(command: str | list[str] | None) -> str:
    if command is None:
        return ""
    return command if isinstance(command, str) else shlex.join(command)


class ProfileForm(ModalScreen[str | None]):
    """Add or edit one profile, validated by the same model as the config file."""

    DEFAULT_CSS = """
    ProfileForm { align: center middle; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel", id="profile_form.cancel"),
        Binding("ctrl+s", "save", "Save", id="profile_form.save"),
        Binding("ctrl+t", "test", "Test connection", id="profile_form.test"),
    ]

    class Tested(Message):
        """The connection test is done: each line and whether it went well."""

        def __init__(self, lines: list[tuple[str, bool]]) -> None:
            super().__init__()
            self.lines = lines

    def __init__(self, config_file: Path, name: str | None) -> None:
        super().__init__()
        self.config_file = config_file
        self.name_to_edit = name
        self.current: ProfileConfig | None = None
        """The profile as saved, when editing."""
        self._saving = False
        """A save is being written: another ctrl+s or escape waits for it."""
        self._saved: str | None = None
        """The profile saved while another screen was over the form (closed on resume)."""

    def compose(self) -> ComposeResult:
        if self.name_to_edit:
            self.current = ConfigStore.load(self.config_file).get_profile(self.name_to_edit)
        current = self.current

        def text(key: str, default: str = "") -> str:
            value = getattr(current, key, None) if current else None
            if value is None:
                return default
            if key.endswith("_command"):
                return _command_text(value)
            if key in ("base_url", "proxy"):
                # A password in user info is shown masked; saving puts it back (_values).
                return mask_url_password(str(value))
            return str(value)

        def stored_hint(key: str) -> str:
            held = current is not None and getattr(current, key) is not None
            return "stored ••••; type to replace" if held else "hidden; saved in the file"

        verify = "" if current is None or current.verify is True else str(current.verify).lower()
        with Vertical(classes="picker", id="profile-form"):
            title = f"Edit profile {self.name_to_edit}" if current else "Add a profile"
            yield Label(title, classes="picker-title")
            with VerticalScroll(id="pf-fields"):
                yield _row(
                    "Name",
                    Input(
                        self.name_to_edit or "",
                        placeholder="e.g. prod",
                        id="pf-name",
                        disabled=current is not None,
                        compact=True,
                    ),
                )
                yield _row(
                    "Base URL",
                    Input(
                        text("base_url"),
                        id="pf-url",
                        compact=True,
                        placeholder="the gateway's root, e.g. http://localhost:8080",
                    ),
                )
                yield _row(
                    "Virtual key goes in",
                    Select(
                        AUTH_CHOICES,
                        value=text("auth", "bearer"),
                        allow_blank=False,
                        id="pf-auth",
                        compact=True,
                    ),
                )
                yield Label(
                    "Virtual key, for /openai/… and /v1/… (one source)", classes="pf-section"
                )
                yield _row(
                    "  from env var",
                    Input(
                        text("token_env"),
                        id="pf-env",
                        placeholder="e.g. MPILOT_PROD_TOKEN",
                        compact=True,
                    ),
                )
                yield _row(
                    "  from a command",
                    Input(
                        text("token_command"),
                        compact=True,
                        placeholder="e.g. pass show gateway/prod",
                        id="pf-token-command",
                    ),
                )
                yield _row(
                    "  stored in the file",
                    SecretInput(placeholder=stored_hint("token"), id="pf-token", compact=True),
                )
                yield Label("Admin login, for /api/… (optional)", classes="pf-section")
                yield _row(
                    "  user name",
                    Input(text("username"), id="pf-user", compact=True, placeholder="e.g. admin"),
                )
                yield _row(
                    "  password env var",
                    Input(
                        text("password_env"),
                        compact=True,
                        placeholder="e.g. MPILOT_ADMIN_PASSWORD",
                        id="pf-password-env",
                    ),
                )
                yield _row(
                    "  password command",
                    Input(text("password_command"), compact=True, id="pf-password-command"),
                )
                yield _row(
                    "  stored password",
                    SecretInput(
                        placeholder=stored_hint("password"), id="pf-password", compact=True
                    ),
                )
                yield Label("Browsing", classes="pf-section")
                yield _row(
                    "Default provider",
                    Input(text("default_provider", "openai"), id="pf-provider", compact=True),
                )
                yield _row(
                    "Default view",
                    Select(
                        [(m, m) for m in DEFAULT_MODES],
                        compact=True,
                        value=text("default_mode", "files"),
                        allow_blank=False,
                        id="pf-mode",
                    ),
                )
                yield _row(
                    "Page size",
                    Input(
                        text("page_size", "100"),
                        id="pf-page",
                        placeholder="1 to 10000",
                        compact=True,
                    ),
                )
                yield _row(
                    "Order",
                    Select(
                        [(o, o) for o in ORDERS],
                        value=text("order", "desc"),
                        allow_blank=False,
                        id="pf-order",
                        compact=True,
                    ),
                )
                yield _row(
                    "Timeout (seconds)",
                    Input(text("timeout", "30.0"), id="pf-timeout", compact=True),
                )
                yield _row(
                    "Verify TLS",
                    Input(
                        verify,
                        id="pf-verify",
                        compact=True,
                        placeholder="true (default), false, or a CA bundle path",
                    ),
                )
                yield _row(
                    "Proxy",
                    Input(
                        text("proxy"),
                        id="pf-proxy",
                        compact=True,
                        placeholder="e.g. http://proxy:3128 (optional)",
                    ),
                )
            with Horizontal(id="pf-buttons"):
                yield Button("Test connection", id="pf-test")
                yield Button("Save", variant="primary", id="pf-save")
            with VerticalScroll(id="pf-result-box"):
                yield Static(
                    Text("ctrl+t tests the connection, ctrl+s saves", style="dim"), id="pf-result"
                )
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

    # -- reading the fields ---------------------------------------------------------------

    def _text(self, widget_id: str) -> str:
        return self.query_one(widget_id, Input).value.strip()

    def _secret_source(self, kind: str, env_id: str, command_id: str, stored_id: str) -> Any:
        """The ``*_env``/``*_command``/stored keys for one secret (empty keeps a stored one).

        Raises ValueError naming the fields when more than one source is given.
        """
        stored_field = self.query_one(stored_id, Input)
        given = [
            key
            for key, filled in (
                (f"{kind}_env", self._text(env_id)),
                (f"{kind}_command", self._text(command_id)),
                (kind, stored_field.value.strip()),
            )
            if filled
        ]
        if len(given) > 1:
            raise ValueError(f"give one {kind} source, not both {given[0]} and {given[1]}")
        sources: dict[str, Any] = {f"{kind}_env": None, f"{kind}_command": None, kind: None}
        if not given:
            if self.current is not None and getattr(self.current, kind) is not None:
                del sources[kind]  # the stored one stays
            return sources
        if given[0] == kind:
            what: CredentialKind = "virtual key" if kind == "token" else "password"
            try:
                sources[kind] = clean_credential(
                    stored_field.value, what=f"the stored {kind}", kind=what
                ).secret
            except CredentialError as exc:
                raise ValueError(str(exc)) from None
        else:
            sources[given[0]] = self._text(env_id if given[0].endswith("_env") else command_id)
        return sources

    def _values(self) -> dict[str, Any]:
        """The profile's settings from the fields; ``None`` removes a key. Raises
        ValueError for a field that cannot be read."""
        page = self._text("#pf-page") or "100"
        if not page.isdigit():
            raise ValueError("page size: a whole number from 1 to 10000")
        timeout_text = self._text("#pf-timeout") or "30"
        try:
            timeout = float(timeout_text)
        except ValueError:
            raise ValueError("timeout: a number of seconds greater than 0") from None
        verify_text = self._text("#pf-verify")
        verify: bool | str | None = {"": None, "true": True, "false": False}.get(
            verify_text.lower(), verify_text
        )
        values: dict[str, Any] = {
            "base_url": restore_url_password(
                self._text("#pf-url"), self.current.base_url if self.current else ""
            ),
            "auth": self.query_one("#pf-auth", Select).value,
            "username": self._text("#pf-user") or None,
            "default_provider": self._text("#pf-provider") or "openai",
            "default_mode": self.query_one("#pf-mode", Select).value,
            "page_size": int(page),
            "order": self.query_one("#pf-order", Select).value,
            "timeout": timeout,
            "verify": verify,
            "proxy": restore_url_password(
                self._text("#pf-proxy"), (self.current.proxy or "") if self.current else ""
            )
            or None,
        }
        values.update(self._secret_source("token", "#pf-env", "#pf-token-command", "#pf-token"))
        values.update(
            self._secret_source(
                "password", "#pf-password-env", "#pf-password-command", "#pf-password"
            )
        )
        return values

    def _validate(self) -> tuple[dict[str, Any], ProfileConfig] | None:
        """The values to save and the profile they make, or ``None`` (the problem shown)."""
        try:
            values = self._values()
        except ValueError as exc:
            self._result([(f"not valid: {exc}", False)])
            return None
        kept = self.current.model_dump(exclude_unset=True) if self.current else {}
        merged = {k: v for k, v in {**kept, **values}.items() if v is not None}
        try:
            profile = ProfileConfig.model_validate(merged)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'profile'}: {e['msg']}"
                for e in exc.errors(include_input=False, include_url=False)
            )
            self._result([(f"not valid: {problems}", False)])
            return None
        return values, profile

    def _result(self, lines: list[tuple[str, bool]]) -> None:
        text = Text()
        for number, (line, ok) in enumerate(lines):
            if number:
                text.append("\n")
            text.append(("✔ " if ok else "✘ ") + visible(line), style="green" if ok else "red")
        self.query_one("#pf-result", Static).update(text)

    # -- actions --------------------------------------------------------------------------

    @on(Button.Pressed, "#pf-save")
    def action_save(self) -> None:
        if self._saving:
            return  # the save under way says how it went
        checked = self._validate()
        name = self.query_one("#pf-name", Input).value.strip()
        if checked is None:
            return
        if not name:
            self._result([("a profile needs a name", False)])
            return
        profile = checked[0]

        def edit(store: ConfigStore) -> bool:
            store.set_profile(name, profile)
            return True

        def done(error: ConfigError | None, wrote: bool) -> None:
            self._saving = False
            if error is not None:
                if self.is_attached:
                    self._result([(str(error), False)])
                else:  # the form was closed while the file was being written
                    self.app.notify(str(error), title="Profile not saved", severity="error",
                                    markup=False)  # fmt: skip
                return
            self.app.notify(f"Saved profile {visible(name)}", markup=False, timeout=3)
            if not self.is_attached:
                return
            if self.app.screen is self:
                self.dismiss(name)
            else:  # help is open over the form: close it once the form is on top again
                self._saved = name

        self._saving = True
        self._result([("saving…", True)])
        cast(ConfigHost, self.app).config_saves.submit(ConfigChange(self.config_file, edit, done))

    @on(Button.Pressed, "#pf-test")
    def action_test(self) -> None:
        checked = self._validate()
        if checked is None:
            return
        self._result([("testing…", True)])
        self.run_test(checked[1])

    @work(exclusive=True, group="profile-test", exit_on_error=False)
    async def run_test(self, profile: ProfileConfig) -> None:
        try:
            # A token or password command may take seconds: not on the event loop.
            settings = await asyncio.to_thread(_test_settings, profile)
        except (ConfigError, MPilotError) as exc:
            self.post_message(self.Tested([(str(exc), False)]))
            return
        factory = getattr(self.app, "client_factory", None)
        try:
            client: GatewayClient = factory(settings) if factory else GatewayClient(settings)
        except MPilotError as exc:
            self.post_message(self.Tested([(str(exc), False)]))
            return
        async with client:
            lines = await _test_lines(client, profile.default_provider)
        self.post_message(self.Tested(lines))

    def on_profile_form_tested(self, message: Tested) -> None:
        self._result(message.lines)

    def on_screen_resume(self) -> None:
        if self._saved is not None:
            self.dismiss(self._saved)

    def action_cancel(self) -> None:
        if self._saving:
            # Closing now would show the profiles before the file has the change.
            self.app.notify("The profile is being saved; a moment.", markup=False, timeout=3)
            return
        self.dismiss(None)


def _clean(value: SecretStr | None, what: str, kind: CredentialKind) -> SecretStr | None:
    return clean_credential(value, what=what, kind=kind).secret


def _test_settings(profile: ProfileConfig) -> ConnectionSettings:
    """Settings from the profile's own sources (not ``MPILOT_TOKEN``), secrets checked."""
    token = password = None
    if profile.auth != "none":
        token = _clean(resolve_token(profile, os.environ), "the virtual key", "virtual key")
        if profile.username is not None:
            password = _clean(
                resolve_password(profile, os.environ), "the admin password", "password"
            )
    return ConnectionSettings(
        base_url=profile.base_url.rstrip("/"),
        auth=profile.auth,
        token=token,
        username=profile.username,
        password=password,
        timeout=min(profile.timeout, TEST_TIMEOUT),
        verify=profile.verify,
        proxy=profile.proxy,
        retries=0,
    )


async def _test_lines(client: GatewayClient, provider: str) -> list[tuple[str, bool]]:
    """Ask the three things that show a profile works: health, a file list, and (with an
    admin login) the management API."""
    lines: list[tuple[str, bool]] = []
    try:
        health = await client.health()
        lines.append((f"/health answered: {health.get('status', health)}", True))
    except MPilotError as exc:
        lines.append((f"/health: {exc}", False))
    sent = "virtual key sent" if client.settings.has_virtual_key else "no virtual key sent"
    try:
        page = await client.list_files(provider, limit=1)
        lines.append(
            (
                f"GET /openai/v1/files ({provider}) answered {page.meta.status} in "
                f"{page.meta.elapsed_ms:.0f} ms ({sent})",
                True,
            )
        )
    except MPilotError as exc:
        lines.append((f"list files ({sent}): {exc}", False))
    if client.settings.has_admin_credentials:
        try:
            result = await client.list_providers()
        except MPilotError as exc:
            lines.append((f"admin login: {exc}", False))
        else:
            if result.permitted:
                count = len(result.providers)
                lines.append((f"admin login accepted: /api/providers lists {count}", True))
            else:
                lines.append((f"admin login: {result.message}", False))
    return lines
