"""`python -m training train`: checkpoint + card that the service can trust, deterministically."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch

from app.card import ModelCard
from tests.training.synthetic import FAST, HEADER, synthetic_rows, write_csv
from training.__main__ import main
from training.calibrate import calibrate, conformal_quantile

REAL_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "student-semester-result.csv"


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


def test_same_data_and_seed_give_the_same_predictions(synthetic_csv: Path, tmp_path: Path) -> None:
    outputs = []
    for run in ("first", "second"):
        train(synthetic_csv, tmp_path / run)
        module = torch.jit.load(str(tmp_path / run / "cgpa_rnn.pt"))
        with torch.inference_mode():
            outputs.append(module(*probe_batch()))
    torch.testing.assert_close(outputs[0], outputs[1], atol=1e-6, rtol=0)


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


def test_conformal_quantile_is_the_finite_sample_rank() -> None:
    residuals = [float(value) for value in range(1, 20)]  # n = 19: rank ceil(20 * 0.9) = 18
    import numpy as np

    assert conformal_quantile(np.array(residuals), 0.9) == 18.0
    calibration = calibrate(np.array(residuals), np.array([1] * 19), max_history=2, level=0.9)
    # A length with no residuals borrows the pooled width.
    assert calibration.half_width_by_length == {1: 18.0, 2: 18.0}
    assert calibration.size_by_length == {1: 19, 2: 0}


@pytest.mark.skipif(not REAL_DATA.exists(), reason="the shared data set is not mounted")
def test_the_real_file_loads_with_its_known_shape() -> None:
    from training.data import complete_student_ids, load_students, max_history

    table = load_students(REAL_DATA)
    assert table.rows_read == 178
    assert len(complete_student_ids(table)) == 169
    assert max_history(table) == 4
    assert table.colleges == [115, 116, 165, 241]
    assert json.dumps(table.summary())
