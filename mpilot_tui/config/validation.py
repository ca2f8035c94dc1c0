"""Turn the text of ``config.toml`` into a validated :class:`~.models.ConfigFile`.

Errors name the file, the line, the dotted key and what is allowed::

    config.toml:7: profiles.prod.page_size: Input should be greater than or equal to 1;
    allowed: a whole number from 1 to 10000

Pydantic reports an error's location as a path of keys; :func:`key_lines` scans the text
for table headers and ``key =`` lines to map such a path back to a line number. Values are
never echoed, so a mistyped token cannot end up in a message.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from tomlkit.exceptions import ParseError, TOMLKitError
from tomlkit.toml_document import TOMLDocument

from mpilot_tui.config.errors import ConfigError
from mpilot_tui.config.models import ALLOWED, ColumnsConfig, ConfigFile, ProfileConfig

__all__ = ["foreign_tables", "format_key", "key_lines", "parse_config_text", "validate_data"]

KeyPath = tuple[str, ...]

_BARE = r"[A-Za-z0-9_-]+"
_KEY = rf"(?:{_BARE}|\"(?:[^\"\\]|\\.)*\"|'[^']*')"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=")
_PARSE_POSITION = re.compile(r"\s+at line \d+ col \d+$")


def _split_dotted(dotted: str) -> KeyPath:
    parts: list[str] = []
    for raw in re.findall(_KEY, dotted):
        if raw.startswith(('"', "'")):
            parts.append(str(tomllib.loads(f"k = {raw}")["k"]))
        else:
            parts.append(raw)
    return tuple(parts)


def key_lines(text: str) -> dict[KeyPath, int]:
    """Map every table header and ``key =`` line's full key path to its 1-based line."""
    found: dict[KeyPath, int] = {}
    table: KeyPath = ()
    open_quote: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if open_quote is not None:
            if open_quote in line:
                open_quote = None
            continue
        header = _HEADER.match(line)
        assign = None if header else _ASSIGN.match(line)
        if header:
            table = _split_dotted(header.group(1))
            found.setdefault(table, number)
        elif assign:
            found.setdefault(table + _split_dotted(assign.group(1)), number)
            rest = line[assign.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    open_quote = quote
                    break
    return found


def format_key(path: KeyPath) -> str:
    """A key path as TOML would write it: ``profiles.prod.page_size``."""
    return ".".join(part if re.fullmatch(_BARE, part) else f'"{part}"' for part in path)


def _data_path(data: Any, error: ErrorDetails) -> tuple[KeyPath, bool]:
    """The keys of ``error["loc"]`` found in ``data``; True when a table's key is malformed.

    A missing or unknown key is kept as the last part; list indexes and the tags pydantic
    adds for union branches are dropped, so the problem is reported at the key holding them.
    """
    path: list[str] = []
    current = data
    loc = error["loc"]
    for index, part in enumerate(loc):
        if not isinstance(part, str) or not isinstance(current, Mapping):
            break
        if part in current:
            path.append(part)
            current = current[part]
        elif part == "[key]":
            return tuple(path), True
        else:
            last = index == len(loc) - 1
            if last and error["type"] in ("missing", "extra_forbidden"):
                path.append(part)
            break
    return tuple(path), False


def _allowed_keys(table: KeyPath) -> list[str] | None:
    if table == ():
        return list(ConfigFile.model_fields)
    if len(table) == 2 and table[0] == "profiles":
        return list(ProfileConfig.model_fields)
    if len(table) == 2 and table[0] == "columns":
        return list(ColumnsConfig.model_fields)
    return None


def _field_of(path: KeyPath) -> str | None:
    """The schema field a key path falls under (``page_size`` for ``profiles.x.page_size``)."""
    if len(path) >= 3 and path[0] in ("profiles", "columns"):
        return path[2]
    return path[0] if path else None


def _describe(error: ErrorDetails, path: KeyPath, bad_key: bool, several: bool) -> str:
    shown = format_key(path) or "(top level)"
    field = _field_of(path)
    if error["type"] == "extra_forbidden":
        keys = _allowed_keys(path[:-1])
        where = f"in [{format_key(path[:-1])}]" if path[:-1] else "at the top level"
        allowed = ", ".join(keys) if keys else "none"
        return f"{shown}: unknown key; allowed keys {where}: {allowed}"
    if bad_key:
        table = path[0] if path and path[0] in ("profiles", "columns") else "profiles"
        return f"{shown}: bad name; allowed: {ALLOWED[table]}"
    message = "wrong type" if several else error["msg"]
    if error["type"] == "missing":
        message = "required key is missing"
    allowed_text = ALLOWED.get(field, "") if field and error["type"] != "conflict" else ""
    return f"{shown}: {message}" + (f"; allowed: {allowed_text}" if allowed_text else "")


def _line_of(path: KeyPath, lines: Mapping[KeyPath, int]) -> int | None:
    """The line of ``path`` or, failing that, of the nearest table or key holding it."""
    for length in range(len(path), 0, -1):
        if path[:length] in lines:
            return lines[path[:length]]
    return None


def _error_lines(
    exc: ValidationError, data: Mapping[str, Any], lines: Mapping[KeyPath, int] | None
) -> list[tuple[int | None, KeyPath, str]]:
    grouped: dict[KeyPath, list[tuple[ErrorDetails, bool]]] = {}
    for error in exc.errors(include_url=False, include_input=False):
        path, bad_key = _data_path(data, error)
        at = (error.get("ctx") or {}).get("at")
        if isinstance(at, tuple):
            path = path + tuple(str(part) for part in at)
        grouped.setdefault(path, []).append((error, bad_key))
    problems: list[tuple[int | None, KeyPath, str]] = []
    for path, errors in grouped.items():
        error, bad_key = errors[0]
        line = _line_of(path, lines) if lines is not None else None
        problems.append((line, path, _describe(error, path, bad_key, len(errors) > 1)))
    problems.sort(key=lambda problem: problem[0] or 0)
    return problems


def foreign_tables(data: Mapping[str, Any]) -> list[str]:
    """Top-level tables this version does not know (another tool's, or a later version's):
    kept in the file as they are and not read. An unknown plain key is still an error."""
    return [
        key
        for key, value in data.items()
        if key not in ConfigFile.model_fields and isinstance(value, Mapping)
    ]


def validate_data(
    data: Mapping[str, Any], *, path: Path | None = None, text: str | None = None
) -> ConfigFile:
    """Validate plain data (a TOML document unwrapped); raise :class:`ConfigError` if wrong.

    With ``path`` and ``text`` the message names the file and the line of each problem.
    """
    data = {key: value for key, value in data.items() if key not in foreign_tables(data)}
    try:
        return ConfigFile.model_validate(data)
    except ValidationError as exc:
        lines = key_lines(text) if text is not None else None
        problems = _error_lines(exc, data, lines)
        rendered = []
        for line, _, description in problems:
            if path is None:
                rendered.append(description)
            elif line is None:
                rendered.append(f"{path}: {description}")
            else:
                rendered.append(f"{path}:{line}: {description}")
        first_line, first_key, _ = problems[0]
        raise ConfigError(
            "\n".join(rendered), path=path, line=first_line, key=format_key(first_key)
        ) from None


def parse_config_text(text: str, path: Path) -> tuple[TOMLDocument, ConfigFile]:
    """Parse and validate the file's text; the document keeps comments and layout."""
    try:
        document = tomlkit.parse(text)
    except ParseError as exc:
        reason = _PARSE_POSITION.sub("", str(exc))
        raise ConfigError(
            f"{path}:{exc.line}: not valid TOML: {reason}", path=path, line=exc.line
        ) from None
    except TOMLKitError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", path=path) from None
    return document, validate_data(document.unwrap(), path=path, text=text)
