"""One student's risk is one number, whichever route asks: `/predict`, `/predict/batch` and
the protocol's infer route agree, and the number is the conformal predictive distribution
(README: the held-out residuals of the card, per history length) around the *unrounded*
forecast. The answer's `predicted_cgpa` is rounded to 0.01; a risk computed from that would
move whenever a residual falls between the two, so the student and cut-off below are chosen
to put one there.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

OIP_INFER = "/v2/models/cgpa_rnn/infer"
CANDIDATES = [[7.1, 7.4], [6.2, 5.9], [8.0, 7.5, 7.9], [5.5, 6.0, 6.3, 6.1], [9.0], [4.4, 5.1]]


def conformal_risk(residuals: list[float], prediction: float, cutoff: float) -> float:
    """P(next grade < cutoff) on the 0-10 scale: the share of the n residuals r with
    prediction + r below the cut-off, ties and the unseen (n+1)-th slot counted half."""
    if cutoff <= 0:
        return 0.0
    if cutoff > 10:
        return 1.0
    below = sum(residual < cutoff - prediction for residual in residuals)
    tied = sum(residual == cutoff - prediction for residual in residuals)
    return (below + (tied + 1) / 2) / (len(residuals) + 1)


def student_and_cutoff(client: TestClient) -> tuple[list[float], float, float, list[float]]:
    """A student whose forecast is far from its rounded value, and a cut-off that puts one of
    the residuals between the two: (grades, unrounded forecast, cut-off, residuals)."""
    residuals_by_length = client.get("/model").json()["interval"]["residuals_by_length"]
    for grades in CANDIDATES:
        answer = client.post("/predict", json={"grades": grades, "explain": True}).json()
        raw, rounded = answer["explanation"]["prediction"], answer["predicted_cgpa"]
        if abs(raw - rounded) < 0.002:
            continue
        residuals = residuals_by_length[str(len(grades))]
        for residual in residuals:
            cutoff = residual + (raw + rounded) / 2
            if 0 < cutoff < 10:
                return grades, raw, cutoff, residuals
    raise AssertionError("no candidate's forecast is far enough from its rounded value")


def test_the_risk_is_the_same_on_every_route_and_comes_from_the_unrounded_forecast(
    client: TestClient,
) -> None:
    grades, raw, cutoff, residuals = student_and_cutoff(client)
    expected = round(conformal_risk(residuals, raw, cutoff), 4)
    rounded = client.post("/predict", json={"grades": grades}).json()["predicted_cgpa"]
    # The student and cut-off tell the two apart, so the equalities below mean something.
    assert expected != round(conformal_risk(residuals, rounded, cutoff), 4)

    single = client.post("/predict", json={"grades": grades, "risk_below": cutoff})
    assert single.status_code == 200, single.text
    assert single.json()["risk"] == {"below": cutoff, "probability": expected}

    batch = client.post(
        "/predict/batch", json={"students": [{"grades": grades, "risk_below": cutoff}]}
    )
    assert batch.status_code == 200, batch.text
    assert batch.json()["predictions"][0]["risk"]["probability"] == expected

    tensor = {"name": "grades", "shape": [1, len(grades)], "datatype": "FP64", "data": grades}
    infer = client.post(OIP_INFER, json={"inputs": [tensor], "parameters": {"risk_below": cutoff}})
    assert infer.status_code == 200, infer.text
    outputs = {output["name"]: output["data"] for output in infer.json()["outputs"]}
    assert outputs["risk_probability"] == [expected]
