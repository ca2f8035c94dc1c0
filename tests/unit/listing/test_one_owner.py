"""One owner of a listing's state: the screens and the table that show a Listing keep no
copy of it (the duplicated ``has_more`` / ``inflight`` / ``_follow_end`` of the table and
the browser mixins was the cause of the formerly flaky test). Read from their source: no
class in the browser screen's or the table's bases sets or declares an attribute that a
Listing holds."""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest

from mpilot_tui.listing import Listing, Query
from mpilot_tui.ui.screens.browser import BrowserScreen
from mpilot_tui.ui.widgets.file_table import FileTable

LISTING_STATE = frozenset(
    name for name in vars(Listing(Query())) if not name.startswith("_")
) | frozenset(name for name, value in vars(Listing).items() if isinstance(value, property))
"""What a Listing holds: its attributes and the properties it works out."""


def _own_classes(cls: type) -> list[type]:
    """``cls`` and its bases that are the app's own (not Textual's)."""
    return [base for base in cls.__mro__ if base.__module__.startswith("mpilot_tui.ui")]


def _walk_methods(body: ast.ClassDef) -> list[ast.AST]:
    """Every node of the class's own methods (a nested class, such as a message, is its own
    owner: its ``self`` is the message)."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = [node for node in body.body if not isinstance(node, ast.ClassDef)]
    while pending:
        node = pending.pop()
        found.append(node)
        pending.extend(
            child for child in ast.iter_child_nodes(node) if not isinstance(child, ast.ClassDef)
        )
    return found


def _state_written(cls: type) -> dict[str, int]:
    """Attributes ``cls`` sets on ``self``, or declares in its body, with their lines."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    written: dict[str, int] = {}
    body = tree.body[0]
    assert isinstance(body, ast.ClassDef)
    for statement in body.body:  # class-level declarations (annotations, defaults)
        declared = statement.targets if isinstance(statement, ast.Assign) else []
        if isinstance(statement, ast.AnnAssign):
            declared = [statement.target]
        for target in declared:
            if isinstance(target, ast.Name):
                written[target.id] = statement.lineno
    for node in _walk_methods(body):  # self.x = ..., self.x: T = ..., self.x += ...
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                written[target.attr] = target.lineno
    return written


def test_the_listing_state_names_are_found() -> None:
    assert {"has_more", "inflight", "last_error", "generation", "store", "view"} <= LISTING_STATE
    assert "loading" in LISTING_STATE, "properties count too"


@pytest.mark.parametrize("shown_by", [BrowserScreen, FileTable], ids=lambda cls: cls.__name__)
def test_no_screen_or_table_keeps_a_copy_of_the_listings_state(shown_by: type) -> None:
    copies = {
        f"{cls.__module__}.{cls.__name__}.{name} (line {line})"
        for cls in _own_classes(shown_by)
        for name, line in _state_written(cls).items()
        if name in LISTING_STATE
    }
    assert not copies, f"state the Listing owns, kept again: {sorted(copies)}"


def test_the_check_catches_a_copy() -> None:
    class Copying:
        has_more: bool

        class Said:
            def __init__(self) -> None:
                self.view = None  # a message's own attribute: not a copy

        def __init__(self) -> None:
            self.inflight = None

    assert set(_state_written(Copying)) == {"has_more", "inflight"}
