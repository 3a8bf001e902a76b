"""POST /predict and /predict/batch through the ASGI app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.model.predictor import load_predictor
from tests.conftest import MODEL_PATH

EXAMPLE = {"grades": [7.1, 7.4, 7.9, 8.0], "college_code": 165}


def test_predict_returns_forecast_with_interval(client: TestClient) -> None:
    response = client.post("/predict", json=EXAMPLE)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"predicted_cgpa", "interval", "semester", "model_version", "warnings"}
    assert body["semester"] == 5
    assert body["interval"]["level"] == 0.9
    assert body["interval"]["low"] <= body["predicted_cgpa"] <= body["interval"]["high"]
    assert body["interval"]["low"] >= 0 and body["interval"]["high"] <= 10
    assert body["warnings"] == []


def test_predict_matches_the_checkpoint_directly(client: TestClient) -> None:
    predictor = load_predictor(MODEL_PATH)
    (expected,) = predictor.forecast_batch([EXAMPLE["grades"]], [EXAMPLE["college_code"]])
    body = client.post("/predict", json=EXAMPLE).json()
    assert body["predicted_cgpa"] == expected.predicted_cgpa
    assert body["interval"]["low"] == expected.low
    assert body["interval"]["high"] == expected.high
    assert body["model_version"] == predictor.card.model_version


def test_predict_without_college(client: TestClient) -> None:
    response = client.post("/predict", json={"grades": [6.5]})
    assert response.status_code == 200
    assert response.json()["semester"] == 2
    assert response.json()["warnings"] == []


def test_predict_unknown_college_says_so(client: TestClient) -> None:
    response = client.post("/predict", json={"grades": [7.0, 7.5], "college_code": 999})
    assert response.status_code == 200
    (warning,) = response.json()["warnings"]
    assert "college_code 999 is unknown" in warning


@pytest.mark.parametrize("length", [1, 2, 3, 4])
def test_predict_accepts_every_supported_history_length(client: TestClient, length: int) -> None:
    response = client.post("/predict", json={"grades": [7.0] * length})
    assert response.status_code == 200
    assert response.json()["semester"] == length + 1


def test_predict_refuses_history_longer_than_the_model_knows(client: TestClient) -> None:
    max_history = client.get("/model").json()["max_history"]
    response = client.post("/predict", json={"grades": [7.0] * (max_history + 1)})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "grades"
    assert response.json()["message"] == (
        f"grades: has {max_history + 1} grades; at most {max_history} (the model's longest history)"
    )


def test_batch_answers_in_order_and_equals_single_answers(client: TestClient) -> None:
    students = [
        {"grades": [7.1, 7.4, 7.9, 8.0], "college_code": 165},
        {"grades": [5.0]},
        {"grades": [9.2, 8.8, 9.0], "college_code": 115},
        {"grades": [6.0, 6.1], "college_code": 4242},
    ]
    response = client.post("/predict/batch", json={"students": students})
    assert response.status_code == 200
    batch = response.json()["predictions"]
    singles = [client.post("/predict", json=student).json() for student in students]
    assert batch == singles


def test_batch_names_the_index_of_an_invalid_student(client: TestClient) -> None:
    students = [{"grades": [7.0]}, {"grades": [7.0]}, {"grades": [7.0, 10.5]}]
    response = client.post("/predict/batch", json={"students": students})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "students[2].grades[1]"
    assert response.json()["message"].startswith("students[2].grades[1]: ")


def test_batch_refuses_more_students_than_the_limit(make_client) -> None:
    client = make_client(max_batch=3)
    response = client.post("/predict/batch", json={"students": [{"grades": [7.0]}] * 4})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "students"
    assert response.json()["message"] == "students: has 4 students; at most 3 (CGPA_MAX_BATCH)"


def test_batch_refuses_an_empty_list(client: TestClient) -> None:
    response = client.post("/predict/batch", json={"students": []})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "students"


def test_predictions_counter_counts_students(client: TestClient) -> None:
    client.post("/predict", json=EXAMPLE)
    client.post("/predict/batch", json={"students": [EXAMPLE, EXAMPLE, EXAMPLE]})
    text = client.get("/metrics").text
    assert 'cgpa_predictions_total{kind="single"} 1.0' in text
    assert 'cgpa_predictions_total{kind="batch"} 3.0' in text
