"""Recording through the Open Inference Protocol: the optional `student_id` BYTES input
records those students ('' for none) and the `forecast_id` BYTES output names their rows;
without the input the answer is byte for byte a non-recording service's."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.store.schema import forecasts
from tests.app.oip.v2 import INFER, PROTOCOL_EXAMPLE, STUDENTS, v2_request

ID_KEY = "an-id-key-of-32-characters-long!"


def with_ids(ids: list[str], datatype: str = "BYTES") -> dict[str, Any]:
    request = v2_request(STUDENTS)
    request["inputs"].append(
        {"name": "student_id", "shape": [len(ids)], "datatype": datatype, "data": ids}
    )
    return request


@pytest.fixture
def recording(make_client: Callable[..., TestClient], store_url: str) -> TestClient:
    return make_client(database_url=store_url, id_key=ID_KEY)


def stored_ids(client: TestClient) -> set[str]:
    engine: sa.Engine = client.app.state.service.store.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return set(connection.execute(sa.select(forecasts.c.id)).scalars())


def outputs(response: Any) -> dict[str, dict[str, Any]]:
    return {output["name"]: output for output in response.json()["outputs"]}


def test_without_student_id_the_answer_is_byte_for_byte_a_non_recording_ones(
    recording: TestClient, make_client: Callable[..., TestClient]
) -> None:
    off = make_client(database_url="none")
    for body in (PROTOCOL_EXAMPLE, json.dumps(v2_request(STUDENTS))):
        answers = [client.post(INFER, content=body) for client in (recording, off)]
        assert answers[0].status_code == answers[1].status_code == 200
        assert answers[0].content == answers[1].content
    assert stored_ids(recording) == set()


def test_student_ids_record_those_students_and_answer_forecast_ids(
    recording: TestClient,
) -> None:
    response = recording.post(INFER, json=with_ids(["S-1", "", "S-3"]))
    assert response.status_code == 200
    forecast_ids = outputs(response)["forecast_id"]
    assert forecast_ids["datatype"] == "BYTES" and forecast_ids["shape"] == [3]
    first, none, third = forecast_ids["data"]
    assert none == "" and uuid.UUID(first).version == 7 and uuid.UUID(third).version == 7
    assert stored_ids(recording) == {first, third}


def test_forecast_id_can_be_asked_for_alone(recording: TestClient) -> None:
    request = with_ids(["S-1", "S-2", "S-3"])
    request["outputs"] = [{"name": "forecast_id"}]
    response = recording.post(INFER, json=request)
    assert response.status_code == 200
    assert list(outputs(response)) == ["forecast_id"]


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        (with_ids(["S-1", "S-2"]), "inputs[2].shape: student_id must have shape [3]"),
        (with_ids(["S-1", "x" * 129, ""]), "inputs[2].data[1]: has 129 characters; at most 128"),
        (with_ids(["S-1", "a\tb", ""]), "inputs[2].data[1]: must be printable"),
        (with_ids([1, 2, 3], "INT64"), "inputs[2].datatype: student_id must be BYTES"),  # type: ignore[list-item]
        (
            {**v2_request(STUDENTS), "outputs": [{"name": "forecast_id"}]},
            "outputs[0].name: forecast_id needs the input student_id",
        ),
    ],
)
def test_bad_student_ids_are_a_400_naming_the_tensor(
    recording: TestClient, request_body: dict[str, Any], message: str
) -> None:
    response = recording.post(INFER, json=request_body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)
    assert stored_ids(recording) == set()


def test_with_recording_off_student_ids_are_a_400_that_says_so(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(database_url="none")
    response = client.post(INFER, json=with_ids(["S-1", "", ""]))
    assert response.status_code == 400
    assert response.json()["error"].startswith("inputs[2]: recording is off on this server")
    # Only empty ids: nothing to record, so nothing to refuse.
    assert client.post(INFER, json=with_ids(["", "", ""])).status_code == 200
