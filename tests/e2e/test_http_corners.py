"""The answers a strict client expects at the HTTP level (issue #25), from a real server
over raw sockets, where a client library would fix the request up: each refusal is the
service's JSON with the status the RFCs name, and HEAD is answered wherever GET is."""

from __future__ import annotations

import gzip
import json

import pytest

from harness.live_server import LiveServer
from tests.e2e.raw_socket import response_or_close

BODY = b'{"grades": [7.1, 7.4, 7.9, 8.0]}'


def exchange(server: LiveServer, request: bytes) -> tuple[int, dict[str, str], dict]:
    with server.connect() as connection:
        connection.sendall(request)
        status, headers, body = response_or_close(connection)
    assert headers.get("content-type") == "application/json", (status, body[:200])
    return status, headers, json.loads(body)


def post(headers: bytes, body: bytes = BODY) -> bytes:
    return (
        b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        + headers
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


@pytest.mark.parametrize("target_size", [20_000, 70_000])
def test_a_long_request_line_is_the_documented_json_431(
    live_server: LiveServer, target_size: int
) -> None:
    target = b"/health/live?q=" + b"a" * target_size
    status, _, body = exchange(live_server, b"GET " + target + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    assert status == 431
    assert body["error"] == "request_header_fields_too_large"


@pytest.mark.parametrize(
    ("hosts", "message"),
    [
        (b"", "host: an HTTP/1.1 request needs a Host header"),
        (b"Host: a\r\nHost: b\r\n", "host: sent 2 times; send one Host header"),
    ],
    ids=["none", "two"],
)
def test_http_1_1_without_exactly_one_host_is_a_400(
    live_server: LiveServer, hosts: bytes, message: str
) -> None:
    status, _, body = exchange(live_server, b"GET /health/live HTTP/1.1\r\n" + hosts + b"\r\n")
    assert status == 400
    assert body["message"] == message


def test_http_1_0_without_a_host_is_answered(live_server: LiveServer) -> None:
    status, _, body = exchange(live_server, b"GET /health/live HTTP/1.0\r\n\r\n")
    assert (status, body) == (200, {"status": "alive"})


@pytest.mark.parametrize("version", ["2.0", "1.2", "0.9", "3.0"])
def test_a_request_line_in_another_http_version_is_a_505(
    live_server: LiveServer, version: str
) -> None:
    request = f"GET /health/live HTTP/{version}\r\nHost: t\r\n\r\n".encode()
    status, _, body = exchange(live_server, request)
    assert status == 505
    assert body["message"].startswith(f"request line: HTTP/{version} ")


@pytest.mark.parametrize("coding", [b"gzip, chunked", b"gzip"])
def test_a_transfer_coding_but_chunked_is_a_501(live_server: LiveServer, coding: bytes) -> None:
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
    request = (
        b"POST /predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: " + coding + b"\r\n\r\n" + chunked
    )
    status, _, body = exchange(live_server, request)
    assert status == 501
    assert body["message"].startswith("transfer-encoding: ")


def test_a_garbled_request_is_a_json_400(live_server: LiveServer) -> None:
    status, _, body = exchange(live_server, b"GET /health/live HTTX/1.1\r\nHost: t\r\n\r\n")
    assert status == 400
    assert body["message"].startswith("request: not a valid HTTP/1.1 request")


@pytest.mark.parametrize("compressed", [True, False], ids=["gzip-body", "plain-body-said-gzip"])
def test_a_gzip_body_is_a_415_naming_content_encoding(
    live_server: LiveServer, compressed: bool
) -> None:
    body = gzip.compress(BODY) if compressed else BODY
    status, _, answer = exchange(live_server, post(b"Content-Encoding: gzip\r\n", body))
    assert status == 415
    assert answer["message"].startswith("content-encoding: gzip ")


def head_then_get(server: LiveServer, path: str) -> tuple[bytes, bytes]:
    """The heads of a HEAD's answer and of a GET's sent after it on one connection: if the
    HEAD's answer carried a body, it would stand between the two."""
    request = f"{{}} {path} HTTP/1.1\r\nHost: t\r\n\r\n"
    with server.connect() as connection:
        connection.sendall((request.format("HEAD") + request.format("GET")).encode())
        data = b""
        while data.count(b"\r\n\r\n") < 2:
            chunk = connection.recv(65536)
            assert chunk, data
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    assert rest.startswith(b"HTTP/1.1 "), rest[:80]  # nothing between the two answers
    return head, rest.partition(b"\r\n\r\n")[0]


def same_headers(head: bytes) -> dict[str, str]:
    """An answer's status line and headers (names lower-cased), less the two that differ
    per request."""
    status, *lines = head.decode("latin-1").split("\r\n")
    fields = {name.lower(): value for name, _, value in (line.partition(": ") for line in lines)}
    fields.pop("date", None), fields.pop("x-request-id", None)
    return {"status": status, **fields}


@pytest.mark.parametrize(
    "path",
    [
        "/", "/health/live", "/health/ready", "/docs", "/redoc", "/docs/oauth2-redirect",
        "/model", "/openapi.json", "/v2", "/v2/health/ready", "/v2/models/cgpa_rnn",
        "/static/page.js",
    ],
)  # fmt: skip
def test_head_is_answered_wherever_get_is_with_gets_headers(
    live_server: LiveServer, path: str
) -> None:
    head_answer, get_answer = head_then_get(live_server, path)
    assert same_headers(head_answer) == same_headers(get_answer)
    assert head_answer.startswith(b"HTTP/1.1 200 ")


def test_head_on_metrics_is_answered_without_a_body(live_server: LiveServer) -> None:
    """Its length changes between two requests (they are counted), its status does not."""
    head_answer, _ = head_then_get(live_server, "/metrics")
    assert head_answer.startswith(b"HTTP/1.1 200 ")


def test_head_on_a_post_route_is_a_405_without_a_body(live_server: LiveServer) -> None:
    head_answer, get_answer = head_then_get(live_server, "/predict")
    assert head_answer.startswith(b"HTTP/1.1 405 ")
    assert same_headers(head_answer) == same_headers(get_answer)
    assert same_headers(head_answer)["allow"] == "POST"
