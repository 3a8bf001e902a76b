"""The in-process cost of the connection limits: requests pushed through the protocol class
with an app that answers at once, stock uvicorn's and app/server/'s, on a null transport.
Used by `python -m bench.slow_clients`."""

from __future__ import annotations

import asyncio
import time

import uvloop
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from app.config import Settings
from app.server.protocol import ConnectionLimits, LimitedHttpToolsProtocol

MICRO_REQUEST = (
    b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Type: application/json\r\n"
    b'Content-Length: 27\r\n\r\n{"grades": [7.1, 7.4, 7.9]}'
)


async def _answer_at_once(scope: dict, receive: object, send: object) -> None:
    await receive()  # type: ignore[operator]
    await send(  # type: ignore[operator]
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"{}"})  # type: ignore[operator]


class _NullTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.closing = False

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default

    def write(self, data: bytes | bytearray | memoryview) -> None:
        pass

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def protocol_microseconds(protocol_class: type, requests: int) -> float:
    """Microseconds per request through `protocol_class` on one keep-alive connection, with
    an app that answers at once and a transport that discards: the protocol's own cost,
    without the noise of sockets, wrk and the rest of the machine."""
    loop = uvloop.new_event_loop()
    config = Config(app=_answer_at_once, log_config=None, access_log=False)
    config.load()
    state = ServerState()
    extra = {"limits": ConnectionLimits.from_settings(Settings(_env_file=None))}
    if protocol_class is HttpToolsProtocol:
        extra = {}
    protocol = protocol_class(config=config, server_state=state, app_state={}, _loop=loop, **extra)
    protocol.connection_made(_NullTransport())

    async def drive() -> float:
        # CPU time, not wall time: other processes taking the core do not count.
        began = time.process_time()
        for _ in range(requests):
            protocol.data_received(MICRO_REQUEST)
            await next(iter(state.tasks))
        return time.process_time() - began

    seconds = loop.run_until_complete(drive())
    protocol.connection_lost(None)
    loop.close()
    return seconds / requests * 1e6


def protocol_overhead(rounds: int = 7, requests: int = 20_000) -> dict:
    """The fastest of `rounds` alternating runs of each protocol, in microseconds."""
    classes = {"stock uvicorn": HttpToolsProtocol, "with limits": LimitedHttpToolsProtocol}
    best = {name: float("inf") for name in classes}
    for _ in range(rounds):
        for name, protocol_class in classes.items():
            best[name] = min(best[name], protocol_microseconds(protocol_class, requests))
    return {
        "microseconds_per_request": {name: round(value, 2) for name, value in best.items()},
        "added_microseconds": round(best["with limits"] - best["stock uvicorn"], 2),
    }
