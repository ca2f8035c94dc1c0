"""Keeping credentials out of everything that is shown, logged or stored.

Three tools, used by the request loop, the CLI and the browser alike:

- :func:`redact_headers` replaces the values of credential headers with ``<redacted>``;
- :func:`redact_url` drops a URL's user info and credential-like query values, and
  :func:`mask_url_password` masks the password of user info in a URL that is *shown* (a
  profile's base URL or proxy), even when the URL does not parse;
- a :class:`Redactor` holds one connection's secrets in every form they may be echoed in
  (see :func:`~.credentials.secret_forms`) and masks them in text, bytes and decoded JSON
  values, in any letter case. Decoding JSON can turn ``\\u0073k-…`` into the clear token, so
  a parsed body is scrubbed again after parsing (:meth:`Redactor.scrub_json`).

A filter on httpx's and httpcore's loggers masks the secrets of every redactor registered
with :func:`scrub_logs_of` (httpcore logs response headers at DEBUG).
"""

from __future__ import annotations

import functools
import logging
import re
import weakref
from collections.abc import Iterable
from typing import Any

import httpx

from .settings import mask_secret

__all__ = [
    "REDACTED",
    "REDACTED_HEADERS",
    "Redactor",
    "mask_url_password",
    "redact_headers",
    "redact_url",
    "restore_url_password",
    "scrub_logs_of",
]

REDACTED = "<redacted>"
"""What stands in for a credential header's value or a credential-like query value."""

REDACTED_HEADERS = frozenset(
    {"authorization", "x-bf-vk", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
"""Header names whose values are replaced with ``<redacted>`` wherever a request is shown."""

PASSWORD_MASK = "••••"
"""What a user-info password in a shown URL becomes."""

_SENSITIVE_QUERY = frozenset({"api_key", "key", "token", "access_token", "vk"})

# ``scheme://user:password@`` at the start of a URL, found without parsing it, so that a URL
# too broken to parse (``http://admin:pw@[::1``) is masked all the same. The password runs to
# the last ``@`` before the path (a raw ``#`` in it is masked too, not taken as a fragment).
_USERINFO = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@]*:)(?P<password>[^/?]*)@")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]*")
"""A URL in text: from its scheme to the next white space or quote."""


def redact_headers(headers: Any) -> tuple[tuple[str, str], ...]:
    """Header pairs with credential values replaced by ``<redacted>``."""
    items = headers.multi_items() if hasattr(headers, "multi_items") else list(headers.items())
    return tuple(
        (name, REDACTED if name.lower() in REDACTED_HEADERS else value) for name, value in items
    )


def redact_url(url: httpx.URL | str) -> str:
    """The URL with user info removed and credential-like query values redacted."""
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    if not parsed.userinfo and not _maybe_sensitive(parsed.query):
        return str(parsed)
    parsed = parsed.copy_with(userinfo=b"")
    if any(k.lower() in _SENSITIVE_QUERY for k in parsed.params):
        params = [
            (k, REDACTED if k.lower() in _SENSITIVE_QUERY else v)
            for k, v in parsed.params.multi_items()
        ]
        parsed = parsed.copy_with(params=params)
    return str(parsed)


def _maybe_sensitive(query: bytes) -> bool:
    """Cheap pre-check: could the query hold a credential-like parameter?"""
    if not query:
        return False
    lowered = query.lower()
    return any(name.encode() + b"=" in lowered for name in _SENSITIVE_QUERY)


def mask_url_password(text: str) -> str:
    """``text`` with the password of every URL's user info in it shown as ``••••`` (the user
    name stays). Works on a URL that does not parse (``http://admin:pw@[::1``) and on text
    that quotes one (an error message)."""
    if "@" not in text:
        return text
    # A whole value that is one URL (its password may hold a space or a quote), then URLs
    # quoted inside text.
    text = _USERINFO.sub(_masked_userinfo, text, count=1)
    return _URL.sub(lambda match: _USERINFO.sub(_masked_userinfo, match.group()), text)


def restore_url_password(shown: str, original: str) -> str:
    """``shown`` (a URL as a form showed it, masked, then perhaps edited) with the masked
    password put back from ``original``; ``shown`` as it is when its password is not the
    mask or ``original`` has none. Lets a form show a URL masked and still save it whole."""
    if PASSWORD_MASK not in shown:
        return shown
    kept = _USERINFO.match(original)
    if kept is None or not kept.group("password"):
        return shown

    def restored(match: re.Match[str]) -> str:
        if match.group("password") != PASSWORD_MASK:
            return match.group()
        return f"{match.group('head')}{kept.group('password')}@"

    return _USERINFO.sub(restored, shown, count=1)


def _masked_userinfo(match: re.Match[str]) -> str:
    if not match.group("password"):
        return match.group()
    return f"{match.group('head')}{PASSWORD_MASK}@"


class Redactor:
    """Masks one connection's secrets in text, bytes and JSON values, in any letter case."""

    __slots__ = ("__weakref__", "_secrets")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = tuple(dict.fromkeys(s for s in secrets if s))

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secret forms)"

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def extended(self, more: Iterable[str]) -> Redactor:
        """A redactor for these secrets and ``more``."""
        return Redactor((*self._secrets, *more))

    def scrub(self, text: str) -> str:
        """``text`` with every secret masked (a gateway or a header parser may have
        lower-cased what it echoes)."""
        if not self._secrets or not text:
            return text
        pattern, _, masks = _secret_patterns(self._secrets)
        return pattern.sub(lambda match: masks[match.group().lower()], text)

    def scrub_bytes(self, data: bytes) -> bytes:
        """``data`` with every secret masked, in any letter case."""
        if not self._secrets or not data:
            return data
        _, pattern, masks = _secret_patterns(self._secrets)
        return pattern.sub(lambda match: masks[match.group().decode().lower()].encode(), data)

    def scrub_json(self, value: Any) -> Any:
        """A decoded JSON value with every string in it scrubbed, keys included; the value
        itself when nothing needed masking."""
        if not self._secrets:
            return value
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {
                (self.scrub(k) if isinstance(k, str) else k): self.scrub_json(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.scrub_json(v) for v in value]
        return value


@functools.lru_cache(maxsize=32)
def _secret_patterns(
    secrets: tuple[str, ...],
) -> tuple[re.Pattern[str], re.Pattern[bytes], dict[str, str]]:
    """Case-insensitive patterns for ``secrets`` (longest first) and each one's mask."""
    ordered = sorted(set(secrets), key=len, reverse=True)
    text = re.compile("|".join(re.escape(s) for s in ordered), re.IGNORECASE)
    raw = re.compile(
        b"|".join(re.escape(s.encode("utf-8", "surrogateescape")) for s in ordered),
        re.IGNORECASE,
    )
    return text, raw, {s.lower(): mask_secret(s) for s in ordered}


class _ScrubLogRecords(logging.Filter):
    """Masks the secrets of every registered redactor in httpx's and httpcore's records."""

    def __init__(self) -> None:
        super().__init__()
        self.redactors: weakref.WeakSet[Redactor] = weakref.WeakSet()

    def filter(self, record: logging.LogRecord) -> bool:
        redactors = list(self.redactors)
        if redactors:
            message = original = record.getMessage()
            for redactor in redactors:
                message = redactor.scrub(message)
            if message != original:
                record.msg, record.args = message, None
        return True


_LOG_FILTER = _ScrubLogRecords()
for _name in (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
):
    logging.getLogger(_name).addFilter(_LOG_FILTER)


def scrub_logs_of(redactor: Redactor) -> None:
    """Mask ``redactor``'s secrets in httpx's and httpcore's log records while it lives."""
    if redactor:
        _LOG_FILTER.redactors.add(redactor)
