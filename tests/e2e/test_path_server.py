"""`path` over real HTTP to a real uvicorn serving the committed format 4 checkpoint, and the
same module under a format 3 card refusing it."""

from __future__ import annotations

from pathlib import Path

import httpx

from app.model.card import ModelCard
from bench.path_cost import batch_bodies
from harness.checkpoints import older_format_checkpoint
from harness.live_server import LiveServer
from tests.conftest import MODEL_PATH

CARD = ModelCard.read(MODEL_PATH.with_suffix(".json"))
# The last semester of a path (the card's `path.final_semesters`; 0 without a path).
LAST = CARD.path.final_semesters if CARD.path is not None else 0


def test_a_path_over_http_ends_at_the_last_term(live_server: LiveServer) -> None:
    body = {"grades": [6.4, 6.9, 7.3], "college_code": 116, "path": True, "final_below": 7.0}
    response = httpx.post(f"{live_server.base_url}/predict", json=body, timeout=10)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [point["semester"] for point in answer["path"]] == list(range(4, LAST + 1))
    assert answer["path"][0]["predicted_cgpa"] == answer["predicted_cgpa"]
    assert answer["final_cgpa"]["semesters"] == LAST
    assert 0 < answer["final_cgpa"]["risk"]["probability"] < 1


def test_a_1000_student_batch_with_paths_answers_each_as_alone(live_server: LiveServer) -> None:
    _, pathed = batch_bodies(CARD)
    with httpx.Client(base_url=live_server.base_url, timeout=60) as http:
        response = http.post("/predict/batch", json=pathed)
        assert response.status_code == 200, response.text
        answers = response.json()["predictions"]
        assert len(answers) == len(pathed["students"]) == 1000
        for student, answer in zip(pathed["students"], answers, strict=True):
            assert answer["path"][-1]["semester"] == LAST
            assert len(answer["path"]) == LAST - len(student["grades"])
        for index in (0, 499, 999):
            alone = http.post("/predict", json=pathed["students"][index]).json()
            assert alone == answers[index]


def test_an_older_card_over_http_refuses_path_and_serves_the_rest(tmp_path: Path) -> None:
    older = tmp_path / MODEL_PATH.name
    older_format_checkpoint(MODEL_PATH, older)
    with LiveServer.start({"CGPA_MODEL_PATH": str(older)}) as server:
        base = server.base_url
        assert httpx.post(f"{base}/predict", json={"grades": [7.0]}, timeout=10).status_code == 200
        refused = httpx.post(f"{base}/predict", json={"grades": [7.0], "path": True}, timeout=10)
    assert refused.status_code == 422
    body = refused.json()
    assert body["detail"][0]["field"] == "path"
    assert "retrained" in body["message"]
