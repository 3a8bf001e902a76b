"""LimitedHttpToolsProtocol without sockets (tests/app/server/connection_harness.py). Timing
rules are checked exactly here, in milliseconds of real time;
tests/e2e/test_connection_limits.py checks them on real servers and sockets."""

from __future__ import annotations

import asyncio

from tests.app.server.connection_harness import GET, LIMITS, POST, refusal


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


def test_a_body_the_app_is_reading_is_the_apps_to_time(connect) -> None:
    """The body's deadline lives in the request path (read_body), so it holds under any
    server; the protocol leaves a body the app waits for alone."""
    connection = connect()
    connection.send(POST[:-5])
    connection.wait(1000)
    assert not connection.transport.closed
    connection.send(POST[-5:])
    assert connection.transport.statuses() == [200]


def test_the_rest_of_a_body_answered_unread_is_cut_off_at_the_body_timeout(connect) -> None:
    connection = connect()

    async def answer_without_reading(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await send({"type": "http.response.start", "status": 405, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    connection.protocol.app = answer_without_reading
    connection.send(POST[:-10])
    connection.send(POST[-10:-5])  # uvicorn drops it, and its keep-alive timer with it
    connection.wait(29.9)
    assert not connection.transport.closed
    connection.wait(0.1)
    assert connection.transport.closed
    assert connection.transport.statuses() == [405]


def test_an_answer_that_closes_while_the_body_arrives_lingers(connect) -> None:
    """An early 413 with `connection: close`: the answer, a half-close, then the rest of the
    body is read and dropped, never parsed as a next request."""
    connection = connect()

    async def refuse_unread(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        headers = [(b"content-length", b"0"), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    connection.protocol.app = refuse_unread
    connection.send(POST[:-5])
    assert connection.transport.eof
    assert not connection.transport.closed
    connection.send(POST[-5:] + GET)
    assert connection.transport.statuses() == [413]
    assert not connection.transport.closed  # until the client closes, or a bound runs out


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


def test_an_endless_header_is_cut_off_near_the_limit(connect) -> None:
    connection = connect()
    connection.send(b"GET / HTTP/1.1\r\nX-Endless: ")
    sent = 0
    while not connection.transport.closed and sent < 10_000_000:
        connection.send(b"a" * 4096)
        sent += 4096
    assert connection.transport.statuses() == [431]
    assert sent < LIMITS.max_header_bytes + 128 * 1024
