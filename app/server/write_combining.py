"""A transport that joins the writes of one event-loop turn into one system call.

uvicorn writes a response in two `transport.write` calls, the status line and headers, then
the body; under uvloop each goes straight to `send()`, so every small answer costs two system
calls and two TCP segments (on loopback, two wake-ups of the client too). In a profile of
`POST /predict` under load those two writes were the largest single cost of the process
(docs/performance.md). Wrapped in this, a connection's writes wait for the end of the current
loop turn and leave together in one vectored write; the answer is the same bytes in the same
order, sent a few microseconds later.

Everything else is the wrapped transport's own. What is pending is written before the
transport is closed or half-closed, and dropped only by `abort`, as the wrapped one drops
its own buffer.
"""

from __future__ import annotations

import asyncio
from typing import Any


class CombinedWrites:
    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self.loop = loop
        self.pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not data:
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
        if len(chunks) == 1:
            self.transport.write(chunks[0])
        else:
            self.transport.writelines(chunks)

    def get_write_buffer_size(self) -> int:
        return self.transport.get_write_buffer_size() + sum(map(len, self.pending))

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def write_eof(self) -> None:
        self.flush()
        self.transport.write_eof()

    def abort(self) -> None:
        self.pending = []
        self.transport.abort()

    def __getattr__(self, name: str) -> Any:
        # is_closing, get_extra_info, pause_reading, resume_reading, set_protocol, ...
        return getattr(self.transport, name)
