"""An answer given before the client has sent its whole body (a 413 from Content-Length)
reaches a client that is still writing: the server half-closes after it and drains what
follows, within a bound, instead of resetting the connection (app/server/write_combining.py).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
from collections.abc import Iterator

import pytest

from app.server.write_combining import LINGER_BYTES
from harness.live_server import LiveServer, read_http_response
from tests.conftest import MODEL_PATH

FIVE_MB = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer.start({"CGPA_MODEL_PATH": str(MODEL_PATH)}) as live:
        yield live


def test_a_plain_http_client_upload_of_5_mb_reads_the_json_413(server: LiveServer) -> None:
    """http.client sends the whole body before it reads a byte, with no retry."""
    host, port = server.address
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        body = b'{"grades": [' + b"7.0, " * (FIVE_MB // 5) + b"7.0]}"
        connection.request(
            "POST", "/predict", body=body, headers={"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 413
    assert response.getheader("connection") == "close"
    assert answer["error"] == "payload_too_large"
    assert answer["message"].startswith("body: ")


def test_the_server_stays_well_after_many_early_answers(server: LiveServer) -> None:
    host, port = server.address
    for _ in range(5):
        connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.request("POST", "/predict", body=b" " * FIVE_MB)
        assert connection.getresponse().status in (413, 415)
        connection.close()
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.request("GET", "/health/live")
    assert connection.getresponse().status == 200
    connection.close()


def test_a_client_that_never_stops_sending_is_cut_off_after_the_bound(server: LiveServer) -> None:
    head = (
        b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000000000\r\n\r\n"
    )
    sent = 0
    with server.connect(timeout=30) as connection:
        connection.sendall(head)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, socket.timeout):
            while sent < 4 * LINGER_BYTES:
                connection.sendall(b" " * 65536)
                sent += 65536
        with contextlib.suppress(ConnectionResetError):
            status = read_http_response(connection)[0]
            assert status in (413, 0)
    # The bound plus what the two sockets' buffers hold.
    assert sent < LINGER_BYTES + 16 * 1024 * 1024
