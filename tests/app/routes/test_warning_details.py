"""`warning_details`: each warning's code and fields beside its sentence, only when warned."""

from __future__ import annotations

from typing import get_args

from fastapi.testclient import TestClient

from app.api.schemas import Prediction, WarningCode


def unseen_low_grades(client: TestClient) -> list[float]:
    """The scale's lowest grade in every semester: lower than training saw in some of them."""
    card = client.get("/model").json()
    low = card["grade_scale"]["low"]
    return [low] * min(4, card["max_history"])


def test_an_answer_without_warnings_has_no_details(client: TestClient) -> None:
    body = client.post("/predict", json={"grades": [7.1, 7.4, 7.9, 8.0]}).json()
    assert body["warnings"] == []
    assert "warning_details" not in body


def test_unknown_group_has_its_code_and_field(client: TestClient) -> None:
    body = client.post("/predict", json={"grades": [7.0, 7.5], "college_code": 999}).json()
    assert body["warning_details"] == [
        {"code": "unknown_group", "fields": ["college_code"], "message": body["warnings"][0]}
    ]


def test_details_follow_the_warnings_one_for_one_and_in_order(client: TestClient) -> None:
    grades = unseen_low_grades(client)
    body = client.post("/predict", json={"grades": grades, "college_code": 999}).json()
    details = body["warning_details"]
    assert [detail["message"] for detail in details] == body["warnings"]
    assert [detail["code"] for detail in details] == ["unknown_group", "unusual_grades"]
    unusual = details[1]["fields"]
    assert unusual and all(field.startswith("grades[") for field in unusual)
    assert all(f"{field} = " in details[1]["message"] for field in unusual)
    Prediction.model_validate(body)


def test_a_batch_details_each_warned_student_only(client: TestClient) -> None:
    students = [{"grades": [7.0]}, {"grades": [7.0], "college_code": 999}]
    answers = client.post("/predict/batch", json={"students": students}).json()["predictions"]
    assert "warning_details" not in answers[0]
    assert [d["code"] for d in answers[1]["warning_details"]] == ["unknown_group"]


def test_the_codes_are_the_documented_closed_set(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert schema["WarningDetail"]["properties"]["code"]["enum"] == list(get_args(WarningCode))
    assert set(get_args(WarningCode)) == {"unknown_group", "unusual_grades"}
