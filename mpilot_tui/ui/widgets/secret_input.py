"""A hidden input for a secret that Textual's log never records in clear.

With ``TEXTUAL_LOG`` set (or the devtools attached), Textual logs every message a widget
handles as its ``repr``: an ``Input.Changed`` shows the whole value after each keystroke,
each ``Key`` its character, a ``Paste`` its text. :class:`SecretInput` posts messages whose
``repr`` hides the value, and masks the keys and pastes it receives before they are logged,
so the log shows that a secret was typed, never what it was. Handlers written for ``Input``
messages still run: the messages are subclasses with the same handler names.
"""

from __future__ import annotations

from typing import Any

import rich.repr
from textual import events
from textual.message import Message
from textual.widgets import Input

__all__ = ["SecretInput"]


class _HiddenKey(events.Key):
    """A key typed into a secret field: logged without its character."""

    __slots__ = ()

    def __rich_repr__(self) -> rich.repr.Result:
        yield "key", "<hidden>"


class _HiddenPaste(events.Paste):
    """Text pasted into a secret field: logged without the text."""

    def __rich_repr__(self) -> rich.repr.Result:
        yield "text", "<hidden>"


# Dispatched and matched exactly as the events they stand for.
_HiddenKey.handler_name = events.Key.handler_name
_HiddenPaste.handler_name = events.Paste.handler_name
_HIDDEN: dict[type[Message], type[Message]] = {events.Key: _HiddenKey, events.Paste: _HiddenPaste}


def _hidden_repr(message: Any) -> str:
    return f"{type(message).__qualname__}(input={message.input!r}, value=<hidden>)"


class SecretInput(Input):
    """An :class:`~textual.widgets.Input` with ``password=True`` whose value stays out of
    Textual's log."""

    class Changed(Input.Changed, namespace="input"):
        def __repr__(self) -> str:
            return _hidden_repr(self)

    class Submitted(Input.Submitted, namespace="input"):
        def __repr__(self) -> str:
            return _hidden_repr(self)

    class Blurred(Input.Blurred, namespace="input"):
        def __repr__(self) -> str:
            return _hidden_repr(self)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["password"] = True
        super().__init__(*args, **kwargs)

    async def _on_message(self, message: Message) -> None:
        hidden = _HIDDEN.get(type(message))
        if hidden is not None:
            # Same layout, same handlers: only the repr that the log prints differs.
            message.__class__ = hidden
        await super()._on_message(message)
