"""Split-conformal half-widths: the finite-sample rank, per history length; and the signed
residuals the card keeps."""

from __future__ import annotations

import numpy as np

from training.config import TrainingConfig
from training.model.calibrate import (
    calibrate,
    conformal_quantile,
    kept_residuals,
    minimum_cell_size,
)


def test_conformal_quantile_is_the_finite_sample_rank() -> None:
    residuals = [float(value) for value in range(1, 20)]  # n = 19: rank ceil(20 * 0.9) = 18
    assert conformal_quantile(np.array(residuals), 0.9) == 18.0
    # Signed residuals: the interval uses their size.
    signed = np.array([value * (-1) ** value for value in residuals])
    calibration = calibrate(signed, np.array([1] * 19), max_history=2, level=0.9)
    # A length with no residuals borrows the pooled width.
    assert calibration.half_width_by_length == {1: 18.0, 2: 18.0}
    assert calibration.size_by_length == {1: 19, 2: 0}
    assert calibration.residuals_by_length[1] == sorted(signed.tolist())
    assert calibration.residuals_by_length[2] == []


def test_at_most_a_thousand_evenly_spaced_order_statistics_are_kept() -> None:
    residuals = np.random.default_rng(0).normal(size=5001)
    kept = kept_residuals(residuals)
    ordered = np.sort(residuals)
    assert len(kept) == 1000
    assert kept == sorted(kept)
    assert kept[0] == ordered[0] and kept[-1] == ordered[-1]
    assert kept[500] == ordered[round(500 * 5000 / 999)]
    assert kept_residuals(np.array([0.3, -0.1])) == [-0.1, 0.3]


def test_the_default_cell_floor_is_the_derived_one_at_the_default_level() -> None:
    config = TrainingConfig()
    assert minimum_cell_size(config.interval_level) == config.min_cell_size == 21
    # A finite interval needs n >= level / (1 - level); the floor is never below that.
    assert minimum_cell_size(0.95) >= 19


def test_a_cell_with_enough_residuals_is_calibrated_on_its_own() -> None:
    rng = np.random.default_rng(0)
    # Length 1: group 0 has 30 small residuals, group 1 has 30 large ones, group 2 only 5,
    # and 4 students with no group. Length 2: every group below the floor.
    narrow, wide, few = rng.normal(0, 0.1, 30), rng.normal(0, 1.0, 30), rng.normal(0, 0.5, 5)
    residuals = np.concatenate([narrow, wide, few, rng.normal(0, 0.5, 4), rng.normal(0, 1, 6)])
    lengths = np.array([1] * 69 + [2] * 6)
    groups = np.array([0] * 30 + [1] * 30 + [2] * 5 + [-1] * 4 + [0, 1, 2, 0, 1, 2])
    calibration = calibrate(residuals, lengths, 2, 0.9, groups, min_cell_size=21)

    assert set(calibration.cells) == {(1, 0), (1, 1)}
    assert calibration.cells[(1, 0)].half_width == conformal_quantile(np.abs(narrow), 0.9)
    assert calibration.cells[(1, 1)].residuals == sorted(wide.tolist())
    assert calibration.size_by_cell == {
        (1, 0): 30,
        (1, 1): 30,
        (1, 2): 5,
        (2, 0): 2,
        (2, 1): 2,
        (2, 2): 2,
    }
    # The pooled half-width is the one of every residual of the length, as before #27.
    pooled = conformal_quantile(np.abs(residuals[:69]), 0.9)
    assert calibration.half_width_by_length[1] == pooled
    table = calibration.half_width_table(group_count=3, max_history=2)
    assert table.shape == (4, 2)
    assert table[0, 0] == calibration.cells[(1, 0)].half_width < pooled < table[1, 0]
    assert table[2, 0] == table[3, 0] == pooled  # too few, and the unknown group: pooled
    assert (table[:, 1] == calibration.half_width_by_length[2]).all()


def test_without_groups_or_with_a_zero_floor_the_calibration_is_per_length() -> None:
    residuals = np.linspace(-1, 1, 50)
    lengths, groups = np.ones(50, dtype=np.int64), np.zeros(50, dtype=np.int64)
    for calibration in (
        calibrate(residuals, lengths, 1, 0.9),
        calibrate(residuals, lengths, 1, 0.9, groups, min_cell_size=0),
    ):
        assert calibration.cells == {}
        assert (
            calibration.half_width_table(1, 1).tolist()
            == [[calibration.half_width_by_length[1]]] * 2
        )
