"""`python -m training evaluate` on a tiny data set: every file written, every number finite."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from tests.training.synthetic import FAST
from training.__main__ import main
from training.evaluate import MODEL_NAMES, PROJECT_MODEL


def numbers_in(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for item in value.values() for n in numbers_in(item)]
    if isinstance(value, list):
        return [n for item in value for n in numbers_in(item)]
    return []


def test_evaluate_writes_every_file_with_finite_numbers(
    synthetic_csv: Path, tmp_path: Path, capsys
) -> None:
    report_dir = tmp_path / "eval"
    arguments = ["evaluate", "--data", str(synthetic_csv), "--report", str(report_dir)]
    assert main([*arguments, "--folds", "2", "--repeats", "1", *FAST]) == 0

    for name in [
        "report.json",
        "report.md",
        "predicted_vs_actual.png",
        "error_by_model.png",
        "coverage_by_length.png",
    ]:
        assert (report_dir / name).stat().st_size > 0, name
    report = json.loads((report_dir / "report.json").read_text())
    assert set(report["cross_validation"]) == set(MODEL_NAMES)
    assert set(report["seed_split"]) == set(MODEL_NAMES)
    assert report["folds"] == 2 and report["repeats"] == 1
    assert set(report["project_by_history_length"]) == {"1", "2", "3", "4"}
    assert 0.0 <= report["interval"]["coverage_pooled"] <= 1.0
    numbers = numbers_in(report)
    assert len(numbers) > 100
    assert all(math.isfinite(n) for n in numbers)

    terminal = capsys.readouterr().out
    for name in MODEL_NAMES:
        assert name in terminal
        assert name in (report_dir / "report.md").read_text()
    assert f"{PROJECT_MODEL} beats" in terminal or f"{PROJECT_MODEL} does NOT beat" in terminal
