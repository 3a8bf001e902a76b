"""What every part of the evaluation shares: the models' names and one split's scores.

The scores, the risk and fairness tables and the report all read `SplitResult`; keeping it
here, apart from the code that computes it (`training.evaluation.splits`), lets them import
the shape without the training loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from training.evaluation.baselines import BASELINES, GROUP_BASELINE
from training.evaluation.report_types import MeanStd

PROJECT_MODEL = "project RNN"
MODEL_NAMES = [*BASELINES, PROJECT_MODEL]
PER_LENGTH_BASELINE = GROUP_BASELINE + ", per history length"
FINAL = 0  # the final CGPA's key among a path's horizons (#27 part 2)


def mean_and_std(values: list[float]) -> MeanStd:
    """A score over folds as the report writes it."""
    return {"mean": float(np.mean(values)), "std": float(np.std(values))}


@dataclass
class PathRows:
    """Per horizon (FINAL: the final CGPA): targets, each model's forecasts, the served
    interval's coverage and width, the rows' history lengths. The final risk: [cut-offs, N]."""

    targets: dict[int, np.ndarray] = field(default_factory=dict)
    forecasts: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    covered: dict[int, np.ndarray] = field(default_factory=dict)
    widths: dict[int, np.ndarray] = field(default_factory=dict)
    lengths: dict[int, np.ndarray] = field(default_factory=dict)
    cutoffs: list[float] = field(default_factory=list)
    below: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))
    ours: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    logistic: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


@dataclass
class SplitResult:
    """Everything scored on one test part."""

    targets: np.ndarray
    predictions: dict[str, np.ndarray]
    seconds: dict[str, float]
    interval: np.ndarray  # [N, 2] project model's 90% interval on the accuracy target
    # Every prefix of the test students' histories, for the per-length scores: the project
    # model's outputs and the per-length linear regression's predictions on the same rows.
    prefix_targets: np.ndarray
    prefix_outputs: np.ndarray  # [N, 3] grade, low, high
    prefix_baseline: np.ndarray  # [N]
    prefix_lengths: np.ndarray
    half_width_by_length: dict[int, float] = field(default_factory=dict)
    # The signed out-of-fold residuals this split's card would carry, for the risk scores.
    residuals_by_length: dict[int, list[float]] = field(default_factory=dict)
    # The network's share against the per-length regression (training/model/blend.py).
    network_share_by_length: dict[int, float] = field(default_factory=dict)
    # Mondrian calibration (#27): each prefix row's group index (-1: none), the interval
    # those rows would get from the per-length (pooled) half-widths alone, the cells that
    # were their own with their residuals, and every cell's held-out count.
    prefix_groups: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    prefix_pooled_interval: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    residuals_by_cell: dict[tuple[int, int], list[float]] = field(default_factory=dict)
    size_by_cell: dict[tuple[int, int], int] = field(default_factory=dict)
    # The road to graduation's rows (training/evaluation/path_rows.py), when asked for.
    path: PathRows | None = None
