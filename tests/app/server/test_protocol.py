"""LimitedHttpToolsProtocol without sockets: a loop whose clock the test moves, a transport
that records what is written. Timing rules are checked exactly here, in milliseconds of
real time; tests/e2e/test_connection_limits.py checks them on real servers and sockets."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from app.server.protocol import ConnectionLimits, LimitedHttpToolsProtocol

LIMITS = ConnectionLimits(header_timeout=10, body_timeout=30, max_header_bytes=16384, retry_after=3)
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


@pytest.fixture
def connect() -> Iterator:
    loops: list[ManualClockLoop] = []

    def open_connection(limit_concurrency: int | None = None, keep_alive: int = 1000) -> Connection:
        loop = ManualClockLoop()
        loops.append(loop)
        config = Config(
            app=echo_app, log_config=None, timeout_keep_alive=keep_alive,
            limit_concurrency=limit_concurrency,
        )  # fmt: skip
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


def test_unfinished_headers_get_408_at_the_deadline_not_before(connect) -> None:
    connection = connect()
    connection.send(b"GET /health/live HTTP/1.1\r\nHost: te")
    connection.wait(9.9)
    assert not connection.transport.closed
    connection.wait(0.1)
    assert connection.transport.closed
    assert connection.transport.statuses() == [408]
    assert refusal(connection.transport)["message"].startswith("headers: ")


def test_a_connection_that_sends_nothing_is_closed_without_an_answer(connect) -> None:
    connection = connect()
    connection.wait(10)
    assert connection.transport.closed
    assert connection.transport.written == b""


def test_on_a_kept_alive_connection_headers_are_timed_from_their_first_byte(connect) -> None:
    connection = connect()
    for _ in range(5):
        connection.wait(8)
        connection.send(GET)
    assert connection.transport.statuses() == [200] * 5
    assert not connection.transport.closed
    connection.wait(30)  # idle: left to uvicorn's keep-alive timeout (here 1000 s)
    assert not connection.transport.closed
    connection.send(b"\r\n")  # bytes that start no request do not stretch the deadline
    connection.wait(9)
    connection.send(b"\r\n")
    connection.wait(1)
    assert connection.transport.closed
    assert connection.transport.statuses() == [200] * 5 + [408]


def test_an_idle_kept_alive_connection_is_closed_by_uvicorns_keep_alive_timeout(connect) -> None:
    connection = connect(keep_alive=5)
    connection.send(GET)
    connection.wait(5)
    assert connection.transport.closed
    assert connection.transport.statuses() == [200]


def test_a_body_sent_after_an_early_answer_leaves_no_untimed_wait(connect) -> None:
    """An app may answer before the body ends (a 405, say); the rest of the body cancels
    uvicorn's keep-alive timer, so the header deadline covers the wait that follows."""
    connection = connect()

    async def answer_without_reading(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await send({"type": "http.response.start", "status": 405, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    connection.protocol.app = answer_without_reading
    connection.send(POST[:-5])
    connection.send(POST[-5:])
    assert connection.transport.statuses() == [405]
    connection.wait(10)
    assert connection.transport.closed
    assert connection.transport.statuses() == [405]  # nothing came: closed without a word


def test_a_stalled_body_gets_408_and_the_app_a_disconnect(connect) -> None:
    connection = connect()
    connection.send(POST[:-5])
    connection.wait(29.9)
    assert not connection.transport.closed
    connection.wait(0.1)
    assert connection.transport.statuses() == [408]
    assert refusal(connection.transport)["message"].startswith("body: ")
    assert SEEN == ["disconnect"]


def test_a_slow_app_is_not_timed(connect) -> None:
    """The deadlines cover the client's sending, never the app's working."""
    connection = connect()
    gate = asyncio.Event()

    async def slow_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await receive()
        await gate.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    connection.protocol.app = slow_app
    connection.send(GET)
    connection.wait(100)
    assert not connection.transport.closed
    gate.set()
    connection.settle()
    assert connection.transport.statuses() == [200]


def test_one_watchdog_serves_many_requests(connect) -> None:
    connection = connect()
    for _ in range(300):
        connection.send(POST)
        connection.wait(0.1)  # 30 s of steady traffic in all
    assert connection.transport.statuses() == [200] * 300
    # Armed when the connection opened, then once per header timeout at most.
    assert connection.loop.watchdogs_armed <= 1 + 30 / LIMITS.header_timeout + 1


def test_headers_past_the_limit_get_431_even_in_one_chunk_behind_another_request(
    connect,
) -> None:
    connection = connect()
    big = b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"
    connection.send(GET + big + GET)
    assert connection.transport.statuses() == [200, 431]
    assert connection.transport.closed
    body = refusal(connection.transport)
    assert body["error"] == "request_header_fields_too_large"


def test_an_endless_header_is_cut_off_near_the_limit(connect) -> None:
    connection = connect()
    connection.send(b"GET / HTTP/1.1\r\nX-Endless: ")
    sent = 0
    while not connection.transport.closed and sent < 10_000_000:
        connection.send(b"a" * 4096)
        sent += 4096
    assert connection.transport.statuses() == [431]
    assert sent < LIMITS.max_header_bytes + 128 * 1024


def test_over_the_cap_the_answer_is_json_503_with_retry_after(connect) -> None:
    connection = connect(limit_concurrency=1)  # this connection alone fills it
    connection.send(GET)
    assert connection.transport.statuses() == [503]
    assert b"\r\nretry-after: 3\r\n" in connection.transport.written
    assert refusal(connection.transport)["error"] == "over_capacity"
    assert connection.transport.closed
