"""The recording corpus (corpus_recording.py) against a real server that records: each case
gets its exact status, a recorded one its forecast id, and no hostile id harms the store."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from harness.live_server import LiveServer
from tests.reliability.corpus import Case, assert_json_error
from tests.reliability.corpus_recording import RECORDING_CASES, V2_RECORDING_CASES


@pytest.fixture(scope="module")
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        yield client


@pytest.mark.parametrize("case", RECORDING_CASES, ids=[case.name for case in RECORDING_CASES])
def test_recording_case_gets_its_exact_status(http: httpx.Client, case: Case) -> None:
    response = http.post(case.path, content=case.body, headers=case.headers)
    if case.status == 200:
        assert response.status_code == 200, response.text[:500]
        body = response.json()
        answers = body.get("predictions", [body])
        if b'"student_id": null' not in case.body:
            assert all("forecast_id" in answer for answer in answers)
        return
    body = assert_json_error(response, case.status)
    assert body["detail"][0]["field"] == case.field, body
    assert case.reason is not None and case.reason in body["detail"][0]["message"], body
    assert body["message"].startswith(f"{case.field}: ")
    assert len(response.content) < 2000  # a megabyte id is not echoed back


@pytest.mark.parametrize("case", V2_RECORDING_CASES, ids=[case.name for case in V2_RECORDING_CASES])
def test_v2_recording_case_gets_its_exact_status(http: httpx.Client, case: Case) -> None:
    response = http.post(case.path, content=case.body, headers=case.headers)
    assert response.status_code == case.status, response.text[:500]
    if case.status == 400:
        assert set(response.json()) == {"error"}
        assert response.json()["error"].startswith("inputs[1]")


def test_the_store_is_whole_after_the_corpus(http: httpx.Client) -> None:
    # Run last in this module: SQL-looking ids went in as data, so recording still works.
    response = http.post("/predict", json={"grades": [7.0], "student_id": "after"})
    assert response.status_code == 200 and "forecast_id" in response.json()
    assert http.get("/health/ready").json()["store"]["state"] == "ok"
