"""The [keymap] check: unknown binding ids, keys that are not keys, clashes in one place."""

from __future__ import annotations

import pytest

from mpilot_tui.config.keymap import KnownBinding, keymap_warnings
from mpilot_tui.ui.keys import key_problem, keymap_problems, normalize_key

ORDER = KnownBinding("browser.order", "o", "Order")
DOWN = KnownBinding("table.down", "down,j", "Down")
QUIT = KnownBinding("app.quit", "q", "Quit")
SAVE = KnownBinding("preview.save", "s", "Save")
PLACES = {"browser": [ORDER, DOWN, QUIT], "preview": [SAVE, QUIT]}


def check(keymap: dict[str, str]) -> list[str]:
    """keymap_warnings with a toy notion of keys: anything but 'bad' is one."""
    return keymap_warnings(
        keymap,
        PLACES,
        key_problem=lambda key: "not a key" if key == "bad" else None,
        normalize_key=str.lower,
    )


def test_a_harmless_keymap_gives_no_warning() -> None:
    assert check({}) == []
    assert check({"table.down": "down,n", "preview.save": "o"}) == []


def test_unknown_binding_ids_are_named() -> None:
    (warning,) = check({"table.dwn": "x", "nope": "y", "table.down": "n"})
    assert warning.startswith("[keymap] names no such binding: nope, table.dwn;")


def test_keys_that_are_not_keys_are_named() -> None:
    assert check({"table.down": "n,bad"}) == ["[keymap] table.down = 'n,bad': not a key"]


def test_a_key_another_binding_in_the_same_place_has_is_a_clash() -> None:
    (warning,) = check({"table.down": "O"})
    assert warning == (
        "[keymap] 'O' is given to table.down (Down), but browser.order (Order) already uses it"
        " in the same place (browser); choose another key"
    )
    # app.quit works in both places: it clashes with table.down in one, preview.save in the other.
    assert len(check({"app.quit": "j", "preview.save": "j"})) == 2
    assert check({"app.quit": "o", "browser.order": "o"}) == [
        "[keymap] 'o' is given to both browser.order (Order) and app.quit (Quit), which work"
        " in the same place (browser); choose another key for one of them"
    ]


def test_no_clash_across_places_or_once_the_other_binding_moves() -> None:
    assert check({"preview.save": "o"}) == []
    assert check({"table.down": "o", "browser.order": "j"}) == []


@pytest.mark.parametrize(
    "key",
    ["o", "G", "?", "/", " ", "f5", "f12", "enter", "escape", "tab", "shift+tab", "space",
     "pageup", "ctrl+x", "ctrl+shift+up", "alt+f4", "question_mark", "slash", "full_stop",
     "plus", "minus", "ctrl+question_mark", "é"],
)  # fmt: skip
def test_keys_textual_accepts(key: str) -> None:
    assert key_problem(key) is None


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "an empty key"),
        ("\x07", "not a printable character"),
        ("F5", "not a key Textual knows"),
        ("f55", "not a key Textual knows"),
        ("pgup", "not a key Textual knows"),
        ("latin_small_letter_a", "not a key Textual knows"),
        ("Ctrl+x", "'Ctrl' is not a modifier"),
        ("ctrl++", "'' is not a modifier"),
        ("ctrl+ctrl+x", "repeats a modifier"),
        ("ctrl+?", "write it as 'ctrl+question_mark'"),
    ],
)
def test_keys_textual_never_matches(key: str, problem: str) -> None:
    found = key_problem(key)
    assert found is not None and problem in found


def test_spellings_of_one_key_are_one_key() -> None:
    assert normalize_key("?") == normalize_key("question_mark")
    assert normalize_key("shift+ctrl+a") == normalize_key("ctrl+shift+a")
    assert normalize_key("ctrl+i") == normalize_key("tab")
    assert normalize_key("G") != normalize_key("g")


def test_the_app_bindings_have_no_clash_of_their_own() -> None:
    assert keymap_problems({"browser.refresh": "f6", "app.help": "f2"}) == []
    (warning,) = keymap_problems({"browser.filter": "?"})
    assert "'?' is given to browser.filter (Filter), but app.help (Help)" in warning
