"""The Open Inference Protocol v2 routes through the ASGI app: health, metadata, the
protocol's own example request and equality with /predict/batch. Errors, the API key and
arbitrary bodies: test_oip_errors.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.app.oip.v2 import (
    CARD,
    EXAMPLE_STUDENTS,
    INFER,
    OUTPUTS,
    PROTOCOL_EXAMPLE,
    STUDENTS,
    VERSION,
    batch_columns,
    columns,
    v2_request,
)

# --- health and server metadata -------------------------------------------------------------


def test_server_metadata_names_the_service_and_no_extensions(client: TestClient) -> None:
    response = client.get("/v2")
    assert response.status_code == 200
    assert response.json() == {"name": "cgpa-predictor", "version": "1.0.0", "extensions": []}


@pytest.mark.parametrize(
    "path",
    [
        "/v2/health/live",
        "/v2/health/ready",
        "/v2/models/cgpa_rnn/ready",
        f"/v2/models/cgpa_rnn/versions/{VERSION}/ready",
    ],
)
def test_health_says_yes_with_200_and_an_empty_body(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize("cause", ["no model loaded", "shutting down"])
def test_ready_says_no_exactly_when_health_ready_does(make_client, cause: str) -> None:
    client = make_client()
    if cause == "no model loaded":
        client.app.state.service.models.active = None
    else:
        client.app.state.service.not_ready_reason = "shutting down"
    assert client.get("/health/ready").status_code == 503
    for path in ("/v2/health/ready", "/v2/models/cgpa_rnn/ready"):
        response = client.get(path)
        # The protocol: "a 4xx status code indicates false", with an empty body.
        assert response.status_code == 400, path
        assert response.content == b""
    assert client.get("/v2/health/live").status_code == 200


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/v2/models/other/ready", "unknown model 'other'; this server serves 'cgpa_rnn'"),
        (
            "/v2/models/cgpa_rnn/versions/0.0.1/ready",
            f"unknown version '0.0.1' of model 'cgpa_rnn'; it has '{VERSION}'",
        ),
    ],
)
def test_model_ready_is_404_for_another_model_or_version(
    client: TestClient, path: str, message: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": message}


# --- model metadata -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v2/models/cgpa_rnn", f"/v2/models/cgpa_rnn/versions/{VERSION}"])
def test_model_metadata_lists_tensors_with_datatypes_and_shapes(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "cgpa_rnn"
    assert body["versions"] == [VERSION]
    assert body["platform"] == "pytorch_torchscript"
    tensors = [(t["name"], t["datatype"], t["shape"]) for t in body["inputs"]]
    assert tensors == [
        ("grades", "FP32", [-1, -1]),
        ("college_code", "INT64", [-1]),
        ("student_id", "BYTES", [-1]),
    ]
    assert "same length" in body["inputs"][0]["parameters"]["description"]
    assert [(t["name"], t["datatype"], t["shape"]) for t in body["outputs"]] == [
        (name, "FP32", [-1]) for name in OUTPUTS
    ]
    assert body["parameters"]["max_history"] == CARD.max_history


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/v2/models/cgpa", "unknown model 'cgpa'; this server serves 'cgpa_rnn'"),
        (
            "/v2/models/cgpa_rnn/versions/2",
            f"unknown version '2' of model 'cgpa_rnn'; it has '{VERSION}'",
        ),
    ],
)
def test_model_metadata_is_404_for_another_model_or_version(
    client: TestClient, path: str, message: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": message}


# --- inference ------------------------------------------------------------------------------


def test_protocol_documentation_example_is_answered(client: TestClient) -> None:
    response = client.post(
        INFER, content=PROTOCOL_EXAMPLE, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    expected = batch_columns(client, EXAMPLE_STUDENTS)["predicted_cgpa"]
    assert response.json() == {
        "model_name": "cgpa_rnn",
        "model_version": VERSION,
        "id": "42",
        "outputs": [{"name": "predicted_cgpa", "shape": [2], "datatype": "FP32", "data": expected}],
    }


@pytest.mark.parametrize("grades_datatype", ["FP32", "FP64"])
def test_infer_equals_predict_batch_exactly(client: TestClient, grades_datatype: str) -> None:
    response = client.post(INFER, json=v2_request(STUDENTS, grades_datatype))
    assert response.status_code == 200
    body = response.json()
    assert [(o["name"], o["shape"], o["datatype"]) for o in body["outputs"]] == [
        (name, [3], "FP32") for name in OUTPUTS
    ]
    assert columns(body) == batch_columns(client, STUDENTS)
    assert "id" not in body


def test_versioned_infer_and_nested_data_give_the_same_answer(client: TestClient) -> None:
    request = v2_request(STUDENTS)
    request["inputs"][0]["data"] = [student["grades"] for student in STUDENTS]
    response = client.post(f"/v2/models/cgpa_rnn/versions/{VERSION}/infer", json=request)
    assert response.status_code == 200
    assert response.json()["model_version"] == VERSION
    assert columns(response.json()) == batch_columns(client, STUDENTS)


def test_college_code_may_be_left_out(client: TestClient) -> None:
    request = v2_request(STUDENTS)
    del request["inputs"][1]
    response = client.post(INFER, json=request)
    assert response.status_code == 200
    without_colleges = [{"grades": student["grades"]} for student in STUDENTS]
    assert columns(response.json()) == batch_columns(client, without_colleges)


def test_requested_outputs_come_in_the_order_asked(client: TestClient) -> None:
    request = v2_request(STUDENTS) | {
        "outputs": [{"name": "interval_high"}, {"name": "interval_low", "parameters": {"x": 1}}]
    }
    response = client.post(INFER, json=request)
    assert response.status_code == 200
    assert [output["name"] for output in response.json()["outputs"]] == [
        "interval_high",
        "interval_low",
    ]


def test_id_is_echoed_and_parameters_are_ignored(client: TestClient) -> None:
    plain = client.post(INFER, json=v2_request(STUDENTS)).json()
    request = v2_request(STUDENTS) | {
        "id": "req-7",
        "parameters": {"binary_data_output": False, "priority": 1, "note": "ignored"},
    }
    request["inputs"][0]["parameters"] = {"binary_data": False}
    response = client.post(INFER, json=request)
    assert response.status_code == 200
    assert response.json() == plain | {"id": "req-7"}


def test_the_longest_history_and_a_full_batch_are_accepted(make_client) -> None:
    client = make_client(max_batch=5)
    students = [{"grades": [6.0 + row / 10] * CARD.max_history} for row in range(5)]
    response = client.post(INFER, json=v2_request(students))
    assert response.status_code == 200
    assert columns(response.json()) == batch_columns(client, students)


def test_infer_counts_students_under_its_own_kind(client: TestClient) -> None:
    client.post(INFER, json=v2_request(STUDENTS))
    assert 'cgpa_predictions_total{kind="v2"} 3.0' in client.get("/metrics").text
