"""The road to graduation's scores over every split (#27 part 2): per horizon and for the
final CGPA, each model's MSE, the served path's paired MSE difference against each bar, the
served interval's coverage, and the final risk's Brier score against a logistic regression
per cut-off.

Rows are pooled over the folds. A standard error counts the rows once per repeat (n /
repeats, the rows one pass over the students gives), as `training.evaluation.group_coverage`
does; one student's rows at several history lengths are correlated too, so a gap inside two
standard errors is called a tie. Targets (the issue's): MSE no worse than the direct
regression within noise, coverage 0.87-0.93 per horizon and for the final CGPA.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from training.data import StudentTable
from training.evaluation.path_rows import CARRIED, DIRECT, PATH_MODELS, ROLLED, SERVED
from training.evaluation.results import FINAL, PathRows

COVERAGE_BAND = (0.87, 0.93)
# The final CGPA's cut-offs: percentiles of the file's final CGPA, across the scale.
FINAL_PERCENTILES = (10, 25, 50, 75)


def final_cutoffs(table: StudentTable, history: int) -> list[float]:
    finals = [np.mean(s.history) for s in table.students if len(s.history) == history + 1]
    return sorted({round(float(np.percentile(finals, q)), 2) for q in FINAL_PERCENTILES})


def _paired(ours: np.ndarray, other: np.ndarray, students: float) -> dict[str, float | None]:
    difference = ours - other
    spread = float(difference.std(ddof=1)) if len(difference) > 1 else math.nan
    return {
        "difference": float(difference.mean()),
        "standard_error": spread / math.sqrt(students) if students >= 2 else None,
    }


def _horizon(parts: list[PathRows], key: int, repeats: int) -> dict[str, Any]:
    targets = np.concatenate([part.targets[key] for part in parts])
    errors = {
        name: (np.concatenate([part.forecasts[key][name] for part in parts]) - targets) ** 2
        for name in PATH_MODELS
    }
    covered = np.concatenate([part.covered[key] for part in parts])
    lengths = np.concatenate([part.lengths[key] for part in parts])
    students = len(targets) / repeats
    rate = float(covered.mean())
    by_length = {}
    for length in np.unique(lengths).tolist():
        chosen = lengths == length
        by_length[str(length)] = {
            "rows": int(chosen.sum()),
            "mse": {name: float(errors[name][chosen].mean()) for name in PATH_MODELS},
            "rolled_minus_direct": _paired(
                errors[ROLLED][chosen], errors[DIRECT][chosen], chosen.sum() / repeats
            ),
            "coverage": float(covered[chosen].mean()),
        }
    return {
        "rows": len(targets),
        "rows_per_repeat": students,
        "mse": {name: float(values.mean()) for name, values in errors.items()},
        "served_minus": {
            name: _paired(errors[SERVED], errors[name], students) for name in (DIRECT, CARRIED)
        },
        "rolled_minus_direct": _paired(errors[ROLLED], errors[DIRECT], students),
        "coverage": rate,
        "coverage_standard_error": math.sqrt(rate * (1 - rate) / students),
        "mean_width": float(np.concatenate([part.widths[key] for part in parts]).mean()),
        "by_length": by_length,
    }


def _risk(parts: list[PathRows], repeats: int) -> list[dict[str, Any]]:
    below = np.concatenate([part.below for part in parts], axis=1)
    ours = np.concatenate([part.ours for part in parts], axis=1)
    logistic = np.concatenate([part.logistic for part in parts], axis=1)
    students = below.shape[1] / repeats
    rows = []
    for position, cutoff in enumerate(parts[0].cutoffs):
        ours_error = (ours[position] - below[position]) ** 2
        logistic_error = (logistic[position] - below[position]) ** 2
        rows.append(
            {
                "cutoff": cutoff,
                "base_rate": float(below[position].mean()),
                "brier": float(ours_error.mean()),
                "logistic_brier": float(logistic_error.mean()),
                "ours_minus_logistic": _paired(ours_error, logistic_error, students),
            }
        )
    return rows


def summarise_path(parts: list[PathRows], repeats: int) -> dict[str, Any]:
    """The report's "path" section: "horizons" by horizon ("1", "2", ...), "final" (with
    its "risk" per cut-off) and the sentences that check the targets."""
    keys = sorted({key for part in parts for key in part.targets if key != FINAL})
    horizons = {
        str(key): _horizon([p for p in parts if key in p.targets], key, repeats) for key in keys
    }
    with_final = [part for part in parts if FINAL in part.targets]
    final = _horizon(with_final, FINAL, repeats) if with_final else None
    if final is not None:
        final["risk"] = _risk(with_final, repeats)
    return {"horizons": horizons, "final": final, "verdicts": verdicts(horizons, final)}


def verdicts(horizons: dict[str, Any], final: dict[str, Any] | None) -> list[str]:
    """One sentence per horizon and for the final CGPA: MSE against the direct regression
    (within two standard errors is a tie) and coverage against 0.87-0.93."""
    sentences = []
    named = [(f"horizon {key}", scores) for key, scores in horizons.items()]
    for name, scores in [*named, *([("final CGPA", final)] if final else [])]:
        gap = scores["served_minus"][DIRECT]
        error = gap["standard_error"] or 0.0
        mse_ok = gap["difference"] <= 2 * error
        low, high = COVERAGE_BAND
        coverage_ok = low <= scores["coverage"] <= high
        sentences.append(
            f"{name}: MSE {scores['mse'][SERVED]:.4f} vs direct regression "
            f"{scores['mse'][DIRECT]:.4f} (difference {gap['difference']:+.4f} ± {error:.4f}: "
            f"{'met' if mse_ok else 'NOT met'}); coverage {scores['coverage']:.3f} ± "
            f"{scores['coverage_standard_error']:.3f} (0.87-0.93: "
            f"{'met' if coverage_ok else 'NOT met'}), n = {scores['rows']}"
        )
    return sentences
