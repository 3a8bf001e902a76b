"""The Open Inference Protocol v2 routes through the ASGI app, every error the protocol's
way: {"error": "..."} with 400, 404 for another model or version, 413 and 503 in the
protocol's shape. The API key, the docs and arbitrary bodies: test_oip_access.py."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.state import NOT_LOADED as NOT_READY
from tests.app.oip.v2 import (
    CARD,
    INFER,
    STUDENTS,
    VERSION,
    batch_columns,
    columns,
    v2_request,
)

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
