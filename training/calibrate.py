"""Split-conformal interval half-widths, one per history length, from out-of-fold residuals."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

METHOD = "cross-fitted split conformal (out-of-fold absolute residuals, per history length)"


@dataclass(frozen=True)
class Calibration:
    level: float
    half_width_by_length: dict[int, float]
    calibration_size: int
    size_by_length: dict[int, int]


def conformal_quantile(residuals: np.ndarray, level: float) -> float:
    """The ceil((n + 1) * level)-th smallest residual: the finite-sample conformal quantile."""
    ordered = np.sort(residuals)
    rank = math.ceil((len(ordered) + 1) * level)
    # With too few residuals the exact quantile is infinite; the largest one is the honest
    # finite stand-in (and such tiny calibration sets only happen in tests).
    return float(ordered[min(rank, len(ordered)) - 1])


def calibrate(
    residuals: np.ndarray, lengths: np.ndarray, max_history: int, level: float
) -> Calibration:
    if len(residuals) == 0:
        raise ValueError("no calibration residuals")
    pooled = conformal_quantile(residuals, level)
    widths: dict[int, float] = {}
    sizes: dict[int, int] = {}
    for length in range(1, max_history + 1):
        chosen = residuals[lengths == length]
        sizes[length] = len(chosen)
        # A length with no held-out samples borrows the pooled width rather than none.
        widths[length] = conformal_quantile(chosen, level) if len(chosen) else pooled
    return Calibration(level, widths, len(residuals), sizes)
