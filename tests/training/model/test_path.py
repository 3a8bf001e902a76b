"""The path's model: the direct regression per (history length, horizon) and its cells."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from tests.training.synthetic import HEADER, synthetic_rows, write_csv
from training.config import TrainingConfig
from training.data import load_students, prefix_samples
from training.evaluation.baselines import linear_regression_per_length
from training.model.fit import train_project_model
from training.model.path_calibrate import fit_path

FAST = TrainingConfig(max_epochs=30, patience=10)


def test_the_direct_regression_is_least_squares_per_length_and_horizon(tmp_path: Path) -> None:
    table = load_students(write_csv(tmp_path / "g.csv", [HEADER, *synthetic_rows(90)]))
    train_ids, test_ids = list(range(60)), list(range(60, 90))
    fit, _ = train_project_model(table, train_ids, 4, FAST)
    path = fit_path(table, train_ids, fit, FAST)
    assert list(path.regression.horizons) == [2, 3, 4]
    for horizon in path.regression.horizons:
        train = prefix_samples(table, train_ids, 4, horizon)
        test = prefix_samples(table, test_ids, 4, horizon)
        expected = np.clip(linear_regression_per_length(train, test), 0.0, 10.0)
        np.testing.assert_allclose(path.regression.predict(test, horizon), expected, atol=1e-4)


def test_every_length_and_horizon_has_a_pooled_cell_and_group_cells_meet_the_floor(
    tmp_path: Path,
) -> None:
    table = load_students(write_csv(tmp_path / "g.csv", [HEADER, *synthetic_rows(150)]))
    ids = list(range(len(table.students)))
    config = replace(FAST, min_cell_size=21)
    fit, _ = train_project_model(table, ids, 4, config)
    path = fit_path(table, ids, fit, config)
    wanted = {(n, h) for n in range(1, 5) for h in [*range(2, 6 - n), None]}
    pooled = {(n, h) for (n, h, g), _ in path.cells.items() if g is None}
    assert pooled == wanted
    for (_, _, group), cell in path.cells.items():
        assert cell.residuals == sorted(cell.residuals) and cell.size >= len(cell.residuals)
        assert group is None or cell.size >= 21
    # The final CGPA after four of five grades is one fifth of a forecast: far narrower.
    assert path.cells[(4, None, None)].half_width < path.cells[(1, None, None)].half_width
    assert path.cells[(4, None, None)].half_width < path.cells[(4 - 2, 2, None)].half_width
