"""The connection limits of app/server/ on real uvicorn processes, over raw sockets: slow
headers and bodies are cut off, oversized headers refused, the concurrency cap answers 503
with Retry-After, and well-behaved clients (keep-alive, pipelining) see no difference.

The servers run with one-second timeouts (CGPA_* variables), so each case takes about that.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from harness.live_server import LiveServer, poll_until, read_http_response
from tests.conftest import MODEL_PATH
from tests.e2e.raw_socket import read_responses, response_or_close, trickle

TIMEOUT = 1.0
# Room for the timer, the loop and a busy test machine; far below "never".
SLACK = 1.5
SHORT_LIMITS = {
    "CGPA_MODEL_PATH": str(MODEL_PATH),
    "CGPA_HEADER_TIMEOUT": str(TIMEOUT),
    "CGPA_BODY_TIMEOUT": str(TIMEOUT),
}
HEALTH = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
PREDICT_BODY = b'{"grades": [7.1, 7.4, 7.9]}'


def predict_head(length: int = len(PREDICT_BODY)) -> bytes:
    return (
        "POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer.start(SHORT_LIMITS) as live:
        yield live


def assert_refusal(body: bytes, error: str, field: str) -> None:
    answer = json.loads(body)
    assert set(answer) == {"error", "message", "detail"}
    assert answer["error"] == error
    assert answer["message"].startswith(f"{field}: ")
    assert answer["detail"] == []


# --- slow headers ---------------------------------------------------------------------------


def test_headers_trickled_slower_than_the_timeout_are_cut_off(server: LiveServer) -> None:
    with server.connect() as connection:
        taken = trickle(connection, HEALTH + b"X-Slow: " + b"a" * 100, 0.2, TIMEOUT + SLACK)
        status, _, _ = response_or_close(connection)
    assert status in (408, 0)
    assert TIMEOUT - 0.1 <= taken < TIMEOUT + SLACK


def test_unfinished_headers_get_a_json_408_at_the_timeout(server: LiveServer) -> None:
    with server.connect() as connection:
        began = time.monotonic()
        connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half")
        status, headers, body = read_http_response(connection)
        taken = time.monotonic() - began
    assert status == 408
    assert headers["connection"] == "close"
    assert_refusal(body, "request_timeout", "headers")
    assert TIMEOUT - 0.1 <= taken < TIMEOUT + SLACK


def test_a_connection_that_sends_nothing_is_closed_without_an_answer(server: LiveServer) -> None:
    with server.connect() as connection:
        began = time.monotonic()
        assert connection.recv(1024) == b""
        taken = time.monotonic() - began
    assert TIMEOUT - 0.1 <= taken < TIMEOUT + SLACK


def test_idle_bytes_between_requests_do_not_keep_a_connection_open(server: LiveServer) -> None:
    """Blank lines before a request are skipped by the parser without starting one; the
    header deadline runs from the previous answer, so they cannot stretch it."""
    with server.connect() as connection:
        connection.sendall(HEALTH)
        assert read_http_response(connection)[0] == 200
        taken = trickle(connection, b"\r\n" * 100, 0.2, TIMEOUT + SLACK)
        assert response_or_close(connection)[0] in (408, 0)
    assert taken < TIMEOUT + SLACK


# --- oversized headers ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [20_000, 200_000, 2_000_000], ids=["20 KB", "200 KB", "2 MB"])
def test_an_oversized_header_is_refused_never_served(server: LiveServer, size: int) -> None:
    with server.connect() as connection:
        request = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
        # Cut off mid-header, the rest is refused unread.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(request + b"a" * size + b"\r\n\r\n")
        status, headers, body = response_or_close(connection)
    assert status in (431, 0)
    if status == 431:
        assert headers["connection"] == "close"
        assert_refusal(body, "request_header_fields_too_large", "headers")


def test_an_endless_header_line_is_cut_off_before_it_ends(server: LiveServer) -> None:
    """httptools hands a header over only once its line ends; this one never does."""
    cut_off = False
    with server.connect() as connection:
        connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ")
        try:
            # 10 MB; the socket buffers on both sides hold a few MB of it, the server far less.
            for _ in range(160):
                connection.sendall(b"a" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            cut_off = True
        assert response_or_close(connection)[0] in (431, 0)
    assert cut_off


def test_headers_just_under_the_limit_are_served(server: LiveServer) -> None:
    response = httpx.get(
        f"{server.base_url}/health/live", headers={"X-Padding": "a" * 12_000}, timeout=10
    )
    assert response.status_code == 200


# --- slow bodies ----------------------------------------------------------------------------


def test_a_body_trickled_slower_than_the_timeout_is_cut_off(server: LiveServer) -> None:
    with server.connect() as connection:
        connection.sendall(predict_head())
        taken = trickle(connection, PREDICT_BODY, 0.2, TIMEOUT + SLACK)
        status, _, _ = response_or_close(connection)
    assert status in (408, 0)
    assert TIMEOUT - 0.1 <= taken < TIMEOUT + SLACK


def test_an_unfinished_body_gets_a_json_408_and_the_server_carries_on(server: LiveServer) -> None:
    with server.connect() as connection:
        began = time.monotonic()
        connection.sendall(predict_head() + PREDICT_BODY[:10])
        status, headers, body = read_http_response(connection)
        taken = time.monotonic() - began
    assert status == 408
    assert headers["connection"] == "close"
    assert_refusal(body, "request_timeout", "body")
    assert TIMEOUT - 0.1 <= taken < TIMEOUT + SLACK
    response = httpx.post(f"{server.base_url}/predict", json={"grades": [7.0]}, timeout=10)
    assert response.status_code == 200
    assert "Traceback" not in server.log()


def test_a_body_sent_in_pieces_within_the_timeout_is_served(server: LiveServer) -> None:
    with server.connect() as connection:
        connection.sendall(predict_head())
        for piece in (PREDICT_BODY[:5], PREDICT_BODY[5:15], PREDICT_BODY[15:]):
            time.sleep(0.2)
            connection.sendall(piece)
        status, _, body = read_http_response(connection)
    assert status == 200
    assert "predicted_cgpa" in json.loads(body)


# --- well-behaved clients -------------------------------------------------------------------


def test_keep_alive_serves_many_requests_on_one_connection(server: LiveServer) -> None:
    with server.connect() as connection:
        for _ in range(20):
            connection.sendall(predict_head() + PREDICT_BODY)
            status, headers, _ = read_http_response(connection)
            assert status == 200
            assert headers.get("connection") != "close"
        # A pause shorter than the header timeout between two requests is fine.
        time.sleep(TIMEOUT / 2)
        connection.sendall(HEALTH)
        assert read_http_response(connection)[0] == 200


def test_pipelined_requests_are_all_answered_in_order(server: LiveServer) -> None:
    with server.connect() as connection:
        connection.sendall(HEALTH + predict_head() + PREDICT_BODY + HEALTH)
        answers = read_responses(connection, 3)
    assert [status for status, _ in answers] == [200, 200, 200]
    assert b"predicted_cgpa" in answers[1][1]


def test_an_oversized_header_pipelined_after_a_good_request_is_refused(server: LiveServer) -> None:
    big = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"
    with server.connect() as connection:
        connection.sendall(HEALTH + big)
        (first, _), (second, body) = read_responses(connection, 2)
    assert first == 200
    assert second == 431
    assert_refusal(body, "request_header_fields_too_large", "headers")


# --- the concurrency cap --------------------------------------------------------------------


def health_status(server: LiveServer) -> int:
    with server.connect() as connection:
        connection.sendall(HEALTH)
        return read_http_response(connection)[0]


def test_past_the_concurrency_cap_the_answer_is_503_with_retry_after() -> None:
    environment = {
        "CGPA_MODEL_PATH": str(MODEL_PATH),
        "CGPA_MAX_CONCURRENCY": "3",
        "CGPA_RETRY_AFTER": "7",
    }
    with LiveServer.start(environment) as server:
        # Three requests in flight: each waits in the app for the rest of its body.
        holders = [server.connect() for _ in range(3)]
        for holder in holders:
            holder.sendall(predict_head() + PREDICT_BODY[:10])
        assert poll_until(lambda: health_status(server) == 503)
        with server.connect() as connection:
            connection.sendall(HEALTH)
            status, headers, body = read_http_response(connection)
        assert status == 503
        assert headers["retry-after"] == "7"
        assert headers["connection"] == "close"
        assert_refusal(body, "over_capacity", "connection")
        for holder in holders:
            holder.close()
        assert poll_until(lambda: health_status(server) == 200)


def test_idle_kept_alive_connections_do_not_count_against_the_cap() -> None:
    environment = {"CGPA_MODEL_PATH": str(MODEL_PATH), "CGPA_MAX_CONCURRENCY": "2"}
    with LiveServer.start(environment) as server:
        idle = [server.connect() for _ in range(3)]
        for connection in idle:
            connection.sendall(HEALTH)
            assert read_http_response(connection)[0] == 200
        assert health_status(server) == 200
        for connection in idle:
            connection.close()


# --- how the service is started -------------------------------------------------------------


class TwoWorkers(LiveServer):
    @classmethod
    def command(cls, port: int, workers: int = 1) -> list[str]:
        return LiveServer.command(port, workers=2)


class PlainUvicornWithTheProtocol(LiveServer):
    """The documented way to get the limits under the uvicorn command line."""

    @classmethod
    def command(cls, port: int, workers: int = 1) -> list[str]:
        return [
            sys.executable, "-m", "uvicorn", "app.main:app",
            "--host", "127.0.0.1", "--port", str(port),
            "--http", "app.server.protocol:LimitedHttpToolsProtocol",
        ]  # fmt: skip


@pytest.mark.parametrize("launcher", [TwoWorkers, PlainUvicornWithTheProtocol])
def test_the_limits_hold_when_started_this_way(launcher: type[LiveServer]) -> None:
    with launcher.start(SHORT_LIMITS, timeout=60) as server:
        with server.connect() as connection:
            began = time.monotonic()
            connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half")
            status, _, _ = read_http_response(connection)
            taken = time.monotonic() - began
        assert status == 408
        assert taken < TIMEOUT + SLACK
        with server.connect() as connection:
            connection.sendall(b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
            assert response_or_close(connection)[0] == 431
        assert httpx.get(f"{server.base_url}/health/live", timeout=10).status_code == 200
