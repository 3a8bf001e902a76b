"""Risk calibration and fairness (#16): in `evaluate`'s report, in `train`'s card, on
GET /model; and the arithmetic underneath (Brier, reliability bins, fairness counts)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.model.card import ModelCard
from tests.training.synthetic import FAST
from training.__main__ import _parser, main
from training.data import Samples
from training.evaluation.fairness import _difference_sentence, group_scores
from training.evaluation.results import PROJECT_MODEL
from training.evaluation.risk import (
    BRIER_MARGIN,
    LOGISTIC,
    SplitRisk,
    brier,
    logistic_probability_below,
    reliability,
    summarise_risk,
)


def values_in(value: Any) -> list[Any]:
    """Every leaf number (bools excluded) or None of a report section."""
    if isinstance(value, bool):
        return []
    if value is None or isinstance(value, int | float):
        return [value]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in values_in(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in values_in(item)]
    return []


def assert_finite_or_missing(section: Any) -> None:
    leaves = values_in(section)
    assert leaves
    assert all(leaf is None or math.isfinite(leaf) for leaf in leaves)


def assert_counts_add_up(fairness: dict[str, Any]) -> None:
    for grouping in fairness["groupings"].values():
        overall, groups = grouping["overall"], grouping["groups"].values()
        assert overall["n"] == fairness["predictions"]
        for count in ("n", "below", "flagged"):
            assert sum(group[count] for group in groups) == overall[count], count


def test_brier_of_a_perfect_predictor_is_zero() -> None:
    below = np.array([[True, False, False, True, False]])
    perfect = below.astype(np.float64)
    assert brier(perfect[0], below[0]) == 0.0
    assert brier(1 - perfect[0], below[0]) == 1.0
    risk = SplitRisk([6.5], np.arange(5), below, perfect, np.full((1, 5), 0.4), perfect)
    entry = summarise_risk([risk, risk], "--risk-below")["cutoffs"][0]
    assert entry["brier"] == {"mean": 0.0, "std": 0.0}
    assert entry["logistic_brier"]["mean"] == pytest.approx(0.6 * 0.4**2 + 0.4 * 0.6**2)
    assert entry["met"] and entry["base_rate"] == 0.4
    assert entry["mean_difference"] < -BRIER_MARGIN


def test_reliability_bins_hold_every_prediction_once() -> None:
    probabilities = np.array([0.0, 0.05, 0.1, 0.55, 0.99, 1.0])
    outcomes = np.array([False, False, True, True, True, True])
    bins = reliability(probabilities, outcomes)
    assert len(bins) == 10
    assert sum(b["count"] for b in bins) == len(probabilities)
    assert bins[0]["count"] == 2 and bins[1]["count"] == 1  # 0.1 opens the second bin
    assert bins[9] == {"low": 0.9, "high": 1.0, "count": 2, "mean_predicted": 0.995, "observed": 1}
    assert bins[3]["mean_predicted"] is None and bins[3]["observed"] is None


def samples(grades: list[list[float]], targets: list[float], groups: list[int]) -> Samples:
    count = len(targets)
    return Samples(
        np.array(grades, dtype=np.float32),
        np.full(count, len(grades[0]), dtype=np.int64),
        np.array(groups, dtype=np.int64),
        np.array(targets, dtype=np.float32),
        np.arange(count, dtype=np.int64),
    )


def test_the_logistic_baseline_learns_and_falls_back_to_a_constant_rate() -> None:
    train = samples(
        [[5.0, 5.0], [5.5, 5.0], [8.0, 8.5], [8.5, 8.0]], [5.0, 5.2, 8.3, 8.6], [0, 1, 0, 1]
    )
    test = samples([[5.2, 5.1], [8.4, 8.2]], [5.0, 8.0], [1, 2])
    low, high = logistic_probability_below(train, test, 6.5)
    assert 0.5 < low < 1 and 0 < high < 0.5
    assert logistic_probability_below(train, test, 4.0).tolist() == [0.0, 0.0]
    assert logistic_probability_below(train, test, 9.0).tolist() == [1.0, 1.0]


def test_group_scores_of_no_rows_are_missing_not_nan() -> None:
    empty = np.zeros(0)
    scores = group_scores(empty, empty, np.zeros((0, 2)), empty > 0, empty > 0)
    assert scores["n"] == 0 and scores["mse"] is None and scores["recall"] is None
    targets = np.array([6.0, 7.0, 8.0])
    flagged = np.array([False, False, False])
    scores = group_scores(
        targets, targets + 0.1, np.c_[targets - 1, targets + 1], targets < 7, flagged
    )
    assert scores["recall"] == 0.0 and scores["false_alarms"] is None  # nobody flagged
    assert scores["coverage"] == 1.0 and scores["mse"] == pytest.approx(0.01)


def test_risk_below_takes_words_and_comma_lists() -> None:
    arguments = _parser().parse_args(
        ["evaluate", "--data", "x.csv", "--risk-below", "6.5", "7,7.5"]
    )
    assert [c for words in arguments.risk_below for c in words] == [6.5, 7.0, 7.5]
    with pytest.raises(SystemExit):
        _parser().parse_args(["train", "--data", "x", "--out", "y", "--risk-below", "nan"])


def test_a_cut_off_outside_the_scale_is_refused(
    synthetic_csv: Path, tmp_path: Path, capsys
) -> None:
    arguments = ["evaluate", "--data", str(synthetic_csv), "--report", str(tmp_path / "eval")]
    assert main([*arguments, "--folds", "2", "--repeats", "1", *FAST, "--risk-below", "11"]) == 2
    assert "--risk-below 11 is outside the grade scale" in capsys.readouterr().err


def test_evaluate_reports_risk_calibration_and_fairness(
    synthetic_csv: Path, tmp_path: Path, capsys
) -> None:
    report_dir = tmp_path / "eval"
    arguments = ["evaluate", "--data", str(synthetic_csv), "--report", str(report_dir)]
    options = ["--folds", "2", "--repeats", "1", "--risk-below", "6.5,7.0", *FAST]
    assert main([*arguments, *options]) == 0
    report = json.loads((report_dir / "report.json").read_text())

    risk = report["risk_calibration"]
    assert risk["source"] == "--risk-below" and risk["folds"] == 2
    assert [entry["cutoff"] for entry in risk["cutoffs"]] == [6.5, 7.0]
    for entry in risk["cutoffs"]:
        assert 0 <= entry["brier"]["mean"] <= 1 and 0 <= entry["logistic_brier"]["mean"] <= 1
        assert 0 < entry["base_rate"] < 1
        for name in (PROJECT_MODEL, LOGISTIC):
            assert sum(b["count"] for b in entry["reliability"][name]) == entry["predictions"]
    assert_finite_or_missing(risk)

    fairness = report["fairness"]
    assert fairness["cutoff"] == 6.5
    assert set(fairness["groupings"]) == {"College Code", "Gender"}
    assert set(fairness["groupings"]["College Code"]["groups"]) == {"115", "116", "165"}
    assert set(fairness["groupings"]["Gender"]["groups"]) == {"female", "male", "unknown"}
    assert fairness["predictions"] == report["interval"]["predictions"]
    assert_counts_add_up(fairness)
    assert_finite_or_missing(fairness)
    assert len(fairness["differences"]) == 8  # 4 scores x 2 groupings

    markdown = (report_dir / "report.md").read_text()
    terminal = capsys.readouterr().out
    assert "## Risk of falling below a cut-off" in markdown and "## Fairness by group" in markdown
    assert "| **overall** | " in markdown
    for text in (markdown, terminal):
        assert "risk below 6.5: project RNN Brier " in text
        assert "no worse than logistic regression within 0.005: " in text
        assert all(sentence in text for sentence in fairness["differences"])
    assert (report_dir / "risk_reliability.png").stat().st_size > 0


def test_the_card_and_get_model_carry_the_summary(
    synthetic_csv: Path, tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    out = tmp_path / "models"
    assert main(["train", "--data", str(synthetic_csv), "--out", str(out), *FAST]) == 0
    metrics = ModelCard.read(out / "cgpa_rnn.json").metrics
    risk, fairness = metrics["risk_calibration"], metrics["fairness"]
    assert risk["source"] == "the 20th and 35th percentile of the target"
    assert len(risk["cutoffs"]) == 2 and risk["cutoffs"][0]["cutoff"] < risk["cutoffs"][1]["cutoff"]
    assert {"brier", "logistic_brier", "base_rate", "met"} <= set(risk["cutoffs"][0])
    assert fairness["split"] == "seed split" and fairness["cutoff"] == risk["cutoffs"][0]["cutoff"]
    assert fairness["predictions"] == metrics["seed_split"]["test_size"]
    assert_counts_add_up(fairness)
    assert_finite_or_missing(fairness)
    assert fairness["differences"]
    assert len(json.dumps({"risk": risk, "fairness": fairness})) < 8000  # small

    body = make_client(model_path=out / "cgpa_rnn.pt").get("/model").json()
    assert body["metrics"]["fairness"] == fairness
    assert body["metrics"]["risk_calibration"] == risk


def test_the_sentences_name_a_group_only_beyond_sampling_noise() -> None:
    overall = {"n": 400, "coverage": 0.9}
    squared = np.ones(400)
    far = {"A": {"n": 100, "coverage": 0.75}, "B": {"n": 300, "coverage": 0.95}}
    sentence = _difference_sentence("College", "coverage", overall, far, squared, 1)
    assert sentence.startswith("coverage by College differs beyond sampling noise")
    assert "College A: coverage 0.75 vs 0.90 overall (n=100)" in sentence
    near = {"A": {"n": 10, "coverage": 0.8}, "B": {"n": 390, "coverage": 0.9}}
    sentence = _difference_sentence("College", "coverage", overall, near, squared, 1)
    assert "no group differs" in sentence and "furthest is College A" in sentence
    same = {"A": {"n": 10, "coverage": 0.9}}
    assert "every group has" in _difference_sentence("X", "coverage", overall, same, squared, 1)
