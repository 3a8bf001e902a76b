"""The report's road-to-graduation section (#27 part 2): the figures of
`training.evaluation.path_summary`, as Markdown tables and the target sentences."""

from __future__ import annotations

from typing import Any

from training.evaluation.path_rows import CARRIED, DIRECT, PATH_MODELS, ROLLED, SERVED


def _gap(paired: dict[str, Any]) -> str:
    error = paired["standard_error"]
    return f"{paired['difference']:+.4f} ± {error:.4f}" if error is not None else "n/a"


def path_markdown(section: dict[str, Any] | None) -> list[str]:
    if not section:
        return []
    header = " | ".join(PATH_MODELS)
    rows = [
        f"| horizon | n | MSE {header} | served - direct | served - carried | rolled - direct "
        "| coverage ± SE | mean width |",
        "|---|---|" + "---|" * 4 + "---|---|---|---|---|",
    ]
    named = [(key, scores) for key, scores in section["horizons"].items()]
    if section["final"]:
        named.append(("final CGPA", section["final"]))
    for name, scores in named:
        mse = " | ".join(f"{scores['mse'][model]:.4f}" for model in PATH_MODELS)
        rows.append(
            f"| {name} | {scores['rows']} | {mse} | {_gap(scores['served_minus'][DIRECT])} | "
            f"{_gap(scores['served_minus'][CARRIED])} | {_gap(scores['rolled_minus_direct'])} | "
            f"{scores['coverage']:.3f} ± {scores['coverage_standard_error']:.3f} | "
            f"{scores['mean_width']:.2f} |"
        )
    risk_rows = []
    if section["final"]:
        risk_rows = [
            "",
            "| final CGPA below | base rate | Brier (served) | Brier (logistic) | difference |",
            "|---|---|---|---|---|",
        ]
        for risk in section["final"]["risk"]:
            risk_rows.append(
                f"| {risk['cutoff']:g} | {risk['base_rate']:.3f} | {risk['brier']:.4f} | "
                f"{risk['logistic_brier']:.4f} | {_gap(risk['ours_minus_logistic'])} |"
            )
    return [
        "## Road to graduation: later terms and the final CGPA",
        "",
        f"Models: {SERVED} (what the card serves), {DIRECT}, {CARRIED}, {ROLLED}. Differences "
        "are paired MSE differences (negative: the first is better), ± a standard error "
        "counting each row once per repeat.",
        "",
        *rows,
        *risk_rows,
        "",
        *[f"- {line}" for line in section["verdicts"]],
        "",
    ]
