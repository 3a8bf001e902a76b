"""The answers a strict client expects from the request path (issue #25): a key header sent
twice, a compressed body, an over-long echoed field name, `explain` not a boolean, a
negative zero echoed back. Each asserts the status, then the field the message names."""

from __future__ import annotations

import gzip
import json

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TEST_API_KEY

ADMIN_KEY = "admin-key-0123456789abcdef"
STUDENT = {"grades": [7.1, 7.4, 7.9, 8.0]}
BODY = json.dumps(STUDENT).encode()
INFER = {"inputs": [{"name": "grades", "shape": [1, 2], "datatype": "FP32", "data": [7.1, 7.4]}]}


@pytest.fixture
def locked(make_client) -> TestClient:
    return make_client(api_key=TEST_API_KEY, admin_key=ADMIN_KEY)


@pytest.mark.parametrize(
    ("path", "header", "key"),
    [
        ("/predict", "X-API-Key", TEST_API_KEY),
        ("/model", "X-API-Key", TEST_API_KEY),
        ("/admin/rollback", "X-Admin-Key", ADMIN_KEY),
    ],
)
@pytest.mark.parametrize("right_first", [True, False], ids=["right-then-wrong", "wrong-then-right"])
def test_a_key_header_sent_twice_is_a_400_in_either_order(
    locked: TestClient, path: str, header: str, key: str, right_first: bool
) -> None:
    keys = [key, "w" * len(key)] if right_first else ["w" * len(key), key]
    method = "GET" if path == "/model" else "POST"
    body = BODY if path == "/predict" else None
    response = locked.request(
        method,
        path,
        content=body,
        headers=[("content-type", "application/json"), *((header, value) for value in keys)],
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert response.json()["message"] == f"{header}: sent 2 times; send the key once"


def test_a_key_header_sent_twice_is_ignored_when_no_key_is_set(client: TestClient) -> None:
    headers = [("X-API-Key", "a" * 24), ("X-API-Key", "b" * 24)]
    assert client.post("/predict", json=STUDENT, headers=headers).status_code == 200


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "identity, gzip", "GZIP"])
@pytest.mark.parametrize("path", ["/predict", "/predict/batch"])
def test_a_body_in_a_content_coding_is_a_415_naming_the_header(
    client: TestClient, path: str, coding: str
) -> None:
    payload = BODY if path == "/predict" else json.dumps({"students": [STUDENT]}).encode()
    for body in (gzip.compress(payload), payload):  # compressed, or only labelled so
        response = client.post(
            path,
            content=body,
            headers={"content-type": "application/json", "content-encoding": coding},
        )
        assert response.status_code == 415
        assert response.json()["error"] == "unsupported_media_type"
        assert response.json()["message"].startswith("content-encoding: ")


def test_the_identity_coding_is_accepted(client: TestClient) -> None:
    headers = {"content-type": "application/json", "content-encoding": "identity"}
    assert client.post("/predict", content=BODY, headers=headers).status_code == 200


def test_a_compressed_inference_request_is_the_protocols_400(client: TestClient) -> None:
    response = client.post(
        "/v2/models/cgpa_rnn/infer",
        content=gzip.compress(json.dumps(INFER).encode()),
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("content-encoding: ")


def test_an_unknown_field_of_900_kb_is_named_in_a_short_answer(client: TestClient) -> None:
    name = "x" * 900_000
    response = client.post("/predict", json={**STUDENT, name: 1})
    assert response.status_code == 422
    field = response.json()["detail"][0]["field"]
    assert field.startswith("xxx") and field.endswith("...") and len(field) <= 40
    assert response.json()["message"] == f"{field}: is not a field of this request"
    assert len(response.content) < 1000


@pytest.mark.parametrize(
    ("explain", "kind"), [(1, "a number"), ("yes", "a string"), (None, "null")]
)
def test_explain_not_a_boolean_is_worded_like_other_type_errors(
    client: TestClient, explain: object, kind: str
) -> None:
    response = client.post("/predict", json={**STUDENT, "explain": explain})
    assert response.status_code == 422
    assert response.json()["message"] == f"explain: must be true or false, not {kind}"


def test_a_cut_off_of_negative_zero_is_echoed_as_zero(client: TestClient) -> None:
    response = client.post(
        "/predict",
        content=b'{"grades": [7.1, 7.4], "risk_below": -0.0}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    assert b'"below":0.0' in response.content


def test_a_grade_of_negative_zero_is_warned_about_as_zero(client: TestClient) -> None:
    response = client.post(
        "/predict",
        content=b'{"grades": [7.1, -0.0, 7.9]}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    [warning] = response.json()["warnings"]
    assert warning.startswith("grades[1] = 0 (")
