"""uvicorn's httptools protocol with the limits only a connection can enforce.

Stock uvicorn (httptools) waits for a request's headers without limit and buffers a header
line of any length, so a client trickling bytes holds a connection, and its file descriptor,
forever, and one endless header line grows a buffer without bound. Neither can live in the
app, which sees a request only once its headers are complete. This subclass adds, per
connection:

- a deadline for the request line and headers (CGPA_HEADER_TIMEOUT), counted from the
  connection opening or, on a kept-alive connection, from the request's first byte (uvicorn's
  keep-alive timeout bounds the wait before it); past it, 408 and close (or a plain close if
  not a byte came);
- a cut-off for unfinished headers far past CGPA_MAX_HEADER_BYTES: 431 and close;
- a deadline (CGPA_BODY_TIMEOUT) for the rest of a body the app answered without reading,
  which uvicorn reads and drops with no timer running;
- the service's JSON answer, not uvicorn's plain-text 400, to a request httptools cannot
  parse: 431 for a request line past CGPA_MAX_HEADER_BYTES (httptools gives up on a URL
  over 65,535 bytes), 505 for an HTTP version other than 1.0 and 1.1 (httptools refuses
  1.2 or 3.0 and takes 0.9 and 2.0, which are refused here), 400 naming the parser's
  reason otherwise;
- a lingering close (`app/server/write_combining.py`): an answer that closes the connection
  while the client is still sending its body (an early 413) is followed by a half-close and
  a bounded drain, so the client reads the answer instead of a reset.

The rest of the limits live in the app, where any ASGI server applies them: the body's
deadline in `read_body` (app/api/request_path.py), the size of complete headers and the
concurrency cap in `RequestLimits` (app/server/request_limits.py).

The uvicorn names this relies on, all without an underscore and checked by
tests/app/server/test_uvicorn_surface.py against the installed uvicorn:
- `uvicorn.protocols.http.httptools_impl.HttpToolsProtocol`, built as
  `(config, server_state, app_state, _loop)` like any class given to `--http`;
- its asyncio.Protocol methods `connection_made`, `connection_lost`, `data_received`, and
  its httptools parser callbacks `on_headers_complete`, `on_message_complete`, each extended
  and called through;
- `send_400_response(message)`, which it calls, inside its `except HttpParserError`, for a
  request the parser refused (or a callback raised in), replaced;
- `self.parser` (its httptools parser; `get_http_version()` is read) and `self.url` (the
  request target so far, set from the first byte of each request), read only;
- `self.cycle` (the current request's cycle, None before the first): its
  `response_complete` and `response_started` read; when a body's framing breaks while the app
  still waits for it, its `disconnected` flag and `message_event` are set, as uvicorn's own
  `connection_lost` does, so the app's read ends;
- that uvicorn writes and closes through the transport `connection_made` is given.

Cost per request on a keep-alive connection: two overridden parser callbacks, a byte count
per chunk while headers are incomplete, one deadline store. There is no timer per request
or per chunk: one watchdog per connection fires at the earliest deadline it was set for
and, if the connection has moved on, re-arms for the current one.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from httptools import HttpParserError
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.config import Settings, get_settings
from app.server import refusals
from app.server.refusals import Refusal, log_refusal
from app.server.write_combining import CombinedWrites

if TYPE_CHECKING:
    from uvicorn import Config
    from uvicorn.server import ServerState

logger = logging.getLogger("cgpa.server")

HEADERS = "headers"
UNREAD_BODY = "unread body"  # answered already; uvicorn drops the rest of the body
# An unfinished request line and headers may run this far past CGPA_MAX_HEADER_BYTES before
# the connection is cut mid-request; a complete one just past the limit thus reaches the app,
# which refuses it with a clean 431, rather than a close while the client is still writing.
UNFINISHED_MARGIN = 64 * 1024
# libuv counts timers in whole milliseconds, so a watchdog may fire a little before its
# deadline; that early it counts as on time, rather than re-arming in a tight loop.
EARLY_FIRING = 0.005
SPOKEN_VERSIONS = ("1.1", "1.0")
NO_VERSION = "0.0"  # what the parser reports before it has read a version


class UnsupportedVersion(Exception):
    """Raised in a parser callback: the parser stops, and uvicorn answers through
    `send_400_response`, which reads the version and says 505."""


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout: float
    body_timeout: float
    max_header_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            header_timeout=settings.header_timeout,
            body_timeout=settings.body_timeout,
            max_header_bytes=settings.max_header_bytes,
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
        self.event_loop = _loop or asyncio.get_event_loop()
        self.unfinished_header_limit = self.limits.max_header_bytes + UNFINISHED_MARGIN
        self.wire: CombinedWrites | None = None
        self.peer = "unknown"
        self.phase: str | None = None
        self.deadline = 0.0
        self.watchdog: asyncio.TimerHandle | None = None
        # Bytes received while the current request's headers were incomplete. Counted per
        # chunk before parsing and reset when the headers end, so it never counts more than
        # the headers (it may count less, by the part of a chunk before the request began).
        self.reading_headers = True
        self.header_bytes = 0

    # --- where a request moves from one part to the next ----------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.wire = wire = CombinedWrites(transport, self.event_loop, self.combine_writes)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple):
            self.peer = f"{peer[0]}:{peer[1]}"
        HttpToolsProtocol.connection_made(self, wire)  # type: ignore[arg-type]
        self.expect(HEADERS, self.limits.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_watching()
        HttpToolsProtocol.connection_lost(self, exc)

    def data_received(self, data: bytes) -> None:
        wire = self.wire
        assert wire is not None
        if wire.lingering:
            wire.drained(len(data))  # the answer is out; this is only read to be dropped
            return
        if not self.reading_headers:
            HttpToolsProtocol.data_received(self, data)  # more of a body: the app times it
            if self.phase is None and self.answered():
                # The app answered without reading the body, and the body cancelled
                # uvicorn's keep-alive timer: the rest of it is timed here.
                self.expect(UNREAD_BODY, self.limits.body_timeout)
            return
        if self.phase is None:
            # The first bytes of a next request on a kept-alive connection (uvicorn's
            # keep-alive timeout has bounded the wait for them).
            self.expect(HEADERS, self.limits.header_timeout)
        self.header_bytes += len(data)
        HttpToolsProtocol.data_received(self, data)
        # httptools keeps an unfinished header line in its own buffer and hands it over only
        # once complete, so an endless one is stopped here, by the bytes that came.
        if (
            self.reading_headers
            and self.header_bytes > self.unfinished_header_limit
            and not wire.is_closing()
        ):
            self.refuse_unparsed(refusals.headers_too_large(self.limits.max_header_bytes))

    def on_headers_complete(self) -> None:
        self.reading_headers = False
        self.header_bytes = 0
        self.phase = None  # the app's turn, body included: its time is not ours to count
        assert self.wire is not None
        self.wire.body_pending = True
        if self.parser.get_http_version() not in SPOKEN_VERSIONS:
            raise UnsupportedVersion
        HttpToolsProtocol.on_headers_complete(self)

    def on_message_complete(self) -> None:
        HttpToolsProtocol.on_message_complete(self)
        self.reading_headers = True
        assert self.wire is not None
        self.wire.body_pending = False
        if self.answered():
            # Answered before its body ended (say, a 405): the body's bytes cancelled uvicorn's
            # keep-alive timer, so the wait for a next request is timed here instead.
            self.expect(HEADERS, self.limits.header_timeout)
        else:
            self.phase = None

    def answered(self) -> bool:
        cycle = self.cycle
        return cycle is not None and cycle.response_complete

    # --- deadlines ------------------------------------------------------------------------

    def expect(self, phase: str, timeout: float) -> None:
        self.phase = phase
        self.deadline = deadline = self.event_loop.time() + timeout
        watchdog = self.watchdog
        if watchdog is None or watchdog.when() > deadline:
            if watchdog is not None:
                watchdog.cancel()
            self.watchdog = self.event_loop.call_at(deadline, self.check_deadline)

    def stop_watching(self) -> None:
        self.phase = None
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None

    def check_deadline(self) -> None:
        self.watchdog = None
        wire = self.wire
        if self.phase is None or wire is None or wire.is_closing():
            return
        if self.event_loop.time() < self.deadline - EARLY_FIRING:
            self.watchdog = self.event_loop.call_at(self.deadline, self.check_deadline)
        elif self.phase == HEADERS and self.header_bytes:
            self.refuse_unparsed(refusals.headers_too_slow(self.limits.header_timeout))
        else:
            logger.debug("closed a connection that sent no request", extra={"client": self.peer})
            wire.close_now()

    # --- refusing -------------------------------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request its parser refused, in the service's JSON instead of
        plain text, and with the status that says what was wrong."""
        refusal = self.unparsable(sys.exception())
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started or not _plainly_chunked(cycle.scope["headers"]):
                # The parser failed past the headers, and the app's answer is already under
                # way (an early 413) or will be RequestLimits' 501 (a transfer coding but
                # chunked): that answer ends the request; the parser reads no more.
                logger.info(
                    "stopped reading a request body",
                    extra={"client": self.peer, "reason": refusal.message},
                )
                return
            # The app is still waiting for a body that can no longer complete (its framing
            # broke). Answer the 400 now rather than after the body deadline: the app's
            # read ends as if the client had left, and whatever it would send is dropped.
            cycle.disconnected = True
            cycle.message_event.set()
            log_refusal(refusal, self.peer)
            assert self.wire is not None
            self.wire.write(refusal.raw())
            self.wire.close()
            return
        self.refuse_unparsed(refusal, linger=True)

    def unparsable(self, error: BaseException | None) -> Refusal:
        limit = self.limits.max_header_bytes
        if len(getattr(self, "url", b"")) > limit:
            return refusals.headers_too_large(limit)
        version = self.parser.get_http_version()
        if version not in SPOKEN_VERSIONS and version != NO_VERSION:
            return refusals.version_not_supported(version)
        return refusals.not_http(str(error) if isinstance(error, HttpParserError) else "")

    def refuse_unparsed(self, refusal: Refusal, linger: bool = False) -> None:
        """Answer a request uvicorn has no cycle for (its headers never completed, or did
        not parse); if an earlier answer is still owed on this connection, just close.
        `linger`: let a client still sending a body read the answer (a lingering close)."""
        log_refusal(refusal, self.peer)
        wire = self.wire
        assert wire is not None
        if self.cycle is None or self.cycle.response_complete:
            wire.write(refusal.raw())
        if linger:
            wire.close()
        else:
            wire.close_now()


def _plainly_chunked(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether the request's only transfer coding is chunked (RequestLimits' rule)."""
    codings = [value for name, value in headers if name == b"transfer-encoding"]
    return len(codings) == 1 and codings[0].strip().lower() == b"chunked"
