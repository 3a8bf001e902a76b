"""`risk_below` and `explain` on /predict, /predict/batch and the protocol's infer route."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

STUDENT = {"grades": [7.1, 7.4, 7.9, 8.0], "college_code": 165}


def predict(client: TestClient, **options: object) -> dict:
    response = client.post("/predict", json={**STUDENT, **options})
    assert response.status_code == 200, response.text
    return response.json()


def test_risk_is_a_probability_that_grows_with_the_cutoff(client: TestClient) -> None:
    low, high = client.get("/model").json()["grade_scale"].values()
    cutoffs = [low + (high - low) * step / 20 for step in range(21)]
    risks = [predict(client, risk_below=cutoff)["risk"] for cutoff in cutoffs]
    probabilities = [risk["probability"] for risk in risks]
    assert [risk["below"] for risk in risks] == cutoffs
    assert all(0 <= probability <= 1 for probability in probabilities)
    assert probabilities == sorted(probabilities)
    # At the top of the scale the answer is 1 - 1 / (2 (n + 1)), n the residuals of the
    # student's cell (41-51 for a college at one length on the committed card).
    assert probabilities[0] == 0 and probabilities[-1] > 0.98


def test_risk_agrees_with_the_interval(client: TestClient) -> None:
    answer = predict(client)
    low, high = answer["interval"]["low"], answer["interval"]["high"]
    below_low = predict(client, risk_below=low)["risk"]["probability"]
    below_high = predict(client, risk_below=high)["risk"]["probability"]
    # A 90% interval leaves about 5% on each side.
    assert 0.01 <= below_low <= 0.12
    assert 0.88 <= below_high <= 0.99


def test_no_risk_unless_asked_or_defaulted(client: TestClient, make_client) -> None:
    assert "risk" not in predict(client)
    defaulted = make_client(risk_below=6.5)
    assert predict(defaulted)["risk"]["below"] == 6.5
    assert predict(defaulted, risk_below=7.0)["risk"]["below"] == 7.0
    assert "risk" not in predict(defaulted, risk_below=None)
    assert defaulted.get("/model").json()["risk_default"] == 6.5


def test_a_cutoff_off_the_scale_is_a_422_naming_it(client: TestClient) -> None:
    response = client.post("/predict", json={**STUDENT, "risk_below": 12})
    assert response.status_code == 422
    assert response.json()["message"] == "risk_below: 12 is too large; at most 10"


def test_the_explanation_adds_up_to_the_forecast(client: TestClient) -> None:
    answer = predict(client, explain=True)
    explanation = answer["explanation"]
    names = [item["input"] for item in explanation["contributions"]]
    assert names == ["grades[0]", "grades[1]", "grades[2]", "grades[3]", "college_code"]
    total = explanation["baseline"] + sum(item["value"] for item in explanation["contributions"])
    assert math.isclose(total, explanation["prediction"], abs_tol=1e-6)
    assert abs(explanation["prediction"] - answer["predicted_cgpa"]) <= 0.005 + 1e-9


def test_no_college_contributes_nothing(client: TestClient) -> None:
    answer = client.post("/predict", json={"grades": [6.0, 6.5], "explain": True}).json()
    (college,) = [c for c in answer["explanation"]["contributions"] if c["input"] == "college_code"]
    assert college["value"] == 0.0


def test_batch_advice_equals_single_advice(client: TestClient) -> None:
    students = [
        {**STUDENT, "risk_below": 8.0, "explain": True},
        {"grades": [5.0], "risk_below": 5.5},
        {"grades": [9.2, 8.8, 9.0], "college_code": 115, "explain": True},
        {"grades": [6.0, 6.1]},
    ]
    batch = client.post("/predict/batch", json={"students": students}).json()["predictions"]
    for student, answer in zip(students, batch, strict=True):
        single = client.post("/predict", json=student).json()
        assert answer.get("risk") == single.get("risk")
        for key in ("baseline", "prediction"):
            assert answer.get("explanation", {}).get(key) == pytest.approx(
                single.get("explanation", {}).get(key), abs=1e-12
            )


def test_too_many_explanations_in_one_request_is_a_422(make_client) -> None:
    client = make_client(max_batch=3000)
    students = [{**STUDENT, "explain": True}] * 2100  # 32 forward rows each
    response = client.post("/predict/batch", json={"students": students})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "students"
    assert "ask for fewer explanations" in response.json()["message"]


def test_the_protocol_gives_the_same_risk(client: TestClient) -> None:
    body = {
        "parameters": {"risk_below": 8.0},
        "inputs": [
            {"name": "grades", "shape": [1, 4], "datatype": "FP32", "data": STUDENT["grades"]},
            {"name": "college_code", "shape": [1], "datatype": "INT64", "data": [165]},
        ],
    }
    answer = client.post("/v2/models/cgpa_rnn/infer", json=body).json()
    outputs = {output["name"]: output["data"] for output in answer["outputs"]}
    assert outputs["risk_probability"] == [predict(client, risk_below=8.0)["risk"]["probability"]]
    without = {**body, "parameters": {}, "outputs": [{"name": "risk_probability"}]}
    refused = client.post("/v2/models/cgpa_rnn/infer", json=without)
    assert refused.status_code == 400
    assert "needs the request parameter risk_below" in refused.json()["error"]
