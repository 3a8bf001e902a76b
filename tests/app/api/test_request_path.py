"""app/api/request_path.py at the ASGI level: a body arriving in pieces is read whole, a
client gone mid-body is a 499, a streamed body over the limit a 413, and the metrics label
is the route template."""

from __future__ import annotations

import asyncio
import json

from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message

# An HTTP/1.1 request carries one Host header (RequestLimits refuses it otherwise).
JSON_HEADERS = [(b"host", b"test"), (b"content-type", b"application/json")]


def call(app: ASGIApp, path: str, messages: list[Message]) -> tuple[int, bytes]:
    """One POST through the app's whole ASGI stack, fed `messages` and nothing more."""

    async def exchange() -> tuple[int, bytes]:
        pending = list(messages)
        sent: list[Message] = []

        async def receive() -> Message:
            if pending:
                return pending.pop(0)
            await asyncio.sleep(3600)  # the app must not ask for more than was sent
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": JSON_HEADERS,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        await asyncio.wait_for(app(scope, receive, send), timeout=10)
        (start,) = [message for message in sent if message["type"] == "http.response.start"]
        body = b"".join(message.get("body", b"") for message in sent[1:])
        return start["status"], body

    return asyncio.run(exchange())


def in_chunks(body: bytes, size: int) -> list[Message]:
    pieces = [body[start : start + size] for start in range(0, len(body), size)]
    return [
        {"type": "http.request", "body": piece, "more_body": index < len(pieces) - 1}
        for index, piece in enumerate(pieces)
    ]


def test_a_body_sent_in_chunks_is_read_whole(client: TestClient) -> None:
    # The escaped key also takes the strict parse (app/api/strict_json.py).
    body = b'{"grad\\u0065s": [7.1, 7.4, 7.9], "college_code": 165}'
    status, answer = call(client.app, "/predict", in_chunks(body, 7))
    expected = client.post("/predict", content=body, headers=dict(JSON_HEADERS))
    assert (status, json.loads(answer)) == (200, expected.json())


def test_a_client_gone_while_the_body_is_read_is_a_499_not_a_500(client: TestClient) -> None:
    messages = [
        {"type": "http.request", "body": b'{"grades": [7.1,', "more_body": True},
        {"type": "http.disconnect"},
    ]
    status, _ = call(client.app, "/predict", messages)
    assert status == 499


def test_a_streamed_body_over_the_limit_is_a_413(make_client) -> None:
    client = make_client(max_body_bytes=2048)
    status, answer = call(client.app, "/predict/batch", in_chunks(b" " * 8192, 1024))
    assert status == 413
    assert json.loads(answer)["error"] == "payload_too_large"


def test_a_shortcut_answer_is_counted_under_its_route_template(client: TestClient) -> None:
    status, _ = call(client.app, "/predict", in_chunks(b'{"grades": [6.5, 7.0]}', 100))
    assert status == 200
    samples = client.get("/metrics").text
    assert 'cgpa_http_requests_total{method="POST",route="/predict",status="200"} 1.0' in samples
