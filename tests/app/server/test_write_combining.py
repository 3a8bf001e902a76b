"""CombinedWrites: a connection's writes of one loop turn leave in one call, in order, and
nothing is lost or sent after the connection is gone. The real server path (uvicorn, uvloop,
sockets) is covered by every live-server test; these check the rules one by one."""

from __future__ import annotations

import asyncio
import socket

import pytest

from app.server import write_combining
from app.server.write_combining import LINGER_BYTES, CombinedWrites


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, list[bytes]]] = []
        self.closing = False

    def write(self, data: bytes) -> None:  # type: ignore[override]
        self.calls.append(("write", [bytes(data)]))

    def writelines(self, chunks) -> None:  # type: ignore[no-untyped-def, override]
        self.calls.append(("writelines", [bytes(chunk) for chunk in chunks]))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.calls.append(("close", []))
        self.closing = True

    def abort(self) -> None:
        self.calls.append(("abort", []))
        self.closing = True

    def write_eof(self) -> None:
        self.calls.append(("write_eof", []))

    def can_write_eof(self) -> bool:
        return True

    def resume_reading(self) -> None:
        self.calls.append(("resume_reading", []))

    def get_write_buffer_size(self) -> int:
        return 7

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 5000)}.get(name, default)


async def next_turn() -> None:
    await asyncio.sleep(0)


def test_the_writes_of_one_turn_leave_in_one_call_in_order() -> None:
    async def scenario() -> list[tuple[str, list[bytes]]]:
        inner = RecordingTransport()
        combined = CombinedWrites(inner, asyncio.get_running_loop())
        combined.write(b"HTTP/1.1 200 OK\r\n\r\n")
        combined.write(b"")  # nothing to send is not a chunk
        combined.write(b'{"a":1}')
        assert inner.calls == []  # nothing sent before the turn ends
        assert combined.get_write_buffer_size() == 7 + 19 + 7
        await next_turn()
        combined.write(b"second answer")
        await next_turn()
        return inner.calls

    assert asyncio.run(scenario()) == [
        ("writelines", [b"HTTP/1.1 200 OK\r\n\r\n", b'{"a":1}']),
        ("write", [b"second answer"]),
    ]


def test_close_and_write_eof_send_what_is_pending_first() -> None:
    async def scenario() -> list[tuple[str, list[bytes]]]:
        inner = RecordingTransport()
        combined = CombinedWrites(inner, asyncio.get_running_loop())
        combined.write(b"answer")
        combined.write_eof()
        combined.write(b"refusal")
        combined.close()
        await next_turn()  # the scheduled flushes find nothing left
        return inner.calls

    assert asyncio.run(scenario()) == [
        ("write", [b"answer"]),
        ("write_eof", []),
        ("write", [b"refusal"]),
        ("close", []),
    ]


def test_abort_and_a_gone_client_drop_what_is_pending() -> None:
    async def scenario() -> tuple[list, list]:
        loop = asyncio.get_running_loop()
        aborted, gone = RecordingTransport(), RecordingTransport()
        first, second = CombinedWrites(aborted, loop), CombinedWrites(gone, loop)
        first.write(b"never sent")
        first.abort()
        second.write(b"never sent either")
        gone.closing = True  # the client hung up before the turn ended
        await next_turn()
        return aborted.calls, gone.calls

    assert asyncio.run(scenario()) == ([("abort", [])], [])


def test_everything_else_is_the_wrapped_transports() -> None:
    inner = RecordingTransport()
    combined = CombinedWrites(inner, asyncio.new_event_loop())
    assert combined.get_extra_info("peername") == ("127.0.0.1", 5000)
    assert combined.is_closing() is False


def test_uncombined_writes_leave_at_once() -> None:
    inner = RecordingTransport()
    combined = CombinedWrites(inner, asyncio.new_event_loop(), combine=False)
    combined.write(b"head")
    combined.write(b"body")
    assert inner.calls == [("write", [b"head"]), ("write", [b"body"])]


def test_a_close_while_the_body_arrives_sends_the_answer_then_half_closes() -> None:
    async def scenario() -> tuple[list, bool]:
        inner = RecordingTransport()
        combined = CombinedWrites(inner, asyncio.get_running_loop())
        combined.body_pending = True
        combined.write(b"HTTP/1.1 413 Payload Too Large\r\n\r\n")
        combined.close()
        return inner.calls, combined.is_closing()

    calls, closing = asyncio.run(scenario())
    assert calls == [
        ("write", [b"HTTP/1.1 413 Payload Too Large\r\n\r\n"]),
        ("write_eof", []),
        ("resume_reading", []),  # uvicorn may have paused it while the body went unread
    ]
    assert closing  # to uvicorn the connection is closing: nothing more is served on it


def test_a_write_after_a_lingering_close_is_dropped() -> None:
    """An app still answering a request the protocol refused writes after the close; the
    half-closed transport would raise, so nothing of it is sent."""

    async def scenario() -> list:
        inner = RecordingTransport()
        combined = CombinedWrites(inner, asyncio.get_running_loop())
        combined.body_pending = True
        combined.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        combined.close()
        combined.write(b"HTTP/1.1 501 Not Implemented\r\n\r\n")
        await next_turn()
        return inner.calls

    calls = asyncio.run(scenario())
    assert [name for name, _ in calls] == ["write", "write_eof", "resume_reading"]
    assert calls[0][1] == [b"HTTP/1.1 400 Bad Request\r\n\r\n"]


def test_a_lingering_close_ends_past_the_byte_budget() -> None:
    async def scenario() -> list:
        inner = RecordingTransport()
        combined = CombinedWrites(inner, asyncio.get_running_loop())
        combined.body_pending = True
        combined.close()
        combined.drained(LINGER_BYTES)
        assert ("close", []) not in inner.calls
        combined.drained(1)
        return inner.calls

    assert asyncio.run(scenario())[-1] == ("close", [])


def test_a_lingering_close_ends_at_its_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write_combining, "LINGER_SECONDS", 0.01)

    async def scenario() -> list:
        inner = RecordingTransport()
        combined = CombinedWrites(inner, asyncio.get_running_loop())
        combined.body_pending = True
        combined.close()
        assert ("close", []) not in inner.calls
        await asyncio.sleep(0.05)
        return inner.calls

    assert asyncio.run(scenario())[-1] == ("close", [])


def test_a_second_close_while_lingering_closes_at_once() -> None:
    """uvicorn closes again when the client's side ends, or when the server shuts down."""

    async def scenario() -> list:
        inner = RecordingTransport()
        combined = CombinedWrites(inner, asyncio.get_running_loop())
        combined.body_pending = True
        combined.close()
        combined.close()
        return inner.calls

    assert asyncio.run(scenario())[-1] == ("close", [])


@pytest.mark.parametrize("pieces", [1, 2, 50])
def test_real_sockets_receive_the_same_bytes(pieces: int) -> None:
    """Through a real event-loop transport: the peer reads exactly what was written."""
    payload = [bytes([65 + index % 26]) * (1000 + index) for index in range(pieces)]

    async def scenario() -> bytes:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair()
        transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
        combined = CombinedWrites(transport, loop)
        for piece in payload:
            combined.write(piece)
        combined.close()
        received = b""
        theirs.setblocking(False)
        while len(received) < sum(map(len, payload)):
            received += await loop.sock_recv(theirs, 65536)
        theirs.close()
        return received

    assert asyncio.run(scenario()) == b"".join(payload)
