"""The gateway's error envelope, and the exception the demo's handlers raise to send one.

Every error body is::

    {"event_id", "type"?, "is_bifrost_error", "status_code",
     "error": {"type"?, "code"?, "message", "param"?, "event_id", "error"?},
     "extra_fields": {"provider"?, "request_type"?, "raw_response"?}}

with empty fields omitted (Go ``omitempty``). An error without a status of its own answers
400 on a native ``/v1/...`` route and 500 on an ``/openai/...`` route.

Two 2.x shapes besides: a *plain* error (validation 400s, a 401 ``Unauthorized``) is
``{"is_bifrost_error": false, "status_code", "error": {"message"}, "extra_fields": {}}``, with
no event id, type or code; a virtual-key error puts its code only in the top-level ``type``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse, Response

__all__ = ["GatewayError", "GoJSONResponse", "api_error", "upstream_error"]


class GatewayError(Exception):
    """An error the gateway answers with its envelope."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        error_type: str | None = None,
        param: str | None = None,
        go_error: str | None = None,
        is_bifrost_error: bool = True,
        provider: str | None = None,
        request_type: str | None = None,
        raw_response: dict[str, Any] | None = None,
        plain: bool = False,
        top_level_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        """None: the route decides (400 native, 500 ``/openai``)."""
        self.code = code
        self.error_type = error_type
        self.param = param
        self.go_error = go_error
        self.is_bifrost_error = is_bifrost_error
        self.provider = provider
        self.request_type = request_type
        self.raw_response = raw_response
        self.plain = plain
        """The 2.x plain shape: message only, no event id, type or code."""
        self.top_level_type = top_level_type
        """A code carried only in the top-level ``type`` (2.x virtual-key errors)."""
        self.headers = dict(headers or {})
        """HTTP headers sent with the error (2.x forwards the upstream's)."""

    def status_for(self, *, native: bool) -> int:
        """The HTTP status this error is answered with on a native or ``/openai`` route."""
        if self.status is not None:
            return self.status
        return 400 if native else 500

    def body(self, *, status: int, event_id: str, request_type: str | None) -> dict[str, Any]:
        """The envelope, empty fields omitted."""
        if self.plain:
            return {
                "is_bifrost_error": False,
                "status_code": status,
                "error": {"message": self.message},
                "extra_fields": {},
            }
        error: dict[str, Any] = {}
        if self.error_type:
            error["type"] = self.error_type
        if self.code:
            error["code"] = self.code
        error["message"] = self.message
        if self.param:
            error["param"] = self.param
        error["event_id"] = event_id
        if self.go_error:
            error["error"] = self.go_error
        extra: dict[str, Any] = {}
        if self.provider:
            extra["provider"] = self.provider
        if self.request_type or request_type:
            extra["request_type"] = self.request_type or request_type
        if self.raw_response is not None:
            extra["raw_response"] = self.raw_response
        body: dict[str, Any] = {"event_id": event_id}
        if self.top_level_type or self.error_type:
            body["type"] = self.top_level_type or self.error_type
        body["is_bifrost_error"] = self.is_bifrost_error
        body["status_code"] = status
        body["error"] = error
        if extra:
            body["extra_fields"] = extra
        return body

    def response(
        self, *, native: bool, event_id: str, request_type: str | None = None
    ) -> JSONResponse:
        """The JSON response carrying this error."""
        status = self.status_for(native=native)
        return JSONResponse(
            self.body(status=status, event_id=event_id, request_type=request_type),
            status_code=status,
            headers=self.headers or None,
        )


def upstream_error(
    status: int,
    message: str,
    *,
    provider: str,
    request_type: str,
    param: str | None = None,
    code: str | None = None,
) -> GatewayError:
    """An error the upstream provider answered: its status is kept, its body embedded."""
    raw = {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": param,
            "code": code,
        }
    }
    return GatewayError(
        message,
        status=status,
        code=code,
        error_type="invalid_request_error",
        param=param,
        is_bifrost_error=False,
        provider=provider,
        request_type=request_type,
        raw_response=raw,
    )


class GoJSONResponse(JSONResponse):
    """JSON as Go's ``encoding/json`` Encoder writes it: ``<>&`` escaped, a final newline."""

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            text = text.replace(char, escape)
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        return (text + "\n").encode("utf-8")


def api_error(status: int, message: str) -> Response:
    """A management API error (``SendError``): no event id, type or code."""
    body = {
        "is_bifrost_error": False,
        "status_code": status,
        "error": {"message": message},
        "extra_fields": {},
    }
    return GoJSONResponse(body, status_code=status)
