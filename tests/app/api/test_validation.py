"""Every malformed request gets a JSON 4xx that names the field and the reason."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("raw_body", "field", "reason"),
    [
        ('{"grades": [7.0, NaN]}', "body", "NaN and Infinity are not JSON numbers"),
        ('{"grades": [Infinity]}', "body", "NaN and Infinity are not JSON numbers"),
        ('{"grades": [-Infinity]}', "body", "NaN and Infinity are not JSON numbers"),
        ('{"grades": [1e309]}', "grades[0]", "must be a finite number"),
        ('{"grades": [10.0000001]}', "grades[0]", "10.0000001 is above this model's scale 0-10"),
        ('{"grades": [-0.5]}', "grades[0]", "-0.5 is below this model's scale 0-10"),
        ('{"grades": ["7.5"]}', "grades[0]", "must be a number, not a string"),
        ('{"grades": [true]}', "grades[0]", "must be a number, not a boolean"),
        ('{"grades": [null]}', "grades[0]", "must be a number, not null"),
        ('{"grades": [[7.0]]}', "grades[0]", "must be a number, not a list"),
        ('{"grades": [{"gpa": 7}]}', "grades[0]", "must be a number, not an object"),
        ('{"grades": []}', "grades", "needs at least 1 grade, not 0"),
        ('{"grades": "7.0"}', "grades", "must be a list, not a string"),
        ('{"grades": [7.0], "college_code": "165"}', "college_code", "whole number, not a string"),
        ('{"grades": [7.0], "college_code": true}', "college_code", "whole number, not a boolean"),
        ('{"grades": [7.0], "college_code": 16.5}', "college_code", "whole number, not a fraction"),
        ('{"grades": [7.0], "college_code": -3}', "college_code", "-3 is too small; at least 0"),
        ('{"grades": [7.0], "gender": "F"}', "gender", "is not a field of this request"),
        ("{}", "grades", "is required"),
        ("[7.0, 7.5]", "body", "must be an object, not a list"),
        ('{"grades": [7.0], "grades": [8.0]}', "body", 'duplicate key "grades"'),
        ('{"grades": [7.0', "body", "not valid JSON: EOF while parsing"),
        ("", "body", "not valid JSON: EOF while parsing a value"),
    ],
)
def test_malformed_single_request(
    client: TestClient, raw_body: str, field: str, reason: str
) -> None:
    response = client.post("/predict", content=raw_body, headers=JSON)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["detail"][0]["field"] == field
    assert reason in body["detail"][0]["message"]
    assert body["message"].startswith(f"{field}: ")


def test_invalid_utf8_is_a_clear_422(client: TestClient) -> None:
    response = client.post("/predict", content=b'{"grades": [7.0], "x": "\xff"}', headers=JSON)
    assert response.status_code == 422
    assert "not valid UTF-8" in response.json()["message"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_non_json_content_type_is_415(client: TestClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/predict", content=b'{"grades": [7.0]}', headers=headers)
    assert response.status_code == 415
    assert response.json() == {
        "error": "unsupported_media_type",
        "message": "content-type: send the body as application/json",
        "detail": [],
    }


def test_json_with_charset_is_accepted(client: TestClient) -> None:
    headers = {"content-type": "application/json; charset=utf-8"}
    response = client.post("/predict", content=b'{"grades": [7.0]}', headers=headers)
    assert response.status_code == 200


def test_body_over_the_limit_is_413(make_client) -> None:
    client = make_client(max_body_bytes=2048)
    response = client.post("/predict", content=b" " * 4096, headers=JSON)
    assert response.status_code == 413
    assert response.json()["message"] == (
        "body: request body is larger than the limit of 2048 bytes"
    )


def test_streamed_body_over_the_limit_is_413(make_client) -> None:
    client = make_client(max_body_bytes=2048)

    def chunks():
        for _ in range(8):
            yield b" " * 1024

    response = client.post("/predict", content=chunks(), headers=JSON)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_get_on_a_post_route_is_405_saying_to_post_json(client: TestClient) -> None:
    response = client.get("/predict")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {
        "error": "method_not_allowed",
        "message": "GET /predict: method not allowed; POST a JSON body",
        "detail": [],
    }


def test_unknown_route_is_json_404(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["message"] == "GET /nowhere: no such route"


@pytest.mark.parametrize("path", ["/predict/", "/predict/batch/"])
def test_a_trailing_slash_is_a_404_naming_the_route(client: TestClient, path: str) -> None:
    response = client.post(path, json={"grades": [7.0]})
    assert response.status_code == 404
    trimmed = path.rstrip("/")
    assert response.json()["message"] == (
        f"POST {path}: no such route; did you mean {trimmed} (without the trailing slash)?"
    )
