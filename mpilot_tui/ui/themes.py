"""Which themes there are: for the app and for ``mpilot-tui config check``, in the same words."""

from __future__ import annotations

from textual.theme import BUILTIN_THEMES

__all__ = ["THEMES", "theme_problem"]

THEMES: tuple[str, ...] = tuple(sorted(BUILTIN_THEMES))
"""The theme names the app offers (Textual's built-in themes)."""


def theme_problem(theme: str, available: tuple[str, ...] = THEMES) -> str | None:
    """What is wrong with a ``theme`` setting, or ``None`` when the app has that theme."""
    if theme in available:
        return None
    return f"No theme called {theme!r}; the themes are: {', '.join(available)}"
