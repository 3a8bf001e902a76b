"""RequestLimits: complete headers within their limit (431), at most so many requests in
flight (503 with Retry-After), other scopes passed through. Plain ASGI calls, plus one run
through the protocol for the order of pipelined answers."""

from __future__ import annotations

import asyncio
import json

import pytest

from app.server.request_limits import RequestLimits
from tests.app.server.connection_harness import GET, echo_app, refusal

HEADER_LIMIT = 16384


def http_scope(headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    return {
        "type": "http",
        "path": "/health/live",
        "raw_path": b"/health/live",
        "query_string": b"",
        "headers": headers or [(b"host", b"test")],
        "client": ("127.0.0.1", 5555),
    }


async def call(app: RequestLimits, scope: dict) -> tuple[dict, dict]:
    """The response start and body messages the app sends."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0], sent[-1]


def limited(app=echo_app, max_concurrency: int = 10) -> RequestLimits:  # type: ignore[no-untyped-def]
    return RequestLimits(
        app, max_header_bytes=HEADER_LIMIT, max_concurrency=max_concurrency, retry_after=3
    )


def test_headers_within_the_limit_reach_the_app() -> None:
    start, _ = asyncio.run(call(limited(), http_scope([(b"x-padding", b"a" * 16_000)])))
    assert start["status"] == 200


def test_headers_past_the_limit_get_a_json_431_that_closes() -> None:
    start, body = asyncio.run(call(limited(), http_scope([(b"x-big", b"a" * 20_000)])))
    assert start["status"] == 431
    assert (b"connection", b"close") in start["headers"]
    answer = json.loads(body["body"])
    assert answer["error"] == "request_header_fields_too_large"
    assert answer["message"].startswith("headers: ")


def test_a_431_pipelined_behind_a_good_request_comes_after_its_answer(connect) -> None:
    connection = connect()
    connection.protocol.app = limited()
    big = b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"
    connection.send(GET + big + GET)
    assert connection.transport.statuses() == [200, 431]
    assert connection.transport.closed
    assert refusal(connection.transport)["error"] == "request_header_fields_too_large"


def test_past_the_cap_the_answer_is_json_503_with_retry_after() -> None:
    async def scenario() -> tuple[dict, dict, dict]:
        gate = asyncio.Event()

        async def held(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
            await gate.wait()
            await echo_app(scope, receive, send)

        app = limited(held, max_concurrency=1)
        first = asyncio.create_task(call(app, http_scope()))
        await asyncio.sleep(0)  # the first request is now in flight
        refused = await call(app, http_scope())
        gate.set()
        await first
        served = await call(app, http_scope())
        return refused[0], refused[1], served[0]

    start, body, after = asyncio.run(scenario())
    assert start["status"] == 503
    assert (b"retry-after", b"3") in start["headers"]
    assert (b"connection", b"close") in start["headers"]
    assert json.loads(body["body"])["error"] == "over_capacity"
    assert after["status"] == 200  # the slot is free again once the first is answered


def test_a_request_that_fails_frees_its_slot() -> None:
    async def failing(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    app = limited(failing, max_concurrency=1)
    for _ in range(2):  # the second would be refused if the first had kept its slot
        with pytest.raises(RuntimeError, match="boom"):
            asyncio.run(call(app, http_scope()))
    assert app.in_flight == 0


def test_other_scopes_pass_straight_through() -> None:
    seen: list[str] = []

    async def lifespan_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        seen.append(scope["type"])

    asyncio.run(limited(lifespan_app, max_concurrency=1)({"type": "lifespan"}, None, None))  # type: ignore[arg-type]
    assert seen == ["lifespan"]


def versioned(version: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {**http_scope(headers), "http_version": version, "headers": headers}


@pytest.mark.parametrize(
    ("version", "headers", "message"),
    [
        ("1.1", [], "host: an HTTP/1.1 request needs a Host header"),
        ("1.1", [(b"host", b"a"), (b"host", b"b")], "host: sent 2 times; send one Host header"),
        ("1.0", [(b"host", b"a"), (b"host", b"a")], "host: sent 2 times; send one Host header"),
    ],
    ids=["1.1-none", "1.1-two", "1.0-two"],
)
def test_a_request_without_exactly_one_host_is_a_json_400(
    version: str, headers: list, message: str
) -> None:
    start, body = asyncio.run(call(limited(), versioned(version, headers)))
    assert start["status"] == 400
    assert json.loads(body["body"])["message"] == message


@pytest.mark.parametrize(
    ("version", "headers"), [("1.0", []), ("2", []), ("1.1", [(b"host", b"a")])]
)
def test_one_host_or_none_before_http_1_1_is_taken(version: str, headers: list) -> None:
    start, _ = asyncio.run(call(limited(), versioned(version, headers)))
    assert start["status"] == 200


@pytest.mark.parametrize("coding", [b"gzip, chunked", b"gzip", b"deflate,chunked"])
def test_a_transfer_coding_but_chunked_is_a_json_501(coding: bytes) -> None:
    headers = [(b"host", b"a"), (b"transfer-encoding", coding)]
    start, body = asyncio.run(call(limited(), versioned("1.1", headers)))
    assert start["status"] == 501
    assert (b"connection", b"close") in start["headers"]
    assert json.loads(body["body"])["message"].startswith("transfer-encoding: ")


def test_chunked_alone_is_taken() -> None:
    headers = [(b"host", b"a"), (b"transfer-encoding", b"Chunked")]
    start, _ = asyncio.run(call(limited(), versioned("1.1", headers)))
    assert start["status"] == 200
