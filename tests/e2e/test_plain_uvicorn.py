"""Under plain `uvicorn app.main:app`, without the protocol, the limits that live in the app
still hold: the body deadline (read_body) and the header size (RequestLimits) answer in the
service's JSON. (The header deadline and the lingering close need the protocol:
tests/e2e/test_connection_limits.py and test_early_answers.py.)"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator

import pytest

from harness.live_server import LiveServer, read_http_response
from tests.conftest import MODEL_PATH

TIMEOUT = 1.0
SLACK = 1.5
BODY = b'{"grades": [7.1, 7.4, 7.9]}'
HEAD = (
    b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n"
)


class PlainUvicorn(LiveServer):
    @classmethod
    def command(cls, port: int, workers: int = 1) -> list[str]:
        return [
            sys.executable, "-m", "uvicorn", "app.main:app",
            "--host", "127.0.0.1", "--port", str(port),
        ]  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    environment = {"CGPA_MODEL_PATH": str(MODEL_PATH), "CGPA_BODY_TIMEOUT": str(TIMEOUT)}
    with PlainUvicorn.start(environment, timeout=60) as live:
        yield live


def test_an_unfinished_body_gets_the_json_408(server: LiveServer) -> None:
    with server.connect() as connection:
        began = time.monotonic()
        connection.sendall(HEAD + BODY[:10])
        status, headers, body = read_http_response(connection)
        taken = time.monotonic() - began
    assert status == 408
    assert headers["connection"] == "close"
    assert json.loads(body)["error"] == "request_timeout"
    assert json.loads(body)["message"].startswith("body: ")
    assert TIMEOUT - 0.1 <= taken < TIMEOUT + SLACK


def test_oversized_headers_get_the_json_431(server: LiveServer) -> None:
    with server.connect() as connection:
        connection.sendall(b"GET /health/live HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
        status, headers, body = read_http_response(connection)
    assert status == 431
    assert headers["connection"] == "close"
    assert json.loads(body)["error"] == "request_header_fields_too_large"


def test_a_request_within_the_limits_is_served(server: LiveServer) -> None:
    with server.connect() as connection:
        connection.sendall(HEAD + BODY)
        status, _, body = read_http_response(connection)
    assert status == 200
    assert "predicted_cgpa" in json.loads(body)
