"""What a key is, and what is wrong with a ``[keymap]``: for ``mpilot-tui config check``.

What a key string means and which bindings there are is the UI's (Textual's) knowledge; the
rules of the check itself are in :mod:`mpilot_tui.config.keymap`, which stays free of Textual.
The CLI imports this lazily, and only for a file that has a ``[keymap]``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import cache

from textual.keys import KEY_ALIASES, KEY_TO_UNICODE_NAME, REPLACED_KEYS, Keys, _character_to_key

from ..config.keymap import KnownBinding, keymap_warnings

__all__ = ["key_problem", "keymap_places", "keymap_problems", "normalize_key"]


_MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
"""The modifiers Textual writes in a key's name (``ctrl+shift+up``)."""
_SHARED_GROUPS = ("Anywhere", "Built in")
"""Help-screen groups whose bindings work on every screen."""
_BROWSER_GROUPS = ("Browser", "Table", "Power tools", "Requests")
"""Help-screen groups whose bindings all work on the browser screen at once."""


@cache
def _named_keys() -> frozenset[str]:
    """Key names (``f5``, ``pageup``, ``enter``) Textual's ``Keys`` has, without modifiers."""
    names = {key.value.rpartition("+")[2] for key in Keys}
    names.update(alias.rpartition("+")[2] for aliases in KEY_ALIASES.values() for alias in aliases)
    return frozenset(name for name in names if len(name) > 1 and not name.startswith("<"))


@cache
def _alias_of() -> dict[str, str]:
    """Keys Textual treats as another (``ctrl+i`` is ``tab``) -> that key."""
    return {alias: key for key, aliases in KEY_ALIASES.items() for alias in aliases}


def _names_a_character(name: str) -> bool:
    """Whether ``name`` is how Textual names a character's key (``slash``, ``question_mark``)."""
    original = REPLACED_KEYS.get(name, name)
    for unicode_name in (KEY_TO_UNICODE_NAME.get(original), original.replace("_", " ").upper()):
        if not unicode_name:
            continue
        try:
            character = unicodedata.lookup(unicode_name)
        except KeyError:
            continue
        if _character_to_key(character) == name:
            return True
    return False


def key_problem(key: str) -> str | None:
    """What is wrong with one key of a ``[keymap]`` value, or ``None`` if Textual can match it.

    A key is one printable character, or a key name (``f5``, ``enter``, ``pageup``,
    ``question_mark``) after any of the modifiers ``ctrl+``, ``shift+``, ``alt+``, ``meta+``,
    ``super+``, ``hyper+``.
    """
    if not key:
        return "an empty key (a stray comma?)"
    if len(key) == 1:
        return None if key.isprintable() else f"{key!r} is not a printable character"
    *modifiers, name = key.split("+")
    for modifier in modifiers:
        if modifier not in _MODIFIERS:
            allowed = ", ".join(_MODIFIERS)
            return f"{key!r}: {modifier!r} is not a modifier (they are {allowed})"
    if len(set(modifiers)) < len(modifiers):
        return f"{key!r} repeats a modifier"
    if len(name) == 1:
        if not name.isprintable():
            return f"{key!r} ends in a character that is not printable"
        if _character_to_key(name) != name:
            spelled = "+".join([*modifiers, _character_to_key(name)])
            return f"{key!r} never matches; write it as {spelled!r}"
        return None
    if name in _named_keys() or _names_a_character(name):
        return None
    return (
        f"{key!r} is not a key Textual knows (keys are one character, or names such as"
        " f5, enter, escape, tab, space, up, pageup, slash, with ctrl+, shift+ or alt+)"
    )


def normalize_key(key: str) -> str:
    """The one spelling of a key, for finding two bindings that want the same key."""
    key = key.strip()
    if len(key) == 1:
        return _character_to_key(key)
    *modifiers, name = key.split("+")
    if len(name) == 1:
        name = _character_to_key(name)
    full = "+".join([*sorted(modifiers), name])
    return _alias_of().get(full, full)


def keymap_places() -> dict[str, list[KnownBinding]]:
    """Every rebindable binding, by the place (screen) where it works, as the help lists them."""
    from .app import binding_groups

    groups = {
        title: [KnownBinding(b.id, b.key, b.description) for b in bindings if b.id]
        for title, bindings in binding_groups({})
    }
    shared = [binding for title in _SHARED_GROUPS for binding in groups.get(title, [])]
    places = {"browser": [b for title in _BROWSER_GROUPS for b in groups.get(title, [])] + shared}
    for title, bindings in groups.items():
        if title not in _SHARED_GROUPS and title not in _BROWSER_GROUPS:
            places[title.lower()] = bindings + shared
    return places


def keymap_problems(keymap: Mapping[str, str]) -> list[str]:
    """Warnings about a ``[keymap]``: unknown binding ids, keys that are not keys, clashes."""
    return keymap_warnings(
        keymap, keymap_places(), key_problem=key_problem, normalize_key=normalize_key
    )
