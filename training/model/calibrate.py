"""Split-conformal interval half-widths, one per history length, from out-of-fold residuals;
and the residuals themselves, which the card keeps for the predictive distribution (#16)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.model.card import RESIDUALS_KEPT

METHOD = "cross-fitted split conformal (out-of-fold absolute residuals, per history length)"


@dataclass(frozen=True)
class Calibration:
    level: float
    half_width_by_length: dict[int, float]
    calibration_size: int
    size_by_length: dict[int, int]
    # Signed residuals (target - prediction) per length, sorted, at most RESIDUALS_KEPT.
    residuals_by_length: dict[int, list[float]]


def conformal_quantile(residuals: np.ndarray, level: float) -> float:
    """The ceil((n + 1) * level)-th smallest residual: the finite-sample conformal quantile."""
    ordered = np.sort(residuals)
    rank = math.ceil((len(ordered) + 1) * level)
    # With too few residuals the exact quantile is infinite; the largest one is the honest
    # finite stand-in (and such tiny calibration sets only happen in tests).
    return float(ordered[min(rank, len(ordered)) - 1])


def kept_residuals(residuals: np.ndarray, most: int = RESIDUALS_KEPT) -> list[float]:
    """Sorted; when there are more than `most`, that many evenly spaced order statistics
    (the smallest and the largest included)."""
    ordered = np.sort(residuals)
    if len(ordered) > most:
        ordered = ordered[np.round(np.linspace(0, len(ordered) - 1, most)).astype(np.int64)]
    return [float(value) for value in ordered]


def calibrate(
    residuals: np.ndarray, lengths: np.ndarray, max_history: int, level: float
) -> Calibration:
    """`residuals` are signed (target - prediction); the interval uses their size."""
    if len(residuals) == 0:
        raise ValueError("no calibration residuals")
    sizes = np.abs(residuals)
    pooled = conformal_quantile(sizes, level)
    widths: dict[int, float] = {}
    counts: dict[int, int] = {}
    kept: dict[int, list[float]] = {}
    for length in range(1, max_history + 1):
        chosen = lengths == length
        counts[length] = int(chosen.sum())
        # A length with no held-out samples borrows the pooled width rather than none.
        widths[length] = conformal_quantile(sizes[chosen], level) if counts[length] else pooled
        kept[length] = kept_residuals(residuals[chosen])
    return Calibration(level, widths, len(residuals), counts, kept)
