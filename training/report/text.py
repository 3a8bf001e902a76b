"""Render an evaluation report (`training.evaluation.scores.summarise`) as text: the terminal
table, report.md and report.json. Nothing here computes a number; it only formats them.

Every target is stated against the data's own baselines (the same folds, the same rows), never
as a fixed figure: an MSE means nothing across grade scales.
"""

from __future__ import annotations

import json

from training.evaluation.baselines import GROUP_BASELINE
from training.evaluation.report_types import EvaluationReport, MeanStd, PairedComparison
from training.evaluation.results import MODEL_NAMES, PROJECT_MODEL
from training.report.advice_text import advice_lines, advice_markdown, risk_verdicts
from training.report.coverage_text import coverage_lines, coverage_markdown
from training.report.path_text import path_markdown

COVERAGE_TARGET = (0.87, 0.93)
# MSEs this close (relative) are one model scored twice: where the fitted model is the
# per-length regression itself (network share 0, training/model/blend.py), the two differ only
# by the float32 rounding of the same least-squares weights, ~1e-8 of the MSE.
EQUAL_WITHIN = 1e-6


def json_text(report: EvaluationReport) -> str:
    return json.dumps(report, indent=2) + "\n"


def shown(name: str, report: EvaluationReport) -> str:
    """A model's name as the report shows it: "group" in the data's own words."""
    label = report["data"]["group_label"]
    return name.replace(" + group", f" + {label}")


def terminal_table(report: EvaluationReport) -> str:
    width = max(30, *(len(shown(name, report)) + 2 for name in MODEL_NAMES))
    header = (
        f"{'model':<{width}}{'seed MSE':>9}{'CV MSE':>17}{'CV MAE':>16}{'CV RMSE':>16}"
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

        def cell(key: str, cv: dict[str, MeanStd] = cv) -> str:
            return f"{cv[key]['mean']:.3f} ± {cv[key]['std']:.3f}"

        lines.append(
            f"{shown(name, report):<{width}}{report['seed_split'][name]['mse']:>9.3f}"
            f"{cell('mse'):>17}{cell('mae'):>16}{cell('rmse'):>16}{cell('r2'):>16}"
            f"{cv['train_seconds']['mean']:>8.2f}"
        )
    interval = report["interval"]
    seed_project = report["seed_split"][PROJECT_MODEL]
    lines.append(
        f"{interval['level']:.0%} interval ({PROJECT_MODEL}): CV coverage "
        f"{interval['coverage_pooled']:.3f} over {interval['predictions']} test predictions, "
        f"mean width {interval['mean_width']:.2f}; seed split coverage "
        f"{seed_project['coverage']:.3f}, width {seed_project['mean_width']:.2f}"
    )
    baseline = shown(report["per_length_baseline"], report)
    lines.append(f"per history length (test students' prefixes; {PROJECT_MODEL} vs {baseline}):")
    for length, scores in report["project_by_history_length"].items():
        lines.append(
            f"  length {length}: MSE {scores['mse']['mean']:.3f} ± {scores['mse']['std']:.3f} "
            f"vs {scores['baseline_mse']['mean']:.3f} ± {scores['baseline_mse']['std']:.3f}, "
            f"coverage {scores['coverage_pooled']:.3f}, width {scores['mean_width']:.2f}, "
            f"network share {scores['network_share']['mean']:.2f} (n={scores['predictions']})"
        )
    lines.extend(advice_lines(report))
    lines.extend(coverage_lines(report))
    lines.extend(verdicts(report))
    return "\n".join(lines)


def _duel(duel: PairedComparison) -> tuple[bool, str]:
    """(within noise, the fold-by-fold wording) of one paired comparison."""
    gap, error = duel["mean_mse_difference"], duel["difference_standard_error"]
    tie = not abs(gap) > 2 * error  # also a tie when the error is unknown (one fold)
    return tie, (
        f"lower on {duel['project_wins_folds']} of {duel['folds']} folds; paired "
        f"difference {gap:+.3f} ± {error:.3f} s.e."
    )


def verdicts(report: EvaluationReport) -> list[str]:
    """Plain sentences: where the project's RNN wins and where it does not."""
    cv = report["cross_validation"]
    project = cv[PROJECT_MODEL]["mse"]["mean"]
    lines = []
    for name, duel in report["head_to_head"].items():
        other = cv[name]["mse"]["mean"]
        word = "beats" if project < other else "does NOT beat"
        tie, detail = _duel(duel)
        lines.append(
            f"{PROJECT_MODEL} {word} {shown(name, report)} under CV: MSE {project:.3f} vs "
            f"{other:.3f} ({detail}" + (", within noise: call it a tie)" if tie else ")")
        )

    baseline = shown(report["per_length_baseline"], report)
    worse = []
    by_length = report["project_by_history_length"]
    for length, scores in by_length.items():
        mine, theirs = scores["mse"]["mean"], scores["baseline_mse"]["mean"]
        tie, detail = _duel(scores["versus_baseline"])
        if abs(mine - theirs) <= EQUAL_WITHIN * theirs:
            word = "equal (to float precision) to"
        elif mine < theirs:
            word = "no worse than"
        else:
            word = "worse (within noise) than" if tie else "WORSE than"
            worse.append(str(length))
        lines.append(
            f"history length {length}: {PROJECT_MODEL} MSE {mine:.3f} is {word} "
            f"{baseline} {theirs:.3f} ({detail})"
        )
    met = len(by_length) - len(worse)
    lines.append(
        f"per history length, {PROJECT_MODEL} is no worse than {baseline} at {met} of "
        f"{len(by_length)} lengths" + (f"; worse at {', '.join(worse)}" if worse else "")
    )

    coverage = report["interval"]["coverage_pooled"]
    low, high = COVERAGE_TARGET
    where = "inside" if low <= coverage <= high else "OUTSIDE"
    lines.append(f"interval coverage {coverage:.3f} is {where} the {low}-{high} target")
    seed = report["seed_split"]
    seed_mse, seed_bar = seed[PROJECT_MODEL]["mse"], seed[GROUP_BASELINE]["mse"]
    word = "no worse than" if seed_mse <= seed_bar else "worse than"
    lines.append(
        f"seed split MSE {seed_mse:.3f} is {word} {shown(GROUP_BASELINE, report)} "
        f"{seed_bar:.3f} on the same students ({seed_mse / seed_bar:.2f} of it)"
    )
    lines.extend(risk_verdicts(report))
    return lines


def markdown(report: EvaluationReport, table_text: str) -> str:
    rows = [
        "| model | seed-split MSE | CV MSE | CV MAE | CV RMSE | CV R² | fit s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in MODEL_NAMES:
        cv = report["cross_validation"][name]
        cells = [f"{cv[k]['mean']:.3f} ± {cv[k]['std']:.3f}" for k in ["mse", "mae", "rmse", "r2"]]
        rows.append(
            f"| {shown(name, report)} | {report['seed_split'][name]['mse']:.3f} | "
            f"{' | '.join(cells)} | {cv['train_seconds']['mean']:.2f} |"
        )
    baseline = shown(report["per_length_baseline"], report)
    length_rows = [
        f"| history length | MSE | {baseline} MSE | coverage | mean width | network share "
        "| predictions |",
        "|---|---|---|---|---|---|---|",
    ]
    for length, scores in report["project_by_history_length"].items():
        length_rows.append(
            f"| {length} | {scores['mse']['mean']:.3f} ± {scores['mse']['std']:.3f} | "
            f"{scores['baseline_mse']['mean']:.3f} ± {scores['baseline_mse']['std']:.3f} | "
            f"{scores['coverage_pooled']:.3f} | {scores['mean_width']:.2f} | "
            f"{scores['network_share']['mean']:.2f} | {scores['predictions']} |"
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
            *advice_markdown(report),
            *coverage_markdown(report),
            *path_markdown(report.get("path")),
            "## Terminal output",
            "",
            "```",
            table_text,
            "```",
            "",
            "Plots: `predicted_vs_actual.png` (first repeat, every tested student once), "
            "`error_by_model.png` (test MSE per fold), `coverage_by_length.png`.",
            "",
        ]
    )
