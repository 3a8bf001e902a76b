"""Measure the project's RNN against the baselines on identical splits of the students.

Two targets, on the same splits. The headline one: students with the longest history, their
first `max_history` grades -> the next one, against every baseline. And every history length
k: the test students' (first k grades -> grade k + 1) pairs, against one linear regression with
the group one-hot per length trained on the same training students.

A split names the test students; every other student is training data for every model (the
RNN learns from every prefix of every training history). Cross-validation folds are drawn
separately from the students with the longest history and from the other students with at
least two grades, so each fold has its share of both; a stratum with fewer students than
folds is never tested (it joins every training part). Early stopping and conformal
calibration happen inside the training part only (see `training.model.fit`), so the test part is
never looked at before it is scored.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping

import numpy as np
import torch
from sklearn.model_selection import RepeatedKFold, train_test_split

from training.config import TrainingConfig
from training.data import (
    DataError,
    Samples,
    StudentTable,
    complete_student_ids,
    final_samples,
    prefix_samples,
)
from training.evaluation.baselines import BASELINES, Baseline, linear_regression_per_length
from training.evaluation.path_rows import path_rows
from training.evaluation.results import PROJECT_MODEL, SplitResult
from training.model.blend import network_share_by_length
from training.model.fit import predict, train_project_model
from training.model.network import GradeSequenceNet
from training.model.path_calibrate import fit_path


def evaluate_split(
    table: StudentTable,
    test_ids: list[int],
    max_history: int,
    config: TrainingConfig,
    path_cutoffs: list[float] | None = None,
    extra_baselines: Mapping[str, Baseline] | None = None,
) -> SplitResult:
    """Train every model on the students not in `test_ids` and score it on those; with
    `path_cutoffs`, the road to graduation too (its final risk at those cut-offs);
    `extra_baselines` (the feature rows, #28) on the same rows beside the others."""
    tested = set(test_ids)
    train_ids = [i for i in range(len(table.students)) if i not in tested]
    train_final = final_samples(table, train_ids, max_history)
    test_final = final_samples(table, test_ids, max_history)

    predictions: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    for name, baseline in {**BASELINES, **(extra_baselines or {})}.items():
        started = time.perf_counter()
        predictions[name] = baseline(train_final, test_final, config)
        seconds[name] = time.perf_counter() - started

    fit, calibration = train_project_model(table, train_ids, max_history, config)
    seconds[PROJECT_MODEL] = fit.seconds
    outputs = predict(fit.network, test_final)
    predictions[PROJECT_MODEL] = outputs[:, 0]
    test_prefixes = prefix_samples(table, sorted(test_ids), max_history)
    train_prefixes = prefix_samples(table, train_ids, max_history)
    pooled_outputs = _with_pooled_interval(fit.network, test_prefixes)
    path = None
    if path_cutoffs is not None:
        path_fit = fit_path(table, train_ids, fit, config)
        path = path_rows(table, train_ids, test_ids, fit, path_fit, path_cutoffs)
    return SplitResult(
        targets=test_final.targets.astype(np.float64),
        predictions=predictions,
        seconds=seconds,
        interval=outputs[:, 1:],
        prefix_targets=test_prefixes.targets.astype(np.float64),
        prefix_outputs=predict(fit.network, test_prefixes),
        prefix_baseline=linear_regression_per_length(train_prefixes, test_prefixes),
        prefix_lengths=test_prefixes.lengths,
        half_width_by_length=calibration.half_width_by_length,
        residuals_by_length=calibration.residuals_by_length,
        network_share_by_length=network_share_by_length(fit.network),
        prefix_groups=test_prefixes.group_indexes.copy(),
        prefix_pooled_interval=pooled_outputs[:, 1:],
        residuals_by_cell={key: cell.residuals for key, cell in calibration.cells.items()},
        size_by_cell=dict(calibration.size_by_cell),
        path=path,
    )


def _with_pooled_interval(network: GradeSequenceNet, samples: Samples) -> np.ndarray:
    """The network's outputs with every group given its length's pooled half-width (the
    unknown slot's row): the interval before calibration by group, for the fairness table."""
    table = network.half_width_by_slot_and_length
    mondrian = table.clone()
    with torch.no_grad():
        table.copy_(mondrian[-1:].expand_as(table))
        try:
            return predict(network, samples)
        finally:
            table.copy_(mondrian)


def seed_split_ids(table: StudentTable) -> list[int]:
    """The original notebook's test part: 20% of the complete students, random_state=42."""
    complete = complete_student_ids(table)
    if len(complete) < 5:
        raise DataError(
            table.source,
            None,
            None,
            f"only {len(complete)} students have the longest history; the seed split's 20% "
            "test part needs at least 5",
        )
    _, test_ids = train_test_split(complete, test_size=0.2, random_state=42)
    return list(test_ids)


def cross_validation_ids(
    table: StudentTable, folds: int, repeats: int, seed: int
) -> Iterator[list[int]]:
    """The test students of each of folds x repeats splits (see the module docstring)."""
    complete = complete_student_ids(table)
    if len(complete) < folds:
        raise DataError(
            table.source,
            None,
            None,
            f"only {len(complete)} students have the longest history; {folds}-fold "
            "cross-validation needs at least that many (--folds)",
        )
    longest = set(complete)
    others = [i for i, s in enumerate(table.students) if len(s.history) >= 2 and i not in longest]
    strata = [np.array(ids) for ids in (complete, others) if len(ids) >= folds]
    splitter = RepeatedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    parts = [[stratum[test] for _, test in splitter.split(stratum)] for stratum in strata]
    for split in zip(*parts, strict=True):
        yield sorted(np.concatenate(split).tolist())
