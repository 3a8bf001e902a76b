"""No input gives a 5xx (README), by the servers' own counters: the whole adversarial corpus is
thrown at the open server and, with the key, at the locked one, and afterwards neither has
counted a single 5xx answer. Self-contained: it sends its own requests, so it means the same
whether it runs alone or after the rest of tests/reliability/.
"""

from __future__ import annotations

import re
import time

import httpx

from harness.live_server import LiveServer
from tests.conftest import TEST_API_KEY
from tests.reliability.corpus import VALUE_CASES
from tests.reliability.corpus_text import CONTENT_TYPE_CASES, TEXT_CASES

CORPUS = VALUE_CASES + TEXT_CASES + CONTENT_TYPE_CASES
COUNTED = re.compile(r"^cgpa_http_requests_total\{(?P<labels>[^}]*)\} (?P<count>\S+)$", re.M)


def answers_counted(client: httpx.Client) -> dict[str, float]:
    """The server's request counter, summed by status."""
    by_status: dict[str, float] = {}
    for found in COUNTED.finditer(client.get("/metrics").text):
        status = re.search(r'status="(\d{3})"', found["labels"])[1]
        by_status[status] = by_status.get(status, 0) + float(found["count"])
    return by_status


def counted_after(client: httpx.Client, at_least: float, timeout: float = 10) -> dict[str, float]:
    """The counter once it holds `at_least` answers: each is counted just after it is sent."""
    deadline = time.monotonic() + timeout
    while True:
        by_status = answers_counted(client)
        if sum(by_status.values()) >= at_least or time.monotonic() > deadline:
            return by_status
        time.sleep(0.02)


def test_no_corpus_request_gets_a_5xx_on_either_server(
    live_server: LiveServer, locked_server: LiveServer
) -> None:
    for server, key in ((live_server, {}), (locked_server, {"X-API-Key": TEST_API_KEY})):
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            before = sum(answers_counted(client).values())
            statuses = [
                client.post(
                    case.path, content=case.body, headers={**case.headers, **key}
                ).status_code
                for case in CORPUS
            ]
            # The corpus reached the routes: with the key, not one was refused as unauthorised.
            assert 401 not in statuses
            by_status = counted_after(client, before + len(CORPUS))
        assert sum(by_status.values()) >= before + len(CORPUS), by_status
        assert "422" in by_status  # the counter was read: the corpus is mostly 422s
        assert not [status for status in by_status if status.startswith("5")], by_status
