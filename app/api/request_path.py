"""The one path every guarded route takes: `answer(request, contract)`.

In order: the key (401, before anything about the body is revealed; the API key, or the
admin key for the admin routes), the content type and coding (415), the body within its size limit
and deadline (413, 408; 499 if the client hangs up), a loaded model (503), then the route's
own work, which decodes the body (422), predicts and encodes. Any `ApiError` on the way is
rendered in the route's error style, and anything unexpected is logged and answered 500 in
that style too. Each rule is one function, called from here only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive

from app.api.deadlines import within
from app.api.errors import ApiError, ErrorStyle, error_response, internal_error
from app.api.security import check_admin_key, check_api_key
from app.config import Settings
from app.model.admission import Overloaded
from app.model.predictor import Predictor
from app.state import NOT_LOADED, ServiceState

JSON_ONLY = "content-type: send the body as application/json"
UNCOMPRESSED_ONLY = "content-encoding: {coding} is not decoded here; send the body uncompressed"


@dataclass(slots=True)
class Call:
    """What a route's work gets: the request, the service, the model and the body."""

    request: Request
    state: ServiceState
    predictor: Predictor
    body: bytes


class Guard(Enum):
    API_KEY = "api key"  # CGPA_API_KEY in X-API-Key, when set
    ADMIN_KEY = "admin key"  # CGPA_ADMIN_KEY in X-Admin-Key


@dataclass(frozen=True)
class RouteContract:
    """What one route declares: its own work, which of the common checks come before it,
    and the error answers of its own work. Its documented error answers are derived from
    this (app/api/error_answers.py), so the docs list what the checks can answer."""

    work: Callable[[Call], Awaitable[Response]]
    guard: Guard = Guard.API_KEY
    reads_body: bool = True
    style: ErrorStyle = ErrorStyle.OURS
    # Media types read as JSON besides application/json and */*+json (the protocol's
    # clients send none, or curl's form default).
    also_json: frozenset[str] = frozenset()
    # Errors the work itself answers beyond the common checks': status -> when.
    own_errors: Mapping[int, str] = field(default_factory=dict)
    # The body's size limit from the settings, when it is not CGPA_MAX_BODY_BYTES (a route
    # whose item limit needs more room than the default gives).
    body_limit: Callable[[Settings], int] | None = None


async def answer(request: Request, contract: RouteContract) -> Response:
    state: ServiceState = request.app.state.service
    try:
        if contract.guard is Guard.API_KEY:
            check_api_key(request.headers, state.settings.api_key)
        else:
            check_admin_key(request.headers, state.settings.admin_key)
        body = b""
        if contract.reads_body:
            require_json(request.headers, contract)
            require_identity(request.headers, contract)
            settings = state.settings
            limit = settings.max_body_bytes
            if contract.body_limit is not None:
                limit = contract.body_limit(settings)
            body = await read_body(request.receive, request.headers, limit, settings.body_timeout)
        predictor = ready_predictor(state)
        return await contract.work(Call(request, state, predictor, body))
    except ApiError as error:
        return error_response(error, contract.style)
    except Overloaded as refusal:
        waited = refusal.waited
    except ClientDisconnect:
        return error_response(ApiError(499, "client closed the connection"), contract.style)
    except Exception as exc:
        return error_response(internal_error(request, exc), contract.style)
    # Here, past the except blocks, the refused request's parsed body is already released.
    # Refused at once (the queue was full), it is answered only after the wait the queued
    # ones get: a client that retries without pause then costs a parse every
    # CGPA_ADMISSION_WAIT seconds, instead of keeping the worker busy refusing it.
    if not waited:
        await asyncio.sleep(state.settings.admission_wait)
    return error_response(overloaded(state.settings.retry_after), contract.style)


def overloaded(retry_after: int) -> ApiError:
    """The 503 of a request that waited too long for room under CGPA_MAX_ROWS_IN_FLIGHT:
    the same shape as the connection cap's, so a client handles both alike."""
    return ApiError(
        503,
        "work: the server is at its limit of prediction work in flight "
        f"(CGPA_MAX_ROWS_IN_FLIGHT); retry after {retry_after} s",
        headers={"retry-after": str(retry_after)},
        code="over_capacity",
    )


def ready_predictor(state: ServiceState) -> Predictor:
    """The model to answer with, or a 503 saying why there is none."""
    predictor = state.predictor
    if predictor is None:
        raise ApiError(503, NOT_LOADED)
    return predictor


def media_type(headers: Headers) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def require_json(headers: Headers, contract: RouteContract) -> None:
    kind = media_type(headers)
    if kind == "application/json" or kind.endswith("+json") or kind in contract.also_json:
        return
    if contract.style is ErrorStyle.PROTOCOL:  # the protocol answers every bad request 400
        raise ApiError(
            400, f"content-type: send the inference request as application/json, not {kind}"
        )
    raise ApiError(415, JSON_ONLY)


def require_identity(headers: Headers, contract: RouteContract) -> None:
    """415 for a body in any content coding but `identity`. Refused, not decoded: a gzip
    body would otherwise reach the strict parser as bytes (a confusing "not valid UTF-8"),
    a plain body labelled gzip would pass, and a decompression bomb cannot reach the parser
    if nothing is decompressed. The protocol's style answers it 400, like the content type."""
    for value in headers.getlist("content-encoding"):
        for coding in value.split(","):
            coding = coding.strip().lower()
            if coding and coding != "identity":
                status = 400 if contract.style is ErrorStyle.PROTOCOL else 415
                raise ApiError(status, UNCOMPRESSED_ONLY.format(coding=coding[:40]))


def too_slow(timeout: float) -> ApiError:
    # Closed after the answer, like a 413: the rest of the body may still be on its way.
    return ApiError(
        408,
        f"body: not complete within {timeout:g} s of the headers (CGPA_BODY_TIMEOUT)",
        headers={"connection": "close"},
    )


def too_large(limit: int) -> ApiError:
    # Closed after the answer: the rest of the body is never read, so the connection
    # cannot carry another request.
    return ApiError(
        413,
        f"body: request body is larger than the limit of {limit} bytes",
        headers={"connection": "close"},
    )


async def read_body(receive: Receive, headers: Headers, limit: int, timeout: float) -> bytes:
    """The whole body, refused with 413 as soon as it is known to pass `limit` bytes: before
    a byte is read when Content-Length says so, or mid-stream for a chunked body; and with
    408 if it has not all come within `timeout` seconds (CGPA_BODY_TIMEOUT) of the headers.
    The app is called once the headers are complete, so the deadline counts from there."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        with within(timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientDisconnect()
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except TimeoutError:
        raise too_slow(timeout) from None
