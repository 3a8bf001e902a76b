"""Render the advice sections of an evaluation report (`training.evaluation.advice`): risk
calibration and fairness, as terminal lines, verdict lines and markdown. Nothing here
computes a number. A report without these sections renders as nothing.
"""

from __future__ import annotations

from typing import Literal

from training.evaluation.report_types import EvaluationReport, FairnessSection, RiskAtCutoff
from training.evaluation.results import PROJECT_MODEL
from training.evaluation.risk import LOGISTIC

RELIABILITY_PLOT = "risk_reliability.png"
ShownScore = Literal["n", "mse", "mae", "coverage", "flag_rate", "recall", "false_alarms"]
_COLUMNS: list[tuple[ShownScore, str, int | None]] = [
    ("n", "n", None),
    ("mse", "MSE", 3),
    ("mae", "MAE", 3),
    ("coverage", "coverage", 2),
    ("flag_rate", "flag rate", 2),
    ("recall", "recall", 2),
    ("false_alarms", "false alarms", 2),
]


def _cell(value: float | int | None, places: int | None) -> str:
    if value is None:
        return "-"
    return str(value) if places is None else f"{value:.{places}f}"


def _error(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _risk_line(entry: RiskAtCutoff) -> str:
    return (
        f"below {entry['cutoff']:g}: base rate {entry['base_rate']:.2f} "
        f"(n={entry['predictions']}); Brier {PROJECT_MODEL} {entry['brier']['mean']:.3f} ± "
        f"{entry['brier']['std']:.3f} vs {LOGISTIC} {entry['logistic_brier']['mean']:.3f} ± "
        f"{entry['logistic_brier']['std']:.3f} (paired difference "
        f"{entry['mean_difference']:+.3f} ± {_error(entry['difference_standard_error'])} s.e.; "
        f"constant base rate {entry['constant_rate_brier']:.3f})"
    )


def risk_verdicts(report: EvaluationReport) -> list[str]:
    """One line per cut-off: met or NOT met, against the logistic regression."""
    risk = report.get("risk_calibration")
    if not risk:
        return []
    lines = []
    for entry in risk["cutoffs"]:
        word = "met" if entry["met"] else "NOT met"
        lines.append(
            f"risk below {entry['cutoff']:g}: {PROJECT_MODEL} Brier {entry['brier']['mean']:.3f} "
            f"vs {LOGISTIC} {entry['logistic_brier']['mean']:.3f} (one model for every "
            f"cut-off vs one fitted per cut-off); no worse than {LOGISTIC} within "
            f"{risk['margin']}: {word}"
        )
    return lines


def _fairness_heading(fair: FairnessSection) -> str:
    return (
        f"by group, pooled over {fair['predictions']} test predictions; at the cut-off "
        f"{fair['cutoff']:g}, flagged = risk >= {fair['flag_at']}; recall = flagged / fell below, "
        "false alarms = did not fall below / flagged"
    )


def advice_lines(report: EvaluationReport) -> list[str]:
    """The terminal's risk and fairness lines (the verdicts come with `verdicts`)."""
    risk, fair = report.get("risk_calibration"), report.get("fairness")
    lines = []
    if risk:
        lines.append(
            f"risk of falling below a cut-off ({risk['source']}; {PROJECT_MODEL}: the service's "
            f"RiskModel on each fold's residuals; {risk['baseline']}):"
        )
        lines.extend(f"  {_risk_line(entry)}" for entry in risk["cutoffs"])
    if fair:
        lines.append(f"fairness {_fairness_heading(fair)}:")
        for label, grouping in fair["groupings"].items():
            width = max(12, len(label) + 2, *(len(name) + 4 for name in grouping["groups"]))
            lines.append(
                f"  {label:<{width}}" + "".join(f"{title:>13}" for _, title, _ in _COLUMNS)
            )
            rows = [("overall", grouping["overall"]), *grouping["groups"].items()]
            for name, scores in rows:
                cells = "".join(f"{_cell(scores[key], places):>13}" for key, _, places in _COLUMNS)
                lines.append(f"  {name:<{width}}{cells}")
        lines.extend(f"  {sentence}" for sentence in fair["differences"])
    return lines


def advice_markdown(report: EvaluationReport) -> list[str]:
    """The report.md sections: risk calibration, then fairness by group."""
    risk, fair = report.get("risk_calibration"), report.get("fairness")
    lines: list[str] = []
    if risk:
        lines += [
            "## Risk of falling below a cut-off",
            "",
            f"Cut-offs: {risk['source']}. The {PROJECT_MODEL}'s risk is the service's "
            "`RiskModel` (app/model/risk.py) on each fold's own out-of-fold residuals, one model "
            "for every "
            f"cut-off; against a {risk['baseline']}, trained on the same fold's training part. "
            f"Brier score, mean ± std over {risk['folds']} folds.",
            "",
            f"| cut-off | base rate | predictions | Brier {PROJECT_MODEL} | Brier {LOGISTIC} | "
            "paired difference | Brier of the constant base rate | verdict |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for entry in risk["cutoffs"]:
            lines.append(
                f"| {entry['cutoff']:g} | {entry['base_rate']:.3f} | {entry['predictions']} | "
                f"{entry['brier']['mean']:.3f} ± {entry['brier']['std']:.3f} | "
                f"{entry['logistic_brier']['mean']:.3f} ± {entry['logistic_brier']['std']:.3f} | "
                f"{entry['mean_difference']:+.3f} ± {_error(entry['difference_standard_error'])} | "
                f"{entry['constant_rate_brier']:.3f} | {'met' if entry['met'] else 'NOT met'} |"
            )
        lines += [
            "",
            *[f"- {line}" for line in risk_verdicts(report)],
            "",
            f"Reliability (10 bins, pooled over folds): `{RELIABILITY_PLOT}`.",
            "",
        ]
    if fair:
        lines += ["## Fairness by group", "", f"The {PROJECT_MODEL} {_fairness_heading(fair)}.", ""]
        for label, grouping in fair["groupings"].items():
            lines += [
                f"| {label} | " + " | ".join(title for _, title, _ in _COLUMNS) + " |",
                "|---" * (len(_COLUMNS) + 1) + "|",
            ]
            rows = [("**overall**", grouping["overall"]), *grouping["groups"].items()]
            for name, scores in rows:
                cells = " | ".join(_cell(scores[key], places) for key, _, places in _COLUMNS)
                lines.append(f"| {name} | {cells} |")
            lines.append("")
        lines += ["Where groups differ:", "", *[f"- {s}" for s in fair["differences"]], ""]
    return lines
