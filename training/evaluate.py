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
from sklearn.model_selection import RepeatedKFold, train_test_split

from training.baselines import BASELINES
from training.config import TrainingConfig
from training.data import StudentTable, complete_student_ids, final_samples, prefix_samples
from training.fit import predict, train_project_model

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
