"""An adversarial corpus against the real server over real HTTP: each case has the exact
status it must get. None may give a 500 or hang; every 4xx from the app is JSON naming the
problem.

`tests/app/test_validation.py` already covers the single-student body cases (NaN, 1e309,
strings, booleans, ... on POST /predict, through TestClient); this corpus adds the batch
route, sizes, nesting, encodings, methods, content types, headers, the transport (declared
and chunked oversized bodies, truncated bodies) and the API key. The corpus of bodies and
content types is in corpus.py and corpus_text.py.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator

import httpx
import pytest

from app.api.security import MISSING_KEY, WRONG_KEY
from harness.live_server import LiveServer, read_http_response
from tests.conftest import TEST_API_KEY
from tests.reliability.corpus import (
    DEFAULTS,
    JSON,
    LONGEST,
    TEN_MB,
    VALUE_CASES,
    Case,
    assert_json_error,
    students,
)
from tests.reliability.corpus_text import CONTENT_TYPE_CASES, TEXT_CASES

CORPUS = VALUE_CASES + TEXT_CASES + CONTENT_TYPE_CASES


@pytest.fixture(scope="module")
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        yield client


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_corpus_case_gets_its_exact_status(http: httpx.Client, case: Case) -> None:
    response = http.post(case.path, content=case.body, headers=case.headers)
    if case.status == 200:
        assert response.status_code == 200, response.text[:500]
        return
    body = assert_json_error(response, case.status)
    if case.field is not None:
        first = body["detail"][0]
        assert first["field"] == case.field, body
        assert case.reason in first["message"], body
        assert body["message"].startswith(f"{case.field}: ")


def test_errors_from_a_huge_invalid_batch_are_bounded(http: httpx.Client) -> None:
    """A 1 MB body can hold ~100,000 invalid values; the answer must not list them all."""
    student = '{"grades": [' + ", ".join(["null"] * LONGEST) + "]}"
    body = students(*[student] * DEFAULTS.max_batch)
    response = http.post("/predict/batch", content=body, headers=JSON)
    errors = assert_json_error(response, 422)
    assert errors["detail"][0]["field"] == "students[0].grades[0]"
    assert len(errors["detail"]) <= 20
    # One error per student (its first bad grade), each counted in the message.
    assert errors["message"].endswith(f"(and {DEFAULTS.max_batch - 1} more)")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/predict/batch", "POST"),
        ("PUT", "/predict", "POST"),
        ("PATCH", "/predict/batch", "POST"),
        ("DELETE", "/predict", "POST"),
        ("POST", "/model", "GET"),
        ("POST", "/health/ready", "GET"),
        ("DELETE", "/metrics", "GET"),
    ],
)
def test_wrong_method_is_a_json_405(
    http: httpx.Client, method: str, path: str, allowed: str
) -> None:
    response = http.request(method, path, content=b'{"grades": [7.0]}', headers=JSON)
    body = assert_json_error(response, 405)
    assert body["error"] == "method_not_allowed"
    assert allowed in response.headers["allow"]


# --- headers ---------------------------------------------------------------------------------


def test_a_100_kb_header_is_refused_never_answered_200(http: httpx.Client) -> None:
    """Past CGPA_MAX_HEADER_BYTES (app/server/): 431, or the connection closed unanswered."""
    try:
        response = http.post(
            "/predict", json={"grades": [7.0]}, headers={"X-Padding": "a" * 100_000}
        )
    except httpx.TransportError:
        return
    assert response.status_code == 431


@pytest.mark.parametrize(
    "request_id", ["r" * 10_000, "two words", "<script>", "id\twith\ttabs"], ids=repr
)
def test_an_unsafe_request_id_is_replaced_not_echoed(http: httpx.Client, request_id: str) -> None:
    response = http.get("/health/live", headers={"X-Request-ID": request_id})
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


# --- the transport: raw sockets, so nothing is buffered or fixed up by a client library -----


def request_head(path: str, *extra: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_10_mb_declared_body_gets_413_before_a_byte_is_sent(live_server: LiveServer) -> None:
    with live_server.connect() as connection:
        connection.sendall(request_head("/predict", f"Content-Length: {TEN_MB}"))
        # Not one byte of the body is sent: the answer must come from the header alone.
        status, headers, body = read_http_response(connection)
    assert status == 413
    assert headers["connection"] == "close"
    assert json.loads(body)["error"] == "payload_too_large"


def test_10_mb_chunked_body_gets_413_long_before_its_end(live_server: LiveServer) -> None:
    chunk = b" " * 65536
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    with live_server.connect() as connection:
        connection.sendall(request_head("/predict/batch", "Transfer-Encoding: chunked"))
        connection.settimeout(0.05)
        answered = b""
        while sent < TEN_MB:
            try:
                connection.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed: the rest is refused unread
            sent += len(chunk)
            try:
                answered = connection.recv(65536, socket.MSG_PEEK)
            except TimeoutError:
                continue
            if answered:
                break
        connection.settimeout(10)
        status, _, body = read_http_response(connection)
    assert status == 413
    assert json.loads(body)["error"] == "payload_too_large"
    # Stopped within a few chunks (socket buffers) of the limit, not after 10 MB.
    assert sent < DEFAULTS.max_body_bytes + 4 * 1024 * 1024


def test_truncated_body_then_close_gets_no_answer_and_harms_nothing(
    live_server: LiveServer, http: httpx.Client
) -> None:
    with live_server.connect() as connection:
        connection.sendall(request_head("/predict", "Content-Length: 100") + b'{"grades": [7')
        connection.shutdown(socket.SHUT_WR)  # the client gives up mid-body
        status, _, _ = read_http_response(connection)
    assert status == 0  # closed without an answer: there is no complete request to answer
    assert http.post("/predict", json={"grades": [7.0]}).status_code == 200


def test_a_stalled_body_does_not_block_other_clients(
    live_server: LiveServer, http: httpx.Client
) -> None:
    with live_server.connect() as stalled:
        stalled.sendall(request_head("/predict", "Content-Length: 100") + b'{"grades": [7')
        # While that body never finishes, everyone else is served.
        for _ in range(5):
            assert http.post("/predict", json={"grades": [7.0]}).status_code == 200


def test_invalid_content_length_is_refused_by_the_http_parser(live_server: LiveServer) -> None:
    with live_server.connect() as connection:
        connection.sendall(request_head("/predict", "Content-Length: ten") + b"{}")
        status, headers, _ = read_http_response(connection)
    # uvicorn's parser answers before the app sees anything (plain text, not our JSON).
    assert status == 400
    assert headers["connection"] == "close"


def test_invalid_utf8_in_a_header_is_harmless(live_server: LiveServer) -> None:
    with live_server.connect() as connection:
        connection.sendall(
            b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: \xff\xfe\r\n\r\n"
        )
        status, headers, _ = read_http_response(connection)
    assert status == 200
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])


# --- the API key, against a second real server started with CGPA_API_KEY -------------------


@pytest.fixture(scope="module")
def locked(locked_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=locked_server.base_url, timeout=30) as client:
        yield client


@pytest.mark.parametrize(
    ("supplied", "message"),
    [
        (None, MISSING_KEY),
        ("", MISSING_KEY),
        ("x" * len(TEST_API_KEY), WRONG_KEY),
        (TEST_API_KEY[:-1], WRONG_KEY),
        (TEST_API_KEY + "x", WRONG_KEY),
        (TEST_API_KEY.upper(), WRONG_KEY),
        ("k" * 10_000, WRONG_KEY),
    ],
    ids=["missing", "empty", "same length", "prefix", "one more", "upper case", "10 KB"],
)
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/predict", b'{"grades": [7.0]}'),
        ("POST", "/predict/batch", students('{"grades": [7]}')),
        ("GET", "/model", None),
    ],
)
def test_a_missing_or_wrong_key_is_a_401(
    locked: httpx.Client,
    supplied: str | None,
    message: str,
    method: str,
    path: str,
    body: bytes | None,
) -> None:
    headers = dict(JSON)
    if supplied is not None:
        headers["X-API-Key"] = supplied
    response = locked.request(method, path, content=body, headers=headers)
    errors = assert_json_error(response, 401)
    assert errors["message"] == message
    assert response.headers["www-authenticate"] == "APIKey"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"grades": [7.0', "application/json"),  # malformed JSON
        (b"[" * 100_000, "application/json"),  # deep nesting
        (b'{"grades": [NaN]}', "application/json"),
        (b'{"grades": [99]}', "application/json"),  # invalid value
        (b'{"grades": [7.0]}', "text/plain"),  # wrong content type
    ],
    ids=["malformed", "deep", "nan", "out of range", "text/plain"],
)
def test_without_the_key_nothing_about_the_body_is_revealed(
    locked: httpx.Client, body: bytes, content_type: str
) -> None:
    response = locked.post("/predict", content=body, headers={"content-type": content_type})
    assert assert_json_error(response, 401)["message"] == MISSING_KEY


def test_the_right_key_in_any_header_case_is_accepted(locked: httpx.Client) -> None:
    response = locked.post("/predict", json={"grades": [7.0]}, headers={"x-api-key": TEST_API_KEY})
    assert response.status_code == 200


def test_a_key_with_non_latin1_bytes_is_a_401(locked_server: LiveServer) -> None:
    with locked_server.connect() as connection:
        connection.sendall(
            request_head("/predict", "Content-Length: 17").replace(
                b"\r\n\r\n", b"\r\nX-API-Key: \xff\xfe\xfd\r\n\r\n"
            )
            + b'{"grades": [7.0]}'
        )
        status, _, body = read_http_response(connection)
    assert status == 401
    assert json.loads(body)["message"] == WRONG_KEY
