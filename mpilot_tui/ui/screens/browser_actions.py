"""The browser's own actions: order, mode, purpose, page size, container, copy.

:class:`BrowserActions` is a base of :class:`~mpilot_tui.ui.screens.browser.BrowserScreen`;
the state they read and change is the listing's (see :class:`.listing_screen.ListingScreen`).
The bindings stay with the screen.
"""

from __future__ import annotations

from textual.message import Message

from ...api import GatewayClient
from ...api.providers import provider_info
from ...config.session import Session
from ...formats.text import visible
from ...listing import KINDS, Kind, Query
from ..clipboard import copy_text
from .listing_screen import ListingScreen
from .pickers import NEXT_VIEW, PURPOSES, ContainerPicker, OptionPicker, page_size_problem

__all__ = ["PAGE_SIZES", "BrowserActions", "ContainerUsed"]

PAGE_SIZES = ("20", "50", "100", "500", "1000")
"""The page sizes the page-size picker offers (any other may be typed)."""


class ContainerUsed(Message):
    """A container was picked; the app may remember it in the profile."""

    def __init__(self, container_id: str) -> None:
        super().__init__()
        self.container_id = container_id


BROWSER_KINDS = tuple(kind for kind, spec in KINDS.items() if spec.in_browser)
"""The kinds ``m`` cycles through, in the table of kinds' order."""


class BrowserActions(ListingScreen):
    """Choosing what is listed, and copying what is highlighted."""

    def __init__(self, session: Session, client: GatewayClient, query: Query) -> None:
        super().__init__(session, client, query)
        self.recent_containers: list[str] = list(session.recent_containers)
        """Containers picked lately, newest first."""

    def action_toggle_order(self) -> None:
        self.select(order="asc" if self.selection.order == "desc" else "desc")

    def action_switch_mode(self) -> None:
        kinds = BROWSER_KINDS
        current = self.selection.kind
        kind = kinds[(kinds.index(current) + 1) % len(kinds)] if current in kinds else kinds[0]
        self.show_kind(kind)

    def show_kind(self, kind: Kind) -> None:
        """List ``kind`` (asking for a container when it needs one and none is chosen)."""
        self.select(kind=kind)
        if not self.selection.is_complete:
            self.action_choose_container()

    def action_choose_purpose(self) -> None:
        if self.selection.kind != "files":
            self.notify("Purpose applies to files; press m for the files listing.", timeout=3)
            return

        def chosen(value: str | None) -> None:
            if value is not None:
                self.select(purpose=None if value == "(any)" else value)

        current = self.selection.purpose or "(any)"
        picker = OptionPicker("Purpose", ["(any)", *PURPOSES], current, free=True)
        self.app.push_screen(picker, chosen)

    def action_page_size(self) -> None:
        def chosen(value: str | None) -> None:
            if value is not None and value.isdigit() and int(value) > 0:
                self.select(page_size=int(value))

        picker = OptionPicker(
            "Page size", list(PAGE_SIZES), str(self.selection.page_size), True,
            validate=page_size_problem,
        )  # fmt: skip
        self.app.push_screen(picker, chosen)

    def action_choose_container(self) -> None:
        provider = self.selection.provider
        if not provider_info(provider).container_files:
            self.notify(
                f"{visible(provider)} may not support container files; the gateway will say.",
                timeout=3,
                markup=False,
            )

        def chosen(value: str | None) -> None:
            # Not at import: the config's models cost the browser's cold start ~20 ms.
            from ...config.models import MAX_CONTAINER_ID_CHARS, MAX_RECENT_CONTAINERS

            if value is None:
                return
            if value == NEXT_VIEW:
                self.action_switch_mode()
                return
            if len(value) <= MAX_CONTAINER_ID_CHARS:
                if value in self.recent_containers:
                    self.recent_containers.remove(value)
                self.recent_containers.insert(0, value)
                del self.recent_containers[MAX_RECENT_CONTAINERS:]
            self.app.post_message(ContainerUsed(value))
            self.select(kind="container_files", container=value)

        self.app.push_screen(ContainerPicker(self.client, provider, self.recent_containers), chosen)

    def action_copy_id(self) -> None:
        row = self.table.current_row
        if row is None:
            return
        # What is copied is what the screen shows: a token a gateway echoed is masked.
        value = self.client.redactor.scrub(self.store.ids[row])
        copy_text(self.app, value, f"id {value}")

    def action_copy_json(self) -> None:
        row = self.table.current_row
        if row is None:
            return
        from ...formats.writers import json_text  # the writers' tables: off the cold start

        redactor = self.client.redactor
        item = json_text(redactor.scrub_json(self.store.item(row)))
        copy_text(self.app, item, f"row {redactor.scrub(self.store.ids[row])} as JSON")

    def action_focus_detail(self) -> None:
        self.detail.focus()
