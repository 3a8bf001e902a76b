"""Every error answer is JSON shaped like `ErrorResponse` and names the field and the reason.

Also home of `StrictJSONRoute`: FastAPI parses bodies with `json.loads`, which silently accepts
`NaN`/`Infinity` literals and lets a duplicated key overwrite the first. Both are refused here,
as JSON decode errors, so they become the same 422 as any other malformed body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app.responses import FastJSONResponse

logger = logging.getLogger("cgpa.errors")

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    503: "not_ready",
}
# A 1 MB body can hold ~100,000 invalid values; describing them all took seconds of the event
# loop and a ~20 MB answer. The first few say what is wrong; the message gives the count.
MAX_DETAILS = 20


def field_name(location: Sequence[str | int]) -> str:
    """("body", "students", 3, "grades", 0) -> "students[3].grades[0]"."""
    parts = list(location[1:] if location and location[0] in ("body", "query") else location)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def describe_validation_errors(errors: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    details = []
    for error in errors:
        if error["type"] == "json_invalid":
            # FastAPI puts the character offset where a field name would be.
            reason = error.get("ctx", {}).get("error", "invalid JSON")
            details.append(
                {
                    "field": "body",
                    "message": f"{reason} (at character {error['loc'][-1]})",
                    "type": "json_invalid",
                }
            )
        else:
            details.append(
                {"field": field_name(error["loc"]), "message": error["msg"], "type": error["type"]}
            )
    return details


def error_body(status: int, message: str, detail: list[dict[str, str]] | None = None) -> dict:
    return {"error": ERROR_CODES.get(status, "error"), "message": message, "detail": detail or []}


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    detail = describe_validation_errors(errors[:MAX_DETAILS])
    first = detail[0] if detail else {"field": "body", "message": "invalid request"}
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    message = f"{first['field']}: {first['message']}{more}"
    return FastJSONResponse(error_body(422, message, detail), status_code=422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    return FastJSONResponse(
        error_body(exc.status_code, str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def client_gone(request: Request, exc: ClientDisconnect) -> Response:
    # The client closed the connection before its body arrived: nobody reads this answer.
    # 499 ("client closed request", as nginx logs it) keeps it out of the 5xx counts.
    return Response(status_code=499)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Never expected: every input is validated. Log it loudly, answer without internals.
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return FastJSONResponse(error_body(500, "internal error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ClientDisconnect, client_gone)
    app.add_exception_handler(Exception, _unexpected_error)


def validation_error(location: tuple[str | int, ...], message: str, kind: str) -> Exception:
    """A 422 raised by a route for a rule only known at run time (e.g. the model's max history)."""
    return RequestValidationError([{"loc": ("body", *location), "msg": message, "type": kind}])


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON; grades must be finite numbers")


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    body = dict(pairs)
    if len(body) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"duplicate key {duplicate!r}")
    return body


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(
                    body.decode("utf-8"),
                    parse_constant=_refuse_constant,
                    object_pairs_hook=_refuse_duplicate_keys,
                )
            except json.JSONDecodeError:
                raise
            except (ValueError, RecursionError) as error:
                # Also invalid UTF-8 (UnicodeDecodeError), and nesting deeper than Python's
                # recursion limit (FastAPI would answer that with a vague 400). Re-raised as a
                # decode error so FastAPI answers it as malformed JSON (422).
                if isinstance(error, RecursionError):
                    reason: object = "nested too deeply"
                elif isinstance(error, UnicodeError):
                    reason = "body is not valid UTF-8"
                else:
                    reason = error
                raise json.JSONDecodeError(str(reason), "", 0) from error
        return self._json


def as_strict(request: Request) -> StrictJSONRequest:
    """The request itself when it already is strict (so a body it has read stays read)."""
    if isinstance(request, StrictJSONRequest):
        return request
    return StrictJSONRequest(request.scope, request.receive)


class StrictJSONRoute(APIRoute):
    """An APIRoute whose body parser refuses NaN/Infinity literals and duplicate keys."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(as_strict(request))

        return strict_handler
