"""Render the interval's coverage by group (`training.evaluation.group_coverage`), before and
after calibration by (history length, group), as terminal lines and markdown. Nothing here
computes a number; a report without the section renders as nothing.
"""

from __future__ import annotations

from training.evaluation.report_types import (
    CellCoverage,
    CoverageFigures,
    EvaluationReport,
    GroupCoverageSection,
)


def _error(value: float | None, places: int = 3) -> str:
    return "-" if value is None else f"{value:.{places}f}"


def _figures(figures: CoverageFigures) -> str:
    return f"{figures['coverage']:.3f} ± {_error(figures['standard_error'])}"


def _heading(section: GroupCoverageSection) -> str:
    return (
        f"{section['level']:.0%} interval by {section['label']}, over {section['predictions']} "
        f"test prefixes (every history length, {section['repeats']} repeats; s.e. counts a "
        "group's rows once per repeat): before = per-length half-widths pooled over the "
        f"groups, after = per (length, group) cell with at least {section['min_cell_size']} "
        "held-out residuals, else pooled"
    )


def _fallback(cell: CellCoverage) -> str:
    if cell["own_in_fits"] == cell["fits"]:
        return "own"
    if cell["own_in_fits"] == 0:
        return "pooled"
    return f"own in {cell['own_in_fits']} of {cell['fits']}"


def coverage_lines(report: EvaluationReport) -> list[str]:
    section = report.get("group_coverage")
    if not section:
        return []
    lines = [f"coverage by group: {_heading(section)}:"]
    title = f"  {'':<22}{'n':>6}{'before':>18}{'after':>18}{'width before':>14}{'after':>8}"
    lines.append(title + "  cell")
    rows: list[tuple[str, int | None, dict[str, CoverageFigures], str]] = [
        ("overall", section["predictions"], section["overall"], "")
    ]
    for name, figures in section["by_group"].items():
        cells = section["by_group_and_length"][name]
        rows.append((name, sum(cell["n"] for cell in cells.values()), figures, ""))
        for length, cell in cells.items():
            label = f"{name}, length {length}"
            held = f"{_fallback(cell)} (held out {cell['mean_held_out']:.0f})"
            rows.append(
                (label, cell["n"], {"before": cell["before"], "after": cell["after"]}, held)
            )
    for name, n, figures, held in rows:
        before, after = figures["before"], figures["after"]
        lines.append(
            f"  {name:<22}{n:>6}{_figures(before):>18}{_figures(after):>18}"
            f"{before['mean_width']:>14.2f}{after['mean_width']:>8.2f}  {held}".rstrip()
        )
    for name, entry in section["brier_by_group"].items():
        lines.append(
            f"  risk below {entry['cutoff']:g}, {name}: Brier {entry['before']:.4f} -> "
            f"{entry['after']:.4f} (paired difference {entry['after'] - entry['before']:+.4f} "
            f"± {_error(entry['difference_standard_error'], 4)} s.e., n={entry['n']})"
        )
    lines.extend(f"  {sentence}" for sentence in section["targets"])
    return lines


def coverage_markdown(report: EvaluationReport) -> list[str]:
    section = report.get("group_coverage")
    if not section:
        return []
    lines = [
        "## The interval by group, before and after calibration by group",
        "",
        f"The {_heading(section)}.",
        "",
        f"| {section['label']} | history length | n | coverage before | coverage after | "
        "mean width before | after | cell |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def row(
        name: str, length: str, n: int, before: CoverageFigures, after: CoverageFigures, cell: str
    ) -> str:
        return (
            f"| {name} | {length} | {n} | {_figures(before)} | {_figures(after)} | "
            f"{before['mean_width']:.2f} | {after['mean_width']:.2f} | {cell} |"
        )

    overall = section["overall"]
    lines.append(
        row("**overall**", "all", section["predictions"], overall["before"], overall["after"], "")
    )
    for name, figures in section["by_group"].items():
        cells = section["by_group_and_length"][name]
        n = sum(cell["n"] for cell in cells.values())
        lines.append(row(f"**{name}**", "all", n, figures["before"], figures["after"], ""))
        for length, cell in cells.items():
            held = f"{_fallback(cell)} (held out {cell['mean_held_out']:.0f} per fit)"
            lines.append(row(name, str(length), cell["n"], cell["before"], cell["after"], held))
    lines += [
        "",
        "| group | cut-off | n | Brier before | Brier after | paired difference |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in section["brier_by_group"].items():
        lines.append(
            f"| {name} | {entry['cutoff']:g} | {entry['n']} | {entry['before']:.4f} | "
            f"{entry['after']:.4f} | {entry['after'] - entry['before']:+.4f} ± "
            f"{_error(entry['difference_standard_error'], 4)} |"
        )
    lines += ["", "Targets (#27):", "", *[f"- {s}" for s in section["targets"]], ""]
    return lines
