"""The answers the connection layer gives in place of the app's, in the shape of every other
error of the service: `{"error": "<code>", "message": "<field or header>: <why>", "detail": []}`.

The app's error helpers are not imported: this layer runs before (and without) the app, and
these codes (408, 431, 503 over capacity) are ones the app itself never gives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from uvicorn._types import ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.protocols.http.httptools_impl import STATUS_LINE


@dataclass(frozen=True)
class Refusal:
    """A JSON answer that closes the connection. Sent either through uvicorn's request cycle
    (as an ASGI app, so it is framed and ordered like any answer) or, when there is no
    complete request to answer through, written straight to the transport."""

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

    def raw(self, default_headers: Iterable[tuple[bytes, bytes]]) -> bytes:
        """The whole response, with uvicorn's default headers (date, server) first."""
        lines = [STATUS_LINE[self.status]]
        lines += [
            name + b": " + value + b"\r\n" for name, value in (*default_headers, *self.headers)
        ]
        return b"".join([*lines, b"\r\n", self.body])

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


def headers_too_slow(seconds: float) -> Refusal:
    return Refusal.of(
        408,
        "request_timeout",
        f"headers: not complete within {seconds:g} s (CGPA_HEADER_TIMEOUT)",
    )


def body_too_slow(seconds: float) -> Refusal:
    return Refusal.of(
        408,
        "request_timeout",
        f"body: not complete within {seconds:g} s of the headers (CGPA_BODY_TIMEOUT)",
    )


def headers_too_large(limit: int) -> Refusal:
    return Refusal.of(
        431,
        "request_header_fields_too_large",
        f"headers: request line and headers are larger than the limit of {limit} bytes "
        "(CGPA_MAX_HEADER_BYTES)",
    )


def over_capacity(limit: int, retry_after: int) -> Refusal:
    return Refusal.of(
        503,
        "over_capacity",
        f"connection: the server is at its limit of {limit} open connections or requests in "
        f"flight (CGPA_MAX_CONCURRENCY); retry after {retry_after} s",
        (b"retry-after", str(retry_after).encode()),
    )
