"""evaluate's "features" section (#28, step 1): every model with and without the features,
and the project model's scores by each audit column, pooled over the folds.

MSE over every held-out prediction, with its standard error: the spread of the squared
errors over the square root of the students (n / repeats: each student is tested once a
repeat). A feature row's gain is paired with its grades-only twin on the same rows: the mean
difference of squared errors and its standard error, counted the same way. By an audit column
(grouped as `training.evaluation.fairness.groupings` does, so the fairness table and this
one agree): n, the project model's MSE and its interval's coverage, each with a standard error
(sqrt(p (1 - p) / (n / repeats)) for a coverage).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from training.data import StudentTable
from training.data.features import AUDIT
from training.evaluation.fairness import group_scores, groupings
from training.evaluation.feature_baselines import GRADES_ONLY
from training.evaluation.results import MODEL_NAMES, PROJECT_MODEL, SplitResult

SERVED_MODEL_NOTE = (
    "The project's served model does not use the features yet (issue #28, step 1): the rows "
    "with features show what they would buy, on the same folds as the others."
)


def _standard_error(values: np.ndarray, repeats: int) -> float | None:
    students = len(values) / repeats
    return float(np.std(values, ddof=1) / math.sqrt(students)) if students >= 2 else None


def _tested_students(table: StudentTable, test_ids: list[int], history: int) -> list[int]:
    """The students of `final_samples(table, test_ids, history)`, in its row order."""
    return [i for i in test_ids if len(table.students[i].history) > history]


def feature_section(
    table: StudentTable,
    split_ids: Sequence[list[int]],
    results: Sequence[SplitResult],
    history: int,
    repeats: int,
) -> dict[str, Any]:
    targets = np.concatenate([r.targets for r in results])
    names = [*MODEL_NAMES, *(name for name in results[0].predictions if name not in MODEL_NAMES)]
    squared = {
        name: (np.concatenate([r.predictions[name] for r in results]) - targets) ** 2
        for name in names
    }
    models = {
        name: {
            "n": len(targets),
            "mse": float(errors.mean()),
            "standard_error": _standard_error(errors, repeats),
        }
        for name, errors in squared.items()
    }
    gains = {}
    for name, twin in GRADES_ONLY.items():
        if name in squared and twin in squared:
            difference = squared[name] - squared[twin]
            gains[name] = {
                "against": twin,
                "difference": float(difference.mean()),
                "standard_error": _standard_error(difference, repeats),
            }
    return {
        "note": SERVED_MODEL_NOTE,
        "columns": [column.as_dict() for column in table.extra_columns],
        "models": models,
        "gains": gains,
        "audit": _audit(table, split_ids, results, history, repeats),
    }


def _audit(
    table: StudentTable,
    split_ids: Sequence[list[int]],
    results: Sequence[SplitResult],
    history: int,
    repeats: int,
) -> dict[str, dict[str, dict[str, Any]]]:
    audited = [column.name for column in table.extra_columns if column.role == AUDIT]
    if not audited:
        return {}
    ways = groupings(table)
    targets = np.concatenate([r.targets for r in results])
    predicted = np.concatenate([r.predictions[PROJECT_MODEL] for r in results])
    interval = np.concatenate([r.interval for r in results])
    ids = [i for test_ids in split_ids for i in _tested_students(table, test_ids, history)]
    squared = (predicted - targets) ** 2
    nobody = np.zeros(len(targets), dtype=bool)  # group_scores' risk rows are not used here
    tables: dict[str, dict[str, dict[str, Any]]] = {}
    for label in audited:
        values = np.array([ways[label](table.students[i]) for i in ids], dtype=object)
        rows: dict[str, dict[str, Any]] = {}
        for value in sorted(set(values.tolist())):
            chosen = values == value
            scores = group_scores(
                targets[chosen], predicted[chosen], interval[chosen], nobody[chosen], nobody[chosen]
            )
            rate = scores["coverage"]
            students = scores["n"] / repeats
            rows[value] = {
                "n": scores["n"],
                "mse": scores["mse"],
                "mse_standard_error": _standard_error(squared[chosen], repeats),
                "coverage": rate,
                "coverage_standard_error": (
                    math.sqrt(rate * (1 - rate) / students)
                    if rate is not None and students >= 2
                    else None
                ),
            }
        tables[label] = rows
    return tables
