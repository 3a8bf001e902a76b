"""What LimitedHttpToolsProtocol answers where uvicorn would send plain text (issue #25):
a request the parser refuses, or one in an HTTP version other than 1.0 and 1.1, gets the
service's JSON with the status that says what was wrong, then the connection closes (half
first, lingering, so a client still sending reads it)."""

from __future__ import annotations

import pytest

from tests.app.server.connection_harness import GET, LIMITS, refusal


@pytest.mark.parametrize("version", [b"2.0", b"0.9", b"1.2", b"3.0"])
def test_another_http_version_is_a_json_505(connect, version: bytes) -> None:
    connection = connect()
    connection.send(b"GET /health/live HTTP/" + version + b"\r\nHost: test\r\n\r\n")
    assert connection.transport.statuses() == [505]
    assert connection.transport.eof or connection.transport.closed
    answer = refusal(connection.transport)
    assert answer["error"] == "http_version_not_supported"
    assert answer["message"].startswith(f"request line: HTTP/{version.decode()} ")


def test_http_1_0_is_answered(connect) -> None:
    connection = connect()
    connection.send(b"GET /health/live HTTP/1.0\r\n\r\n")
    assert connection.transport.statuses() == [200]


@pytest.mark.parametrize("size", [LIMITS.max_header_bytes + 1, 65_536, 70_000, 200_000])
def test_a_request_line_past_the_header_limit_is_a_json_431(connect, size: int) -> None:
    """Up to 65,535 bytes of target RequestLimits refuses it, in the app; past that the
    parser gives up on the URL, and the protocol answers the same 431."""
    connection = connect()
    target = b"/health/live?" + b"a" * (size - len(b"/health/live?"))
    connection.send(b"GET " + target + b" HTTP/1.1\r\nHost: test\r\n\r\n")
    if size < 65_536:
        return  # the echo app here has no RequestLimits; tests/e2e check the whole server
    assert connection.transport.statuses() == [431]
    assert refusal(connection.transport)["error"] == "request_header_fields_too_large"


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"FOO\r\n\r\n",
        b"GET /health/live HTTX/1.1\r\nHost: test\r\n\r\n",
        b"GET /health/live HTTP/1.1\r\nHo st: test\r\n\r\n",
    ],
    ids=["not-http", "wrong-protocol", "space-in-a-name"],
)
def test_an_unparsable_request_is_a_json_400(connect, request_bytes: bytes) -> None:
    connection = connect()
    connection.send(request_bytes)
    assert connection.transport.statuses() == [400]
    assert connection.transport.eof or connection.transport.closed
    answer = refusal(connection.transport)
    assert answer["error"] == "bad_request"
    assert answer["message"].startswith("request: not a valid HTTP/1.1 request")


def test_a_kept_alive_connection_then_garbage_gets_its_answer_then_a_400(connect) -> None:
    connection = connect()
    connection.send(GET)
    connection.send(b"\x00\x01\x02 nonsense\r\n\r\n")
    assert connection.transport.statuses() == [200, 400]
