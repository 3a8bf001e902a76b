"""Recording through /predict and /predict/batch, on a real SQLite file and a real
PostgreSQL database: a `student_id` gets a committed row and a `forecast_id`; no id, no row
and the very same bytes as a service that records nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.store.keys import student_key
from app.store.schema import forecasts

ID_KEY = "an-id-key-of-32-characters-long!"
STUDENT = {"grades": [7.1, 7.4, 7.9, 8.0], "college_code": 165}
PLAIN_BODIES = {
    "/predict": STUDENT,
    "/predict/batch": {"students": [STUDENT, {"grades": [6.5], "risk_below": 6.0}]},
}


@pytest.fixture
def recording(make_client: Callable[..., TestClient], store_url: str) -> TestClient:
    return make_client(database_url=store_url, id_key=ID_KEY)


def stored_rows(client: TestClient) -> list[dict[str, Any]]:
    engine: sa.Engine = client.app.state.service.store.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(sa.select(forecasts).order_by(forecasts.c.created_at))
        return [dict(row) for row in rows.mappings()]


@pytest.mark.parametrize("path", sorted(PLAIN_BODIES))
def test_without_student_id_the_answer_is_byte_for_byte_a_non_recording_ones(
    path: str, recording: TestClient, make_client: Callable[..., TestClient]
) -> None:
    off = make_client(database_url="none")
    body = json.dumps(PLAIN_BODIES[path])
    answers = [
        client.post(path, content=body, headers={"content-type": "application/json"})
        for client in (recording, off)
    ]
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].content == answers[1].content
    assert b"forecast_id" not in answers[0].content
    assert stored_rows(recording) == []


def test_a_student_id_records_the_forecast_and_answers_its_id(recording: TestClient) -> None:
    response = recording.post("/predict", json={**STUDENT, "student_id": "S-0042"})
    assert response.status_code == 200
    answer = response.json()
    assert uuid.UUID(answer["forecast_id"]).version == 7
    (row,) = stored_rows(recording)
    assert row["id"] == answer["forecast_id"]
    assert row["student_key"] == student_key("S-0042", ID_KEY.encode())
    assert row["semester"] == answer["semester"] == 5
    assert row["grades"] == STUDENT["grades"] and row["group_code"] == "165"
    assert row["predicted"] == answer["predicted_cgpa"]
    interval = answer["interval"]
    assert (row["interval_low"], row["interval_high"], row["interval_level"]) == (
        interval["low"], interval["high"], interval["level"],
    )  # fmt: skip
    assert row["risk_below"] is None and row["risk_probability"] is None
    assert row["model_version"] == answer["model_version"]


def test_the_database_never_holds_the_raw_id(recording: TestClient) -> None:
    recording.post("/predict", json={**STUDENT, "student_id": "raw-id-ZX81"})
    assert "raw-id-ZX81" not in repr(stored_rows(recording))


def test_a_batch_records_only_students_with_ids_and_the_risk_they_asked(
    recording: TestClient,
) -> None:
    students = [
        {**STUDENT, "student_id": "A"},
        {"grades": [6.5]},
        {"grades": [6.5, 5.0], "student_id": "A", "risk_below": 6.0},  # the same id twice
    ]
    response = recording.post("/predict/batch", json={"students": students})
    assert response.status_code == 200
    answers = response.json()["predictions"]
    assert "forecast_id" not in answers[1]
    assert answers[0]["forecast_id"] != answers[2]["forecast_id"]
    rows = {row["id"]: row for row in stored_rows(recording)}
    assert set(rows) == {answers[0]["forecast_id"], answers[2]["forecast_id"]}
    risky = rows[answers[2]["forecast_id"]]
    assert risky["risk_below"] == 6.0
    assert risky["risk_probability"] == answers[2]["risk"]["probability"]
    assert risky["group_code"] is None


@pytest.mark.parametrize(
    ("student_id", "reason"),
    [
        ("", "must not be empty"),
        ("x" * 129, "has 129 characters; at most 128"),
        ("S-1\n", "must be printable"),
        ("S\x00", "must be printable"),
        ("\u200b\u2028", "must be printable"),  # invisible: a line separator
        (42, "must be a string, not a number"),
        (None, None),  # null is "no id": a plain forecast
    ],
)
def test_a_bad_student_id_is_a_422_naming_it(
    recording: TestClient, student_id: object, reason: str | None
) -> None:
    body = json.dumps({**STUDENT, "student_id": student_id})
    response = recording.post(
        "/predict", content=body, headers={"content-type": "application/json"}
    )
    if reason is None:
        assert response.status_code == 200 and "forecast_id" not in response.json()
        return
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"student_id: {reason}")
    assert stored_rows(recording) == []


def test_a_bad_id_in_a_batch_names_the_student(recording: TestClient) -> None:
    students = [{**STUDENT, "student_id": "ok"}, {**STUDENT, "student_id": "tab\there"}]
    response = recording.post("/predict/batch", json={"students": students})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "students[1].student_id"


def test_with_recording_off_a_student_id_is_a_422_that_says_so(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(database_url="none")
    response = client.post("/predict", json={**STUDENT, "student_id": "S-1"})
    assert response.status_code == 422
    assert response.json()["message"] == (
        "student_id: recording is off on this server (CGPA_DATABASE_URL=none); send the "
        "request without student_id for a forecast that is not recorded"
    )
    batch = client.post(
        "/predict/batch", json={"students": [STUDENT, {**STUDENT, "student_id": "B"}]}
    )
    assert batch.status_code == 422
    assert batch.json()["detail"][0]["field"] == "students[1].student_id"
    assert client.get("/health/ready").json()["store"] == {"state": "off"}
