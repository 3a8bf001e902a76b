"""The road to graduation's evaluation: the rows of a split, and the summary's structure and
coverage on a synthetic file (the bounds are generous: a few hundred rows)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.training.synthetic import HEADER, synthetic_rows, write_csv
from training.config import TrainingConfig
from training.data import load_students
from training.evaluation.path_rows import CARRIED, DIRECT, PATH_MODELS, ROLLED, SERVED
from training.evaluation.path_summary import final_cutoffs, summarise_path
from training.evaluation.results import FINAL
from training.evaluation.splits import cross_validation_ids, evaluate_split

FAST = TrainingConfig(max_epochs=30, patience=10, notebook_epochs=5)


def test_a_split_scores_every_horizon_and_the_final_cgpa(tmp_path: Path) -> None:
    table = load_students(write_csv(tmp_path / "g.csv", [HEADER, *synthetic_rows(200, seed=3)]))
    cutoffs = final_cutoffs(table, 4)
    assert len(cutoffs) == 4 and cutoffs == sorted(cutoffs)
    results = [
        evaluate_split(table, test_ids, 4, FAST, cutoffs)
        for test_ids in cross_validation_ids(table, 4, 1, 0)
    ]
    parts = [result.path for result in results if result.path is not None]
    assert len(parts) == 4
    first = parts[0]
    assert set(first.targets) == {1, 2, 3, 4, FINAL}
    for key, targets in first.targets.items():
        assert set(first.forecasts[key]) == set(PATH_MODELS)
        assert len(first.covered[key]) == len(first.lengths[key]) == len(targets)
    # Horizon 1 is the split's own served forecast; a history of length l reaches 5 - l terms.
    assert np.array_equal(first.forecasts[1][SERVED], first.forecasts[1][ROLLED])
    assert set(first.lengths[4].tolist()) == {1} and set(first.lengths[FINAL].tolist()) == {
        1,
        2,
        3,
        4,
    }
    assert first.ours.shape == first.logistic.shape == (4, len(first.targets[FINAL]))

    section = summarise_path(parts, repeats=1)
    assert set(section["horizons"]) == {"1", "2", "3", "4"}
    assert len(section["verdicts"]) == 5
    for scores in [*section["horizons"].values(), section["final"]]:
        assert 0.8 <= scores["coverage"] <= 0.98
        assert scores["coverage_standard_error"] > 0
        # The later terms are the direct regression: served and direct are one model.
        assert abs(scores["served_minus"][DIRECT]["difference"]) < 0.01
        assert scores["mse"][SERVED] < scores["mse"][CARRIED]
    final = section["final"]
    assert final["mse"][SERVED] < section["horizons"]["1"]["mse"][SERVED]
    assert [risk["cutoff"] for risk in final["risk"]] == cutoffs
    for risk in final["risk"]:
        assert 0 <= risk["brier"] <= 0.25 and 0 <= risk["logistic_brier"] <= 0.25
