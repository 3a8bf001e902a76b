"""The real service under uvicorn, over real HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.model.card import FORMAT_VERSION, ModelCard
from app.model.files import sha256_of_file as sha256_of
from harness.live_server import ROOT, LiveServer, free_port
from tests.conftest import MODEL_PATH

CARD = ModelCard.read(MODEL_PATH.with_suffix(".json"))


def test_predict_over_http(live_server: LiveServer) -> None:
    response = httpx.post(
        f"{live_server.base_url}/predict", json={"grades": [7.1, 7.4, 7.9, 8.0]}, timeout=5
    )
    assert response.status_code == 200
    assert response.json()["semester"] == 5
    assert response.headers["x-request-id"]


def test_batch_over_http_equals_singles(live_server: LiveServer) -> None:
    students = [{"grades": [7.0, 7.2]}, {"grades": [8.1], "college_code": 165}]
    with httpx.Client(base_url=live_server.base_url, timeout=5) as http:
        batch = http.post("/predict/batch", json={"students": students}).json()["predictions"]
        assert batch == [http.post("/predict", json=student).json() for student in students]


def test_access_log_is_json_without_grades(live_server: LiveServer) -> None:
    httpx.post(
        f"{live_server.base_url}/predict",
        # Eight decimals: no latency (3 decimals) or timestamp in the log can spell it by chance.
        json={"grades": [6.78912345]},
        headers={"X-Request-ID": "e2e-log-check"},
        timeout=5,
    )
    (line,) = live_server.log_lines_with("e2e-log-check")
    entry = json.loads(line)
    assert entry["route"] == "/predict" and entry["status"] == 200
    assert "6.78912345" not in live_server.log()


def start_and_expect_refusal(model_path: Path) -> tuple[int, str]:
    port = free_port()
    finished = subprocess.run(
        LiveServer.command(port),
        cwd=ROOT,
        env={"CGPA_MODEL_PATH": str(model_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        executable=sys.executable,
    )
    return finished.returncode, finished.stdout + finished.stderr


def damage(model_path: Path, how: str) -> None:
    card_path = model_path.with_suffix(".json")
    card = json.loads(card_path.read_text())
    if how == "missing":
        model_path.unlink()
    elif how == "truncated":
        model_path.write_bytes(model_path.read_bytes()[:2048])
    elif how == "corrupt":
        model_path.write_bytes(b"garbage" * 100)
        card["checkpoint_sha256"] = sha256_of(model_path)
    elif how == "hash":
        card["checkpoint_sha256"] = "0" * 64
    elif how == "newer-format":
        card["format_version"] = FORMAT_VERSION + 1
    elif how == "golden":
        card["golden_examples"][0]["predicted_cgpa"] += 1.0
    card_path.write_text(json.dumps(card))


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("missing", "checkpoint file not found"),
        ("truncated", "does not match the card"),
        ("corrupt", "not a loadable TorchScript file"),
        ("hash", "does not match the card"),
        ("newer-format", f"format_version {FORMAT_VERSION + 1}"),
        ("golden", "golden example"),
    ],
)
def test_bad_checkpoint_stops_startup_with_one_clear_line(
    model_copy: Path, how: str, reason: str
) -> None:
    damage(model_copy, how)
    code, output = start_and_expect_refusal(model_copy)
    assert code != 0
    (line,) = [line for line in output.splitlines() if "model load failed" in line]
    assert str(model_copy.parent) in line and reason in line
    assert "Traceback" not in output
    assert "Uvicorn running" not in output


def test_the_published_schema_states_the_enforced_limits(live_server: LiveServer) -> None:
    paths = httpx.get(f"{live_server.base_url}/openapi.json", timeout=10).json()["paths"]

    def body_schema(path: str) -> dict:
        return paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]

    student = body_schema("/predict")["properties"]["grades"]
    assert student["maxItems"] == CARD.max_history
    assert (student["items"]["minimum"], student["items"]["maximum"]) == (0, 10)
    students = body_schema("/predict/batch")["properties"]["students"]
    assert students["maxItems"] == Settings(_env_file=None).max_batch
    assert students["items"]["properties"]["grades"]["maxItems"] == CARD.max_history
