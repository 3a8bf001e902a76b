"""Split-conformal half-widths: the finite-sample rank, per history length."""

from __future__ import annotations

import numpy as np

from training.calibrate import calibrate, conformal_quantile


def test_conformal_quantile_is_the_finite_sample_rank() -> None:
    residuals = [float(value) for value in range(1, 20)]  # n = 19: rank ceil(20 * 0.9) = 18
    assert conformal_quantile(np.array(residuals), 0.9) == 18.0
    calibration = calibrate(np.array(residuals), np.array([1] * 19), max_history=2, level=0.9)
    # A length with no residuals borrows the pooled width.
    assert calibration.half_width_by_length == {1: 18.0, 2: 18.0}
    assert calibration.size_by_length == {1: 19, 2: 0}
