"""What the Open Inference Protocol tests share: the model's names, three students of one
history length, the protocol's documented example request, v2 requests built from students,
and answers as the three output columns."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.model.card import ModelCard
from tests.conftest import MODEL_PATH

CARD = ModelCard.read(MODEL_PATH.with_suffix(".json"))
VERSION = CARD.model_version
INFER = "/v2/models/cgpa_rnn/infer"
OUTPUTS = ("predicted_cgpa", "interval_low", "interval_high")

# The example request of the protocol's documentation (KServe `docs/predict-api/v2/
# required_api.md`, "Inference Request Examples"; the same in the Open Inference Protocol's
# `inference_rest.md`), as written there, with only the tensor names, datatypes, shapes and
# values changed to this model's: two inputs, one requested output, id "42".
PROTOCOL_EXAMPLE = """
{
  "id" : "42",
  "inputs" : [
    {
      "name" : "grades",
      "shape" : [ 2, 2 ],
      "datatype" : "FP32",
      "data" : [ 7.1, 7.4, 6.2, 5.9 ]
    },
    {
      "name" : "college_code",
      "shape" : [ 2 ],
      "datatype" : "INT64",
      "data" : [ 165, -1 ]
    }
  ],
  "outputs" : [
    {
      "name" : "predicted_cgpa"
    }
  ]
}
"""
EXAMPLE_STUDENTS = [{"grades": [7.1, 7.4], "college_code": 165}, {"grades": [6.2, 5.9]}]

# Three students of one history length: known college, none, and a college the model lacks.
STUDENTS = [
    {"grades": [7.1, 7.4, 7.9], "college_code": 165},
    {"grades": [5.0, 5.5, 6.25]},
    {"grades": [9.2, 8.8, 9.0], "college_code": 4242},
]


def v2_request(students: list[dict[str, Any]], grades_datatype: str = "FP32") -> dict[str, Any]:
    """The v2 request for students of equal history length, with grades sent flat."""
    history = len(students[0]["grades"])
    return {
        "inputs": [
            {
                "name": "grades",
                "shape": [len(students), history],
                "datatype": grades_datatype,
                "data": [grade for student in students for grade in student["grades"]],
            },
            {
                "name": "college_code",
                "shape": [len(students)],
                "datatype": "INT64",
                "data": [student.get("college_code", -1) for student in students],
            },
        ]
    }


def batch_columns(client: TestClient, students: list[dict[str, Any]]) -> dict[str, list[float]]:
    """What /predict/batch answers for the same students, as the three v2 output columns."""
    response = client.post("/predict/batch", json={"students": students})
    assert response.status_code == 200
    return as_v2_columns(response.json()["predictions"])


def as_v2_columns(predictions: list[dict[str, Any]]) -> dict[str, list[float]]:
    """/predict/batch's answers rearranged as the three v2 output columns."""
    return {
        "predicted_cgpa": [p["predicted_cgpa"] for p in predictions],
        "interval_low": [p["interval"]["low"] for p in predictions],
        "interval_high": [p["interval"]["high"] for p in predictions],
    }


def columns(body: dict[str, Any]) -> dict[str, list[float]]:
    return {output["name"]: output["data"] for output in body["outputs"]}
