"""The one request loop: sending, retries, redirects, redaction and error mapping.

Everything that touches httpx lives here; :mod:`.client` turns bodies into models.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import os
import random
import re
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from .. import __version__
from . import errors
from ._encoding import ACCEPT_ENCODING, BodyDecoder, EncodingRefused
from .history import MAX_BODY_KEPT, RequestHistory, RequestRecord
from .redaction import Redactor, redact_headers, redact_url, scrub_logs_of
from .settings import ConnectionSettings

__all__ = [
    "RETRY_STATUSES",
    "Clocks",
    "HttpResponse",
    "RequestLoop",
    "RequestOptions",
    "Sink",
]

RETRY_STATUSES = frozenset({429, 502, 503, 504})
"""Statuses worth another attempt; everything else is answered at once."""
BACKOFF_BASE = 0.5
"""Seconds before the first retry; doubled for each further one, with jitter."""
BACKOFF_CAP = 8.0
"""The longest backoff between two attempts."""
RETRY_AFTER_CAP = 20.0
"""The longest ``Retry-After`` honoured; larger (or absurd) values are cut to this."""
MAX_BODY = 64 * 1024 * 1024
"""Bodies larger than this are refused as a protocol error."""
MAX_REDIRECTS = 5
SINK_CHUNK = 1024 * 1024
"""The largest piece of a streamed body handed to a sink at once."""

Sink = Callable[[bytes], bool]
"""Takes a body's chunks as they arrive; returns False when it wants no more."""

WHOLE_BODY = "mpilot.whole_body"
"""A request extension: the caller reads the whole body at once (a JSON answer, not a content
download to a sink). An in-process transport may then answer in the caller's own task."""

clock = time.perf_counter
"""The client's stopwatch for request timings; tests replace it for stable screenshots."""
wall_clock = time.time
"""When a request started, as the inspector shows it; tests replace it too."""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    seconds: float | None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, RETRY_AFTER_CAP))


@dataclass(frozen=True)
class HttpResponse:
    """A complete response, read to the end."""

    method: str
    url: str
    """Without credentials."""
    status: int
    reason: str
    # Kept out of the repr: a traceback showing locals must not show what a gateway echoed.
    headers: httpx.Headers = field(repr=False)
    content: bytes = field(repr=False)
    elapsed_ms: float
    started_at: float
    record: RequestRecord = field(repr=False)
    size: int = 0
    """Body bytes received (those handed to a sink too)."""

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", "")).lower()


@dataclass(frozen=True)
class RequestOptions:
    """How one GET is sent and read, beyond its path and query."""

    sink: Sink | None = None
    """Takes a 2xx body's chunks instead of holding them (see :meth:`RequestLoop.get`)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Extra request headers (a ``Range``); the credentials are added per request."""
    unbounded: bool = False
    """No limit on a streamed answer's whole time; each read keeps the timeout."""


@dataclass(frozen=True)
class Clocks:
    """The loop's clocks, injected like its ``sleep``; tests pass fixed ones."""

    stopwatch: Callable[[], float] = time.perf_counter
    """Measures request timings."""
    wall: Callable[[], float] = time.time
    """When a request started, as the inspector shows it."""


@dataclass
class _Body:
    """What reading an answer gathered."""

    chunks: list[bytes] = field(default_factory=list)
    size: int = 0
    sink_failure: Exception | None = None


class RequestLoop:
    """Sends requests to one gateway over one ``httpx.AsyncClient``."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        history: RequestHistory | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clocks: Clocks | None = None,
    ) -> None:
        self.settings = settings
        self.history = history if history is not None else RequestHistory()
        self.sleep = sleep
        """Awaited between attempts; tests replace it to skip the wait."""
        self.clocks = clocks or Clocks(stopwatch=clock, wall=wall_clock)
        """Request timings and start times; by default this module's ``clock`` and
        ``wall_clock``, which screenshot rendering replaces for the whole process."""
        self.backoff_base = BACKOFF_BASE
        self.redactor = Redactor(settings.secrets())
        """Masks this connection's secrets wherever what it received is shown."""
        try:
            base_url = httpx.URL(settings.base_url)
            if base_url.port is not None and not 0 < base_url.port < 65536:
                raise ValueError(f"port {base_url.port} is not a TCP port (1 to 65535)")
            self.redactor = self.redactor.extended(_userinfo_secrets(base_url))
            # User info in the base URL becomes the client's Basic auth instead of staying in
            # every request URL, where httpx's log lines and traceback locals would show it.
            url_auth = httpx.BasicAuth(base_url.username, base_url.password)
            self._client = httpx.AsyncClient(
                base_url=base_url.copy_with(userinfo=b"") if base_url.userinfo else base_url,
                auth=url_auth if base_url.userinfo else None,
                transport=transport,
                timeout=httpx.Timeout(settings.timeout),
                verify=settings.verify if _tls_possible(base_url, settings.proxy) else False,
                proxy=settings.proxy,
                follow_redirects=False,
                headers={
                    "User-Agent": f"mpilot-tui/{__version__}",
                    "Accept": "application/json",
                    "Accept-Encoding": ACCEPT_ENCODING,
                },
            )
        except (httpx.InvalidURL, ValueError, OSError, ssl.SSLError) as exc:
            raise errors.RequestValidationError(
                self.scrub(f"invalid connection settings: {exc}")
            ) from None
        self._origin = self._client.base_url.copy_with(path="/", query=None, fragment=None)
        scrub_logs_of(self.redactor)

    async def aclose(self) -> None:
        await self._client.aclose()

    def route(self, url: httpx.URL | str) -> str:
        """``url``'s path below the base URL's (``/openai/v1/files``), which decides the
        credentials it carries (see :func:`~.settings.route_family`)."""
        prefix = self._client.base_url.path.rstrip("/")
        path = (url if isinstance(url, httpx.URL) else httpx.URL(url)).path
        return path[len(prefix) :] if prefix and path.startswith(prefix) else path

    def _auth_headers(self, route: str) -> dict[str, str]:
        """The credential headers for a request to ``route`` (built per request, never kept)."""
        return self.settings.auth_headers(route)

    @property
    def host(self) -> str:
        return self._client.base_url.host or str(self._client.base_url)

    def scrub(self, text: str) -> str:
        """``text`` with every secret of these settings masked (see :class:`.Redactor`)."""
        return self.redactor.scrub(text)

    def scrub_bytes(self, data: bytes) -> bytes:
        """``data`` with every secret of these settings masked."""
        return self.redactor.scrub_bytes(data)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter in its upper half."""
        delay: float = min(BACKOFF_CAP, self.backoff_base * 2.0**attempt)
        return delay * (0.5 + random.random() / 2)

    async def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        sink: Sink | None = None,
        headers: Mapping[str, str] | None = None,
        unbounded: bool = False,
    ) -> HttpResponse:
        """GET ``path`` with retries for 429/502/503/504 and connect errors.

        With a ``sink``, a 2xx body is not held but handed over chunk by chunk as it arrives
        (no size cap: the caller stops it by returning False or by cancelling); the
        response's ``content`` is then empty and ``size`` counts the bytes. An exception the
        sink raises ends the request and reaches the caller as it is. ``unbounded`` lifts the
        limit on the whole answer's time (each read keeps the timeout), for a download the
        user watches and can cancel.
        """
        clean = {k: str(v) for k, v in (params or {}).items() if v is not None}
        options = RequestOptions(
            sink=sink, headers=tuple((headers or {}).items()), unbounded=unbounded
        )
        attempts = max(0, self.settings.retries) + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._send("GET", path, clean, attempt + 1, options)
            except errors.ConnectError:
                if last:
                    raise
                await self.sleep(self.backoff(attempt))
                continue
            if response.status in RETRY_STATUSES and not last:
                wait = parse_retry_after(response.headers.get("retry-after"))
                await self.sleep(self.backoff(attempt) if wait is None else wait)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def post(self, path: str, params: Mapping[str, Any] | None = None) -> HttpResponse:
        """POST ``path`` with no body (``/api/session/ws-ticket``), once: a POST is not
        retried, since it may have done its work."""
        clean = {k: str(v) for k, v in (params or {}).items() if v is not None}
        return await self._send("POST", path, clean, 1, RequestOptions())

    async def _send(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        attempt: int,
        options: RequestOptions,
    ) -> HttpResponse:
        """One attempt, following same-origin redirects."""
        url = self._client.build_request(method, path, params=params).url
        # The route asked for decides the credentials; a same-origin redirect keeps them.
        route = self.route(url)
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._send_once(method, url, attempt, options, route=route)
            if response.status not in (301, 302, 303, 307, 308):
                return response
            location = response.headers.get("location")
            if not location:
                return response
            target = url.join(location)
            if (target.scheme, target.host, target.port) != (url.scheme, url.host, url.port):
                raise errors.RedirectError(
                    self.scrub(
                        f"{response.status} redirect from {redact_url(url)} to another origin "
                        f"({redact_url(target.copy_with(path='/', query=None))}): not followed "
                        "with credentials; point the base URL at the gateway itself"
                    ),
                    url=response.url,
                )
            url = target
        raise errors.RedirectError(f"more than {MAX_REDIRECTS} redirects", url=redact_url(url))

    async def _send_once(
        self,
        method: str,
        url: httpx.URL,
        attempt: int,
        options: RequestOptions,
        *,
        route: str,
    ) -> HttpResponse:
        """One request and its answer: record it, open it, read the body, close it."""
        shown_url = self.scrub(redact_url(url))
        record = RequestRecord(
            started_at=self.clocks.wall(),
            method=method,
            url=shown_url,
            attempt=attempt,
            request_headers=redact_headers({**dict(options.headers), **self._auth_headers(route)}),
        )
        self.history.add(record)
        start = self.clocks.stopwatch()
        try:
            async with asyncio.timeout(self.settings.timeout * 2) as deadline:
                response = await self._open(method, url, route, options)
                try:
                    if options.unbounded and options.sink is not None and response.is_success:
                        deadline.reschedule(None)  # each read still has the client's timeout
                    body = await self._read(response, shown_url, options)
                finally:
                    await response.aclose()
        except errors.MPilotError as exc:
            self._fail(record, exc, start)
            raise
        except BaseException as exc:
            mapped = self._map_exception(exc, shown_url)
            if mapped is None:
                record.error = "Cancelled"
                record.elapsed_ms = (self.clocks.stopwatch() - start) * 1000
                raise
            self._fail(record, mapped, start)
            raise mapped from None
        return self._close(record, response, body, start)

    async def _open(
        self, method: str, url: httpx.URL, route: str, options: RequestOptions
    ) -> httpx.Response:
        """Send the request; the answer's headers are in, its body still to read."""
        # The credentials go straight into the request and are never held in a local
        # variable, so that a traceback showing locals cannot show them.
        request = self._client.build_request(
            method, url, headers={**dict(options.headers), **self._auth_headers(route)}
        )
        if options.sink is None:  # read whole: an in-process app may answer in this task
            request.extensions[WHOLE_BODY] = True
        # The client's Basic auth from URL user info would replace an explicit
        # Authorization header; the settings' own credentials win.
        auth = _NO_AUTH if "Authorization" in request.headers else httpx.USE_CLIENT_DEFAULT
        return await self._client.send(request, stream=True, auth=auth)

    async def _read(
        self, response: httpx.Response, shown_url: str, options: RequestOptions
    ) -> _Body:
        """The body, decoded here rather than by httpx so that a layered encoding bomb is
        stopped after a bounded step (see _encoding). A 2xx body with a sink goes to the sink
        in pieces (see _feed): a transport that hands over a whole body at once (an
        in-process one) still lets the screen move and a cancel land."""
        body = _Body()
        sink = options.sink if response.is_success else None
        async for chunk in _decoded(response, self._decoder(response, shown_url)):
            body.size += len(chunk)
            if sink is not None:
                try:
                    if not await _feed(sink, chunk):
                        break
                except Exception as exc:  # the sink's own, e.g. a full disk
                    body.sink_failure = exc
                    break
                continue
            if body.size > MAX_BODY:
                raise errors.ProtocolError(
                    f"the answer from {self.host} is larger than "
                    f"{MAX_BODY // (1024 * 1024)} MB once decoded; refused",
                    url=shown_url,
                )
            body.chunks.append(chunk)
        return body

    def _close(
        self, record: RequestRecord, response: httpx.Response, body: _Body, start: float
    ) -> HttpResponse:
        """Complete the record of a request read to its end (or stopped by its sink)."""
        elapsed_ms = (self.clocks.stopwatch() - start) * 1000
        record.status = response.status_code
        record.elapsed_ms = elapsed_ms
        record.size = body.size
        if body.sink_failure is not None:
            record.error = type(body.sink_failure).__name__
            raise body.sink_failure
        content = b"".join(body.chunks)
        # A gateway may echo the credentials back; what the inspector shows never holds them.
        record.response_headers = tuple(
            (name, self.scrub(value)) for name, value in redact_headers(response.headers)
        )
        record.body = self.scrub_bytes(content[:MAX_BODY_KEPT])
        record.body_truncated = len(content) > MAX_BODY_KEPT
        return HttpResponse(
            method=record.method,
            url=record.url,
            status=response.status_code,
            reason=response.reason_phrase,
            headers=response.headers,
            content=content,
            elapsed_ms=elapsed_ms,
            started_at=record.started_at,
            record=record,
            size=body.size,
        )

    def _decoder(self, response: httpx.Response, url: str) -> BodyDecoder:
        try:
            return BodyDecoder(response.headers.get("content-encoding"))
        except EncodingRefused as exc:
            raise errors.NotJSONError(
                self.scrub(f"{self.host} sent a body that could not be decoded: {exc}"), url=url
            ) from None

    def _fail(self, record: RequestRecord, exc: errors.MPilotError, start: float) -> None:
        record.elapsed_ms = (self.clocks.stopwatch() - start) * 1000
        record.error = exc.kind
        record.error_message = str(exc)

    def _map_exception(self, exc: BaseException, url: str) -> errors.MPilotError | None:
        """The client's own error for an httpx or asyncio failure; None to re-raise as is."""
        host = self.host
        timeout = self.settings.timeout
        if isinstance(exc, httpx.ConnectTimeout):
            return errors.ConnectError(
                f"connecting to {host} timed out after {timeout:g} s", url=url
            )
        if isinstance(exc, httpx.TimeoutException | TimeoutError):
            return errors.TimeoutError(
                f"{host} did not answer completely within the {timeout:g} s timeout", url=url
            )
        if isinstance(exc, httpx.ConnectError):
            return errors.ConnectError(self.scrub(_describe_connect_error(host, exc)), url=url)
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            return errors.TransportError(
                self.scrub(f"the connection to {host} broke mid-answer: {_reason(exc)}"), url=url
            )
        if isinstance(exc, httpx.DecodingError | zlib.error):
            return errors.NotJSONError(
                f"{host} sent a body that could not be decoded: {_reason(exc)}", url=url
            )
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return errors.RequestValidationError(self.scrub(f"invalid base URL: {exc}"), url=url)
        if isinstance(exc, httpx.HTTPError | OSError):
            return errors.TransportError(self.scrub(f"request to {host} failed: {exc}"), url=url)
        if isinstance(exc, Exception):
            # Anything else from the transport still ends in the client's own tree.
            return errors.TransportError(
                self.scrub(f"request to {host} failed: {type(exc).__name__}: {_reason(exc)}"),
                url=url,
            )
        return None


_NO_AUTH = httpx.Auth()
"""An auth flow that adds nothing (keeps httpx from applying URL user info)."""


async def _decoded(response: httpx.Response, decoder: BodyDecoder) -> AsyncIterator[bytes]:
    """The response's body decoded in bounded steps, with a turn of the event loop between
    steps so that the deadline and a cancel can land during a long decode."""
    if response.is_stream_consumed:
        # Built in memory by an in-process transport (read, and decoded, by httpx already).
        decoder = BodyDecoder(None)
        for piece in decoder.decode(response.content):
            yield piece
            await asyncio.sleep(0)
        return
    async for raw in response.aiter_raw():
        for piece in decoder.decode(raw):
            yield piece
            await asyncio.sleep(0)
    for piece in decoder.finish():
        yield piece
        await asyncio.sleep(0)


async def _feed(sink: Sink, chunk: bytes) -> bool:
    """Hand ``chunk`` to ``sink`` in pieces of at most :data:`SINK_CHUNK`, with a turn of the
    event loop between; False when the sink wants no more."""
    for start in range(0, len(chunk), SINK_CHUNK):
        if not sink(chunk[start : start + SINK_CHUNK]):
            return False
        await asyncio.sleep(0)
    return True


def _userinfo_secrets(url: httpx.URL) -> list[str]:
    """The password of user info in ``url`` and the Basic credentials httpx derives from it."""
    if not url.password:
        return []
    pair = f"{url.username}:{url.password}".encode()
    return [url.password, base64.b64encode(pair).decode("ascii")]


_PROXY_ENV = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def _tls_possible(base_url: httpx.URL, proxy: str | None) -> bool:
    """Whether any connection of this client could use TLS.

    A plain-http gateway reached directly never does (redirects to another origin are not
    followed), and building httpx's SSL context costs some 35 ms per start.
    """
    if base_url.scheme != "http":
        return True
    if proxy and not proxy.startswith("http://"):
        return True
    return any(os.environ.get(name) for name in _PROXY_ENV)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return re.sub(r"\s+", " ", text)[:300]


def _root_causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from (httpx wraps the OS error)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _describe_connect_error(host: str, exc: httpx.ConnectError) -> str:
    causes = _root_causes(exc)
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return f"could not connect to {host}: connection refused"
    reason = "; ".join(dict.fromkeys(_reason(c) for c in causes))
    lowered = reason.lower()
    if "wrong_version_number" in lowered or "wrong version number" in lowered:
        # The TLS hello was answered with something that is not TLS: a plain-HTTP server.
        return (
            f"TLS failed with {host}: the server answered in plain HTTP, not TLS"
            f" ({reason}); use an http:// base URL for it"
        )
    if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        return f"TLS failed with {host}: {reason} (use a CA bundle with `verify`, or fix the cert)"
    if (
        "name or service not known" in lowered
        or "nodename nor servname" in lowered
        or ("temporary failure in name resolution" in lowered)
    ):
        return f"could not resolve host {host}: {reason}"
    if "refused" in lowered:
        return f"could not connect to {host}: connection refused"
    return f"could not connect to {host}: {reason}"
