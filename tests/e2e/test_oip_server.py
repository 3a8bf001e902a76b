"""The Open Inference Protocol v2 routes of the real service under uvicorn: the protocol's own
example request over HTTP, and an off-the-shelf v2 client (Triton's `tritonclient.http`)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import numpy as np
import pytest
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

from harness.live_server import LiveServer
from tests.app.oip.v2 import EXAMPLE_STUDENTS, OUTPUTS, PROTOCOL_EXAMPLE, as_v2_columns

MODEL = "cgpa_rnn"
STUDENTS = [
    {"grades": [7.1, 7.4, 7.9], "college_code": 165},
    {"grades": [5.0, 5.5, 6.25]},
    {"grades": [9.2, 8.8, 9.0], "college_code": 4242},
]


def batch_answer(live_server: LiveServer, students: list[dict]) -> dict[str, list[float]]:
    response = httpx.post(
        f"{live_server.base_url}/predict/batch", json={"students": students}, timeout=5
    )
    assert response.status_code == 200
    return as_v2_columns(response.json()["predictions"])


@pytest.fixture
def v2_client(live_server: LiveServer) -> Iterator[triton.InferenceServerClient]:
    client = triton.InferenceServerClient(
        url=live_server.base_url.removeprefix("http://"),
        connection_timeout=5.0,
        network_timeout=5.0,
    )
    yield client
    client.close()


def test_protocol_documentation_example_over_http(live_server: LiveServer) -> None:
    response = httpx.post(
        f"{live_server.base_url}/v2/models/{MODEL}/infer",
        content=PROTOCOL_EXAMPLE,
        headers={"content-type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "42"
    (output,) = body["outputs"]
    assert output == {
        "name": "predicted_cgpa",
        "shape": [2],
        "datatype": "FP32",
        "data": batch_answer(live_server, EXAMPLE_STUDENTS)["predicted_cgpa"],
    }


def test_tritonclient_sees_a_live_ready_server_and_the_model(
    v2_client: triton.InferenceServerClient,
) -> None:
    assert v2_client.is_server_live()
    assert v2_client.is_server_ready()
    assert v2_client.is_model_ready(MODEL)
    assert not v2_client.is_model_ready("another_model")
    server = v2_client.get_server_metadata()
    assert server["name"] == "cgpa-predictor" and server["extensions"] == []
    model = v2_client.get_model_metadata(MODEL)
    names = [tensor["name"] for tensor in model["inputs"]]
    assert names == ["grades", "college_code", "student_id"]
    assert v2_client.is_model_ready(MODEL, model_version=model["versions"][0])


def test_tritonclient_infer_equals_predict_batch(
    live_server: LiveServer, v2_client: triton.InferenceServerClient
) -> None:
    grades = np.array([student["grades"] for student in STUDENTS], dtype=np.float32)
    codes = np.array([student.get("college_code", -1) for student in STUDENTS], dtype=np.int64)
    inputs = [
        triton.InferInput("grades", list(grades.shape), "FP32"),
        triton.InferInput("college_code", list(codes.shape), "INT64"),
    ]
    # JSON tensor data: this service does not implement the binary tensor extension.
    inputs[0].set_data_from_numpy(grades, binary_data=False)
    inputs[1].set_data_from_numpy(codes, binary_data=False)
    outputs = [triton.InferRequestedOutput(name, binary_data=False) for name in OUTPUTS]
    version = v2_client.get_model_metadata(MODEL)["versions"][0]

    result = v2_client.infer(
        MODEL, inputs, model_version=version, outputs=outputs, request_id="e2e-7"
    )

    assert result.get_response()["id"] == "e2e-7"
    assert result.get_response()["model_version"] == version
    expected = batch_answer(live_server, STUDENTS)
    for name in OUTPUTS:
        answer = result.as_numpy(name)
        assert answer.dtype == np.float32 and answer.shape == (len(STUDENTS),)
        np.testing.assert_array_equal(answer, np.array(expected[name], dtype=np.float32))


def test_tritonclient_records_students_by_a_bytes_student_id(
    v2_client: triton.InferenceServerClient,
) -> None:
    grades = np.array([[7.0, 7.5], [6.0, 6.5]], dtype=np.float32)
    ids = np.array([b"S-1", b""], dtype=np.object_)  # "" : not recorded
    inputs = [
        triton.InferInput("grades", list(grades.shape), "FP32"),
        triton.InferInput("student_id", list(ids.shape), "BYTES"),
    ]
    inputs[0].set_data_from_numpy(grades, binary_data=False)
    inputs[1].set_data_from_numpy(ids, binary_data=False)
    wanted = [triton.InferRequestedOutput("forecast_id", binary_data=False)]
    result = v2_client.infer(MODEL, inputs, outputs=wanted)
    recorded, not_recorded = result.as_numpy("forecast_id")
    assert len(recorded) == 36 and not_recorded in ("", b"")


def test_tritonclient_default_binary_request_gets_a_clear_400(
    v2_client: triton.InferenceServerClient,
) -> None:
    grades = triton.InferInput("grades", [1, 2], "FP32")
    grades.set_data_from_numpy(np.array([[7.0, 7.5]], dtype=np.float32))  # binary by default
    with pytest.raises(InferenceServerException) as refused:
        v2_client.infer(MODEL, [grades])
    assert refused.value.status() == "400"
    assert "binary tensor data extension is not supported" in refused.value.message()


def test_tritonclient_reports_an_unknown_model_as_404(
    v2_client: triton.InferenceServerClient,
) -> None:
    with pytest.raises(InferenceServerException) as refused:
        v2_client.get_model_metadata("another_model")
    assert refused.value.status() == "404"
    assert "unknown model 'another_model'" in refused.value.message()
