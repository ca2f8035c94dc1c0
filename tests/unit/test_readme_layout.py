"""The README's "Layout of the code" names every package under mpilot_tui/, and every module
it names is where it says: moving code without the section fails here."""

from __future__ import annotations

import re
from pathlib import Path

import mpilot_tui

ROOT = Path(mpilot_tui.__file__).parent.parent
PACKAGE = ROOT / "mpilot_tui"


def _layout() -> dict[str, str]:
    """Each path the section lists, with the text that describes it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Layout of the code\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```\n", 2)[1]
    entries: dict[str, str] = {}
    current = ""
    for line in block.splitlines():
        match = re.match(r"(\S+/)\s+(.*)", line)
        if match:
            current = match.group(1)
            entries[current] = match.group(2)
        elif current:
            entries[current] += " " + line.strip()
    return entries


def _packages() -> set[str]:
    return {
        f"{init.parent.relative_to(ROOT).as_posix()}/"
        for init in PACKAGE.rglob("__init__.py")
        if init.parent != PACKAGE
    }


def test_every_package_is_in_the_layout_and_every_path_there_exists() -> None:
    named = set(_layout())
    assert _packages() - named == set(), "packages the README's layout does not name"
    assert {path for path in named if not (ROOT / path).is_dir()} == set(), "named, not there"


def test_the_modules_the_layout_names_are_in_their_package() -> None:
    missing = []
    for path, text in _layout().items():
        for module in re.findall(r"[\w*]+\.py\b", text):
            if not list((ROOT / path).glob(module)):
                missing.append(f"{path}{module}")
    assert missing == [], "modules the layout puts where they are not"


def test_the_layout_is_read() -> None:
    layout = _layout()
    assert "engine.py" in layout["mpilot_tui/listing/"]
    assert "mpilot_tui/ui/widgets/" in layout and "bench/" in layout
