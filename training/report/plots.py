"""The evaluation report's three PNG plots, drawn from the scored splits and the report dict."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from training.evaluation.report_types import EvaluationReport, SplitScores  # noqa: E402
from training.evaluation.results import MODEL_NAMES, PROJECT_MODEL, SplitResult  # noqa: E402
from training.report.text import shown  # noqa: E402

# The file names report.md refers to.
PREDICTED_VS_ACTUAL = "predicted_vs_actual.png"
ERROR_BY_MODEL = "error_by_model.png"
COVERAGE_BY_LENGTH = "coverage_by_length.png"


def write_plots(
    first_repeat: list[SplitResult],
    fold_scores: list[dict[str, SplitScores]],
    report: EvaluationReport,
    report_dir: Path,
) -> None:
    plot_predicted_vs_actual(
        first_repeat, report_dir / PREDICTED_VS_ACTUAL, report["interval"]["level"]
    )
    plot_error_by_model(fold_scores, report, report_dir / ERROR_BY_MODEL)
    plot_coverage_by_length(report, report_dir / COVERAGE_BY_LENGTH)


def plot_predicted_vs_actual(results: list[SplitResult], path: Path, level: float) -> None:
    """`level`: the interval's (the card's `interval.level`), for the axis label."""
    targets = np.concatenate([r.targets for r in results])
    predicted = np.concatenate([r.predictions[PROJECT_MODEL] for r in results])
    interval = np.concatenate([r.interval for r in results])
    figure, axes = plt.subplots(figsize=(6, 6))
    inside = (targets >= interval[:, 0]) & (targets <= interval[:, 1])
    for covered, colour, label in [(True, "tab:blue", "inside"), (False, "tab:red", "outside")]:
        chosen = inside == covered
        axes.errorbar(
            targets[chosen],
            predicted[chosen],
            yerr=[predicted[chosen] - interval[chosen, 0], interval[chosen, 1] - predicted[chosen]],
            fmt="o",
            markersize=3,
            alpha=0.6,
            color=colour,
            label=f"interval {label} ({chosen.sum()})",
        )
    low = float(min(targets.min(), predicted.min()))
    high = float(max(targets.max(), predicted.max()))
    axes.plot([low, high], [low, high], color="grey", linestyle="--", linewidth=1)
    axes.set_xlabel("actual next-term grade")
    axes.set_ylabel(f"predicted ({level * 100:g}% interval)")
    axes.set_title(f"{PROJECT_MODEL}: cross-validated predictions")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_error_by_model(
    folds: list[dict[str, SplitScores]], report: EvaluationReport, path: Path
) -> None:
    figure, axes = plt.subplots(figsize=(9, 5))
    axes.boxplot([[fold[name]["mse"] for fold in folds] for name in MODEL_NAMES])
    names = [shown(name, report) for name in MODEL_NAMES]
    axes.set_xticks(range(1, len(MODEL_NAMES) + 1), names, rotation=20, ha="right")
    axes.set_ylabel("test MSE per fold")
    axes.set_title("Error by model over cross-validation folds")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_coverage_by_length(report: EvaluationReport, path: Path) -> None:
    by_length = report["project_by_history_length"]
    lengths = list(by_length)
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.bar([str(n) for n in lengths], [by_length[n]["coverage_pooled"] for n in lengths])
    axes.axhline(report["interval"]["level"], color="tab:red", linestyle="--", label="target")
    axes.set_ylim(0, 1)
    axes.set_xlabel("history length (terms)")
    axes.set_ylabel("empirical coverage")
    axes.set_title(f"{report['interval']['level']:.0%} interval coverage by history length (CV)")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
