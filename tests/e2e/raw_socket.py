"""Reading a server's answers off a raw socket, for the tests that must see exactly what
it sends and when: a byte-by-byte sender, one answer or a close, pipelined answers."""

from __future__ import annotations

import re
import select
import socket
import time

from harness.live_server import read_http_response


def trickle(connection: socket.socket, data: bytes, interval: float, limit: float) -> float:
    """Sends `data` a byte every `interval` s until the server answers or closes; returns
    the seconds that took (or `limit`, if it never did)."""
    began = time.monotonic()
    for byte in data:
        readable, _, _ = select.select([connection], [], [], interval)
        if readable or time.monotonic() - began > limit:
            break
        try:
            connection.send(bytes([byte]))
        except OSError:  # closed by the server between two bytes
            break
    select.select([connection], [], [], max(0.0, limit - (time.monotonic() - began)))
    return time.monotonic() - began


def response_or_close(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The answer, or status 0 if the server closed (or reset) without one."""
    try:
        return read_http_response(connection)
    except ConnectionResetError:
        return 0, {}, b""


def read_responses(connection: socket.socket, count: int) -> list[tuple[int, bytes]]:
    """Up to `count` pipelined answers as (status, body), fewer if the server closes first.
    (`read_http_response` reads one and drops whatever came after it in the same recv.)"""
    data, answers = b"", []
    while len(answers) < count:
        head, found, rest = data.partition(b"\r\n\r\n")
        if found:
            length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE)[1])
            if len(rest) >= length:
                answers.append((int(head.split()[1]), rest[:length]))
                data = rest[length:]
                continue
        try:
            chunk = connection.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            break
        data += chunk
    return answers
