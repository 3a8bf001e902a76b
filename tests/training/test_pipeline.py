"""`python -m training train` and `evaluate` end to end, on a small synthetic file."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import torch

from app.model.card import ModelCard
from tests.training.synthetic import FAST, HEADER, synthetic_rows, write_csv
from training.__main__ import main
from training.evaluate import MODEL_NAMES, PROJECT_MODEL


def train(data: Path, out: Path, *extra: str) -> ModelCard:
    assert main(["train", "--data", str(data), "--out", str(out), *FAST, *extra]) == 0
    return ModelCard.read(out / "cgpa_rnn.json")


def probe_batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    grades = torch.tensor([[7.1, 7.4, 7.9, 8.0], [6.0, 99, 99, 99], [5.5, 6.0, 6.5, 99]])
    return grades, torch.tensor([4, 1, 3]), torch.tensor([165, -1, 999])


def test_card_describes_the_checkpoint(synthetic_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "models"
    card = train(synthetic_csv, out, "--seed", "7")
    checkpoint = (out / "cgpa_rnn.pt").read_bytes()
    assert card.checkpoint_sha256 == hashlib.sha256(checkpoint).hexdigest()
    assert card.model_version.endswith("+" + card.checkpoint_sha256[:8])
    assert card.data_sha256 == hashlib.sha256(synthetic_csv.read_bytes()).hexdigest()
    assert card.data_file == "grades.csv"
    assert card.seed == 7 and card.hyperparameters["seed"] == 7
    assert card.hyperparameters["max_epochs"] == 40
    assert (card.min_history, card.max_history) == (1, 4)
    assert card.colleges == [115, 116, 165]
    assert card.interval.level == 0.9
    assert set(card.interval.half_width_by_length) == {1, 2, 3, 4}
    assert all(width > 0 for width in card.interval.half_width_by_length.values())
    assert card.training_command.startswith("python -m training train --data ")
    models = card.metrics["seed_split"]["models"]
    assert set(models) == {
        "repeat last grade",
        "training mean",
        "linear regression",
        "linear regression + college",
        "notebook RNN",
        "project RNN",
    }
    assert "coverage" in models["project RNN"]
    assert not list(out.glob("*.tmp"))  # nothing half-written left behind

    # Golden examples are what the saved file really returns, including an unknown college,
    # a one-semester history and a middle-length one.
    module = torch.jit.load(str(out / "cgpa_rnn.pt"))
    lengths = {len(example.grades) for example in card.golden_examples}
    assert {1, 4} <= lengths and lengths & {2, 3}
    assert any(e.college_code not in card.colleges for e in card.golden_examples)
    with torch.inference_mode():
        for example in card.golden_examples:
            code = -1 if example.college_code is None else example.college_code
            output = module(
                torch.tensor([example.grades], dtype=torch.float64),
                torch.tensor([len(example.grades)]),
                torch.tensor([code]),
            )[0]
            expected = [example.predicted_cgpa, example.low, example.high]
            # Alone rather than in the card's batch: equal up to float64 rounding.
            torch.testing.assert_close(
                output, torch.tensor(expected, dtype=torch.float64), atol=1e-12, rtol=0
            )
            assert example.low <= example.predicted_cgpa <= example.high
            widths = card.interval.half_width_by_length
            assert example.high - example.low <= 2 * widths[len(example.grades)] + 1e-5


def test_same_data_and_seed_give_byte_identical_checkpoints(
    synthetic_csv: Path, tmp_path: Path
) -> None:
    cards = [train(synthetic_csv, tmp_path / run) for run in ("first", "second")]
    first, second = ((tmp_path / run / "cgpa_rnn.pt").read_bytes() for run in ("first", "second"))
    assert first == second
    assert cards[0].model_version == cards[1].model_version
    module = torch.jit.load(str(tmp_path / "first" / "cgpa_rnn.pt"))
    with torch.inference_mode():
        assert torch.isfinite(module(*probe_batch())).all()


def test_retraining_replaces_both_files_and_a_failed_run_keeps_them(
    synthetic_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "models"
    first = train(synthetic_csv, out, "--seed", "1")
    second = train(synthetic_csv, out, "--seed", "2")
    assert first.checkpoint_sha256 != second.checkpoint_sha256
    assert ModelCard.read(out / "cgpa_rnn.json").seed == 2

    before = (out / "cgpa_rnn.pt").read_bytes(), (out / "cgpa_rnn.json").read_bytes()
    bad = write_csv(
        tmp_path / "bad.csv", [HEADER, *synthetic_rows(10)[:5], "1,2,3,4,12,115,M,,,16"]
    )
    assert main(["train", "--data", str(bad), "--out", str(out), *FAST]) == 2
    assert ((out / "cgpa_rnn.pt").read_bytes(), (out / "cgpa_rnn.json").read_bytes()) == before


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
