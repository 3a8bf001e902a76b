"""The "features" section of evaluate's output and report.md (#28, step 1)."""

from __future__ import annotations

from training.evaluation.report_types import EvaluationReport
from training.report.text import shown


def _figure(value: float | None, error: float | None, digits: int = 3) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" + ("" if error is None else f" ± {error:.{digits}f}")


def feature_lines(report: EvaluationReport) -> list[str]:
    """Markdown tables, readable in a terminal too; none without feature or audit columns."""
    if "features" not in report:
        return []
    section = report["features"]
    lines = ["## Features (issue #28, step 1)", "", section["note"], ""]
    for column in section["columns"]:
        if column["kind"] == "numeric":
            seen = f"{column['low']}..{column['high']}"
        else:
            seen = ", ".join(column["categories"])
        lines.append(
            f"- {column['role']} `{column['name']}`: {column['kind']} ({seen}), "
            f"{column['missing']} students missing"
        )
    lines += ["", "| model | MSE ± SE | n |", "|---|---|---|"]
    for name, scores in section["models"].items():
        lines.append(
            f"| {shown(name, report)} | {_figure(scores['mse'], scores['standard_error'])} | "
            f"{scores['n']} |"
        )
    if section["gains"]:
        lines += ["", "| with features | against | MSE difference ± SE |", "|---|---|---|"]
        for name, gain in section["gains"].items():
            lines.append(
                f"| {shown(name, report)} | {shown(gain['against'], report)} | "
                f"{gain['difference']:+.3f} ± {gain['standard_error'] or 0:.3f} |"
            )
    for label, rows in section["audit"].items():
        lines += [
            "",
            f"Project model by audit column `{label}` (never an input):",
            "",
            "| value | n | MSE ± SE | 90% coverage ± SE |",
            "|---|---|---|---|",
        ]
        for value, scores in rows.items():
            mse = _figure(scores["mse"], scores["mse_standard_error"])
            coverage = _figure(scores["coverage"], scores["coverage_standard_error"], 2)
            lines.append(f"| {value} | {scores['n']} | {mse} | {coverage} |")
    return [*lines, ""]
