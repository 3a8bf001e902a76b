"""The adversarial corpus, part three: the `student_id` of recording. Overlong ids, control
and invisible characters, SQL-looking text, unicode, ids of the wrong kind, duplicated keys
and duplicated ids, a full batch of ids; the protocol's `student_id` tensor likewise. Every
printable id is recorded (200) whatever it spells; anything else is refused naming it."""

from __future__ import annotations

import json

from tests.reliability.corpus import Case, students

INFER = "/v2/models/cgpa_rnn/infer"
GRADES = '"grades": [7.1, 7.4]'


def one(student_id_json: str) -> bytes:
    return ("{" + GRADES + ', "student_id": ' + student_id_json + "}").encode()


def recorded(name: str, student_id: str) -> Case:
    return Case(name, "/predict", one(json.dumps(student_id)), 200)


def refused(name: str, student_id_json: str, reason: str, field: str = "student_id") -> Case:
    return Case(name, "/predict", one(student_id_json), 422, field, reason)


def v2_ids(ids: list[object], datatype: str = "BYTES") -> bytes:
    grades = {"name": "grades", "shape": [len(ids), 2], "datatype": "FP32"}
    grades["data"] = [7.1, 7.4] * len(ids)
    tensor = {"name": "student_id", "shape": [len(ids)], "datatype": datatype, "data": ids}
    return json.dumps({"inputs": [grades, tensor]}).encode()


RECORDING_CASES = [
    recorded("SQL-looking id", "'; DROP TABLE forecasts; --"),
    recorded("SQL comment and quote id", 'S-1" OR 1=1 /*'),
    recorded("unicode id", "学生-Łódź-🎓"),
    recorded("id of 128 characters", "x" * 128),
    recorded("id of 128 four-byte characters", "🎓" * 128),
    recorded("id with spaces", "  spaced  id  "),
    Case("null id is a plain forecast", "/predict", one("null"), 200),
    refused("empty id", '""', "must not be empty"),
    refused("id of 129 characters", json.dumps("x" * 129), "has 129 characters; at most 128"),
    refused("id of a megabyte", json.dumps("x" * 1_000_000), "at most 128"),
    refused("NUL in an id", '"S\\u0000"', "must be printable"),
    refused("newline in an id", '"S-1\\nS-2"', "must be printable"),
    refused("escape sequence in an id", '"\\u001b[31mred"', "must be printable"),
    refused("DEL in an id", '"S\\u007f"', "must be printable"),
    refused("right-to-left override in an id", '"S\\u202e1-"', "must be printable"),
    refused("zero-width space id", '"\\u200b"', "must be printable"),
    refused("id as a number", "42", "must be a string, not a number"),
    refused("id as a list", '["S-1"]', "must be a string, not a list"),
    refused("id as an object", '{"id": "S-1"}', "must be a string, not an object"),
    Case(
        "lone surrogate in an id",
        "/predict",
        one('"\\ud800"'),
        422,
        "body",
        "not valid JSON",
    ),
    Case(
        "student_id given twice",
        "/predict",
        ("{" + GRADES + ', "student_id": "A", "student_id": "B"}').encode(),
        422,
        "body",
        "duplicate",
    ),
    Case(
        "one id twice in a batch",
        "/predict/batch",
        students(*[f'{{{GRADES}, "student_id": "same"}}'] * 2),
        200,
    ),
    Case(
        "a full batch of ids",
        "/predict/batch",
        students(*[f'{{{GRADES}, "student_id": "S-{n}"}}' for n in range(1000)]),
        200,
    ),
    Case(
        "a bad id deep in a batch",
        "/predict/batch",
        students(
            *[f'{{{GRADES}, "student_id": "S-{n}"}}' for n in range(7)],
            '{"grades": [7], "student_id": "\\t"}',
        ),
        422,
        "students[7].student_id",
        "must be printable",
    ),
]
# The protocol answers every bad request 400, in its own envelope.
V2_RECORDING_CASES = [
    Case("v2 ids recorded", INFER, v2_ids(["A", "", "'; DROP TABLE forecasts; --"]), 200),
    Case("v2 control character id", INFER, v2_ids(["A", "\u0007"]), 400),
    Case("v2 overlong id", INFER, v2_ids(["x" * 129]), 400),
    Case("v2 id as a number", INFER, v2_ids([1, 2], "BYTES"), 400),
    Case("v2 ids as INT64", INFER, v2_ids([1, 2], "INT64"), 400),
]
