"""Split-conformal half-widths: the finite-sample rank, per history length; and the signed
residuals the card keeps."""

from __future__ import annotations

import numpy as np

from training.model.calibrate import calibrate, conformal_quantile, kept_residuals


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
