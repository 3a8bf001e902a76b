"""Does the interval hold for every group (#27)? Coverage by group and by (group, history
length), before (per-length half-widths pooled over the groups) and after (calibrated per
(length, group) cell where the cell is its own), with its standard error and the mean width;
and the risk's Brier score by group, before and after.

Over every prefix of the test students (every history length), pooled over the folds. A
standard error counts a group's rows once per repeat (n / repeats, the rows one pass over
the students gives): sqrt(p (1 - p) / (n / repeats)) for a coverage, the spread of the
paired per-student Brier differences over sqrt(n / repeats) for the risk. The targets the
sentences check are the issue's: overall 0.87-0.93; every group 0.86-0.94 over all lengths;
at each length, every group with at least 30 held-out students 0.82-0.97; the mean width up
by at most 10%.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from training.data import StudentTable
from training.evaluation.report_types import (
    CellCoverage,
    CoverageFigures,
    GroupBrier,
    GroupCoverageSection,
)
from training.evaluation.results import SplitResult
from training.evaluation.risk import SplitRisk

NONE_GIVEN = "none given"
OVERALL_BAND = (0.87, 0.93)
GROUP_BAND = (0.86, 0.94)
CELL_BAND = (0.82, 0.97)
CELL_STUDENTS = 30  # the fewest held-out students of a group at one length the band applies to
WIDTH_GROWTH = 0.10


def _figures(covered: np.ndarray, widths: np.ndarray, repeats: int) -> CoverageFigures:
    n = len(covered)
    rate = float(covered.mean()) if n else math.nan
    students = n / repeats
    error = math.sqrt(rate * (1 - rate) / students) if students >= 2 else None
    return {
        "coverage": rate,
        "standard_error": error,
        "mean_width": float(widths.mean()) if n else math.nan,
    }


def _covered(targets: np.ndarray, interval: np.ndarray) -> np.ndarray:
    return (targets >= interval[:, 0]) & (targets <= interval[:, 1])


def _group_names(table: StudentTable, indexes: np.ndarray) -> np.ndarray:
    names = [NONE_GIVEN if i < 0 else str(table.groups[i]) for i in indexes.tolist()]
    return np.array(names, dtype=object)


def group_coverage(
    table: StudentTable,
    results: Sequence[SplitResult],
    risks: Sequence[SplitRisk],
    repeats: int,
    min_cell_size: int,
    level: float,
) -> GroupCoverageSection:
    targets = np.concatenate([r.prefix_targets for r in results])
    after = np.concatenate([r.prefix_outputs[:, 1:] for r in results])
    before = np.concatenate([r.prefix_pooled_interval for r in results])
    lengths = np.concatenate([r.prefix_lengths for r in results])
    names = _group_names(table, np.concatenate([r.prefix_groups for r in results]))
    covered_after, covered_before = _covered(targets, after), _covered(targets, before)
    width_after, width_before = after[:, 1] - after[:, 0], before[:, 1] - before[:, 0]

    def both(chosen: np.ndarray) -> dict[str, CoverageFigures]:
        return {
            "before": _figures(covered_before[chosen], width_before[chosen], repeats),
            "after": _figures(covered_after[chosen], width_after[chosen], repeats),
        }

    every = np.ones(len(targets), dtype=bool)
    ordered = sorted(set(names.tolist()), key=lambda name: (name == NONE_GIVEN, name))
    by_group: dict[str, dict[str, CoverageFigures]] = {}
    by_cell: dict[str, dict[int, CellCoverage]] = {}
    for name in ordered:
        in_group = names == name
        by_group[name] = both(in_group)
        by_cell[name] = {}
        for length in sorted(set(lengths[in_group].tolist())):
            chosen = in_group & (lengths == length)
            own, sizes = _cell_history(table, results, name, length)
            figures = both(chosen)
            by_cell[name][length] = {
                "n": int(chosen.sum()),
                "before": figures["before"],
                "after": figures["after"],
                "own_in_fits": own,
                "fits": len(results),
                "mean_held_out": float(np.mean(sizes)) if sizes else 0.0,
            }
    section: GroupCoverageSection = {
        "label": table.group_label,
        "level": level,
        "min_cell_size": min_cell_size,
        "predictions": len(targets),
        "repeats": repeats,
        "overall": both(every),
        "by_group": by_group,
        "by_group_and_length": by_cell,
        "brier_by_group": _brier_by_group(table, risks, repeats),
        "targets": [],
    }
    section["targets"] = target_sentences(section)
    return section


def _cell_history(
    table: StudentTable, results: Sequence[SplitResult], name: str, length: int
) -> tuple[int, list[int]]:
    """In how many fits the cell was its own, and its held-out count in each fit."""
    if name == NONE_GIVEN:
        return 0, []
    index = [str(code) for code in table.groups].index(name)
    own = sum((length, index) in r.residuals_by_cell for r in results)
    sizes = [r.size_by_cell.get((length, index), 0) for r in results]
    return own, sizes


def _brier_by_group(
    table: StudentTable, risks: Sequence[SplitRisk], repeats: int
) -> dict[str, GroupBrier]:
    """At the first cut-off: the Brier score by group, before and after, and the paired
    difference with its standard error."""
    below = np.concatenate([r.below[0] for r in risks]).astype(np.float64)
    after = np.concatenate([r.ours[0] for r in risks])
    before = np.concatenate([r.ours_pooled[0] for r in risks])
    students = np.concatenate([r.student_ids for r in risks])
    indexes = table.group_indexes([table.students[i] for i in students.tolist()])
    names = _group_names(table, indexes)
    answer: dict[str, GroupBrier] = {}
    for name in ["overall", *sorted(set(names.tolist()))]:
        chosen = np.ones(len(names), bool) if name == "overall" else names == name
        difference = (after[chosen] - below[chosen]) ** 2 - (before[chosen] - below[chosen]) ** 2
        count = len(difference) / repeats
        answer[name] = {
            "cutoff": risks[0].cutoffs[0],
            "n": int(chosen.sum()),
            "before": float(np.mean((before[chosen] - below[chosen]) ** 2)),
            "after": float(np.mean((after[chosen] - below[chosen]) ** 2)),
            "difference_standard_error": float(np.std(difference, ddof=1) / math.sqrt(count))
            if count >= 2
            else None,
        }
    return answer


def _error(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _inside(value: float, band: tuple[float, float]) -> bool:
    return band[0] <= value <= band[1]


def target_sentences(section: GroupCoverageSection) -> list[str]:
    """One line per target of the issue, met or NOT met, naming what misses."""
    overall = section["overall"]
    after, before = overall["after"], overall["before"]
    lines = [
        f"overall coverage {after['coverage']:.3f} ± {_error(after['standard_error'])} "
        f"(before {before['coverage']:.3f}); target {OVERALL_BAND[0]}-{OVERALL_BAND[1]}: "
        + ("met" if _inside(after["coverage"], OVERALL_BAND) else "NOT met")
    ]
    outside = [
        f"{name} {figures['after']['coverage']:.3f}"
        for name, figures in section["by_group"].items()
        if not _inside(figures["after"]["coverage"], GROUP_BAND)
    ]
    spread = [figures["after"]["coverage"] for figures in section["by_group"].values()]
    lines.append(
        f"every group over all lengths {GROUP_BAND[0]}-{GROUP_BAND[1]}: "
        f"{min(spread):.3f}-{max(spread):.3f}, "
        + ("met" if not outside else "NOT met: " + ", ".join(outside))
    )
    repeats = section["repeats"]
    checked, missed = 0, []
    for name, cells in section["by_group_and_length"].items():
        for length, cell in cells.items():
            if cell["n"] / repeats < CELL_STUDENTS:
                continue
            checked += 1
            if not _inside(cell["after"]["coverage"], CELL_BAND):
                missed.append(f"{name} at {length}: {cell['after']['coverage']:.3f}")
    lines.append(
        f"each (group, length) with at least {CELL_STUDENTS} held-out students "
        f"{CELL_BAND[0]}-{CELL_BAND[1]}: {checked - len(missed)} of {checked} inside, "
        + ("met" if not missed else "NOT met: " + "; ".join(missed))
    )
    growth = after["mean_width"] / before["mean_width"] - 1
    lines.append(
        f"mean width {before['mean_width']:.3f} -> {after['mean_width']:.3f} ({growth:+.1%}); "
        f"at most +{WIDTH_GROWTH:.0%}: " + ("met" if growth <= WIDTH_GROWTH else "NOT met")
    )
    worse = [
        f"{name} {entry['after'] - entry['before']:+.4f} ± {error:.4f}"
        for name, entry in section["brier_by_group"].items()
        if (error := entry["difference_standard_error"]) is not None
        and entry["after"] - entry["before"] > 2 * error
    ]
    lines.append(
        "risk Brier by group no worse than before within noise (2 s.e. of the paired "
        "difference): " + ("met" if not worse else "NOT met: " + ", ".join(worse))
    )
    return lines
