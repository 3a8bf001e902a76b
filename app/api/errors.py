"""Every answer that is not a success, built in one place.

An `ApiError` carries the status, one sentence naming the field and why, and the details;
it is rendered in one of two shapes: ours (`{"error", "message", "detail"}`, every route but
the Open Inference Protocol's) or the protocol's own (`{"error": "<message>"}`). The handlers
installed on the app give routing's 404 and 405 and any unexpected exception the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from enum import Enum

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.api.responses import FastJSONResponse

logger = logging.getLogger("cgpa.errors")

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    499: "client_closed_request",
    500: "internal_error",
    409: "conflict",
    503: "not_ready",
}


class ErrorStyle(Enum):
    OURS = "ours"
    PROTOCOL = "protocol"  # the Open Inference Protocol's {"error": "<message>"}


class ApiError(Exception):
    """An error answer. `message` starts with the field it is about (`grades[2]: ...`)."""

    def __init__(
        self,
        status: int,
        message: str,
        detail: Sequence[Mapping[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = list(detail)
        self.headers = dict(headers or {})


def error_body(error: ApiError) -> dict:
    return {
        "error": ERROR_CODES.get(error.status, "error"),
        "message": error.message,
        "detail": error.detail,
    }


def error_response(error: ApiError, style: ErrorStyle = ErrorStyle.OURS) -> Response:
    if error.status == 499:  # nobody is left to read an answer
        return Response(status_code=499)
    content = error_body(error) if style is ErrorStyle.OURS else {"error": error.message}
    return FastJSONResponse(content, status_code=error.status, headers=error.headers)


def internal_error(request: Request, exc: Exception) -> ApiError:
    # Never expected: every input is validated. Logged loudly, answered without internals.
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return ApiError(500, "internal error")


def routing_error(request: Request, status: int, headers: Mapping[str, str] | None) -> ApiError:
    """Routing's own 404 and 405, worded so that a client learns what to send instead."""
    method, path = request.method, request.url.path
    if status == 405:
        allowed = {name.lower(): value for name, value in (headers or {}).items()}.get("allow", "")
        verb = "POST a JSON body" if allowed == "POST" else f"use {allowed}"
        return ApiError(405, f"{method} {path}: method not allowed; {verb}", headers=headers)
    if status == 404:
        message = f"{method} {path}: no such route"
        trimmed = path.rstrip("/")
        if trimmed != path and _has_route(request, trimmed):
            message += f"; did you mean {trimmed} (without the trailing slash)?"
        return ApiError(404, message)
    return ApiError(status, f"{method} {path}: {ERROR_CODES.get(status, 'error')}", headers=headers)


def _has_route(request: Request, path: str) -> bool:
    scope = {**request.scope, "path": path}
    return any(route.matches(scope)[0] is not Match.NONE for route in request.app.router.routes)


def install_error_handlers(app: FastAPI) -> None:
    async def on_http_error(request: Request, exc: Exception) -> Response:
        # Registered for StarletteHTTPException only; Starlette's handler type is wider.
        assert isinstance(exc, StarletteHTTPException)
        return error_response(routing_error(request, exc.status_code, exc.headers))

    async def on_unexpected_error(request: Request, exc: Exception) -> Response:
        return error_response(internal_error(request, exc))

    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected_error)
