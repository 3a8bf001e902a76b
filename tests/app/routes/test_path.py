"""`path` and `final_below` on /predict and /predict/batch, through the app, with the committed
format 4 checkpoint (and the same module under a format 3 card for the refusal)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.model.advice import work_rows
from app.model.card import ModelCard
from app.model.predictor import card_path_for
from harness.checkpoints import older_format_checkpoint
from tests.conftest import MODEL_PATH

CARD = ModelCard.read(card_path_for(MODEL_PATH))
assert CARD.path is not None, "the committed model must be a format 4 one, with a path"
# The last semester of a path: the longest training history (max_history + 1).
LAST = CARD.path.final_semesters
STUDENT = {"grades": [7.1, 7.4, 7.9], "college_code": 165}


def predict(client: TestClient, **fields: object) -> dict:
    response = client.post("/predict", json={**STUDENT, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def refusal(client: TestClient, body: dict, route: str = "/predict") -> dict:
    response = client.post(route, json=body)
    assert response.status_code == 422, response.text
    return response.json()


def cell_width(length: int, horizon: int | None, code: object) -> float:
    """The half-width the contract says the student reads: its group's cell, else pooled."""
    assert CARD.path is not None
    cells = {(cell.length, cell.horizon, cell.group): cell for cell in CARD.path.cells}
    own = cells.get((length, horizon, code))
    return (own or cells[(length, horizon, None)]).half_width


def test_the_committed_model_has_a_path() -> None:
    assert CARD.format_version == 4 and CARD.path is not None
    assert LAST == CARD.max_history + 1 == CARD.term_count  # a wide file of 5 semesters
    assert all(example.path is not None for example in CARD.golden_examples)


@pytest.mark.parametrize("length", range(1, CARD.max_history + 1))
def test_the_path_runs_through_the_last_term_and_starts_with_the_answer(
    client: TestClient, length: int
) -> None:
    grades = [6.5 + 0.3 * step for step in range(length)]
    answer = predict(client, grades=grades, path=True)
    path = answer["path"]
    assert [point["semester"] for point in path] == list(range(length + 1, LAST + 1))
    assert path[0] == {
        "semester": answer["semester"],
        "predicted_cgpa": answer["predicted_cgpa"],
        "interval": answer["interval"],
    }
    low, high = CARD.scale
    for point in path:
        interval = point["interval"]
        assert low <= interval["low"] <= point["predicted_cgpa"] <= interval["high"] <= high
        assert interval["level"] == CARD.interval.level


def test_each_later_semester_reads_its_own_cell(client: TestClient) -> None:
    low, high = CARD.scale
    length = len(STUDENT["grades"])
    # The groups' own cells differ from the pooled one, so reading the wrong one would show.
    assert any(
        cell_width(length, 2, code) != cell_width(length, 2, None) for code in CARD.group.codes
    )
    for code in [*CARD.group.codes, None, 999]:
        grades = STUDENT["grades"]
        answer = predict(client, grades=grades, college_code=code, path=True)
        for horizon, point in enumerate(answer["path"][1:], start=2):
            width = cell_width(len(grades), horizon, code)
            centre = point["predicted_cgpa"]
            # The ends were clamped and rounded from the unrounded centre: within 0.01.
            assert point["interval"]["low"] == pytest.approx(max(centre - width, low), abs=0.011)
            assert point["interval"]["high"] == pytest.approx(min(centre + width, high), abs=0.011)


def test_the_final_cgpa_is_the_mean_of_every_semester_with_its_own_interval(
    client: TestClient,
) -> None:
    low, high = CARD.scale
    for code in [*CARD.group.codes, None]:
        answer = predict(client, college_code=code, path=True)
        final = answer["final_cgpa"]
        semesters = [*STUDENT["grades"], *(point["predicted_cgpa"] for point in answer["path"])]
        assert final["semesters"] == len(semesters) == LAST
        # The forecasts are rounded here, not in the mean: within 0.01.
        assert final["predicted_cgpa"] == pytest.approx(sum(semesters) / len(semesters), abs=0.011)
        width = cell_width(len(STUDENT["grades"]), None, code)
        assert final["interval"]["low"] == pytest.approx(
            max(final["predicted_cgpa"] - width, low), abs=0.011
        )
        assert final["interval"]["high"] == pytest.approx(
            min(final["predicted_cgpa"] + width, high), abs=0.011
        )
        assert "risk" not in final


def test_the_final_risk_grows_with_the_cutoff_and_agrees_with_the_interval(
    client: TestClient,
) -> None:
    low, high = CARD.scale
    cutoffs = [low + (high - low) * step / 20 for step in range(21)]
    risks = [
        predict(client, path=True, final_below=cutoff)["final_cgpa"]["risk"] for cutoff in cutoffs
    ]
    assert [risk["below"] for risk in risks] == cutoffs
    probabilities = [risk["probability"] for risk in risks]
    assert probabilities == sorted(probabilities)
    assert probabilities[0] == 0 and 0.9 < probabilities[-1] < 1
    interval = predict(client, path=True)["final_cgpa"]["interval"]
    below_low = predict(client, path=True, final_below=interval["low"])["final_cgpa"]["risk"]
    below_high = predict(client, path=True, final_below=interval["high"])["final_cgpa"]["risk"]
    # A 90% interval leaves about 5% on each side (fewer where it was clamped).
    assert below_low["probability"] <= 0.15
    assert below_high["probability"] >= 0.85


def test_the_final_risk_is_not_the_next_semester_s(client: TestClient) -> None:
    answer = predict(client, path=True, risk_below=7.5, final_below=7.5)
    assert answer["risk"]["below"] == answer["final_cgpa"]["risk"]["below"] == 7.5
    assert set(answer["final_cgpa"]["risk"]) == {"below", "probability"}


def test_a_history_one_short_of_the_last_term_has_one_semester_left(client: TestClient) -> None:
    grades = [7.0] * CARD.max_history
    answer = predict(client, grades=grades, path=True, final_below=7.0)
    assert [point["semester"] for point in answer["path"]] == [LAST]
    expected = (sum(grades) + answer["predicted_cgpa"]) / LAST
    assert answer["final_cgpa"]["predicted_cgpa"] == pytest.approx(expected, abs=0.011)


def test_a_history_at_the_last_term_is_refused_naming_grades(client: TestClient) -> None:
    body = refusal(client, {"grades": [7.0] * LAST, "path": True})
    assert body["message"].startswith(f"grades: has {LAST} grades; at most")


def test_without_path_the_answer_is_what_it_was(client: TestClient) -> None:
    plain = client.post("/predict", json=STUDENT)
    with_path = predict(client, path=True, final_below=6.0)
    assert plain.status_code == 200
    assert "path" not in plain.json() and "final_cgpa" not in plain.json()
    without = {key: value for key, value in with_path.items() if key not in ("path", "final_cgpa")}
    assert plain.json() == without
    assert list(plain.json()) == [
        "predicted_cgpa",
        "interval",
        "semester",
        "model_version",
        "warnings",
    ]
    assert predict(client, path=False) == plain.json()


def test_a_batch_answers_each_student_as_alone(client: TestClient) -> None:
    students = [
        {"grades": [6.2], "path": True, "final_below": 6.0},
        {"grades": [8.1, 8.4]},
        {"grades": [5.5, 6.0, 6.4], "college_code": 115, "path": True},
        {"grades": [9.0, 9.1, 9.2, 9.0], "college_code": 999, "path": True, "final_below": 9.0},
    ]
    response = client.post("/predict/batch", json={"students": students})
    assert response.status_code == 200, response.text
    answers = response.json()["predictions"]
    assert answers == [client.post("/predict", json=student).json() for student in students]
    assert ["path" in answer for answer in answers] == [True, False, True, True]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"path": 1}, "path: must be true or false, not a number"),
        ({"path": "yes"}, "path: must be true or false, not a string"),
        ({"path": None}, "path: must be true or false, not null"),
        ({"path": True, "final_below": 11}, "final_below: 11 is too large; at most 10"),
        ({"path": True, "final_below": -0.5}, "final_below: -0.5 is too small; at least 0"),
        ({"path": True, "final_below": "6"}, "final_below: must be a number, not a string"),
        ({"path": True, "final_below": True}, "final_below: must be a number, not a boolean"),
    ],
)
def test_a_bad_path_field_is_a_422_naming_it(
    client: TestClient, fields: dict, message: str
) -> None:
    assert refusal(client, {**STUDENT, **fields})["message"] == message


def test_final_below_without_path_is_a_422_saying_why(client: TestClient) -> None:
    for fields in ({"final_below": 6.0}, {"final_below": 6.0, "path": False}):
        body = refusal(client, {**STUDENT, **fields})
        assert body["message"].startswith("final_below: is the cut-off of the final CGPA's risk")
        assert '"path": true' in body["message"]
        assert body["detail"][0]["field"] == "final_below"
    batch = {"students": [{**STUDENT, "path": True}, {**STUDENT, "final_below": 6.0}]}
    body = refusal(client, batch, "/predict/batch")
    assert body["detail"][0]["field"] == "students[1].final_below"


def test_an_older_card_refuses_path_saying_retrain(make_client, tmp_path: Path) -> None:
    older = tmp_path / "model" / MODEL_PATH.name
    older.parent.mkdir()
    older_format_checkpoint(MODEL_PATH, older)
    client = make_client(model_path=older)
    assert client.get("/model").json()["format_version"] == 3
    assert client.post("/predict", json=STUDENT).status_code == 200
    body = refusal(client, {**STUDENT, "path": True})
    assert body["message"].startswith("path: the served model (card format 3) cannot forecast")
    assert "retrained" in body["message"]
    batch = refusal(client, {"students": [STUDENT, {**STUDENT, "path": True}]}, "/predict/batch")
    assert batch["detail"][0]["field"] == "students[1].path"


def test_a_path_counts_its_columns_in_admission(client: TestClient) -> None:
    predictor = client.app.state.service.predictor
    models = client.app.state.request_models
    plain = [models.student(grades=[7.0]) for _ in range(3)]
    pathed = [models.student(grades=[7.0], path=True) for _ in range(3)]
    assert work_rows(plain, predictor) == 3
    assert work_rows(pathed, predictor) == 3 + 3 * CARD.path_horizons


def test_openapi_documents_the_path(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
    fields = body["schema"]["properties"]
    assert fields["path"]["type"] == "boolean"
    assert fields["final_below"]["anyOf"][0]["maximum"] == CARD.scale[1]
    assert any(example.get("path") for example in body["schema"]["examples"])
    for example in body["schema"]["examples"]:
        assert client.post("/predict", json=example).status_code == 200
    schemas = spec["components"]["schemas"]
    assert {"PathPoint", "FinalCgpa", "FinalRisk"} <= set(schemas)
    assert any("final_cgpa" in example for example in schemas["Prediction"]["examples"])
