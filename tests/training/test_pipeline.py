"""`python -m training train` and `evaluate` end to end, on a small synthetic file."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pytest
import torch

from app.model.card import GoldenExample, ModelCard
from app.model.predictor import load_predictor
from tests.training.synthetic import (
    FAST,
    HEADER,
    LONG_EXPORT_OPTIONS,
    PERIOD_GRADES_OPTIONS,
    long_export_lines,
    period_grades_lines,
    synthetic_rows,
    wide_lines,
    write_csv,
)
from training.__main__ import main
from training.evaluation.results import MODEL_NAMES, PROJECT_MODEL
from training.report.text import verdicts


def train(data: Path, out: Path, *extra: str) -> ModelCard:
    assert main(["train", "--data", str(data), "--out", str(out), *FAST, *extra]) == 0
    return ModelCard.read(out / "cgpa_rnn.json")


def probe_batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    grades = torch.tensor([[7.1, 7.4, 7.9, 8.0], [6.0, 99, 99, 99], [5.5, 6.0, 6.5, 99]])
    return grades, torch.tensor([4, 1, 3]), torch.tensor([2, -1, 99])


def group_index(card: ModelCard, code: int | str | None) -> int:
    codes: list[int | str] = list(card.group.codes)
    return codes.index(code) if code in codes else -1


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
    assert (card.min_history, card.max_history, card.term_count) == (1, 4, 5)
    assert card.scale == (0.0, 10.0)
    assert card.group.model_dump() == {
        "column": "College Code",
        "label": "College Code",
        "codes": [115, 116, 165],
    }
    assert len(card.grade_range_by_position) == len(card.grade_mean_by_position) == 4
    means = card.grade_mean_by_position
    for grade_range, mean in zip(card.grade_range_by_position, means, strict=True):
        assert 0 <= grade_range.low <= mean <= grade_range.high <= 10
    assert card.interval.level == 0.9
    assert set(card.interval.half_width_by_length) == {1, 2, 3, 4}
    assert all(width > 0 for width in card.interval.half_width_by_length.values())
    residuals = card.interval.residuals_by_length
    assert set(residuals) == {1, 2, 3, 4}
    assert all(values == sorted(values) and len(values) > 40 for values in residuals.values())
    assert min(residuals[4]) < 0 < max(residuals[4])  # signed
    # The half-width is the conformal quantile of the residuals' size.
    assert card.interval.half_width_by_length[4] in [abs(value) for value in residuals[4]]
    assert card.training_command.startswith("python -m training train --data ")
    shares = card.metrics["final_fit"]["network_share_by_length"]
    assert set(shares) == {"1", "2", "3", "4"} and all(0 <= s <= 1 for s in shares.values())
    models = card.metrics["seed_split"]["models"]
    assert set(models) == {
        "repeat last grade",
        "training mean",
        "linear regression",
        "linear regression + group",
        "gradient boosting + group",
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
    assert any(e.college_code not in card.group.codes for e in card.golden_examples)
    with torch.inference_mode():
        for example in card.golden_examples:
            output = module(
                torch.tensor([example.grades], dtype=torch.float64),
                torch.tensor([len(example.grades)]),
                torch.tensor([group_index(card, example.college_code)]),
            )[0]
            expected = [example.predicted_cgpa, example.low, example.high]
            # Alone rather than in the card's batch: equal up to float64 rounding.
            torch.testing.assert_close(
                output, torch.tensor(expected, dtype=torch.float64), atol=1e-12, rtol=0
            )
            assert example.low <= example.predicted_cgpa <= example.high
            assert example.high - example.low <= 2 * half_width(card, example) + 1e-5
    # Format 3: the cells that are their own have at least the floor's residuals; every
    # other cell with any is listed as pooled in the metrics.
    assert card.format_version == 4 and card.interval.min_cell_size == 21
    assert all(cell.size >= 21 for cell in card.interval.group_cells)
    pooled = card.metrics["final_fit"]["pooled_cells"]
    assert all(cell["size"] < 21 for cell in pooled)
    own = {(cell.length, cell.group) for cell in card.interval.group_cells}
    assert own.isdisjoint((cell["length"], cell["group"]) for cell in pooled)
    assert len(own) + len(pooled) == 4 * 3  # every (length, college) of the file


def half_width(card: ModelCard, example: GoldenExample) -> float:
    """The half-width the card gives this example: its own cell's, else its length's."""
    length = len(example.grades)
    for cell in card.interval.group_cells:
        if (cell.length, cell.group) == (length, example.college_code):
            return cell.half_width
    return card.interval.half_width_by_length[length]


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


def assert_serves(out: Any, card: ModelCard, code: int | str) -> None:
    """The app loads the checkpoint (sha, golden examples) and answers on the card's scale."""
    predictor = load_predictor(out / "cgpa_rnn.pt")
    low, high = card.scale
    longest = [high] * card.max_history
    forecasts = predictor.forecast_batch([longest, [low], longest[:2]], [code, None, "nope"])
    assert [f.college_known for f in forecasts] == [code in card.group.codes, None, False]
    for forecast in forecasts:
        assert low <= forecast.low <= forecast.predicted_cgpa <= forecast.high <= high
    assert_golden_paths(out, card)


def assert_golden_paths(out: Any, card: ModelCard) -> None:
    """Format 4: the module's path reproduces each golden path, starts with the example's own
    forecast and runs through the path's last semester (the longest history's), NaN after."""
    assert card.path is not None and card.path.final_semesters == card.max_history + 1
    module = torch.jit.load(str(out / "cgpa_rnn.pt"))
    for example in card.golden_examples:
        row = module.path(
            torch.tensor([example.grades], dtype=torch.float64),
            torch.tensor([len(example.grades)]),
            torch.tensor([group_index(card, example.college_code)]),
        )[0]
        assert example.path is not None and example.path[0] == example.predicted_cgpa
        assert len(example.path) == card.path.final_semesters - len(example.grades)
        assert len(row) == card.path_horizons
        torch.testing.assert_close(
            row[: len(example.path)],
            torch.tensor(example.path, dtype=torch.float64),
            atol=1e-12,
            rtol=0,
        )
        assert bool(row[len(example.path) :].isnan().all())


def test_period_grades_on_a_0_20_scale_with_string_school_codes(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "student-por.csv", period_grades_lines(150, seed=5))
    out = tmp_path / "models"
    card = train(data, out, *PERIOD_GRADES_OPTIONS)
    assert card.scale == (0.0, 20.0)
    assert card.group.model_dump() == {"column": "school", "label": "school", "codes": ["GP", "MS"]}
    assert (card.term_count, card.max_history) == (3, 2)
    assert all(0 <= e.low <= e.predicted_cgpa <= e.high <= 20 for e in card.golden_examples)
    # Golden histories sit on the model's scale, with known, unknown and missing codes.
    assert {e.college_code for e in card.golden_examples} == {"GP", "unknown", None}
    assert max(grade for e in card.golden_examples for grade in e.grades) > 10
    assert card.training_command.endswith("--scale 0:20")
    assert_serves(out, card, "GP")


def test_long_export_on_a_0_4_scale_with_programme_codes(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "export.csv", long_export_lines(160, terms=8, seed=6))
    out = tmp_path / "models"
    card = train(data, out, *LONG_EXPORT_OPTIONS)
    assert card.scale == (0.0, 4.0)
    assert card.group.column == "programme"
    assert card.group.codes == sorted(["ARCH", "BBA", "CIV", "CSE", "EEE", "ME"])
    assert (card.term_count, card.max_history) == (10, 7)
    assert set(card.interval.residuals_by_length) == set(range(1, 8))
    assert "exact duplicate rows" in card.metrics["data_summary"]
    assert_serves(out, card, "CSE")

    # Rows in another order: the same students, so byte for byte the same checkpoint.
    lines = long_export_lines(160, terms=8, seed=6)
    shuffled = write_csv(tmp_path / "shuffled.csv", [lines[0], *reversed(lines[1:])])
    again = train(shuffled, tmp_path / "again", *LONG_EXPORT_OPTIONS)
    assert again.checkpoint_sha256 == card.checkpoint_sha256


@pytest.mark.parametrize("grouping", [[], ["--no-group"]])
def test_thirteen_terms_give_twelve_term_histories(tmp_path: Path, grouping: list[str]) -> None:
    data = write_csv(tmp_path / "long.csv", wide_lines(80, terms=13, seed=7))
    out = tmp_path / "models"
    card = train(data, out, *grouping)
    assert (card.term_count, card.max_history) == (13, 12)
    assert max(len(e.grades) for e in card.golden_examples) == 12
    if grouping:
        assert card.group.model_dump() == {"column": None, "label": "Group", "codes": []}
        assert {e.college_code for e in card.golden_examples} == {None}
    else:
        assert card.group.codes == [115, 116, 165, 241]
    assert_serves(out, card, card.group.codes[0] if card.group.codes else "x")


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
    for scores in report["project_by_history_length"].values():
        assert {"mse", "baseline_mse", "versus_baseline", "coverage_pooled"} <= set(scores)
        assert scores["versus_baseline"]["folds"] == 2
        assert 0.0 <= scores["network_share"]["mean"] <= 1.0
    assert report["data"]["group_label"] == "College Code"
    assert 0.0 <= report["interval"]["coverage_pooled"] <= 1.0
    numbers = numbers_in(report)
    assert len(numbers) > 100
    assert all(math.isfinite(n) for n in numbers)

    terminal = capsys.readouterr().out
    for name in MODEL_NAMES:
        shown = name.replace("+ group", "+ College Code")
        assert shown in terminal
        assert shown in (report_dir / "report.md").read_text()
    assert f"{PROJECT_MODEL} beats" in terminal or f"{PROJECT_MODEL} does NOT beat" in terminal
    # Targets relative to the data's own baselines, per history length too; no 0-10 figure.
    assert "per history length, project RNN is no worse than linear regression + College " in (
        terminal
    )
    assert "history length 1: project RNN MSE" in terminal
    assert "network share" in terminal
    assert "interval coverage" in terminal and "0.87-0.93 target" in terminal
    assert "<= 0.15" not in terminal
    assert_ties_are_told_from_losses(report)
    assert_coverage_by_group_is_reported(report, terminal)


def assert_coverage_by_group_is_reported(report: dict[str, Any], terminal: str) -> None:
    """#27: coverage by group and by (group, length), before and after, with the mean
    width; the rows add up to the per-length table's."""
    section = report["group_coverage"]
    assert section["min_cell_size"] == 21 and section["label"] == "College Code"
    lengths = report["project_by_history_length"]
    assert section["predictions"] == sum(scores["predictions"] for scores in lengths.values())
    assert set(section["by_group"]) == {"115", "116", "165"}
    for name, cells in section["by_group_and_length"].items():
        assert set(cells) == {"1", "2", "3", "4"}, name
        for cell in cells.values():
            assert 0 <= cell["own_in_fits"] <= cell["fits"] == 2
            assert 0 <= cell["after"]["coverage"] <= 1 and cell["before"]["mean_width"] > 0
    overall = section["overall"]["after"]["coverage"]
    assert overall == pytest.approx(
        sum(s["coverage_pooled"] * s["predictions"] for s in lengths.values())
        / section["predictions"]
    )
    assert set(section["brier_by_group"]) == {"overall", "115", "116", "165"}
    assert len(section["targets"]) == 5
    assert "coverage by group: 90% interval by College Code" in terminal


def assert_ties_are_told_from_losses(report: dict[str, Any]) -> None:
    """The per-length verdict: an MSE equal to the bar's up to float rounding (the fitted
    model is that regression) is no worse; one above it by more is worse."""
    scores = report["project_by_history_length"]["1"]
    bar = scores["baseline_mse"]["mean"]
    scores["mse"]["mean"] = bar * (1 + 1e-8)
    text = "\n".join(verdicts(report))
    assert "history length 1: project RNN MSE" in text
    assert "is equal (to float precision) to linear regression + College Code" in text
    assert "worse at 1" not in text
    scores["mse"]["mean"] = bar * 1.01
    assert "worse at 1" in "\n".join(verdicts(report))


def test_evaluate_reads_a_long_file(tmp_path: Path, capsys) -> None:
    data = write_csv(tmp_path / "export.csv", long_export_lines(120, terms=5, seed=8))
    report_dir = tmp_path / "eval"
    arguments = ["evaluate", "--data", str(data), "--report", str(report_dir)]
    assert main([*arguments, "--folds", "2", "--repeats", "1", *FAST, *LONG_EXPORT_OPTIONS]) == 0
    report = json.loads((report_dir / "report.json").read_text())
    assert report["data"]["scale"] == [0.0, 4.0]
    assert report["data"]["group_label"] == "programme"
    # Students with fewer terms are tested too, at their own lengths.
    counts = {int(k): v["predictions"] for k, v in report["project_by_history_length"].items()}
    assert counts[1] > counts[4] > 0
    terminal = capsys.readouterr().out
    assert terminal.startswith("export.csv: ")
    assert "linear regression + programme" in terminal
