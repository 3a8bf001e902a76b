"""The transport the protocol hands uvicorn: writes of one loop turn joined into one system
call, and a close that lets the client read the answer.

Joined writes: uvicorn writes a response in two `transport.write` calls, the status line and
headers, then the body; under uvloop each goes straight to `send()`, so every small answer
costs two system calls and two TCP segments (on loopback, two wake-ups of the client too). In
a profile of `POST /predict` under load those two writes were the largest single cost of the
process (docs/performance.md). Wrapped in this, a connection's writes wait for the end of the
current loop turn and leave together in one vectored write; the answer is the same bytes in
the same order, sent a few microseconds later.

Lingering close: when the app answers and closes while the client is still sending a body
(an early 413), closing the socket with unread bytes in it makes the kernel reset the
connection, and a client still writing (Python's `http.client`, say) gets "connection reset"
instead of the answer. So such a close sends the answer, half-closes (FIN after it), and
reads and drops what the client still sends, until it closes its side, or LINGER_BYTES or
LINGER_SECONDS run out; only then is the socket closed.

Everything else is the wrapped transport's own. What is pending is written before the
transport is closed or half-closed, and dropped only by `abort`, as the wrapped one drops
its own buffer.
"""

from __future__ import annotations

import asyncio
from typing import Any

# How much of an unwanted body a closing connection still reads, and for how long: enough
# for an upload a few times the body limit to finish arriving at loopback or LAN speed,
# little enough that a client cannot make a closed connection an open one.
LINGER_BYTES = 16 * 1024 * 1024
LINGER_SECONDS = 5.0


class CombinedWrites:
    def __init__(
        self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop, combine: bool = True
    ) -> None:
        self.transport = transport
        self.loop = loop
        self.combine = combine
        self.pending: list[bytes] = []
        # Set by the protocol while a request's body is still arriving: a close then lingers.
        self.body_pending = False
        self.lingering = False
        self.linger_budget = LINGER_BYTES
        self.linger_timer: asyncio.TimerHandle | None = None

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self.combine:
            self.transport.write(data)
            return
        if not self.pending:
            self.loop.call_soon(self.flush)
        self.pending.append(data)

    def writelines(self, chunks: Any) -> None:
        for data in chunks:
            self.write(data)

    def flush(self) -> None:
        if not self.pending:
            return
        chunks, self.pending = self.pending, []
        if self.transport.is_closing():
            return  # the client went away; the wrapped transport would drop them too
        if self.lingering:
            # Written after the close (which flushed the answer first): an app still running
            # for a request the protocol refused. Dropped, as a closed transport drops them;
            # the half-closed one would raise.
            return
        if len(chunks) == 1:
            self.transport.write(chunks[0])
        else:
            self.transport.writelines(chunks)

    def get_write_buffer_size(self) -> int:
        return self.transport.get_write_buffer_size() + sum(map(len, self.pending))

    def is_closing(self) -> bool:
        return self.lingering or self.transport.is_closing()

    def close(self) -> None:
        if not self.body_pending or self.lingering or self.transport.is_closing():
            self.close_now()
            return
        self.flush()
        self.lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        # uvicorn may have paused reading while the app left the body unread.
        self.transport.resume_reading()
        self.linger_timer = self.loop.call_later(LINGER_SECONDS, self.close_now)

    def drained(self, size: int) -> None:
        """`size` more bytes of the unwanted body were read and dropped."""
        self.linger_budget -= size
        if self.linger_budget < 0:
            self.close_now()

    def close_now(self) -> None:
        if self.linger_timer is not None:
            self.linger_timer.cancel()
            self.linger_timer = None
        self.flush()
        self.transport.close()

    def write_eof(self) -> None:
        self.flush()
        self.transport.write_eof()

    def abort(self) -> None:
        self.pending = []
        self.transport.abort()

    def __getattr__(self, name: str) -> Any:
        # get_extra_info, pause_reading, resume_reading, set_protocol, ...
        return getattr(self.transport, name)
