"""POST /outcomes over HTTP: counts, strict validation naming the item, 409 storing nothing,
the API key, and a 503 when recording is off."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.store.schema import outcomes
from app.store.store import Store
from harness.live_server import free_port
from harness.store_rows import TEST_KEY, forecast_row, insert_forecasts
from tests.conftest import TEST_API_KEY

Client = Callable[..., TestClient]


def post(client: TestClient, items: list[dict], **headers: str) -> object:
    return client.post("/outcomes", json={"outcomes": items}, headers=headers)


def stored_count(store: Store) -> int:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(outcomes)).scalar_one()


def test_outcomes_are_counted_received_matched_unmatched_duplicates(
    client_on: Client, store: Store
) -> None:
    insert_forecasts(store, [forecast_row(store, "s-1", 5, 7.5)])
    client = client_on(store)
    items = [
        {"student_id": "s-1", "semester": 5, "grade": 7.9},
        {"student_id": "s-2", "semester": 3, "grade": 6.0},
        {"student_id": "s-1", "semester": 5, "grade": 7.9},
    ]

    reply = post(client, items)

    assert reply.status_code == 200
    assert reply.json() == {"received": 3, "matched": 1, "unmatched": 1, "duplicates": 1}
    assert post(client, items[:1]).json()["duplicates"] == 1
    assert stored_count(store) == 2


def test_a_different_grade_is_a_409_naming_the_item_and_stores_nothing(
    client_on: Client, store: Store
) -> None:
    client = client_on(store)
    post(client, [{"student_id": "s-1", "semester": 5, "grade": 7.9}])

    reply = post(
        client,
        [
            {"student_id": "s-9", "semester": 5, "grade": 6.0},
            {"student_id": "s-1", "semester": 5, "grade": 8.2},
        ],
    )

    assert reply.status_code == 409
    body = reply.json()
    assert body["error"] == "conflict"
    assert body["message"].startswith("outcomes[1]: grade 8.2 differs from the 7.9 already")
    assert body["detail"][0]["field"] == "outcomes[1].grade"
    assert stored_count(store) == 1


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {"student_id": "s", "semester": 5, "grade": 12},
            "outcomes[0].grade: 12 is above this model's scale 0-10",
        ),
        (
            {"student_id": "s", "semester": 6, "grade": 7},
            "outcomes[0].semester: 6 is too large; at most 5",
        ),
        (
            {"student_id": "s", "semester": 1, "grade": 7},
            "outcomes[0].semester: 1 is too small; at least 2",
        ),
        (
            {"student_id": "s", "semester": "5", "grade": 7},
            "outcomes[0].semester: must be a whole number, not a string",
        ),
        (
            {"student_id": "", "semester": 5, "grade": 7},
            "outcomes[0].student_id: must not be empty",
        ),
        (
            {"student_id": "x" * 129, "semester": 5, "grade": 7},
            "outcomes[0].student_id: has 129 characters; at most 128",
        ),
        (
            {"student_id": "a\u0007b", "semester": 5, "grade": 7},
            "outcomes[0].student_id: must be printable: no control characters (tab, newline, "
            "NUL...), no lone surrogates",
        ),
        (
            {"student_id": 5, "semester": 5, "grade": 7},
            "outcomes[0].student_id: must be a string, not a number",
        ),
        ({"student_id": "s", "semester": 5}, "outcomes[0].grade: is required"),
        (
            {"student_id": "s", "semester": 5, "grade": 7, "term": 1},
            "outcomes[0].term: is not a field of this request",
        ),
    ],
)
def test_an_invalid_outcome_is_a_422_naming_its_index_and_field(
    client_on: Client, store: Store, item: dict, message: str
) -> None:
    client = client_on(store)
    good = {"student_id": "ok", "semester": 5, "grade": 7}

    reply = client.post("/outcomes", json={"outcomes": [item, good]})

    assert reply.status_code == 422
    assert reply.json()["message"] == message
    assert stored_count(store) == 0


def test_strict_json_and_the_item_limit(client_on: Client, store: Store) -> None:
    client = client_on(store, max_outcomes=2)
    duplicated_key = b'{"outcomes": [{"student_id": "s", "semester": 5, "grade": 7, "grade": 8}]}'
    nan = b'{"outcomes": [{"student_id": "s", "semester": 5, "grade": NaN}]}'
    three = [{"student_id": f"s{n}", "semester": 5, "grade": 7} for n in range(3)]

    duplicated = client.post(
        "/outcomes", content=duplicated_key, headers={"content-type": "application/json"}
    )
    not_a_number = client.post(
        "/outcomes", content=nan, headers={"content-type": "application/json"}
    )
    too_many = post(client, three)

    assert duplicated.status_code == 422 and "duplicate" in duplicated.json()["message"]
    assert not_a_number.status_code == 422 and "NaN" in not_a_number.json()["message"]
    assert too_many.status_code == 422
    assert too_many.json()["message"] == "outcomes: has 3 outcomes; at most 2 (CGPA_MAX_OUTCOMES)"
    assert post(client, []).json()["message"] == "outcomes: needs at least 1 outcome, not 0"


def test_ten_thousand_outcomes_are_accepted_by_default(client_on: Client, store: Store) -> None:
    client = client_on(store)
    items = [
        {"student_id": f"student-{n:05d}", "semester": 5, "grade": 7.25} for n in range(10_000)
    ]

    reply = post(client, items)

    assert reply.status_code == 200
    assert reply.json() == {"received": 10_000, "matched": 0, "unmatched": 10_000, "duplicates": 0}


def test_outcomes_need_the_api_key_when_one_is_set(client_on: Client, store: Store) -> None:
    client = client_on(store, api_key=TEST_API_KEY)
    item = [{"student_id": "s-1", "semester": 5, "grade": 7.9}]

    assert post(client, item).status_code == 401
    assert post(client, item, **{"X-API-Key": TEST_API_KEY}).status_code == 200


def test_recording_off_is_a_503_that_says_so(client_on: Client) -> None:
    client = client_on(None)

    reply = post(client, [{"student_id": "s-1", "semester": 5, "grade": 7.9}])

    assert reply.status_code == 503
    assert "recording is off" in reply.json()["message"]


def test_a_database_that_is_gone_is_a_503_not_a_500(make_client: Client) -> None:
    # Nothing listens there: the service starts without its store and keeps retrying it.
    gone = f"postgresql://postgres@127.0.0.1:{free_port()}/gone"
    client = make_client(database_url=gone, id_key=TEST_KEY.decode())

    reply = post(client, [{"student_id": "s-1", "semester": 5, "grade": 7.9}])

    assert reply.status_code == 503
    assert reply.json()["message"] == "store: the database is unavailable; try again later"


def test_the_docs_state_the_outcome_limits(make_client: Client) -> None:
    schema = make_client().get("/openapi.json").json()
    body = schema["paths"]["/outcomes"]["post"]["requestBody"]["content"]["application/json"]
    item = body["schema"]["properties"]["outcomes"]["items"]["properties"]

    assert body["schema"]["properties"]["outcomes"]["maxItems"] == 10_000
    assert (item["semester"]["minimum"], item["semester"]["maximum"]) == (2, 5)
    assert (item["grade"]["minimum"], item["grade"]["maximum"]) == (0, 10)
    assert json.dumps(schema["paths"]["/outcomes"]["post"]["responses"]["409"])


def test_ten_thousand_outcomes_with_the_longest_ids_fit_the_body(
    client_on: Client, store: Store
) -> None:
    client = client_on(store)
    items = [{"student_id": f"{n:0128d}", "semester": 5, "grade": 7.25} for n in range(10_000)]

    reply = post(client, items)

    assert reply.status_code == 200
    assert reply.json()["unmatched"] == 10_000
