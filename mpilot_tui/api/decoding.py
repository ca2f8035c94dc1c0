"""Turning answers into models or into the client's errors, with secrets scrubbed.

Every text a gateway sends can end up in an error message, so each one passes through the
connection's ``scrub`` (its secrets masked) and :func:`clip` (a bounded length) first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import pydantic
from pydantic import TypeAdapter

from . import errors, models
from ._http import HttpResponse, parse_retry_after

__all__ = ["MAX_MESSAGE_CHARS", "Decoder", "clip"]

ModelT = TypeVar("ModelT")

_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


class Decoder:
    """Decodes one connection's answers; ``scrub`` masks that connection's secrets."""

    def __init__(
        self,
        scrub: Callable[[str], str],
        hint: Callable[[HttpResponse, errors.APIStatusError], str | None] | None = None,
    ) -> None:
        self.scrub = scrub
        self.hint = hint
        """Says what to do about an error status (which credential was sent, what to set)."""

    def decode(self, response: HttpResponse, adapter: TypeAdapter[ModelT]) -> ModelT:
        """The body as ``adapter``'s type, or the client's error for a status, a content
        type or a shape that is not what the API promises."""
        self.check_json(response)
        return self.validate(response, adapter)

    def check_json(self, response: HttpResponse) -> None:
        """The first half of :meth:`decode`: the client's error for a status or a content
        type that is not a JSON answer (nothing of the body is parsed)."""
        self.raise_for_status(response)
        ctype = clip(self.scrub(response.content_type), 100)
        if "json" not in ctype:
            if "text/html" in ctype:
                raise errors.DashboardHTMLError(
                    f"GET {response.url} answered {response.status} text/html: the base URL "
                    "serves the dashboard, not the API (set the base URL to the gateway's root)",
                    url=response.url,
                )
            raise errors.NotJSONError(
                f"expected JSON from {response.url}, got {ctype or 'no content type'} "
                f"({len(response.content)} bytes)",
                url=response.url,
            )

    def validate(self, response: HttpResponse, adapter: TypeAdapter[ModelT]) -> ModelT:
        """The second half of :meth:`decode`: the body as ``adapter``'s type, or the
        client's error for a body that is not JSON or not of the shape promised."""
        try:
            return adapter.validate_json(response.content)
        except pydantic.ValidationError as exc:
            error = _shape_error(exc, response.url)
            error.message = clip(self.scrub(error.message))
            raise error from None

    def raise_for_status(self, response: HttpResponse) -> None:
        """Raise the client's error for a 3xx (not followed) or an error status."""
        if response.status >= 400:
            raise self.status_error(response)
        if 300 <= response.status < 400:
            raise errors.ProtocolError(
                clip(self.scrub(f"unexpected {response.status} {response.reason}"))
                + f" from {response.url}",
                url=response.url,
            )

    def status_error(self, response: HttpResponse) -> errors.APIStatusError:
        """The error for an error status, from the gateway's envelope or a proxy's page."""
        cls: type[errors.APIStatusError] = errors.error_for_status(response.status)

        def scrub(text: str) -> str:
            # A gateway may echo the credentials, or send megabytes, in any field.
            return clip(self.scrub(text))

        envelope: models.ErrorEnvelope | None = None
        if "json" in response.content_type:
            try:
                envelope = models.ERROR_ENVELOPE.validate_json(response.content)
            except pydantic.ValidationError:
                envelope = None
        if envelope is not None:
            body = envelope.error
            cls = errors.error_for_code(response.status, body.type, envelope.type, body.code)
            detail = body.error if isinstance(body.error, str) else None
            message = body.message or detail or envelope.type or response.reason or "error"
            error = cls(
                scrub(message),
                status=response.status,
                url=response.url,
                type=scrub(body.type or envelope.type or "") or None,
                code=scrub(body.code) if body.code else None,
                param=_scrub_json(scrub, body.param),
                event_id=_scrubbed(scrub, body.event_id or envelope.event_id),
                provider=_scrubbed(scrub, envelope.extra_fields.provider),
                request_type=_scrubbed(scrub, envelope.extra_fields.request_type),
                detail=scrub(detail) if detail and detail != message else None,
                raw_response=_scrub_json(self.scrub, envelope.extra_fields.raw_response),
            )
        else:
            error = cls(
                scrub(_describe_foreign_body(response)),
                status=response.status,
                url=response.url,
                body_excerpt=scrub(response.content[:500].decode("utf-8", "replace")),
            )
        if self.hint is not None:
            error.hint = self.hint(response, error)
        if isinstance(error, errors.RateLimitError):
            error.retry_after = parse_retry_after(response.headers.get("retry-after"))
        response.record.error = error.kind
        response.record.error_message = str(error)
        return error


MAX_MESSAGE_CHARS = 1000
"""Characters kept of any text from the gateway that goes into an error."""


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def _scrubbed(scrub: Callable[[str], str], value: str | None) -> str | None:
    return scrub(value) if value else value


def _scrub_json(scrub: Callable[[str], str], value: Any) -> Any:
    """A JSON value with ``scrub`` applied to every string in it, keys included."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(k)): _scrub_json(scrub, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(scrub, v) for v in value]
    return value


def _shape_error(exc: pydantic.ValidationError, url: str) -> errors.ProtocolError:
    problems = exc.errors(include_input=False, include_url=False)
    if any(p["type"] in ("json_invalid", "json_type") for p in problems):
        first = problems[0]
        return errors.NotJSONError(
            f"the answer from {url} is not valid JSON: {first['msg']}", url=url
        )
    shown = "; ".join(
        f"{'.'.join(str(part) for part in p['loc']) or '(body)'}: {p['msg']}" for p in problems[:3]
    )
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return errors.ShapeError(f"unexpected answer shape from {url}: {shown}{more}", url=url)


def _describe_foreign_body(response: HttpResponse) -> str:
    """A message for an error body that is not the gateway's envelope (a proxy's page)."""
    ctype = response.content_type.split(";")[0].strip() or "no content type"
    reason = response.reason or "error"
    if "html" in ctype:
        match = _HTML_TITLE.search(response.content[:4096])
        title = match.group(1).decode("utf-8", "replace").strip()[:120] if match else ""
        suffix = f" titled {title!r}" if title else ""
        return f"{reason}: an HTML page{suffix} (likely a proxy in front of the gateway)"
    text = response.content[:200].decode("utf-8", "replace").strip()
    text = re.sub(r"\s+", " ", text)
    if text:
        return f"{reason}: {text} ({ctype}, not the gateway's error envelope)"
    return f"{reason} (empty {ctype} body)"
