"""The detail of one request-log entry: the cache section first, then the request itself.

:func:`render_request` turns a :class:`~mpilot_tui.api.log_models.LogEntry` (a trimmed list
row, or the whole entry from ``GET /api/logs/{id}``) into one renderable for the detail pane.
The cache section explains itself with :func:`~mpilot_tui.reqlog.explain_cache`; every value
from the gateway goes through :func:`~mpilot_tui.formats.text.visible` (via :func:`.detail.clip`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...api.log_models import LogEntry
from ...formats.text import finite_number, latency_text, visible
from ...reqlog import CacheExplanation, explain_cache
from .detail import clip, json_text, similarity_bar

__all__ = ["BADGE_STYLES", "cache_badge", "render_request"]

BADGE_STYLES = {
    "direct": "bold black on green",
    "semantic": "bold black on green",
    "hit": "bold black on green",
    "miss": "bold black on yellow",
    "skipped": "bold reverse",
}
"""How each cache outcome's badge is drawn."""
MAX_MESSAGES = 12
"""Messages of the input history shown (the last ones); the rest are counted."""
MAX_MESSAGE_CHARS = 600
"""Characters of one message shown."""


def cache_badge(explanation: CacheExplanation) -> Text:
    """`` HIT ``/`` MISS ``/`` NO CACHE ``/`` IN FLIGHT `` and the kind of hit."""
    text = Text()
    outcome = explanation.outcome
    if explanation.is_hit:
        text.append(" HIT ", style=BADGE_STYLES[outcome])
        if outcome in ("direct", "semantic"):
            text.append(f" {outcome}", style="bold")
    elif outcome == "miss":
        text.append(" MISS ", style=BADGE_STYLES[outcome])
    elif explanation.in_flight:
        text.append(" IN FLIGHT ", style="bold reverse")
        text.append(" the cache's outcome is not recorded yet", style="italic")
    else:
        text.append(" NO CACHE ", style=BADGE_STYLES[outcome])
        text.append(" the request skipped the cache", style="italic")
    return text


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def _plain(value: Any, limit: int = 2000) -> Text:
    return Text(visible(clip(str(value), limit)))


def _cache_section(explanation: CacheExplanation) -> RenderableType:
    heading = Text("Cache", style="bold underline")
    lines: list[RenderableType] = [heading, cache_badge(explanation)]
    for line in explanation.lines:
        if line.startswith("[") and line.endswith("]") and explanation.similarity is not None:
            bar = similarity_bar(explanation.similarity, explanation.threshold, width=30)
            if explanation.margin is not None:
                style = "green" if explanation.margin >= 0 else "yellow"
                bar.append(f"  margin {explanation.margin:+.4f}", style=style)
            lines.append(bar)
        else:
            lines.append(Text(line))
    return Group(*lines)


def _request_rows(entry: LogEntry) -> Iterable[tuple[str, RenderableType]]:
    if entry.timestamp:
        yield "time", _plain(entry.timestamp)
    if entry.status:
        style = {"success": "green", "error": "bold red", "processing": "italic"}.get(
            entry.status, ""
        )
        yield "status", Text(visible(clip(entry.status, 80)), style=style)
    if entry.provider_model:
        yield "provider/model", _plain(entry.provider_model)
    for label, value in (("alias", entry.alias), ("canonical", entry.canonical_model_name)):
        if value:
            yield label, _plain(value)
    if entry.object:
        yield "request type", _plain(entry.object)
    if entry.stream is not None:
        yield "stream", Text("yes" if entry.stream else "no")
    latency = finite_number(entry.latency)
    if latency is not None:
        yield "latency", Text(latency_text(latency))
    cost = finite_number(entry.cost)
    if cost is not None:
        yield "cost", Text(f"${cost:,.6f}")
    if entry.stop_reason:
        yield "stop reason", _plain(entry.stop_reason)
    if entry.number_of_retries:
        yield "retries", Text(str(entry.number_of_retries))
    if entry.fallback_index:
        yield "fallback index", Text(str(entry.fallback_index))
    if entry.parent_request_id:
        yield "parent request", _plain(entry.parent_request_id)
    yield "id", _plain(entry.id)


def _token_rows(entry: LogEntry) -> Iterable[tuple[str, RenderableType]]:
    usage = entry.token_usage
    if usage is None:
        return
    for label, value in (
        ("prompt", usage.prompt_tokens),
        ("completion", usage.completion_tokens),
        ("total", usage.total),
        ("cached (provider)", usage.cached_tokens),
    ):
        if value is not None:
            yield label, Text(f"{value:,}")


def _name_and_id(name: str | None, ident: str | None) -> Text | None:
    if not name and not ident:
        return None
    text = Text(visible(clip(name or "?", 200)))
    if ident:
        text.append(f"  ({visible(clip(ident, 200))})", style="dim")
    return text


def _routing_rows(entry: LogEntry) -> Iterable[tuple[str, RenderableType]]:
    for label, name, ident in (
        ("provider key", entry.selected_key_name, entry.selected_key_id),
        ("virtual key", entry.virtual_key_name, entry.virtual_key_id),
        ("routing rule", entry.routing_rule_name, entry.routing_rule_id),
    ):
        shown = _name_and_id(name, ident)
        if shown is not None:
            yield label, shown
    if entry.routing_engines_used:
        yield "routing engines", _plain(", ".join(str(e) for e in entry.routing_engines_used))
    if entry.routing_engine_logs:
        yield "routing log", _plain(entry.routing_engine_logs, 600)


def _content(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for block in value:
            if isinstance(block, dict) and isinstance(block.get("text"), str):
                parts.append(block["text"])
            else:
                parts.append(json.dumps(block, ensure_ascii=False, default=str))
        return "\n".join(parts)
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str)


def _messages(messages: list[Any]) -> RenderableType:
    shown = messages[-MAX_MESSAGES:]
    lines: list[RenderableType] = []
    if len(messages) > len(shown):
        lines.append(Text(f"… {len(messages) - len(shown):,} earlier messages", style="dim"))
    for message in shown:
        if not isinstance(message, dict):
            lines.append(_plain(message, MAX_MESSAGE_CHARS))
            continue
        role = message.get("role")
        text = Text(f"{visible(clip(str(role or '?'), 40))}: ", style="bold")
        body = _content(message.get("content"))
        if not body and message.get("tool_calls"):
            body = "tool calls " + json.dumps(message.get("tool_calls"), default=str)
        text.append(visible(clip(body, MAX_MESSAGE_CHARS)))
        lines.append(text)
    return Group(*lines)


def _section(title: str, rows: Iterable[tuple[str, RenderableType]]) -> RenderableType | None:
    grid = _grid()
    count = 0
    for label, value in rows:
        grid.add_row(label, value)
        count += 1
    if not count:
        return None
    return Group(Text(title, style="bold underline"), grid)


def _io_parts(entry: LogEntry) -> list[RenderableType]:
    parts: list[RenderableType] = []
    history = entry.input_history or entry.responses_input_history
    if history:
        parts.append(Group(Text("Input", style="bold underline"), _messages(list(history))))
    elif entry.content_summary:
        parts.append(
            Group(Text("Input (summary)", style="bold underline"),
                  _plain(entry.content_summary, MAX_MESSAGE_CHARS))
        )  # fmt: skip
    output: RenderableType | None = None
    if entry.output_message:
        output = _messages([entry.output_message])
    elif entry.responses_output:
        output = _messages(list(entry.responses_output))
    elif entry.embedding_output:
        vectors = entry.embedding_output
        first = vectors[0] if vectors else None
        size = None
        if isinstance(first, dict) and isinstance(first.get("embedding"), list):
            size = len(first["embedding"])
        output = Text(
            f"{len(vectors):,} embedding(s)" + (f" of {size:,} dimensions" if size else "")
        )
    if output is not None:
        parts.append(Group(Text("Output", style="bold underline"), output))
    if entry.tool_calls:
        parts.append(Group(Text("Tool calls", style="bold underline"), json_text(entry.tool_calls)))
    return parts


def render_request(
    entry: LogEntry,
    *,
    median_miss_ms: float | None,
    whole: bool,
    title: str,
) -> RenderableType:
    """One request, cache section first. ``whole``: it came from ``GET /api/logs/{id}``
    (else it is the trimmed list row and the pane says the whole entry is on its way)."""
    parts: list[RenderableType] = [Text(title, style="bold underline")]
    if not whole:
        parts.append(Text("list row (trimmed) · fetching the whole entry…", style="italic dim"))
    parts.append(_cache_section(explain_cache(entry, median_miss_ms)))
    for heading, rows in (
        ("Request", _request_rows(entry)),
        ("Tokens", _token_rows(entry)),
        ("Keys and routing", _routing_rows(entry)),
    ):
        section = _section(heading, rows)
        if section is not None:
            parts.append(Text())
            parts.append(section)
    if entry.status == "error" or entry.error_details:
        error = Group(
            Text("Error", style="bold underline red"),
            Text(visible(clip(entry.error_message or "no message", 600)), style="red"),
            *([json_text(entry.error_details)] if entry.error_details else []),
        )
        parts += [Text(), error]
    for part in _io_parts(entry):
        parts += [Text(), part]
    if entry.metadata:
        parts += [Text(), Group(Text("Metadata", style="bold underline"),
                                json_text(entry.metadata))]  # fmt: skip
    return Group(*parts)
