"""The adversarial corpus, part two (part one and `Case`: corpus.py): broken JSON text, sizes,
edge values that are fine, and content types."""

from __future__ import annotations

import json

from tests.reliability.corpus import (
    DEFAULTS,
    HUNDRED_THOUSAND_STUDENTS,
    LONGEST,
    Case,
    grades_body,
    many_students,
    students,
)

TEXT_CASES = [
    # Broken JSON text.
    Case(
        "truncated batch",
        "/predict/batch",
        b'{"students": [{"grades": [7.0',
        422,
        "body",
        "not valid JSON: EOF while parsing",
    ),
    Case("trailing data", "/predict", b'{"grades": [7.0]} {}', 422, "body", "trailing characters"),
    Case(
        "byte order mark",
        "/predict",
        '\ufeff{"grades": [7.0]}'.encode(),
        422,
        "body",
        "byte order mark",
    ),
    Case(
        "invalid UTF-8 in a batch",
        "/predict/batch",
        b'{"students": [{"grades": [7.0]}], "\xc3\x28": 1}',
        422,
        "body",
        "not valid UTF-8",
    ),
    Case(
        "lone surrogate escape as a key",
        "/predict",
        b'{"grades": [7.0], "\\ud800": 1}',
        422,
        None,
        None,
    ),
    Case("deep nesting of arrays", "/predict", b"[" * 100_000, 422, "body", "nested too deeply"),
    Case(
        "deep nesting of objects",
        "/predict/batch",
        b'{"a": ' * 100_000,
        422,
        "body",
        "nested too deeply",
    ),
    Case(
        "deep nesting inside grades",
        "/predict",
        b'{"grades": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        422,
        "body",
        "nested too deeply",
    ),
    # Sizes.
    Case(
        "10,000 grades",
        "/predict",
        grades_body(10_000),
        422,
        "grades",
        "at most",
    ),
    Case(
        "one grade more than the model's longest history",
        "/predict",
        grades_body(LONGEST + 1),
        422,
        "grades",
        "the model's longest history",
    ),
    Case(
        "a batch student longer than the model's longest history",
        "/predict/batch",
        students('{"grades": [7.0]}', json.dumps({"grades": [7.0] * (LONGEST + 1)})),
        422,
        "students[1].grades",
        "the model's longest history",
    ),
    Case(
        "one student more than CGPA_MAX_BATCH",
        "/predict/batch",
        many_students(DEFAULTS.max_batch + 1),
        422,
        "students",
        "CGPA_MAX_BATCH",
    ),
    Case("100,000 students", "/predict/batch", HUNDRED_THOUSAND_STUDENTS, 413),
    # Edge values that are fine.
    Case("minus zero", "/predict", b'{"grades": [-0.0]}', 200),
    Case("a grade that underflows to zero", "/predict", b'{"grades": [1e-400, 10]}', 200),
    Case("integers as grades", "/predict", b'{"grades": [7, 8, 10]}', 200),
    Case("the longest history", "/predict", grades_body(LONGEST), 200),
    Case("CGPA_MAX_BATCH students", "/predict/batch", many_students(DEFAULTS.max_batch), 200),
]

ANY_BATCH = students('{"grades": [7]}')
CONTENT_TYPE_CASES = [
    Case("batch without content type", "/predict/batch", ANY_BATCH, 415, headers={}),
    *(
        Case(f"batch as {kind}", "/predict/batch", ANY_BATCH, 415, headers={"content-type": kind})
        for kind in ("text/plain", "multipart/form-data; boundary=x", "application/xml", "json")
    ),
    Case(
        "upper-case JSON media type",
        "/predict",
        b'{"grades": [7.0]}',
        200,
        headers={"content-type": "APPLICATION/JSON"},
    ),
    Case(
        "a +json media type",
        "/predict/batch",
        ANY_BATCH,
        200,
        headers={"content-type": "application/vnd.api+json"},
    ),
]
