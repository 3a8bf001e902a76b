"""`python -m training evaluate`: run every model on identical folds and write the report.

Outputs: a table on the terminal, DIR/report.json, DIR/report.md and three PNG plots.
Every number comes from this run; nothing here is typed in by hand.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from training.config import TrainingConfig  # noqa: E402
from training.data import StudentTable, max_history  # noqa: E402
from training.evaluate import (  # noqa: E402
    MODEL_NAMES,
    PROJECT_MODEL,
    SplitResult,
    cross_validation_ids,
    evaluate_split,
    per_length_metrics,
    seed_split_ids,
    split_metrics,
)
from training.fit import seed_everything  # noqa: E402

REGRESSION_KEYS = ["mse", "mae", "rmse", "r2", "train_seconds"]


@dataclass
class Evaluation:
    seed_split: dict[str, dict[str, float]]
    folds: list[dict[str, dict[str, float]]]
    fold_lengths: list[dict[int, dict[str, float]]]
    first_repeat: list[SplitResult]  # each complete student tested exactly once
    all_results: list[SplitResult]


def run_evaluation(
    table: StudentTable, config: TrainingConfig, folds: int, repeats: int, report_dir: Path
) -> dict[str, Any]:
    seed_everything(config.seed)
    history = max_history(table)
    started = time.perf_counter()
    seed_split = split_metrics(evaluate_split(table, *seed_split_ids(table), history, config))

    results: list[SplitResult] = []
    splits = list(cross_validation_ids(table, folds, repeats, config.seed))
    for train_ids, test_ids in tqdm(splits, desc="folds", unit="fold"):
        results.append(evaluate_split(table, train_ids, test_ids, history, config))
    evaluation = Evaluation(
        seed_split=seed_split,
        folds=[split_metrics(result) for result in results],
        fold_lengths=[per_length_metrics(result) for result in results],
        first_repeat=results[:folds],
        all_results=results,
    )
    report = _summarise(evaluation, table, config, folds, repeats, history)
    report["seconds"] = time.perf_counter() - started

    report_dir.mkdir(parents=True, exist_ok=True)
    table_text = terminal_table(report)
    print(table_text)
    (report_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (report_dir / "report.md").write_text(markdown(report, table_text), encoding="utf-8")
    _plot_predicted_vs_actual(evaluation.first_repeat, report_dir / "predicted_vs_actual.png")
    _plot_error_by_model(evaluation.folds, report_dir / "error_by_model.png")
    _plot_coverage_by_length(report, report_dir / "coverage_by_length.png")
    print(f"report written to {report_dir}/ (report.json, report.md, 3 PNG plots)")
    return report


def _mean_std(values: list[float]) -> dict[str, float]:
    return {"mean": float(np.mean(values)), "std": float(np.std(values))}


def _summarise(
    evaluation: Evaluation,
    table: StudentTable,
    config: TrainingConfig,
    folds: int,
    repeats: int,
    history: int,
) -> dict[str, Any]:
    cross_validation: dict[str, dict[str, dict[str, float]]] = {}
    for name in MODEL_NAMES:
        keys = REGRESSION_KEYS + (["coverage", "mean_width"] if name == PROJECT_MODEL else [])
        cross_validation[name] = {
            key: _mean_std([fold[name][key] for fold in evaluation.folds]) for key in keys
        }

    project_mse = np.array([fold[PROJECT_MODEL]["mse"] for fold in evaluation.folds])
    head_to_head = {}
    for name in MODEL_NAMES[:-1]:
        other = np.array([fold[name]["mse"] for fold in evaluation.folds])
        difference = project_mse - other
        head_to_head[name] = {
            "project_wins_folds": int((project_mse < other).sum()),
            "folds": len(other),
            "mean_mse_difference": float(difference.mean()),
            # Paired over identical folds. Repeated-CV folds overlap, so this understates
            # the real uncertainty: a gap inside two of these is called a tie.
            "difference_standard_error": float(difference.std(ddof=1) / np.sqrt(len(other)))
            if len(other) > 1
            else float("nan"),
        }

    targets = np.concatenate([r.targets for r in evaluation.all_results])
    intervals = np.concatenate([r.interval for r in evaluation.all_results])
    inside = (targets >= intervals[:, 0]) & (targets <= intervals[:, 1])

    by_length: dict[int, dict[str, Any]] = {}
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
        by_length[length] = {
            "mse": _mean_std([scores["mse"] for scores in chosen]),
            "mae": _mean_std([scores["mae"] for scores in chosen]),
            "coverage_pooled": float(covered.mean()),
            "mean_width": float(np.mean(pooled_outputs[:, 2] - pooled_outputs[:, 1])),
            "predictions": len(pooled_targets),
        }

    return {
        "data": {"file": table.source.name, "summary": table.summary()},
        "target": f"complete students: grades 1..{history} -> grade {history + 1}",
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


def terminal_table(report: dict[str, Any]) -> str:
    header = (
        f"{'model':<30}{'seed MSE':>9}{'CV MSE':>17}{'CV MAE':>16}{'CV RMSE':>16}"
        f"{'CV R2':>16}{'fit s':>8}"
    )
    lines = [
        f"{report['folds']}-fold CV x {report['repeats']} repeats (mean ± std over folds); "
        f"seed split = train_test_split(test_size=0.2, random_state=42); {report['target']}",
        header,
        "-" * len(header),
    ]
    for name in MODEL_NAMES:
        cv = report["cross_validation"][name]

        def cell(key: str, cv: dict[str, dict[str, float]] = cv) -> str:
            return f"{cv[key]['mean']:.3f} ± {cv[key]['std']:.3f}"

        lines.append(
            f"{name:<30}{report['seed_split'][name]['mse']:>9.3f}{cell('mse'):>17}"
            f"{cell('mae'):>16}{cell('rmse'):>16}{cell('r2'):>16}"
            f"{cv['train_seconds']['mean']:>8.2f}"
        )
    interval = report["interval"]
    seed_project = report["seed_split"][PROJECT_MODEL]
    lines.append(
        f"90% interval ({PROJECT_MODEL}): CV coverage {interval['coverage_pooled']:.3f} over "
        f"{interval['predictions']} test predictions, mean width {interval['mean_width']:.2f}; "
        f"seed split coverage {seed_project['coverage']:.3f}, "
        f"width {seed_project['mean_width']:.2f}"
    )
    lines.append("per history length (project RNN on the test students' prefixes):")
    for length, scores in report["project_by_history_length"].items():
        lines.append(
            f"  length {length}: MSE {scores['mse']['mean']:.3f} ± {scores['mse']['std']:.3f}, "
            f"coverage {scores['coverage_pooled']:.3f}, width {scores['mean_width']:.2f} "
            f"(n={scores['predictions']})"
        )
    lines.extend(verdicts(report))
    return "\n".join(lines)


def verdicts(report: dict[str, Any]) -> list[str]:
    """Plain sentences: where the project's RNN wins and where it does not."""
    cv = report["cross_validation"]
    project = cv[PROJECT_MODEL]["mse"]["mean"]
    lines = []
    for name, duel in report["head_to_head"].items():
        other = cv[name]["mse"]["mean"]
        word = "beats" if project < other else "does NOT beat"
        gap, error = duel["mean_mse_difference"], duel["difference_standard_error"]
        tie = not abs(gap) > 2 * error  # also a tie when the error is unknown (one fold)
        lines.append(
            f"{PROJECT_MODEL} {word} {name} under CV: MSE {project:.3f} vs {other:.3f} "
            f"(lower on {duel['project_wins_folds']} of {duel['folds']} folds; paired "
            f"difference {gap:+.3f} ± {error:.3f} s.e."
            + (", within noise: call it a tie)" if tie else ")")
        )
    coverage = report["interval"]["coverage_pooled"]
    where = "inside" if 0.87 <= coverage <= 0.93 else "OUTSIDE"
    lines.append(f"interval coverage {coverage:.3f} is {where} the 0.87-0.93 target")
    seed_mse = report["seed_split"][PROJECT_MODEL]["mse"]
    meets = "meets" if seed_mse <= 0.15 else "MISSES"
    lines.append(f"seed split MSE {seed_mse:.3f} {meets} the <= 0.15 target")
    return lines


def markdown(report: dict[str, Any], table_text: str) -> str:
    rows = [
        "| model | seed-split MSE | CV MSE | CV MAE | CV RMSE | CV R² | fit s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in MODEL_NAMES:
        cv = report["cross_validation"][name]
        cells = [f"{cv[k]['mean']:.3f} ± {cv[k]['std']:.3f}" for k in ["mse", "mae", "rmse", "r2"]]
        rows.append(
            f"| {name} | {report['seed_split'][name]['mse']:.3f} | {' | '.join(cells)} | "
            f"{cv['train_seconds']['mean']:.2f} |"
        )
    length_rows = [
        "| history length | MSE | coverage | mean width | predictions |",
        "|---|---|---|---|---|",
    ]
    for length, scores in report["project_by_history_length"].items():
        length_rows.append(
            f"| {length} | {scores['mse']['mean']:.3f} ± {scores['mse']['std']:.3f} | "
            f"{scores['coverage_pooled']:.3f} | {scores['mean_width']:.2f} | "
            f"{scores['predictions']} |"
        )
    return "\n".join(
        [
            "# Accuracy report",
            "",
            f"Data: {report['data']['summary']}.",
            f"Target: {report['target']}. {report['folds']}-fold cross-validation repeated "
            f"{report['repeats']} times (fold seed {report['fold_seed']}), every model on the "
            "same folds; the seed split is `train_test_split(test_size=0.2, random_state=42)`.",
            "",
            *rows,
            "",
            "## Verdict",
            "",
            *[f"- {line}" for line in verdicts(report)],
            "",
            "## Project RNN by history length (test students' prefixes)",
            "",
            *length_rows,
            "",
            "## Terminal output",
            "",
            "```",
            table_text,
            "```",
            "",
            "Plots: `predicted_vs_actual.png` (first repeat, every complete student once), "
            "`error_by_model.png` (test MSE per fold), `coverage_by_length.png`.",
            "",
        ]
    )


def _plot_predicted_vs_actual(results: list[SplitResult], path: Path) -> None:
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
    axes.set_xlabel("actual next-semester grade")
    axes.set_ylabel("predicted (90% interval)")
    axes.set_title(f"{PROJECT_MODEL}: cross-validated predictions")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _plot_error_by_model(folds: list[dict[str, dict[str, float]]], path: Path) -> None:
    figure, axes = plt.subplots(figsize=(9, 5))
    axes.boxplot([[fold[name]["mse"] for fold in folds] for name in MODEL_NAMES])
    axes.set_xticks(range(1, len(MODEL_NAMES) + 1), MODEL_NAMES, rotation=20, ha="right")
    axes.set_ylabel("test MSE per fold")
    axes.set_title("Error by model over cross-validation folds")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _plot_coverage_by_length(report: dict[str, Any], path: Path) -> None:
    by_length = report["project_by_history_length"]
    lengths = list(by_length)
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.bar([str(n) for n in lengths], [by_length[n]["coverage_pooled"] for n in lengths])
    axes.axhline(report["interval"]["level"], color="tab:red", linestyle="--", label="target")
    axes.set_ylim(0, 1)
    axes.set_xlabel("history length (semesters)")
    axes.set_ylabel("empirical coverage")
    axes.set_title("90% interval coverage by history length (CV)")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
