"""Measure the project's RNN against the baselines on identical splits of the students.

The accuracy target is the one the issues define: students with a complete record, their
first `max_history` grades -> the next one. A split divides those complete students into a
training and a test part; students with an incomplete record are never tested, so they
join every training part of the project's RNN (which learns from every prefix of every
history). Early stopping and conformal calibration happen inside the training part only
(see `training.fit`), so the test part is never looked at before it is scored.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.model_selection import RepeatedKFold, train_test_split

from training.baselines import BASELINES
from training.calibrate import Calibration, calibrate
from training.config import TrainingConfig
from training.data import StudentTable, complete_student_ids, final_samples, prefix_samples
from training.fit import FitResult, fit_network, predict

PROJECT_MODEL = "project RNN"
MODEL_NAMES = [*BASELINES, PROJECT_MODEL]


@dataclass
class SplitResult:
    """Everything scored on one test part."""

    targets: np.ndarray
    predictions: dict[str, np.ndarray]
    seconds: dict[str, float]
    interval: np.ndarray  # [N, 2] project model's 90% interval on the accuracy target
    # The project model on every prefix of the test students' histories, for per-length scores.
    prefix_targets: np.ndarray
    prefix_outputs: np.ndarray  # [N, 3] grade, low, high
    prefix_lengths: np.ndarray
    half_width_by_length: dict[int, float] = field(default_factory=dict)


def train_project_model(
    table: StudentTable,
    student_ids: list[int],
    max_history: int,
    config: TrainingConfig,
    progress: bool = False,
) -> tuple[FitResult, Calibration]:
    """The real training path, shared by `train` and every evaluation fold."""
    samples = prefix_samples(table.students, sorted(student_ids), max_history)
    fit = fit_network(samples, table.colleges, max_history, config, progress=progress)
    calibration = calibrate(
        fit.calibration_residuals, fit.calibration_lengths, max_history, config.interval_level
    )
    widths = [calibration.half_width_by_length[length] for length in range(1, max_history + 1)]
    with torch.no_grad():
        fit.network.half_width_by_length.copy_(torch.tensor(widths))
    return fit, calibration


def evaluate_split(
    table: StudentTable,
    train_ids: list[int],
    test_ids: list[int],
    max_history: int,
    config: TrainingConfig,
) -> SplitResult:
    complete = set(complete_student_ids(table))
    never_tested = [i for i in range(len(table.students)) if i not in complete]
    train_final = final_samples(table.students, train_ids, max_history)
    test_final = final_samples(table.students, test_ids, max_history)

    predictions: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    for name, baseline in BASELINES.items():
        started = time.perf_counter()
        predictions[name] = baseline(train_final, test_final, config)
        seconds[name] = time.perf_counter() - started

    fit, calibration = train_project_model(
        table, list(train_ids) + never_tested, max_history, config
    )
    seconds[PROJECT_MODEL] = fit.seconds
    outputs = predict(fit.network, test_final)
    predictions[PROJECT_MODEL] = outputs[:, 0]
    test_prefixes = prefix_samples(table.students, sorted(test_ids), max_history)
    return SplitResult(
        targets=test_final.targets.astype(np.float64),
        predictions=predictions,
        seconds=seconds,
        interval=outputs[:, 1:],
        prefix_targets=test_prefixes.targets.astype(np.float64),
        prefix_outputs=predict(fit.network, test_prefixes),
        prefix_lengths=test_prefixes.lengths,
        half_width_by_length=calibration.half_width_by_length,
    )


def seed_split_ids(table: StudentTable) -> tuple[list[int], list[int]]:
    """The original notebook's split: 20% of the complete students, random_state=42."""
    train_ids, test_ids = train_test_split(
        complete_student_ids(table), test_size=0.2, random_state=42
    )
    return list(train_ids), list(test_ids)


def cross_validation_ids(
    table: StudentTable, folds: int, repeats: int, seed: int
) -> Iterator[tuple[list[int], list[int]]]:
    complete = np.array(complete_student_ids(table))
    splitter = RepeatedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    for train_index, test_index in splitter.split(complete):
        yield complete[train_index].tolist(), complete[test_index].tolist()


def regression_metrics(targets: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    error = predicted - targets
    mse = float(np.mean(error**2))
    spread = float(np.sum((targets - targets.mean()) ** 2))
    return {
        "mse": mse,
        "mae": float(np.mean(np.abs(error))),
        "rmse": float(np.sqrt(mse)),
        "r2": 1.0 - float(np.sum(error**2)) / spread if spread > 0 else float("nan"),
    }


def interval_metrics(targets: np.ndarray, interval: np.ndarray) -> dict[str, float]:
    inside = (targets >= interval[:, 0]) & (targets <= interval[:, 1])
    return {
        "coverage": float(inside.mean()),
        "mean_width": float(np.mean(interval[:, 1] - interval[:, 0])),
    }


def split_metrics(result: SplitResult) -> dict[str, dict[str, float]]:
    """Per model: regression metrics and training seconds; the project model adds its interval."""
    scores = {}
    for name in MODEL_NAMES:
        scores[name] = regression_metrics(result.targets, result.predictions[name])
        scores[name]["train_seconds"] = result.seconds[name]
    scores[PROJECT_MODEL].update(interval_metrics(result.targets, result.interval))
    return scores


def per_length_metrics(result: SplitResult) -> dict[int, dict[str, float]]:
    """The project model on the test students' prefixes, by history length."""
    scores = {}
    for length in np.unique(result.prefix_lengths).tolist():
        chosen = result.prefix_lengths == length
        targets = result.prefix_targets[chosen]
        outputs = result.prefix_outputs[chosen]
        scores[int(length)] = {
            **regression_metrics(targets, outputs[:, 0]),
            **interval_metrics(targets, outputs[:, 1:]),
            "count": int(chosen.sum()),
        }
    return scores
