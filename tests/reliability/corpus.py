"""The adversarial corpus of tests/reliability/test_adversarial.py, part one: each case is a
request and the exact status it must get. Here: what JSON cannot say, values of the wrong kind
or range, empty and missing things, unknown fields and duplicated keys. Broken JSON text,
sizes, edge values and content types: corpus_text.py."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import httpx

from app.config import Settings
from app.model.card import ModelCard
from tests.conftest import MODEL_PATH

CARD = ModelCard.read(MODEL_PATH.with_suffix(".json"))
DEFAULTS = Settings(_env_file=None)
LONGEST = CARD.max_history
JSON = {"content-type": "application/json"}
TEN_MB = 10 * 1024 * 1024


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    body: bytes
    status: int
    # For a 422: the field the first detail names and a phrase of its message.
    field: str | None = None
    reason: str | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=lambda: dict(JSON))


def students(*histories: str) -> bytes:
    return ('{"students": [' + ", ".join(histories) + "]}").encode()


def grades_body(count: int) -> bytes:
    return json.dumps({"grades": [7.0] * count}).encode()


def many_students(count: int) -> bytes:
    return students(*['{"grades":[7]}'] * count)


HUNDRED_THOUSAND_STUDENTS = many_students(100_000)
assert len(HUNDRED_THOUSAND_STUDENTS) > DEFAULTS.max_body_bytes  # so 413 is the right answer

VALUE_CASES = [
    # The literals JSON does not have, inside a batch: refused by the parser (field "body").
    Case("nan in a batch", "/predict/batch", students('{"grades": [NaN]}'), 422, "body", "NaN"),
    Case(
        "infinity in a batch",
        "/predict/batch",
        students('{"grades": [7.0, Infinity]}'),
        422,
        "body",
        "NaN and Infinity are not JSON numbers",
    ),
    Case(
        "-infinity in a batch",
        "/predict/batch",
        students('{"grades": [-Infinity]}'),
        422,
        "body",
        "NaN and Infinity are not JSON numbers",
    ),
    # Values of the wrong kind or range, named down to the student and the semester.
    Case(
        "1e309 in the second student",
        "/predict/batch",
        students('{"grades": [7.0]}', '{"grades": [1e309]}'),
        422,
        "students[1].grades[0]",
        "finite number",
    ),
    Case(
        "10.0000001 in a batch",
        "/predict/batch",
        students('{"grades": [7.0, 10.0000001]}'),
        422,
        "students[0].grades[1]",
        "10.0000001 is above this model's scale 0-10",
    ),
    Case(
        "number as a string in a batch",
        "/predict/batch",
        students('{"grades": ["7.5"]}'),
        422,
        "students[0].grades[0]",
        "must be a number, not",
    ),
    Case(
        "boolean in a batch",
        "/predict/batch",
        students('{"grades": [false]}'),
        422,
        "students[0].grades[0]",
        "must be a number, not",
    ),
    Case(
        "null grade in a batch",
        "/predict/batch",
        students('{"grades": [null]}'),
        422,
        "students[0].grades[0]",
        "must be a number, not",
    ),
    Case(
        "nested array in a batch",
        "/predict/batch",
        students('{"grades": [[7.0]]}'),
        422,
        "students[0].grades[0]",
        "must be a number, not",
    ),
    Case(
        "object where a grade belongs in a batch",
        "/predict/batch",
        students('{"grades": [{"gpa": 7.0}]}'),
        422,
        "students[0].grades[0]",
        "must be a number, not",
    ),
    Case(
        "college code as a string in a batch",
        "/predict/batch",
        students('{"grades": [7.0], "college_code": "165"}'),
        422,
        "students[0].college_code",
        "must be a whole number, not a string",
    ),
    Case(
        "college code past 2**31",
        "/predict",
        b'{"grades": [7.0], "college_code": 2147483648}',
        422,
        "college_code",
        "is too large; at most 2147483647",
    ),
    Case(
        "college code of 400 digits",
        "/predict",
        b'{"grades": [7.0], "college_code": ' + b"9" * 400 + b"}",
        422,
        "college_code",
        "is too large; at most 2147483647",
    ),
    Case(
        "a 5000-digit number",
        "/predict",
        b'{"grades": [7.0], "college_code": ' + b"9" * 5000 + b"}",
        422,
        "body",
        "number out of range",
    ),
    # Empty and missing things.
    Case(
        "empty grades in a batch",
        "/predict/batch",
        students('{"grades": []}'),
        422,
        "students[0].grades",
        "needs at least 1 grade, not 0",
    ),
    Case("empty batch", "/predict/batch", students(), 422, "students", "needs at least 1 student"),
    Case(
        "students not a list",
        "/predict/batch",
        b'{"students": {"grades": [7.0]}}',
        422,
        "students",
        "must be a list, not an object",
    ),
    Case(
        "null student",
        "/predict/batch",
        students("null"),
        422,
        "students[0]",
        "must be an object, not null",
    ),
    Case("null body", "/predict", b"null", 422, "body", "must be an object, not null"),
    Case(
        "batch body is a list",
        "/predict/batch",
        b"[]",
        422,
        "body",
        "must be an object, not a list",
    ),
    Case("empty body on batch", "/predict/batch", b"", 422, "body", "not valid JSON: EOF"),
    # Unknown fields and duplicated keys.
    Case(
        "unknown field in a student",
        "/predict/batch",
        students('{"grades": [7.0], "gender": "F"}'),
        422,
        "students[0].gender",
        "is not a field of this request",
    ),
    Case(
        "unknown top-level field in a batch",
        "/predict/batch",
        b'{"students": [{"grades": [7.0]}], "debug": true}',
        422,
        "debug",
        "is not a field of this request",
    ),
    Case(
        "duplicate key inside a student",
        "/predict/batch",
        students('{"grades": [7.0], "grades": [9.9]}'),
        422,
        "body",
        'duplicate key "grades"',
    ),
    Case(
        "duplicate students key",
        "/predict/batch",
        b'{"students": [{"grades": [7.0]}], "students": [{"grades": [9.9]}]}',
        422,
        "body",
        'duplicate key "students"',
    ),
    Case(
        "duplicate key spelled with an escape",
        "/predict",
        b'{"grades": [7.0], "gr\\u0061des": [9.9]}',
        422,
        "body",
        'duplicate key "grades"',
    ),
]


def assert_json_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message", "detail"}
    assert body["message"]
    return body
