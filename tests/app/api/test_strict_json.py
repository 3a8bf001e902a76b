"""app/api/strict_json.py: what a strict reading of a body accepts and refuses, and why."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.api.errors import ApiError
from app.api.request_models import request_models
from app.api.strict_json import parse_body
from app.model.limits import Limits

MODELS = request_models(Limits(max_history=4, scale=(0.0, 10.0), max_batch=10))
SCALE = MODELS.limits.scale


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"grades": [7.1, 7.4], "grades": [9.9]}', 'duplicate key "grades"'),
        (b'{"grades": [7.1], "grad\\u0065s": [9.9]}', 'duplicate key "grades"'),
        (b'{"grades": [7.1], "college_code": 165, "college_code": 1}', "duplicate key"),
        (b'{"grades": [NaN]}', "NaN and Infinity are not JSON numbers"),
        (b'{"grades": [Infinity]}', "NaN and Infinity are not JSON numbers"),
        (b'{"grades": [7.1]} trailing', "body: not valid JSON"),
        (b'{"grades": [7.1], "note": "\xff"}', "body: not valid JSON"),
        (b"", "body: not valid JSON"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b'{"grades": [1e400]}', "grades[0]: must be a finite number"),
        (b'{"grades": ["7.5"]}', "grades[0]: must be a number, not a string"),
        (b'{"grades": [true]}', "grades[0]: must be a number, not a boolean"),
        (b'{"grades": []}', "grades: needs at least 1 grade, not 0"),
        (b'{"grades": [1, 2, 3, 4, 5]}', "grades: has 5 grades; at most 4"),
        (b'{"grades": [10.5]}', "grades[0]: 10.5 is above this model's scale 0-10"),
        (b'{"grades": [-1]}', "grades[0]: -1 is below this model's scale 0-10"),
        (b'{"grades": [7.1], "college_code": 165.0}', "college_code: must be a whole number"),
        (b'{"grades": [7.1], "extra": 1}', "extra: is not a field of this request"),
        (b"[]", "body: must be an object, not a list"),
    ],
)
def test_refused_bodies_name_the_problem(body: bytes, message: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_body(body, MODELS.student, SCALE)
    assert refused.value.status == 422
    assert message in refused.value.message


@pytest.mark.parametrize(
    "body",
    [
        b'{"grad\\u0065s": [7.1, 7.4]}',  # an escaped key, given once: valid JSON
        b'{"grades": [7, 8]}',  # integers are numbers too
        b'{"grades": [-0.0]}',
        b'{"grades": [7.1], "college_code": null}',
        b'\xef\xbb\xbf{"grades": [7.1]}'[3:],
    ],
)
def test_strict_but_valid_bodies_are_accepted(body: bytes) -> None:
    assert parse_body(body, MODELS.student, SCALE).grades


def test_a_duplicate_inside_one_student_of_a_batch_is_found() -> None:
    # The key totals match the students' (one student has college_code twice, another
    # none), so only the strict parse can tell.
    body = (
        b'{"students": [{"grades": [7.1], "college_code": 1, "college_code": 2}, {"grades": [5]}]}'
    )
    with pytest.raises(ApiError, match="duplicate key"):
        parse_body(body, MODELS.batch, SCALE)


def test_a_batch_error_names_the_student(client: TestClient) -> None:
    response = client.post(
        "/predict/batch", json={"students": [{"grades": [7.1]}, {"grades": [5.0, 11.0]}]}
    )
    assert response.status_code == 422
    assert response.json()["message"] == (
        "students[1].grades[1]: 11 is above this model's scale 0-10"
    )
