"""Render an evaluation report dict (`training.metrics.summarise`) as text: the terminal
table, report.md and report.json. Nothing here computes a number; it only formats them.
"""

from __future__ import annotations

import json
from typing import Any

from training.evaluate import MODEL_NAMES, PROJECT_MODEL


def json_text(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2) + "\n"


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
