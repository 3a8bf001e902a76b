"""Admission at the HTTP level: past CGPA_MAX_ROWS_IN_FLIGHT, prediction requests wait their
turn, and the ones that cannot get one are answered the JSON 503 with Retry-After; nothing
else, and the service answers normally again once the load is gone."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import httpx
import pytest

from harness.live_server import LiveServer
from tests.conftest import MODEL_PATH

# Room for about one explained 1000-student batch (33,000 rows) at a time: eight at once
# must queue, and some must be refused.
ENVIRONMENT = {
    "CGPA_MODEL_PATH": str(MODEL_PATH),
    "CGPA_MAX_ROWS_IN_FLIGHT": "40000",
    "CGPA_ADMISSION_WAIT": "0.3",
    "CGPA_RETRY_AFTER": "3",
}


def explained_batch(seed: int) -> dict:
    rng = random.Random(seed)
    students = [
        {"grades": [round(rng.uniform(5, 9), 2) for _ in range(4)], "explain": True}
        for _ in range(1000)
    ]
    return {"students": students}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer.start(ENVIRONMENT) as live:
        yield live


async def post_all(base_url: str, bodies: list[dict]) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        return await asyncio.gather(*(http.post("/predict/batch", json=b) for b in bodies))


def test_past_the_bound_requests_get_200_or_the_json_503_with_retry_after(
    server: LiveServer,
) -> None:
    answers = asyncio.run(post_all(server.base_url, [explained_batch(n) for n in range(8)]))
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) == {200, 503}, statuses
    for answer in answers:
        if answer.status_code == 503:
            assert answer.headers["retry-after"] == "3"
            body = answer.json()
            assert body["error"] == "over_capacity"  # as the concurrency cap says it
            assert "CGPA_MAX_ROWS_IN_FLIGHT" in body["message"]
        else:
            assert len(answer.json()["predictions"]) == 1000


def test_after_the_load_every_request_is_served_again(server: LiveServer) -> None:
    asyncio.run(post_all(server.base_url, [explained_batch(n) for n in range(8)]))
    answers = asyncio.run(post_all(server.base_url, [explained_batch(9)]))
    assert [answer.status_code for answer in answers] == [200]
    single = httpx.post(f"{server.base_url}/predict", json={"grades": [7.0, 7.5]}, timeout=10)
    assert single.status_code == 200
