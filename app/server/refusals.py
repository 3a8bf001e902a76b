"""The answers the connection limits give in place of the app's, in the shape of every other
error of the service: `{"error": "<code>", "message": "<field or header>: <why>", "detail": []}`.

The app's error helpers are not imported: the protocol's refusals go out before (and
without) the app, and `RequestLimits` runs before any of the app's own middleware.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

import orjson

# The ASGI callables in their standard shapes (as starlette.types spells them), so this layer
# imports no server's private typing module.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger("cgpa.server")


@dataclass(frozen=True)
class Refusal:
    """A JSON answer that closes the connection. Sent either as an ASGI app (by
    `RequestLimits`, so the server frames and orders it like any answer) or, when there is
    no complete request to answer through, written straight to the transport (`raw`)."""

    status: int
    message: str
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def of(cls, status: int, error: str, message: str, *extra: tuple[bytes, bytes]) -> Refusal:
        body = orjson.dumps({"error": error, "message": message, "detail": []})
        headers = (
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            *extra,
        )
        return cls(status, message, body, headers)

    def raw(self) -> bytes:
        """The whole response, as written straight to a transport, with a Date header."""
        status = HTTPStatus(self.status)
        date = (b"date", formatdate(usegmt=True).encode())
        lines = [f"HTTP/1.1 {status.value} {status.phrase}\r\n".encode()]
        lines += [name + b": " + value + b"\r\n" for name, value in (date, *self.headers)]
        return b"".join([*lines, b"\r\n", self.body])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


def headers_too_slow(seconds: float) -> Refusal:
    return Refusal.of(
        408,
        "request_timeout",
        f"headers: not complete within {seconds:g} s (CGPA_HEADER_TIMEOUT)",
    )


def headers_too_large(limit: int) -> Refusal:
    return Refusal.of(
        431,
        "request_header_fields_too_large",
        f"headers: request line and headers are larger than the limit of {limit} bytes "
        "(CGPA_MAX_HEADER_BYTES)",
    )


def not_http(reason: str) -> Refusal:
    # The parser's reason (httptools'), cut short: it names the part of the request it
    # stopped at, never echoes the request.
    said = f" ({reason[:80]})" if reason else ""
    return Refusal.of(400, "bad_request", f"request: not a valid HTTP/1.1 request{said}")


def version_not_supported(version: str) -> Refusal:
    return Refusal.of(
        505,
        "http_version_not_supported",
        f"request line: HTTP/{version[:8]} is not served here; send HTTP/1.1 (or HTTP/1.0)",
    )


def host_count(count: int) -> Refusal:
    if count == 0:
        return Refusal.of(400, "bad_request", "host: an HTTP/1.1 request needs a Host header")
    return Refusal.of(400, "bad_request", f"host: sent {count} times; send one Host header")


def transfer_coding_not_implemented(codings: str) -> Refusal:
    return Refusal.of(
        501,
        "not_implemented",
        f"transfer-encoding: {codings[:80]} is not decoded here; send the body with "
        "Content-Length or Transfer-Encoding: chunked alone",
    )


def over_capacity(limit: int, retry_after: int) -> Refusal:
    return Refusal.of(
        503,
        "over_capacity",
        f"connection: the server is at its limit of {limit} requests in flight "
        f"(CGPA_MAX_CONCURRENCY); retry after {retry_after} s",
        (b"retry-after", str(retry_after).encode()),
    )


def log_refusal(refusal: Refusal, client: str) -> None:
    level = logging.WARNING if refusal.status == 503 else logging.INFO
    logger.log(
        level,
        "refused a request",
        extra={"client": client, "status": refusal.status, "reason": refusal.message},
    )
