"""The access log: one JSON line per request, on stderr like every other `cgpa.*` line.

It bypasses stdlib `logging` on purpose. A `logging` call builds a LogRecord, takes the
handler's lock and runs a formatter, several times the cost of writing the same line here;
per request that difference was the largest cost of the service beyond the model
(`python -m bench.compare`, row "access log through stdlib logging"; docs/performance.md).

The line has the fields and layout of app/observability/log_setup.py's JsonFormatter, and
the level of the `cgpa.access` logger still decides whether it is written
(CGPA_LOG_LEVEL=warning turns it off).

The lines of the requests finished in one turn of the event loop go out together at the end
of that turn, in as few writes as keep each write atomic: under load a system call per line
was still a visible cost (`python -m bench.compare`, row "access log written line by line").
A line therefore waits at most for the rest of the current loop turn, and the lifespan
writes out what is left when the service stops.
"""

from __future__ import annotations

import asyncio
import logging
import os
import select
import sys
import time
from collections.abc import Iterator
from typing import BinaryIO

import orjson

from app.observability.log_setup import UtcTimestamps

ACCESS_LOGGER = "cgpa.access"
# A write of at most PIPE_BUF bytes to a pipe is atomic. With several workers sharing one
# stderr pipe (`--workers`, container logs), whole-line chunks of that size keep lines
# from different processes from interleaving mid-line.
ATOMIC_WRITE_BYTES = select.PIPE_BUF


class AccessLog:
    def __init__(self, stream: BinaryIO | None = None) -> None:
        # None: file descriptor 2 of whatever `sys.stderr` is at the time of writing.
        self.stream = stream
        self._level_source = logging.getLogger(ACCESS_LOGGER)
        self._timestamps = UtcTimestamps()
        self._pending: list[bytes] = []

    def enabled(self) -> bool:
        # `isEnabledFor` is cached by logging: this costs a dict lookup.
        return self._level_source.isEnabledFor(logging.INFO)

    def write(
        self, *, method: str, route: str, path: str, status: int, seconds: float, request_id: str
    ) -> None:
        """Never the body: grades are personal data."""
        entry = {
            "time": self._timestamps.format(time.time()),
            "level": "info",
            "logger": ACCESS_LOGGER,
            "event": "request",
            "method": method,
            "route": route,
            "path": path,
            "status": status,
            "latency_ms": round(seconds * 1000, 3),
            "request_id": request_id,
        }
        try:
            line = orjson.dumps(entry)
        except orjson.JSONEncodeError:  # e.g. a lone surrogate in a path; never fail a request
            return
        if not self._pending:
            asyncio.get_running_loop().call_soon(self.flush)
        self._pending.append(line)

    def flush(self) -> None:
        if not self._pending:
            return
        lines, self._pending = self._pending, []
        try:
            for chunk in _whole_lines_in_chunks(lines, ATOMIC_WRITE_BYTES):
                if self.stream is None:
                    _write_all(sys.stderr.fileno(), chunk)
                else:
                    self.stream.write(chunk)
        except (OSError, ValueError):
            # Like logging's handlers: a closed or full stderr must not fail the service
            # (the answers have already been sent).
            pass


def _whole_lines_in_chunks(lines: list[bytes], limit: int) -> Iterator[bytes]:
    """The lines, newline-terminated, joined into chunks of at most `limit` bytes (a longer
    line goes alone)."""
    chunk: list[bytes] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) + 1 > limit:
            yield b"\n".join(chunk) + b"\n"
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        yield b"\n".join(chunk) + b"\n"


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]
