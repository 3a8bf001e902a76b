"""The Open Inference Protocol v2 routes through the ASGI app: which routes need the API key,
the documented request body, and any body at all answered 200 or the protocol's 400, never a
crash."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.security import MISSING_KEY
from tests.app.oip.v2 import INFER, OUTPUTS, STUDENTS, v2_request
from tests.conftest import TEST_API_KEY

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
