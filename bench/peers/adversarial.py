"""The adversarial basics against every server: what HTTP status each gives.

Each request goes over a raw socket exactly as written (no client fixes a body or a header
up), with `Connection: close`; the answer is the status code, "closed" when the server
dropped the connection without one, or "timeout". Nothing here says which answer is right:
the table shows what each stack does with the same bad input.
"""

from __future__ import annotations

import socket
from contextlib import suppress

from harness.live_server import read_http_response

TEN_MB = 10 * 2**20
TIMEOUT = 15.0
# (case, grades as JSON text, how many grades, content type, extra top-level JSON members)
CASES = [
    ("valid", "7.1,7.4", 2, "application/json", ""),
    ("NaN", "7.1,NaN", 2, "application/json", ""),
    ("string grade", '7.1,"7.4"', 2, "application/json", ""),
    ("empty history", "", 0, "application/json", ""),
    ("1e309", "7.1,1e309", 2, "application/json", ""),
    ("10 MB body", ",".join(["7.1"] * (TEN_MB // 4)), TEN_MB // 4, "application/json", ""),
    ("non-JSON body", None, 0, "application/json", ""),
    ("text/plain", "7.1,7.4", 2, "text/plain", ""),
    ("unknown field", "7.1,7.4", 2, "application/json", ',"bogus":1'),
]
CASE_NAMES = [case[0] for case in CASES]
# Where each body shape goes (the wrk scripts post the same shapes to the same routes).
PATHS = {
    "predict": "/predict",
    "oip": "/v2/models/cgpa_rnn/infer",
    "instances": "/v1/models/cgpa_rnn:predict",
}


def body(shape: str, grades: str | None, count: int, extra: str) -> bytes:
    if grades is None:
        return b'{"grades": [7.1, 7.4'  # cut short: not JSON
    if shape == "predict":
        text = f'{{"grades":[{grades}],"college_code":165{extra}}}'
    elif shape == "instances":
        text = f'{{"instances":[{{"grades":[{grades}],"college_code":165}}]{extra}}}'
    else:
        text = (
            f'{{"inputs":[{{"name":"grades","shape":[1,{count}],"datatype":"FP32",'
            f'"data":[{grades}]}},{{"name":"college_code","shape":[1],"datatype":"INT64",'
            f'"data":[165]}}]{extra}}}'
        )
    return text.encode()


def status_of(address: tuple[str, int], path: str, content_type: str, payload: bytes) -> int | str:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {address[0]}:{address[1]}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    try:
        with socket.create_connection(address, timeout=TIMEOUT) as connection:
            # The server may answer (413, say) and close mid-body: read what it said anyway.
            with suppress(OSError):
                connection.sendall(head + payload)
            status, _, _ = read_http_response(connection)
    except TimeoutError:
        return "timeout"
    except OSError:
        return "closed"
    return status or "closed"


def probe(address: tuple[str, int], shape: str) -> dict[str, int | str]:
    """{case: status} for one server and body shape."""
    return {
        name: status_of(address, PATHS[shape], content_type, body(shape, grades, count, extra))
        for name, grades, count, content_type, extra in CASES
    }
