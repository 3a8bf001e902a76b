"""`RequestLimits`: which complete requests the app takes on, as a pure ASGI middleware, so
any ASGI server (`python -m app`, plain `uvicorn app.main:app`, another) applies it.

- The request line and headers within CGPA_MAX_HEADER_BYTES, or 431 and close. The protocol
  (app/server/protocol.py) cuts off headers that never end; complete ones are measured here.
- Exactly one Host header in an HTTP/1.1 request, at most one in an HTTP/1.0 one, or 400
  (RFC 9112 3.2: which of two hosts would the client have meant?).
- No transfer coding but `chunked`, or 501 (RFC 9112 6.1): the app reads bodies as they
  come, and a `gzip, chunked` body would reach it still compressed. (A coding list that does
  not end in `chunked` never gets here: the parser refuses it, 400, as RFC 9112 6.3 says.)
- At most CGPA_MAX_CONCURRENCY requests in flight in this worker, or 503 with Retry-After
  (CGPA_RETRY_AFTER) and close. A request counts from the moment its headers are complete
  until its answer is sent, whatever it waits on; an idle kept-alive connection does not
  count (the timeouts bound those).

Both checks run before any of the app's own middleware, so a refused request costs no more
than the refusal; it is logged by `cgpa.server` like the protocol's refusals, and gets no
access-log line (it never reached the app). Other scope types (lifespan, websocket) pass
straight through.
"""

from __future__ import annotations

from app.server.refusals import (
    App,
    Receive,
    Refusal,
    Scope,
    Send,
    headers_too_large,
    host_count,
    log_refusal,
    over_capacity,
    transfer_coding_not_implemented,
)

# What the request line adds to the sum of the headers: "GET ", " HTTP/1.1\r\n".
REQUEST_LINE_FRAME = 16
# Per header: ": " and "\r\n".
HEADER_FRAME = 4


class RequestLimits:
    def __init__(
        self, app: App, max_header_bytes: int, max_concurrency: int, retry_after: int
    ) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes
        self.max_concurrency = max_concurrency
        self.retry_after = retry_after
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is not None:
            client = scope.get("client") or ("unknown", 0)
            log_refusal(refusal, f"{client[0]}:{client[1]}")
            await refusal(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    def refusal(self, scope: Scope) -> Refusal | None:
        raw_path = scope.get("raw_path")  # optional in ASGI; uvicorn and Granian give it
        path_size = len(raw_path) if raw_path is not None else len(scope["path"])
        size = REQUEST_LINE_FRAME + path_size + len(scope["query_string"])
        hosts = 0
        other_coding = None
        for name, value in scope["headers"]:  # names are lower case in ASGI
            size += len(name) + len(value) + HEADER_FRAME
            if name == b"host":
                hosts += 1
            elif name == b"transfer-encoding" and value.strip().lower() != b"chunked":
                other_coding = value
        if size > self.max_header_bytes:
            return headers_too_large(self.max_header_bytes)
        if hosts != 1 and (hosts > 1 or scope.get("http_version") == "1.1"):
            return host_count(hosts)
        if other_coding is not None:
            return transfer_coding_not_implemented(other_coding.decode("latin-1"))
        if self.in_flight >= self.max_concurrency:
            return over_capacity(self.max_concurrency, self.retry_after)
        return None
