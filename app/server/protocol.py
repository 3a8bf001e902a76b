"""uvicorn's httptools protocol with the limits a slow or abusive client needs.

Stock uvicorn (httptools) waits for a request's headers and body without limit and accepts
headers of any size, so a client trickling bytes holds a connection, and its file
descriptor, forever. This subclass adds, per connection:

- a deadline for the request line and headers (CGPA_HEADER_TIMEOUT), counted from the
  connection opening or, on a kept-alive connection, from the request's first byte (uvicorn's
  keep-alive timeout bounds the wait before it); past it, 408 and close (or a plain close if
  not a byte came);
- a deadline for the body (CGPA_BODY_TIMEOUT), counted from the end of the headers;
- a size limit for the request line and headers (CGPA_MAX_HEADER_BYTES): 431 and close;
- uvicorn's own concurrency cap (`limit_concurrency`), checked by uvicorn's rule but answered
  in JSON with Retry-After (CGPA_RETRY_AFTER) instead of uvicorn's plain text.

`python -m app` serves with it and hands uvicorn CGPA_KEEP_ALIVE_TIMEOUT and
CGPA_MAX_CONCURRENCY as its `timeout_keep_alive` and `limit_concurrency`. Plain
`uvicorn app.main:app` does not use it; `--http app.server.protocol:LimitedHttpToolsProtocol`
does, with the CGPA_* timeouts and header limit, while the keep-alive timeout and the cap are
then uvicorn's `--timeout-keep-alive` and `--limit-concurrency`. (Under `--http h11`,
`--h11-max-incomplete-event-size` limits the headers, answered with a plain 400, and
`--limit-concurrency` gives a plain-text 503; nothing bounds a slow request there.)

Cost per request on a keep-alive connection: three overridden parser callbacks, a byte count
per chunk while headers are incomplete, one sum over the parsed headers, one deadline store
(two if the body comes in later chunks). There is no timer per request or per chunk: one
watchdog per connection fires at the earliest deadline it was set for and, if the connection
has moved on, re-arms for the current one.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from app.config import Settings, get_settings
from app.server import refusals
from app.server.refusals import Refusal
from app.server.write_combining import CombinedWrites

logger = logging.getLogger("cgpa.server")

HEADERS = "headers"
BODY = "body"
UPGRADED = "upgraded"  # handed over to a WebSocket protocol: nothing to time here
# An unfinished request line and headers may run this far past CGPA_MAX_HEADER_BYTES before
# the connection is cut mid-request; a complete one just past the limit thus gets a clean 431
# (sent once it is read) rather than a close while the client is still writing.
UNFINISHED_MARGIN = 64 * 1024
# libuv counts timers in whole milliseconds, so a watchdog may fire a little before its
# deadline; that early it counts as on time, rather than re-arming in a tight loop.
EARLY_FIRING = 0.005


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout: float
    body_timeout: float
    max_header_bytes: int
    retry_after: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            header_timeout=settings.header_timeout,
            body_timeout=settings.body_timeout,
            max_header_bytes=settings.max_header_bytes,
            retry_after=settings.retry_after,
        )


@functools.cache
def process_limits() -> ConnectionLimits:
    return ConnectionLimits.from_settings(get_settings())


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    # uvicorn's methods are called as `HttpToolsProtocol.name(self, ...)`, not through
    # `super()`: on Python 3.11 `super()` builds an object per call, and the overrides below
    # run several times per request.

    # One system call per answer instead of uvicorn's two (app/server/write_combining.py).
    combine_writes = True

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        limits: ConnectionLimits | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits if limits is not None else process_limits()
        self.unfinished_header_limit = self.limits.max_header_bytes + UNFINISHED_MARGIN
        # The same cap and rule as uvicorn's, but answered here (JSON, Retry-After): uvicorn's
        # own check is switched off for this connection.
        self.max_concurrency, self.limit_concurrency = self.limit_concurrency, None
        self.phase: str | None = None
        self.deadline = 0.0
        self.watchdog: asyncio.TimerHandle | None = None
        # Bytes received while the current request's headers were incomplete. Counted per
        # chunk before parsing and reset when the headers end, so it never counts more than
        # the headers (it may count less, by the part of a chunk before the request began).
        self.reading_headers = True
        self.header_bytes = 0

    # --- where uvicorn's protocol moves from one part of a request to the next ------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if self.combine_writes:
            transport = CombinedWrites(transport, self.loop)  # type: ignore[assignment]
        super().connection_made(transport)
        self.expect(HEADERS, self.limits.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_watching()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self.reading_headers:
            HttpToolsProtocol.data_received(self, data)  # more of a body, already timed
            return
        if self.phase is None:
            # The first bytes of a next request on a kept-alive connection (uvicorn's
            # keep-alive timeout has bounded the wait for them).
            self.expect(HEADERS, self.limits.header_timeout)
        self.header_bytes += len(data)
        HttpToolsProtocol.data_received(self, data)
        if self.reading_headers:
            # httptools keeps an unfinished header line in its own buffer and hands it over
            # only once complete, so an endless one is stopped here, by the bytes that came.
            if self.header_bytes > self.unfinished_header_limit and not self.transport.is_closing():
                self.refuse_unparsed(refusals.headers_too_large(self.limits.max_header_bytes))
        elif self.phase is None and not self.transport.is_closing():
            # The headers ended in this chunk but the body did not: time the rest of it.
            self.expect(BODY, self.limits.body_timeout)

    def on_headers_complete(self) -> None:
        self.reading_headers = False
        self.header_bytes = 0
        self.phase = None
        refusal = None
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.limits.max_header_bytes:
            refusal = refusals.headers_too_large(self.limits.max_header_bytes)
        elif self.max_concurrency is not None and (
            len(self.connections) >= self.max_concurrency or len(self.tasks) >= self.max_concurrency
        ):
            refusal = refusals.over_capacity(self.max_concurrency, self.limits.retry_after)
        if refusal is None:
            HttpToolsProtocol.on_headers_complete(self)
            return
        self.log_refusal(refusal)
        # uvicorn runs `self.app` for the request; making that the refusal for this one
        # request gets it framed, queued behind any earlier answer, and followed by a close.
        app, self.app = self.app, refusal
        try:
            HttpToolsProtocol.on_headers_complete(self)
        finally:
            self.app = app

    def on_message_complete(self) -> None:
        HttpToolsProtocol.on_message_complete(self)
        self.reading_headers = True
        if self.cycle is not None and self.cycle.response_complete:
            # Answered before its body ended (say, a 405): the body's bytes cancelled uvicorn's
            # keep-alive timer, so the wait for a next request is timed here instead.
            self.expect(HEADERS, self.limits.header_timeout)
        else:
            self.phase = None  # the app's turn: its time is not the client's

    def handle_websocket_upgrade(self) -> None:
        self.stop_watching()
        self.phase = UPGRADED  # the transport now belongs to the WebSocket protocol
        super().handle_websocket_upgrade()

    # --- deadlines ------------------------------------------------------------------------

    def expect(self, phase: str, timeout: float) -> None:
        self.phase = phase
        self.deadline = deadline = self.loop.time() + timeout
        watchdog = self.watchdog
        if watchdog is None or watchdog.when() > deadline:
            if watchdog is not None:
                watchdog.cancel()
            self.watchdog = self.loop.call_at(deadline, self.check_deadline)

    def stop_watching(self) -> None:
        self.phase = None
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None

    def check_deadline(self) -> None:
        self.watchdog = None
        if self.phase in (None, UPGRADED) or self.transport.is_closing():
            return
        if self.loop.time() < self.deadline - EARLY_FIRING:
            self.watchdog = self.loop.call_at(self.deadline, self.check_deadline)
        elif self.phase == HEADERS:
            if self.header_bytes:
                self.refuse_unparsed(refusals.headers_too_slow(self.limits.header_timeout))
            else:
                logger.debug("closed a connection that sent nothing", extra=self.who())
                self.transport.close()
        else:
            self.refuse_body()

    # --- refusing -------------------------------------------------------------------------

    def refuse_unparsed(self, refusal: Refusal) -> None:
        """Answer a request whose headers never completed, so uvicorn has no cycle for it;
        if an earlier answer is still owed on this connection, just close."""
        self.log_refusal(refusal)
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(refusal.raw(self.server_state.default_headers))
        self.transport.close()

    def refuse_body(self) -> None:
        refusal = refusals.body_too_slow(self.limits.body_timeout)
        self.log_refusal(refusal)
        cycle = self.cycle
        if not self.pipeline and cycle is not None and not cycle.response_started:
            self.transport.write(refusal.raw(self.server_state.default_headers))
        if cycle is not None and not cycle.response_complete:
            # As uvicorn does once the connection is lost, but now: the app, waiting for the
            # body, gets `http.disconnect`, and nothing it sends reaches the closing transport.
            cycle.disconnected = True
            cycle.message_event.set()
        self.transport.close()

    def log_refusal(self, refusal: Refusal) -> None:
        level = logging.WARNING if refusal.status == 503 else logging.INFO
        logger.log(
            level,
            "refused a request",
            extra={**self.who(), "status": refusal.status, "reason": refusal.message},
        )

    def who(self) -> dict[str, str]:
        host, port = self.client or ("unknown", 0)
        return {"client": f"{host}:{port}"}
