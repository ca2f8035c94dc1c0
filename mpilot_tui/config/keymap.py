"""Warnings about the ``[keymap]`` table: unknown binding ids, keys that are not keys, clashes.

The bindings (their ids, default keys and where they work together) and the rules for what
a key string is belong to the UI: the caller passes them in, so this package stays free of
Textual. ``mpilot-tui config check`` gets them from :mod:`mpilot_tui.ui` when the file has a
``[keymap]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["KnownBinding", "keymap_warnings"]


@dataclass(frozen=True)
class KnownBinding:
    """A binding a keymap entry may rebind."""

    id: str
    """The id a ``[keymap]`` entry names, e.g. ``browser.order``."""
    keys: str
    """Its default keys, comma-separated as in Textual's ``BINDINGS`` (``"down,j"``)."""
    description: str
    """What it does, as the help screen says (``Order``)."""


def _split(keys: str) -> list[str]:
    return [key.strip() for key in keys.split(",")]


def _named(binding: KnownBinding) -> str:
    return f"{binding.id} ({binding.description})" if binding.description else binding.id


def keymap_warnings(
    keymap: Mapping[str, str],
    places: Mapping[str, Sequence[KnownBinding]],
    *,
    key_problem: Callable[[str], str | None],
    normalize_key: Callable[[str], str],
) -> list[str]:
    """One sentence per problem with ``keymap`` (binding id -> key string).

    ``places`` lists, by a name for each place (a screen), every binding that works there:
    two bindings clash when they share a place and a key. ``key_problem`` says what is wrong
    with one key (``None`` when it is a key); ``normalize_key`` gives the one spelling of a key
    that Textual matches (``"?"`` and ``"question_mark"`` are one key).
    """
    known = {binding.id: binding for bindings in places.values() for binding in bindings}
    warnings: list[str] = []
    unknown = sorted(set(keymap) - set(known))
    if unknown:
        warnings.append(
            f"[keymap] names no such binding: {', '.join(unknown)};"
            " the help screen (?) lists the binding ids"
        )

    # Binding id -> its keys once the keymap is applied (normalized), and how the keymap
    # spells each key it gives, for the messages.
    effective: dict[str, list[str]] = {}
    spelled: dict[tuple[str, str], str] = {}
    for binding_id, binding in known.items():
        if binding_id not in keymap:
            effective[binding_id] = [normalize_key(key) for key in _split(binding.keys)]
            continue
        given = keymap[binding_id]
        keys: list[str] = []
        for key in _split(given):
            problem = key_problem(key)
            if problem is not None:
                warnings.append(f"[keymap] {binding_id} = {given!r}: {problem}")
                continue
            keys.append(normalize_key(key))
            spelled[binding_id, keys[-1]] = key
        effective[binding_id] = keys

    reported: set[tuple[str, tuple[str, ...]]] = set()
    for place, bindings in places.items():
        users: dict[str, list[str]] = {}
        for binding_id in dict.fromkeys(binding.id for binding in bindings):
            for key in dict.fromkeys(effective[binding_id]):
                users.setdefault(key, []).append(binding_id)
        for key, ids in users.items():
            rebound = [binding_id for binding_id in ids if binding_id in keymap]
            clash = (key, tuple(sorted(ids)))
            if len(ids) < 2 or not rebound or clash in reported:
                continue
            reported.add(clash)
            shown = spelled.get((rebound[0], key), key)
            others = [known[binding_id] for binding_id in ids if binding_id not in keymap]
            given_to = " and ".join(_named(known[binding_id]) for binding_id in rebound)
            if others:
                holders = " and ".join(_named(binding) for binding in others)
                warnings.append(
                    f"[keymap] {shown!r} is given to {given_to}, but {holders} already uses it"
                    f" in the same place ({place}); choose another key"
                )
            else:
                warnings.append(
                    f"[keymap] {shown!r} is given to both {given_to}, which work in the same"
                    f" place ({place}); choose another key for one of them"
                )
    return warnings
