"""A university's own data, end to end: a long-format 0-4 export with string programme codes
is trained with `python -m training train` and served by `python -m app`; the service then
validates against that model's scale, publishes it, and takes its kind of code."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.live_server import ROOT, LiveServer

PROGRAMMES = ["BIO", "CSE", "ECO", "LAW"]
TERMS = ["2021-1", "2021-2", "2022-1", "2022-2", "2023-1", "2023-2"]


def write_long_export(path: Path, students: int = 240, seed: int = 3) -> None:
    """One row per student and term, shuffled, on a 0-4 scale; some students leave early."""
    rng = random.Random(seed)
    rows = []
    for number in range(students):
        programme = rng.choice(PROGRAMMES)
        level = rng.uniform(1.8, 3.6) + PROGRAMMES.index(programme) * 0.08
        terms = TERMS[: rng.randint(3, len(TERMS))]
        for term in terms:
            level = min(4.0, max(0.0, level + rng.gauss(0.03, 0.22)))
            rows.append([f"S{number:04d}", term, programme, f"{level:.2f}"])
    rng.shuffle(rows)
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(["student_id", "term", "programme", "gpa"])
        writer.writerows(rows)


@pytest.fixture(scope="module")
def own_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("own-data")
    data = folder / "registrar-export.csv"
    write_long_export(data)
    command = [
        sys.executable, "-m", "training", "train", "--data", str(data), "--out", str(folder),
        "--scale", "0:4", "--student-column", "student_id", "--term-column", "term",
        "--grade-column", "gpa", "--group-column", "programme",
        "--max-epochs", "150", "--notebook-epochs", "20",
    ]  # fmt: skip
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return folder / "cgpa_rnn.pt"


@pytest.fixture(scope="module")
def server(own_model: Path) -> Iterator[LiveServer]:
    with LiveServer.start({"CGPA_MODEL_PATH": str(own_model)}) as live:
        yield live


def test_the_card_states_the_scale_terms_and_programmes(own_model: Path) -> None:
    card = json.loads(own_model.with_suffix(".json").read_text())
    assert card["grade_scale"] == {"low": 0.0, "high": 4.0}
    assert card["term_count"] == len(TERMS)
    assert card["max_history"] == len(TERMS) - 1
    assert card["group"] == {"column": "programme", "label": "programme", "codes": PROGRAMMES}


def test_a_grade_above_this_models_scale_is_a_422(server: LiveServer) -> None:
    response = httpx.post(f"{server.base_url}/predict", json={"grades": [3.2, 3.5, 4.5]})
    assert response.status_code == 422
    assert response.json()["message"] == "grades[2]: 4.5 is above this model's scale 0-4"


def test_the_published_schema_states_the_live_limits(server: LiveServer) -> None:
    spec = httpx.get(f"{server.base_url}/openapi.json").json()
    body = spec["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
    grades = body["schema"]["properties"]["grades"]
    assert grades["maxItems"] == len(TERMS) - 1
    assert (grades["items"]["minimum"], grades["items"]["maximum"]) == (0, 4)
    code = body["schema"]["properties"]["college_code"]["anyOf"][0]
    assert code["type"] == "string"
    metadata = httpx.get(f"{server.base_url}/v2/models/cgpa_rnn").json()
    assert metadata["parameters"]["grade_scale"] == [0, 4]
    assert metadata["inputs"][1]["datatype"] == "BYTES"


def test_string_programme_codes_are_taken_and_unknown_ones_warned(server: LiveServer) -> None:
    known = httpx.post(
        f"{server.base_url}/predict", json={"grades": [3.2, 3.5, 3.7], "college_code": "CSE"}
    )
    assert known.status_code == 200, known.text
    answer = known.json()
    assert 0 <= answer["interval"]["low"] <= answer["predicted_cgpa"] <= answer["interval"]["high"]
    assert answer["interval"]["high"] <= 4
    assert answer["warnings"] == []
    unknown = httpx.post(
        f"{server.base_url}/predict", json={"grades": [3.2], "college_code": "ART"}
    ).json()
    assert unknown["warnings"] and "ART" in unknown["warnings"][0]
    number = httpx.post(f"{server.base_url}/predict", json={"grades": [3.2], "college_code": 7})
    assert number.status_code == 422
    assert number.json()["message"] == "college_code: must be a string, not a number"


def test_a_history_unlike_any_in_training_is_forecast_with_a_warning(server: LiveServer) -> None:
    answer = httpx.post(f"{server.base_url}/predict", json={"grades": [0.2, 0.1]}).json()
    assert "predicted_cgpa" in answer
    assert any("outside the grades the model saw" in text for text in answer["warnings"])
