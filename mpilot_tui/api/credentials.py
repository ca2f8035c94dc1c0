"""Credentials: checked when read, held masked, turned into header text only when sent.

A gateway takes two credentials, each for its own route family:

- the **virtual key** (``sk-bf-…``, or an MPilot admin JWT) for the inference routes
  (``/openai/…``, ``/v1/…``), sent raw in ``Authorization: Bearer`` or ``x-bf-vk``;
- the **admin credentials** (a user name and password) for the management API (``/api/…``),
  sent as ``Authorization: Basic``.

Whatever the source (environment, a program's output, the config file, a form), a
credential passes :func:`clean_credential` before it is used: surrounding whitespace (a
trailing newline from ``echo`` or a file) is removed and reported, and text that cannot
travel in a header (control characters, bytes that are not UTF-8, non-ASCII in a raw
header) is refused with a :class:`~.errors.CredentialError` that shows only the masked form.
So header building can never fail half-way with the secret in an exception or a traceback.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from pydantic import SecretStr

from .errors import CredentialError

__all__ = [
    "CleanCredential",
    "CredentialKind",
    "clean_credential",
    "credential_problem",
    "mask_secret",
    "secret_forms",
]

CredentialKind = Literal["virtual key", "password", "user name"]
"""What a credential is: it decides which characters it may hold."""


def _printable(text: str) -> str:
    """``text`` with anything that is not a printable character shown as ``?``."""
    return "".join(char if char.isprintable() else "?" for char in text)


def mask_secret(secret: str | SecretStr | None) -> str:
    """Show enough of a secret to recognise it, never enough to use it: ``sk-bf-…9f3a``."""
    if secret is None:
        return "(none)"
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if not value:
        return "(empty)"
    if value.startswith("sk-bf-") and len(value) >= 14:
        return f"sk-bf-…{_printable(value[-4:])}"
    if len(value) >= 20:
        return f"{_printable(value[:3])}…{_printable(value[-4:])}"
    if len(value) >= 12:
        return f"…{_printable(value[-4:])}"
    return "••••"


def _describe_char(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return "a byte that is not valid UTF-8 text"
    name = unicodedata.name(char, "")
    return f"U+{code:04X}" + (f" ({name.lower()})" if name else "")


def credential_problem(value: str, kind: CredentialKind) -> str | None:
    """Why ``value`` cannot be sent as a ``kind``, or ``None`` when it can.

    Never quotes the value: the message names the character and its position only.
    """
    for position, char in enumerate(value, start=1):
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            return f"holds {_describe_char(char)} at character {position}"
        if unicodedata.category(char) == "Cc":
            return f"holds a control character, {_describe_char(char)}, at character {position}"
        if kind == "virtual key" and not (0x20 < code < 0x7F):
            # Sent raw in a header: only visible ASCII travels (httpx encodes headers as ASCII).
            return (
                f"holds {_describe_char(char)} at character {position}, which cannot travel"
                " in an HTTP header (a virtual key is visible ASCII text)"
            )
        if kind == "user name" and char == ":":
            return f"holds ':' at character {position} (Basic auth cannot carry it in a name)"
    return None


@dataclass(frozen=True)
class CleanCredential:
    """A credential ready to use, and whether whitespace around it was removed."""

    secret: SecretStr | None
    """``None`` when nothing but whitespace was given."""
    stripped: bool
    """True when surrounding whitespace (e.g. a trailing newline) was removed."""


def clean_credential(
    value: str | SecretStr | None, *, what: str, kind: CredentialKind
) -> CleanCredential:
    """``value`` with surrounding whitespace removed, checked for header-safe text.

    ``what`` names the credential's source in messages (``"MPILOT_TOKEN"``, ``"profile
    'prod': token_env"``). Raises :class:`CredentialError` naming the problem and showing
    only the masked form.
    """
    if value is None:
        return CleanCredential(None, stripped=False)
    wrapped = value if isinstance(value, SecretStr) else SecretStr(value)
    stripped = wrapped.get_secret_value().strip()
    changed = len(stripped) != len(wrapped.get_secret_value())
    cleaned = SecretStr(stripped)
    del stripped  # from here on the value is only held wrapped
    problem = credential_problem(cleaned.get_secret_value(), kind)
    if problem:
        raise CredentialError(
            f"{what} {problem} ({mask_secret(cleaned)}); the {kind} was not used."
            f" Set it again as one line of plain text"
        )
    if not cleaned.get_secret_value():
        return CleanCredential(None, stripped=changed)
    return CleanCredential(cleaned, stripped=changed)


def secret_forms(secret: str) -> list[str]:
    """``secret`` and the forms it takes when quoted: JSON-escaped (with and without
    ``\\uXXXX`` and ``\\/``), Python ``repr`` of the text and of its bytes, and
    percent-encoded. A scrubber that matches all of them catches an echo in any of these."""
    forms = [secret]
    for escaped in (
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "surrogateescape"))[2:-1],
        quote(secret, safe=""),
    ):
        if escaped and escaped not in forms:
            forms.append(escaped)
    return forms
