"""LimitedHttpToolsProtocol without sockets: a loop whose clock the test moves, a transport
that records what is written, an app that echoes, and a `connect` fixture (conftest.py)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from uvicorn.config import Config
from uvicorn.server import ServerState

from app.server.protocol import ConnectionLimits, LimitedHttpToolsProtocol

LIMITS = ConnectionLimits(header_timeout=10, body_timeout=30, max_header_bytes=16384)
GET = b"GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n"
BODY = b'{"grades": [7.0]}'
POST = b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Length: 17\r\n\r\n" + BODY


class ManualClockLoop(asyncio.SelectorEventLoop):
    """Time moves only when the test says; counts the watchdog timers armed."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 1000.0
        self.watchdogs_armed = 0

    def time(self) -> float:
        return self.now

    def call_at(self, when, callback, *args, context=None):  # type: ignore[no-untyped-def]
        if getattr(callback, "__name__", "") == "check_deadline":
            self.watchdogs_armed += 1
        return super().call_at(when, callback, *args, context=context)


@dataclass
class RecordingTransport(asyncio.Transport):
    written: bytearray = field(default_factory=bytearray)
    closed: bool = False
    eof: bool = False

    def __post_init__(self) -> None:
        super().__init__()

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 5555), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed, "written after close"
        self.written += data

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.eof = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def statuses(self) -> list[int]:
        return [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3}) ", self.written)]


async def echo_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """Reads the whole body, then answers 200; notes a disconnect in SEEN."""
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            SEEN.append("disconnect")
            return
        more = message.get("more_body", False)
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"{}"})


SEEN: list[str] = []


@dataclass
class Connection:
    loop: ManualClockLoop
    protocol: LimitedHttpToolsProtocol
    transport: RecordingTransport

    def send(self, data: bytes) -> None:
        self.protocol.data_received(data)
        self.settle()

    def settle(self) -> None:
        for _ in range(5):
            self.loop.run_until_complete(asyncio.sleep(0))

    def wait(self, seconds: float) -> None:
        self.loop.now += seconds
        self.settle()


def connections() -> Iterator:
    """Yields `open_connection(keep_alive=...)`; closes the loops afterwards."""
    loops: list[ManualClockLoop] = []

    def open_connection(keep_alive: int = 1000) -> Connection:
        loop = ManualClockLoop()
        loops.append(loop)
        config = Config(app=echo_app, log_config=None, timeout_keep_alive=keep_alive)
        config.load()
        protocol = LimitedHttpToolsProtocol(
            config=config, server_state=ServerState(), app_state={}, _loop=loop, limits=LIMITS
        )
        transport = RecordingTransport()
        protocol.connection_made(transport)
        return Connection(loop, protocol, transport)

    SEEN.clear()
    yield open_connection
    for loop in loops:
        loop.close()


def refusal(transport: RecordingTransport) -> dict:
    return json.loads(bytes(transport.written).rpartition(b"\r\n\r\n")[2])
