"""The route shortcut (app/api/shortcut.py) answers exactly as FastAPI's routing does.

The shortcut calls the routes' own endpoint functions, so the answers agree by construction;
these tests keep it so. Two apps on the same checkpoint are compared request by request: the
shipped one, and one built with `route_shortcut=False`. Whatever the body, status, body and
content type must be identical.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.predictor import load_predictor
from tests.conftest import MODEL_PATH, TEST_API_KEY

PREDICTOR = load_predictor(MODEL_PATH)
MAX_HISTORY = PREDICTOR.card.max_history
KNOWN_COLLEGES = PREDICTOR.card.group.codes


def random_student(rng: random.Random) -> dict:
    student: dict = {
        "grades": [round(rng.uniform(0, 10), 2) for _ in range(rng.randint(1, MAX_HISTORY))]
    }
    dice = rng.random()
    if dice < 0.6 and KNOWN_COLLEGES:
        student["college_code"] = rng.choice(KNOWN_COLLEGES)
    elif dice < 0.75:
        student["college_code"] = 999_999  # unknown to the model: answered with a warning
    elif dice < 0.85:
        student["college_code"] = None
    return student


@pytest.fixture
def plain_client(make_client: Callable[..., TestClient]) -> Callable[..., TestClient]:
    """Builds apps whose prediction routes are reached through FastAPI's routing only."""

    def build(**overrides: object) -> TestClient:
        return make_client(route_shortcut=False, **overrides)

    return build


def post(client: TestClient, path: str, body: bytes, headers: dict | None = None) -> tuple:
    response = client.post(
        path, content=body, headers={"content-type": "application/json", **(headers or {})}
    )
    return response.status_code, response.headers["content-type"], response.content


def test_valid_single_requests_answer_alike_both_ways(make_client, plain_client) -> None:
    fast, plain = make_client(), plain_client()
    rng = random.Random(7)
    for _ in range(200):
        body = json.dumps(random_student(rng)).encode()
        fast_answer = post(fast, "/predict", body)
        assert fast_answer[0] == 200
        assert fast_answer == post(plain, "/predict", body)


def test_valid_batches_answer_alike_both_ways(make_client, plain_client) -> None:
    fast, plain = make_client(), plain_client()
    rng = random.Random(11)
    for size in (1, 2, 17, 1000):
        body = json.dumps({"students": [random_student(rng) for _ in range(size)]}).encode()
        fast_answer = post(fast, "/predict/batch", body)
        assert fast_answer[0] == 200
        assert len(json.loads(fast_answer[2])["predictions"]) == size
        assert fast_answer == post(plain, "/predict/batch", body)


# Bodies a naive parser would read differently from a strict one.
TRICKY_SINGLE_BODIES = [
    b'{"grades": [7.1, 7.4], "grades": [9.9]}',  # duplicate key
    b'{"grades": [7.1], "grad\\u0065s": [9.9]}',  # the same duplicate, spelt with an escape
    b'{"grad\\u0065s": [7.1, 7.4]}',  # escaped but valid: the plain way accepts it
    b'{"grades": [7.1], "college_code": 165, "college_code": 1}',
    b'{"grades": [NaN]}',
    b'{"grades": [Infinity]}',
    b'{"grades": [1e400]}',
    b'{"grades": [7, 8]}',  # integers are numbers too
    b'{"grades": [-0.0]}',
    b'{"grades": [10.000000000000001]}',
    b'{"grades": ["7.5"]}',
    b'{"grades": [true]}',
    b'{"grades": []}',
    b'{"grades": [7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0]}',  # longer than the model knows
    b'{"grades": [7.1], "college_code": 165.0}',
    b'{"grades": [7.1], "college_code": -1}',
    b'{"grades": [7.1], "college_code": null}',
    b'{"grades": [7.1], "extra": 1}',
    b'{"grades": [7.1]} trailing',
    b'\xef\xbb\xbf{"grades": [7.1]}',  # byte order mark
    b'{"grades": [7.1], "note": "\xff"}',  # invalid UTF-8
    b"[]",
    b"",
    b"[" * 5000 + b"]" * 5000,  # nested deeper than any parser's recursion limit
    b'{"grades": ' + b"[" * 5000 + b"]" * 5000 + b"}",
]


@pytest.mark.parametrize("body", TRICKY_SINGLE_BODIES)
def test_tricky_single_bodies_answer_alike_both_ways(
    body: bytes, make_client, plain_client
) -> None:
    assert post(make_client(), "/predict", body) == post(plain_client(), "/predict", body)


TRICKY_BATCH_BODIES = [
    b'{"students": [{"grades": [7.1]}], "students": [{"grades": [2.0]}]}',
    b'{"students": [{"grades": [7.1], "grades": [2.0]}, {"grades": [5.0]}]}',
    # one student's key twice, another's missing: the totals match, the students do not
    b'{"students": [{"grades": [7.1], "college_code": 1, "college_code": 2}, {"grades": [5.0]}]}',
    b'{"students": [{"grades": [7.1], "college_code": null}, {"grades": [5.0]}]}',
    b'{"students": [{"grades": [7.1]}, {"grades": [5.0, 11.0]}]}',
    b'{"students": []}',
    b'{"students": [{"grades": [7.1]}], "extra": []}',
]


@pytest.mark.parametrize("body", TRICKY_BATCH_BODIES)
def test_tricky_batch_bodies_answer_alike_both_ways(body: bytes, make_client, plain_client) -> None:
    assert post(make_client(), "/predict/batch", body) == post(
        plain_client(), "/predict/batch", body
    )


def test_batches_over_the_limit_answer_alike_both_ways(make_client, plain_client) -> None:
    body = json.dumps({"students": [{"grades": [7.0]}] * 4}).encode()
    fast, plain = make_client(max_batch=3), plain_client(max_batch=3)
    assert post(fast, "/predict/batch", body) == post(plain, "/predict/batch", body)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": "wrong-key-0123456789"},
        {"X-API-Key": TEST_API_KEY},
        {"X-API-Key": TEST_API_KEY, "content-type": "text/plain"},
    ],
)
def test_api_key_and_content_type_answer_alike_both_ways(
    headers: dict, make_client, plain_client
) -> None:
    fast, plain = make_client(api_key=TEST_API_KEY), plain_client(api_key=TEST_API_KEY)
    body = b'{"grades": [7.1, 7.4]}'
    assert post(fast, "/predict", body, headers) == post(plain, "/predict", body, headers)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(["grades", "college_code", "x"]), children, max_size=3)
    ),
    max_leaves=12,
)
students = st.fixed_dictionaries(
    {"grades": st.lists(st.floats(min_value=-1, max_value=11), min_size=0, max_size=6)},
    optional={"college_code": st.none() | st.integers(-2, 2**31) | st.sampled_from([165, 1.5])},
)


def test_any_body_answers_alike_both_ways(make_client, plain_client) -> None:
    fast, plain = make_client(), plain_client()

    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(body=students | json_values)
    def answers_alike(body: object) -> None:
        encoded = json.dumps(body).encode()
        assert post(fast, "/predict", encoded) == post(plain, "/predict", encoded)
        batch = json.dumps({"students": [body, body]}).encode()
        assert post(fast, "/predict/batch", batch) == post(plain, "/predict/batch", batch)

    answers_alike()


def test_concurrent_requests_to_the_real_server_get_their_own_answers(live_server) -> None:
    """Through real uvicorn, requests in flight together are coalesced into shared forward
    passes; each answer must still be the one the checkpoint gives that student alone."""
    rng = random.Random(5)
    students = [random_student(rng) for _ in range(160)]

    with (
        httpx.Client(base_url=live_server.base_url, timeout=10) as http,
        ThreadPoolExecutor(max_workers=16) as pool,
    ):

        def ask(student: dict) -> tuple[int, dict]:
            response = http.post("/predict", json=student)
            return response.status_code, response.json()

        answers = list(pool.map(ask, students))
    for student, (status, body) in zip(students, answers, strict=True):
        assert status == 200
        (expected,) = PREDICTOR.forecast_batch([student["grades"]], [student.get("college_code")])
        assert (body["predicted_cgpa"], body["interval"]["low"], body["interval"]["high"]) == (
            expected.predicted_cgpa,
            expected.low,
            expected.high,
        )
        assert body["semester"] == expected.semester
