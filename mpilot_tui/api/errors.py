"""The one exception tree of the gateway client.

Everything the client raises derives from :class:`MPilotError`::

    MPilotError
    ├── RequestValidationError      the request was refused before it left (e.g. limit 0..100)
    │   └── CredentialError         a credential is not header-safe text (shown masked)
    ├── TransportError              no usable answer arrived
    │   ├── ConnectError            the host could not be reached (refused, DNS, TLS)
    │   └── TimeoutError            connect, read or the whole request ran out of time
    ├── ProtocolError               an answer arrived but is not what the API promises
    │   ├── NotJSONError            the body is not JSON (or not valid UTF-8 JSON)
    │   │   └── DashboardHTMLError  200 text/html: the base URL serves the dashboard
    │   │       └── UnroutableIdError   …because the id holds '/' (the gateway cannot route it)
    │   ├── ShapeError              JSON of the wrong shape (types, missing fields)
    │   ├── RedirectError           a redirect to another origin (credentials not sent on)
    │   └── PaginationError         repeated cursor, endless empty pages, repeated ids
    └── APIStatusError              the gateway answered with an error status
        ├── AuthenticationError     401
        ├── PermissionDeniedError   403
        ├── NotFoundError           404
        ├── RateLimitError          429 (``retry_after`` when a proxy sent Retry-After)
        └── ServerError             5xx

The CLI maps them to exit codes: ``APIStatusError`` 1, ``RequestValidationError`` 2,
``TransportError`` 3, ``ProtocolError`` 4.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "ConnectError",
    "CredentialError",
    "DashboardHTMLError",
    "MPilotError",
    "NotFoundError",
    "NotJSONError",
    "PaginationError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "RedirectError",
    "RequestValidationError",
    "ServerError",
    "ShapeError",
    "TimeoutError",
    "TransportError",
    "UnroutableIdError",
    "error_for_code",
    "error_for_status",
    "virtual_key_problem",
]


class MPilotError(Exception):
    """Base of every error the gateway client raises."""

    url: str | None = None
    """The request URL, without credentials, when the error belongs to a request."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.url = url

    def __str__(self) -> str:
        return self.message

    @property
    def kind(self) -> str:
        """A short name for the error class, for status bars and logs."""
        return type(self).__name__


class RequestValidationError(MPilotError):
    """The request was refused on the client before it was sent."""


class CredentialError(RequestValidationError):
    """A credential cannot be sent: control characters, bytes that are not text, or
    characters a header cannot carry. The message shows only its masked form."""


class TransportError(MPilotError):
    """No usable answer arrived from the gateway."""


class ConnectError(TransportError):
    """The gateway's host could not be reached (refused, unknown host, TLS failure)."""


class TimeoutError(TransportError):
    """Connecting, reading, or the whole request ran out of time."""


class ProtocolError(MPilotError):
    """An answer arrived, but it is not what the API promises."""


class NotJSONError(ProtocolError):
    """The body is not JSON."""


class DashboardHTMLError(NotJSONError):
    """A 200 ``text/html`` answer: the base URL serves the gateway's dashboard, not the API."""


class UnroutableIdError(DashboardHTMLError):
    """The id holds ``/`` (bedrock ids are standard base64): the gateway decodes ``%2F``
    before routing, so no request can reach the item by path; its dashboard answers."""


class ShapeError(ProtocolError):
    """The JSON does not have the documented shape."""


class RedirectError(ProtocolError):
    """The gateway redirected somewhere the client will not follow with credentials."""


class PaginationError(ProtocolError):
    """Paging cannot go on safely: a repeated cursor, endless empty pages, repeated ids."""


class APIStatusError(MPilotError):
    """The gateway answered with an error status; its error envelope is parsed into fields."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        url: str | None = None,
        type: str | None = None,
        code: str | None = None,
        param: Any = None,
        event_id: str | None = None,
        provider: str | None = None,
        request_type: str | None = None,
        detail: str | None = None,
        raw_response: Any = None,
        body_excerpt: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.event_id = event_id
        self.provider = provider
        self.request_type = request_type
        self.detail = detail
        """The gateway's Go error text (``error.error``), when sent."""
        self.raw_response = raw_response
        """The upstream provider's body, when the gateway passed it on."""
        self.body_excerpt = body_excerpt
        """The start of a body that was not the gateway's envelope (a proxy's page)."""
        self.hint = hint
        """What to do about it, from the client (which credential was sent, what to set)."""

    def __str__(self) -> str:
        if self.type and self.code and self.code != self.type:
            label = f"{self.type}/{self.code}"
        else:
            label = self.type or self.code or ""
        text = f"{self.status} {label}".rstrip() + f": {self.message}"
        if self.event_id:
            text += f" (event_id {self.event_id})"
        if self.hint:
            text += f"; {self.hint}"
        return text

    @property
    def virtual_key_problem(self) -> str | None:
        """``not_found``, ``blocked``, ``required``, … when the gateway's code names a
        virtual-key problem, under either generation's name (``virtual_key_not_found`` in
        1.x, ``access_not_found`` from 2.1), in ``type`` or ``code``; else ``None``."""
        return virtual_key_problem(self.type, self.code)

    def fields(self) -> list[tuple[str, str]]:
        """Every field worth showing, as label/value pairs, in a fixed order."""
        pairs = [
            ("status", str(self.status)),
            ("type", self.type),
            ("code", self.code),
            ("message", self.message),
            ("param", None if self.param is None else str(self.param)),
            ("event_id", self.event_id),
            ("provider", self.provider),
            ("request_type", self.request_type),
            ("error", self.detail),
            ("url", self.url),
            ("hint", self.hint),
        ]
        return [(k, v) for k, v in pairs if v not in (None, "")]


class AuthenticationError(APIStatusError):
    """401: missing, unknown or expired credentials."""


class PermissionDeniedError(APIStatusError):
    """403: the credentials are valid but not allowed (blocked key or provider)."""


class NotFoundError(APIStatusError):
    """404: the container, file or route is not there."""


class RateLimitError(APIStatusError):
    """429: rate, token or request limit reached."""

    retry_after: float | None = None
    """Seconds to wait, when a ``Retry-After`` header was sent (the gateway itself sends none)."""

    def __str__(self) -> str:
        text = super().__str__()
        if self.retry_after is not None:
            text += f" (retry after {self.retry_after:g} s)"
        return text


class ServerError(APIStatusError):
    """5xx: the gateway or its upstream failed."""


_VIRTUAL_KEY_PREFIXES = ("virtual_key_", "access_")
"""How both generations name their virtual-key error codes (1.x, then 2.1 onwards)."""


def virtual_key_problem(*codes: str | None) -> str | None:
    """The virtual-key problem one of ``codes`` names (``virtual_key_blocked`` and
    ``access_blocked`` are both ``blocked``), or ``None``."""
    for code in codes:
        lowered = (code or "").lower()
        for prefix in _VIRTUAL_KEY_PREFIXES:
            if lowered.startswith(prefix) and len(lowered) > len(prefix):
                return lowered.removeprefix(prefix)
    return None


def error_for_code(status: int, *codes: str | None) -> type[APIStatusError]:
    """The error class for a status and the gateway's codes: a virtual-key code decides
    (not found or required: 401, blocked: 403) whatever the status, else the status."""
    problem = virtual_key_problem(*codes)
    if problem in ("blocked", "denied"):
        return PermissionDeniedError
    if problem is not None:
        return AuthenticationError
    return error_for_status(status)


def error_for_status(status: int) -> type[APIStatusError]:
    """The most specific :class:`APIStatusError` subclass for an HTTP status."""
    if status == 401:
        return AuthenticationError
    if status == 403:
        return PermissionDeniedError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return ServerError
    return APIStatusError
