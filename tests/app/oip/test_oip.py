"""The Open Inference Protocol v2 routes through the ASGI app: the protocol's own example
request, equality with /predict/batch, and every error the protocol's way."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.security import MISSING_KEY
from app.model.card import ModelCard
from app.state import NOT_LOADED as NOT_READY
from tests.conftest import MODEL_PATH, TEST_API_KEY

CARD = ModelCard.read(MODEL_PATH.with_suffix(".json"))
VERSION = CARD.model_version
INFER = "/v2/models/cgpa_rnn/infer"
OUTPUTS = ("predicted_cgpa", "interval_low", "interval_high")

# The example request of the protocol's documentation (KServe `docs/predict-api/v2/
# required_api.md`, "Inference Request Examples"; the same in the Open Inference Protocol's
# `inference_rest.md`), as written there, with only the tensor names, datatypes, shapes and
# values changed to this model's: two inputs, one requested output, id "42".
PROTOCOL_EXAMPLE = """
{
  "id" : "42",
  "inputs" : [
    {
      "name" : "grades",
      "shape" : [ 2, 2 ],
      "datatype" : "FP32",
      "data" : [ 7.1, 7.4, 6.2, 5.9 ]
    },
    {
      "name" : "college_code",
      "shape" : [ 2 ],
      "datatype" : "INT64",
      "data" : [ 165, -1 ]
    }
  ],
  "outputs" : [
    {
      "name" : "predicted_cgpa"
    }
  ]
}
"""
EXAMPLE_STUDENTS = [{"grades": [7.1, 7.4], "college_code": 165}, {"grades": [6.2, 5.9]}]

# Three students of one history length: known college, none, and a college the model lacks.
STUDENTS = [
    {"grades": [7.1, 7.4, 7.9], "college_code": 165},
    {"grades": [5.0, 5.5, 6.25]},
    {"grades": [9.2, 8.8, 9.0], "college_code": 4242},
]


def v2_request(students: list[dict[str, Any]], grades_datatype: str = "FP32") -> dict[str, Any]:
    """The v2 request for students of equal history length, with grades sent flat."""
    history = len(students[0]["grades"])
    return {
        "inputs": [
            {
                "name": "grades",
                "shape": [len(students), history],
                "datatype": grades_datatype,
                "data": [grade for student in students for grade in student["grades"]],
            },
            {
                "name": "college_code",
                "shape": [len(students)],
                "datatype": "INT64",
                "data": [student.get("college_code", -1) for student in students],
            },
        ]
    }


def batch_columns(client: TestClient, students: list[dict[str, Any]]) -> dict[str, list[float]]:
    """What /predict/batch answers for the same students, as the three v2 output columns."""
    response = client.post("/predict/batch", json={"students": students})
    assert response.status_code == 200
    return as_v2_columns(response.json()["predictions"])


def as_v2_columns(predictions: list[dict[str, Any]]) -> dict[str, list[float]]:
    """/predict/batch's answers rearranged as the three v2 output columns."""
    return {
        "predicted_cgpa": [p["predicted_cgpa"] for p in predictions],
        "interval_low": [p["interval"]["low"] for p in predictions],
        "interval_high": [p["interval"]["high"] for p in predictions],
    }


def columns(body: dict[str, Any]) -> dict[str, list[float]]:
    return {output["name"]: output["data"] for output in body["outputs"]}


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
    assert tensors == [("grades", "FP32", [-1, -1]), ("college_code", "INT64", [-1])]
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


# --- inference errors: {"error": "..."} with 400, or 404 for another model or version --------


def with_change(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """The valid request with one field replaced (or removed, when value is DELETE)."""
    request = copy.deepcopy(v2_request(STUDENTS))
    node: Any = request
    for key in path[:-1]:
        node = node[key]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return request


DELETE = object()
MAX = CARD.max_history


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        (with_change(("inputs",), DELETE), "inputs: is required"),
        (with_change(("inputs",), []), "inputs: needs at least 1 item, not 0"),
        (with_change(("model",), "x"), "model: is not a field of this request"),
        (with_change(("id",), 42), "id: must be a string, not a number"),
        (with_change(("parameters",), [1]), "parameters: must be an object, not a list"),
        (with_change(("inputs", 0, "data"), DELETE), "inputs[0].data: is required"),
        (
            with_change(("inputs", 0, "shape", 0), -1),
            "inputs[0].shape[0]: -1 is too small; at least 0",
        ),
        (
            with_change(("inputs", 0, "shape", 1), "3"),
            "inputs[0].shape[1]: must be a whole number",
        ),
        (with_change(("inputs", 0, "name"), "gpa"), "inputs[0].name: unknown input 'gpa'"),
        (with_change(("inputs", 1, "name"), "grades"), "inputs[1].name: input 'grades' is given"),
        (
            with_change(("inputs", 0, "name"), "college_code"),
            "inputs[1].name: input 'college_code'",
        ),
        (
            with_change(("inputs",), [v2_request(STUDENTS)["inputs"][1]]),
            "inputs: the input 'grades' is required",
        ),  # fmt: skip
        (
            with_change(("inputs", 0, "datatype"), "INT64"),
            "inputs[0].datatype: grades must be FP32",
        ),
        (with_change(("inputs", 0, "datatype"), "fp32"), "inputs[0].datatype: grades must be FP32"),
        (
            with_change(("inputs", 0, "shape"), [9]),
            "inputs[0].shape: grades must have shape [batch,",
        ),
        (
            with_change(("inputs", 0, "shape"), [0, 3]),
            "inputs[0].shape[0]: the batch should have 1",
        ),
        (
            with_change(("inputs", 0, "shape"), [3, 0]),
            "inputs[0].shape[1]: a history should have 1",
        ),
        (
            with_change(("inputs", 0, "shape"), [1, MAX + 1]),
            f"inputs[0].shape[1]: a history should have 1 to {MAX} semesters",
        ),  # fmt: skip
        (
            with_change(("inputs", 0, "shape"), [2, 3]),
            "inputs[0].data: shape [2, 3] holds 6 values",
        ),
        (
            with_change(("inputs", 0, "data", 3), 10.5),
            "inputs[0].data[3]: 10.5 is above this model's scale 0-10",
        ),  # fmt: skip
        (
            with_change(("inputs", 0, "data", 4), -0.1),
            "inputs[0].data[4]: -0.1 is below this model's scale 0-10",
        ),
        (
            with_change(("inputs", 0, "data", 0), "7.5"),
            "inputs[0].data[0]: must be a number, not a string",
        ),
        (
            with_change(("inputs", 0, "data", 1), True),
            "inputs[0].data[1]: must be a number, not a boolean",
        ),
        (
            with_change(("inputs", 0, "data", 2), None),
            "inputs[0].data[2]: must be a number, not null",
        ),
        (
            with_change(
                ("inputs", 0, "data"), [[7.0, 7.0, 7.0], [7.0, 7.0, 11.0], [7.0, 7.0, 7.0]]
            ),
            "inputs[0].data[1][2]: 11 is above this model's scale 0-10",
        ),  # fmt: skip
        (
            with_change(("inputs", 0, "data"), [[7.0] * 3, [7.0] * 3, [7.0] * 2, [7.0]]),
            "inputs[0].data: nested data must follow the shape exactly (a list of 3 here)",
        ),  # fmt: skip
        (
            with_change(("inputs", 0, "data"), [[7.0] * 3, [7.0] * 3, [7.0] * 2 + [[7.0]]]),
            "inputs[0].data[2][2]: nested deeper than the shape says",
        ),  # fmt: skip
        (
            with_change(("inputs", 1, "shape"), [2]),
            "inputs[1].shape: college_code must have shape [3]",
        ),
        (
            with_change(("inputs", 1, "datatype"), "FP32"),
            "inputs[1].datatype: college_code must be",
        ),
        (
            with_change(("inputs", 1, "data", 0), -2),
            "inputs[1].data[0]: -2 is too small; at least -1",
        ),
        (
            with_change(("inputs", 1, "data", 0), 165.0),
            "inputs[1].data[0]: must be a whole number, not a fraction",
        ),
        (
            with_change(("inputs", 1, "data", 2), 2**31),
            "inputs[1].data[2]: 2147483648 is too large; at most 2147483647",
        ),
        (with_change(("outputs",), [{"name": "gpa"}]), "outputs[0].name: unknown output 'gpa'"),
        (with_change(("outputs",), [{}]), "outputs[0].name: is required"),
    ],
)
def test_invalid_inference_request_is_400_naming_the_field(
    client: TestClient, request_body: dict[str, Any], message: str
) -> None:
    response = client.post(INFER, json=request_body)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error"}
    assert response.json()["error"].startswith(message), response.json()


@pytest.mark.parametrize(
    ("raw_body", "message"),
    [
        (
            '{"inputs": [{"name": "grades", "shape": [1, 1], "datatype": "FP32", "data": [NaN]}]}',
            "body: not valid JSON: NaN and Infinity are not JSON numbers",
        ),  # fmt: skip
        ('{"inputs": [], "inputs": []}', 'body: not valid JSON: Detected duplicate key "inputs"'),
        ('{"inputs": [', "body: not valid JSON: EOF while parsing a list at line 1 column 12"),
        ("", "body: not valid JSON: EOF while parsing a value"),
        (b'{"id": "\xff"}', "body: not valid JSON: body is not valid UTF-8"),
        ('[{"name": "grades"}]', "body: must be an object, not a list"),
        ("[" * 100_000 + "]" * 100_000, "body: not valid JSON: nested too deeply"),
    ],
)
def test_malformed_json_is_400(client: TestClient, raw_body: str | bytes, message: str) -> None:
    response = client.post(INFER, content=raw_body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert response.json()["error"].startswith(message)


def test_batch_larger_than_the_limit_is_400(make_client) -> None:
    client = make_client(max_batch=2)
    response = client.post(INFER, json=v2_request(STUDENTS))
    assert response.status_code == 400
    assert response.json() == {
        "error": "inputs[0].shape[0]: the batch should have 1 to 2 students (CGPA_MAX_BATCH), not 3"
    }


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/octet-stream", "multipart/form-data"]
)
def test_non_json_content_type_is_400(client: TestClient, content_type: str) -> None:
    body = json.dumps(v2_request(STUDENTS))
    response = client.post(INFER, content=body, headers={"content-type": content_type})
    assert response.status_code == 400
    assert response.json() == {
        "error": f"content-type: send the inference request as application/json, not {content_type}"
    }


@pytest.mark.parametrize(
    "content_type",
    [None, "application/json; charset=utf-8", "application/x-www-form-urlencoded"],
    ids=["none (tritonclient)", "json", "curl -d default"],
)
def test_body_is_read_as_json_under_the_types_v2_clients_send(
    client: TestClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(INFER, content=json.dumps(v2_request(STUDENTS)), headers=headers)
    assert response.status_code == 200
    assert columns(response.json()) == batch_columns(client, STUDENTS)


def test_binary_tensor_extension_is_refused_clearly(client: TestClient) -> None:
    header = json.dumps(v2_request(STUDENTS)).encode()
    response = client.post(
        INFER,
        content=header + b"\x00\x00\x80?",
        headers={"Inference-Header-Content-Length": str(len(header))},
    )
    assert response.status_code == 400
    assert "binary tensor data extension is not supported" in response.json()["error"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/v2/models/cgpa/infer", "unknown model 'cgpa'; this server serves 'cgpa_rnn'"),
        (
            "/v2/models/cgpa_rnn/versions/1.0.0/infer",
            f"unknown version '1.0.0' of model 'cgpa_rnn'; it has '{VERSION}'",
        ),
    ],
)
def test_infer_on_another_model_or_version_is_404(
    client: TestClient, path: str, message: str
) -> None:
    response = client.post(path, json=v2_request(STUDENTS))
    assert response.status_code == 404
    assert response.json() == {"error": message}


def test_streamed_body_over_the_limit_is_413_in_the_protocol_shape(make_client) -> None:
    client = make_client(max_body_bytes=1024)

    def chunks():
        yield b'{"inputs": ['
        yield b" " * 2048

    response = client.post(INFER, content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"error": "body: request body is larger than the limit of 1024 bytes"}


def test_infer_is_503_in_the_protocol_shape_without_a_model(make_client) -> None:
    client = make_client()
    client.app.state.service.models.active = None
    response = client.post(INFER, json=v2_request(STUDENTS))
    assert response.status_code == 503
    assert response.json() == {"error": NOT_READY}


# --- the API key ----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("GET", "/v2/models/cgpa_rnn"), ("POST", INFER)])
def test_metadata_and_infer_need_the_key_when_one_is_set(make_client, method, path) -> None:
    client = make_client(api_key=TEST_API_KEY)
    body = v2_request(STUDENTS) if method == "POST" else None
    missing = client.request(method, path, json=body)
    assert missing.status_code == 401
    assert missing.json() == {"error": MISSING_KEY}
    right = client.request(method, path, json=body, headers={"X-API-Key": TEST_API_KEY})
    assert right.status_code == 200


@pytest.mark.parametrize(
    "path", ["/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/cgpa_rnn/ready"]
)
def test_health_and_server_metadata_need_no_key(make_client, path: str) -> None:
    client = make_client(api_key=TEST_API_KEY)
    assert client.get(path).status_code == 200


# --- the docs -------------------------------------------------------------------------------


def test_openapi_documents_the_request_body_without_dangling_references(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/v2/models/{name}/infer"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["inputs"]
    assert "$ref" not in json.dumps(schema)
    assert "400" in operation["responses"] and "404" in operation["responses"]


# --- any body at all: a 200 or the protocol's 400, never a crash ----------------------------

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
TENSORS = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["grades", "college_code", "other"]),
        "shape": st.lists(st.integers(-1, 5), max_size=3),
        "datatype": st.sampled_from(["FP32", "FP64", "INT64", "INT32", "BYTES"]),
        "data": st.lists(
            st.floats(-1, 11) | st.integers(-3, 12) | st.lists(st.floats(0, 10), max_size=4),
            max_size=12,
        ),
    },
    optional={"parameters": st.dictionaries(st.text(max_size=4), JSON_SCALARS, max_size=2)},
)
REQUESTS = st.fixed_dictionaries(
    {"inputs": st.lists(TENSORS, min_size=1, max_size=3)},
    optional={
        "id": st.text(max_size=8) | st.integers(),
        "outputs": st.lists(
            st.fixed_dictionaries({"name": st.sampled_from([*OUTPUTS, "x"])}), max_size=3
        ),
    },
)


@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=REQUESTS | JSON_VALUES)
def test_any_body_gets_an_answer_or_the_protocol_error(client: TestClient, body: Any) -> None:
    # Float NaN and infinities go out as the non-standard literals, which must be refused too.
    response = client.post(INFER, content=json.dumps(body, allow_nan=True))
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert set(response.json()) == {"error"} and response.json()["error"]
        return
    for output in response.json()["outputs"]:
        assert len(output["data"]) == output["shape"][0] >= 1
        assert all(0 <= value <= 10 for value in output["data"])
