"""The README's body limit at its boundary, against the real server: `CGPA_MAX_BODY_BYTES`
(default 1048576) is the largest body accepted; one byte more gets 413, whether the client
declares its length (refused before the body is read) or sends it chunked (refused as soon
as the limit is passed). Raw sockets, so the bytes on the wire are exactly these.
"""

from __future__ import annotations

import contextlib
import json
import socket

import pytest

from harness.live_server import LiveServer, read_http_response

# The README's default for CGPA_MAX_BODY_BYTES, which the shared live server runs with.
LIMIT = 1_048_576
FRAME = 65_536


def body_of(size: int) -> bytes:
    """A valid /predict body of exactly `size` bytes: one student, padded with whitespace."""
    student = b'{"grades": [7.1, 7.4]}'
    return student + b" " * (size - len(student))


def head(*extra: str) -> bytes:
    lines = ["POST /predict HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    return ("\r\n".join([*lines, *extra]) + "\r\n\r\n").encode()


def send(connection: socket.socket, data: bytes) -> None:
    """Sends, tolerating a server that answered early and closed: its answer is still read."""
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        connection.sendall(data)


def answer(connection: socket.socket) -> tuple[int, dict]:
    try:
        status, _, body = read_http_response(connection)
    except ConnectionResetError:
        return 0, {}
    return status, json.loads(body) if body else {}


def chunked(body: bytes) -> bytes:
    """`body` as chunked frames, without the closing zero-length chunk."""
    frames = [body[start : start + FRAME] for start in range(0, len(body), FRAME)]
    return b"".join(f"{len(frame):x}\r\n".encode() + frame + b"\r\n" for frame in frames)


def test_a_declared_body_of_exactly_the_limit_is_answered(live_server: LiveServer) -> None:
    body = body_of(LIMIT)
    with live_server.connect() as connection:
        send(connection, head(f"Content-Length: {LIMIT}") + body)
        status, answered = answer(connection)
    assert status == 200, answered
    assert "predicted_cgpa" in answered


def test_a_declared_body_one_byte_over_the_limit_is_413_unread(live_server: LiveServer) -> None:
    with live_server.connect() as connection:
        # Not one byte of the body: the answer must come from the declared length alone.
        send(connection, head(f"Content-Length: {LIMIT + 1}"))
        status, answered = answer(connection)
    assert status == 413
    assert answered["error"] == "payload_too_large"


def test_a_chunked_body_of_exactly_the_limit_is_answered(live_server: LiveServer) -> None:
    with live_server.connect() as connection:
        send(
            connection, head("Transfer-Encoding: chunked") + chunked(body_of(LIMIT)) + b"0\r\n\r\n"
        )
        status, answered = answer(connection)
    assert status == 200, answered
    assert "predicted_cgpa" in answered


@pytest.mark.parametrize("last_frame", [1, FRAME], ids=["one byte", "a full frame"])
def test_a_chunked_body_one_byte_over_the_limit_is_413_without_its_end(
    live_server: LiveServer, last_frame: int
) -> None:
    """The byte past the limit arrives alone or at the end of a frame; either way the answer
    comes before the body's closing chunk is sent."""
    body = body_of(LIMIT + 1)
    split = LIMIT + 1 - last_frame
    with live_server.connect() as connection:
        send(connection, head("Transfer-Encoding: chunked") + chunked(body[:split]))
        send(connection, chunked(body[split:]))
        status, answered = answer(connection)
    assert status == 413
    assert answered["error"] == "payload_too_large"


def test_a_chunked_body_whose_framing_breaks_is_a_400_at_once(live_server: LiveServer) -> None:
    # A chunk size that is not hexadecimal: the body can never complete, so the answer must
    # not wait for the body deadline (30 s by default; the socket's timeout is far shorter).
    with live_server.connect() as connection:
        connection.settimeout(5)
        send(connection, head("Transfer-Encoding: chunked") + b'5\r\n{"gra\r\nZZ\r\nxx\r\n')
        status, answered = answer(connection)
    assert status == 400, answered
    assert answered["error"] == "bad_request" and answered["message"]
    # The server goes on answering.
    with live_server.connect() as connection:
        send(connection, head("Content-Length: 22") + body_of(22))
        assert answer(connection)[0] == 200
