"""Scores: each split's metrics, and the summary of every fold into the report dict.

Every number in the evaluation report comes from here; `training.report.text` only formats them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from training.config import TrainingConfig
from training.data import StudentTable
from training.evaluation.report_types import (
    EvaluationReport,
    LengthSplitScores,
    LengthSummary,
    MeanStd,
    PairedComparison,
    SplitScores,
)
from training.evaluation.results import (
    MODEL_NAMES,
    PER_LENGTH_BASELINE,
    PROJECT_MODEL,
    SplitResult,
    mean_and_std,
)

SplitScoreName = Literal["mse", "mae", "rmse", "r2", "train_seconds", "coverage", "mean_width"]
REGRESSION_KEYS: list[SplitScoreName] = ["mse", "mae", "rmse", "r2", "train_seconds"]
INTERVAL_KEYS: list[SplitScoreName] = ["coverage", "mean_width"]


@dataclass
class Evaluation:
    """Every split of one `evaluate` run, scored."""

    seed_split: dict[str, SplitScores]  # by model name
    folds: list[dict[str, SplitScores]]
    fold_lengths: list[dict[int, LengthSplitScores]]  # by history length
    first_repeat: list[SplitResult]  # each complete student tested exactly once
    all_results: list[SplitResult]


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


def split_metrics(result: SplitResult) -> dict[str, SplitScores]:
    """Per model: regression metrics and training seconds; the project model adds its interval."""
    scores: dict[str, SplitScores] = {}
    for name in MODEL_NAMES:
        fit = regression_metrics(result.targets, result.predictions[name])
        scores[name] = {
            "mse": fit["mse"],
            "mae": fit["mae"],
            "rmse": fit["rmse"],
            "r2": fit["r2"],
            "train_seconds": result.seconds[name],
        }
    interval = interval_metrics(result.targets, result.interval)
    scores[PROJECT_MODEL]["coverage"] = interval["coverage"]
    scores[PROJECT_MODEL]["mean_width"] = interval["mean_width"]
    return scores


def per_length_metrics(result: SplitResult) -> dict[int, LengthSplitScores]:
    """The project model on the test students' prefixes, by history length, with the
    per-length linear regression's MSE on the same rows."""
    scores: dict[int, LengthSplitScores] = {}
    for length in np.unique(result.prefix_lengths).tolist():
        chosen = result.prefix_lengths == length
        targets = result.prefix_targets[chosen]
        outputs = result.prefix_outputs[chosen]
        baseline = regression_metrics(targets, result.prefix_baseline[chosen])
        fit = regression_metrics(targets, outputs[:, 0])
        interval = interval_metrics(targets, outputs[:, 1:])
        scores[int(length)] = {
            "mse": fit["mse"],
            "mae": fit["mae"],
            "rmse": fit["rmse"],
            "r2": fit["r2"],
            "coverage": interval["coverage"],
            "mean_width": interval["mean_width"],
            "baseline_mse": baseline["mse"],
            "network_share": result.network_share_by_length.get(int(length), 1.0),
            "count": int(chosen.sum()),
        }
    return scores


def paired_comparison(project: np.ndarray, other: np.ndarray) -> PairedComparison:
    """The project's MSE against another model's, fold by fold on identical folds."""
    difference = project - other
    return {
        "project_wins_folds": int((project < other).sum()),
        "folds": len(other),
        "mean_mse_difference": float(difference.mean()),
        # Paired over identical folds. Repeated-CV folds overlap, so this understates the
        # real uncertainty: a gap inside two of these is called a tie.
        "difference_standard_error": float(difference.std(ddof=1) / np.sqrt(len(other)))
        if len(other) > 1
        else float("nan"),
    }


def summarise(
    evaluation: Evaluation,
    table: StudentTable,
    config: TrainingConfig,
    folds: int,
    repeats: int,
    history: int,
) -> EvaluationReport:
    """The report that `training.report.text` renders and report.json holds."""
    cross_validation: dict[str, dict[str, MeanStd]] = {}
    for name in MODEL_NAMES:
        keys = REGRESSION_KEYS + (INTERVAL_KEYS if name == PROJECT_MODEL else [])
        cross_validation[name] = {
            key: mean_and_std([fold[name][key] for fold in evaluation.folds]) for key in keys
        }

    project_mse = np.array([fold[PROJECT_MODEL]["mse"] for fold in evaluation.folds])
    head_to_head = {
        name: paired_comparison(
            project_mse, np.array([fold[name]["mse"] for fold in evaluation.folds])
        )
        for name in MODEL_NAMES[:-1]
    }

    targets = np.concatenate([r.targets for r in evaluation.all_results])
    intervals = np.concatenate([r.interval for r in evaluation.all_results])
    inside = (targets >= intervals[:, 0]) & (targets <= intervals[:, 1])

    by_length: dict[int, LengthSummary] = {}
    for length in range(1, history + 1):
        chosen = [fold[length] for fold in evaluation.fold_lengths if length in fold]
        if not chosen:
            continue
        lengths = [r.prefix_lengths == length for r in evaluation.all_results]
        pooled_targets = np.concatenate(
            [r.prefix_targets[m] for r, m in zip(evaluation.all_results, lengths, strict=True)]
        )
        pooled_outputs = np.concatenate(
            [r.prefix_outputs[m] for r, m in zip(evaluation.all_results, lengths, strict=True)]
        )
        covered = (pooled_targets >= pooled_outputs[:, 1]) & (
            pooled_targets <= pooled_outputs[:, 2]
        )
        project_folds = np.array([scores["mse"] for scores in chosen])
        baseline_folds = np.array([scores["baseline_mse"] for scores in chosen])
        by_length[length] = {
            "mse": mean_and_std(project_folds.tolist()),
            "mae": mean_and_std([scores["mae"] for scores in chosen]),
            "baseline_mse": mean_and_std(baseline_folds.tolist()),
            "versus_baseline": paired_comparison(project_folds, baseline_folds),
            "network_share": mean_and_std([scores["network_share"] for scores in chosen]),
            "coverage_pooled": float(covered.mean()),
            "mean_width": float(np.mean(pooled_outputs[:, 2] - pooled_outputs[:, 1])),
            "predictions": len(pooled_targets),
        }

    low, high = table.scale
    return {
        "data": {
            "file": table.source.name,
            "summary": table.summary(),
            "scale": [low, high],
            "terms": table.term_count,
            "group_label": table.group_label,
            "group_codes": len(table.groups),
        },
        "target": f"students with the longest history: grades 1..{history} -> grade {history + 1}",
        "per_length_baseline": PER_LENGTH_BASELINE,
        "folds": folds,
        "repeats": repeats,
        "fold_seed": config.seed,
        "hyperparameters": config.as_dict(),
        "seed_split": evaluation.seed_split,
        "cross_validation": cross_validation,
        "head_to_head": head_to_head,
        "interval": {
            "level": config.interval_level,
            "coverage_pooled": float(inside.mean()),
            "predictions": len(targets),
            "mean_width": float(np.mean(intervals[:, 1] - intervals[:, 0])),
        },
        "project_by_history_length": by_length,
    }
