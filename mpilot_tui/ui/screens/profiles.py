"""Saved profiles in the browser: a switcher; the add/edit form is in :mod:`.profile_form`."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from ...api.redaction import mask_url_password
from ...config import ConfigError, ConfigStore, describe_token_source
from ...formats.text import visible
from .profile_form import ProfileForm

__all__ = ["ProfileForm", "ProfileSwitcher"]


class ProfileSwitcher(ModalScreen[str | None]):
    """Pick a saved profile to reconnect to; ``a`` adds one, ``e`` edits the highlighted."""

    DEFAULT_CSS = """
    ProfileSwitcher { align: center middle; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel", id="profiles.cancel"),
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
            label.append(f"  {visible(mask_url_password(profile.base_url))}  {profile.auth} ")
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
