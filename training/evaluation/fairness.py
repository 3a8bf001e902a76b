"""Who the model serves well and who it does not: the project model's scores by group (#16).

Pooled over every test prediction of the headline target (the evaluation's folds, or the
card's seed split), by the card's group column and, when the file gives one, by gender: n,
MSE, MAE, interval coverage, and at one cut-off the flag rate (risk >= FLAG_AT), recall (of
those who fell below, the share flagged) and false alarms (of those flagged, the share who
did not fall below). A rate whose denominator is 0 is None (the report shows "-").

The sentences name the group furthest from the overall figure on each score, and say whether
the gap is beyond sampling noise, roughly: more than two standard errors of what a group of
its size drawn from all the students would show (binomial at the overall rate for the rates;
the spread of every student's squared error for MSE; the null hypothesis's spread rather than
the group's own, which would make a small group with small errors look certain). With many
groups one of them will pass that by chance now and then: "roughly" because it is rough.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from training.data import Student, StudentTable
from training.data.features import AUDIT
from training.data.reading import normalise_name, parse_gender
from training.evaluation.report_types import (
    ComparedScore,
    FairnessSection,
    Grouping,
    GroupScores,
    SampleCount,
)
from training.evaluation.results import PROJECT_MODEL, SplitResult
from training.evaluation.risk import FLAG_AT, SplitRisk

NOISE_STANDARD_ERRORS = 2.0
GENDER_LABEL = "Gender"
NONE_GIVEN = "none given"
GENDER_COLUMNS = {"gender", "sex"}  # the names training.data.wide reads gender from
# What each sentence compares, with its wording and number format.
SCORES: dict[ComparedScore, tuple[str, int]] = {
    "mse": ("MSE", 3),
    "coverage": ("coverage", 2),
    "recall": ("recall", 2),
    "false_alarms": ("false alarms", 2),
}
# The count a score's noise depends on: students, those who fell below, those flagged.
SAMPLE_COUNT: dict[ComparedScore, SampleCount] = {
    "mse": "n",
    "coverage": "n",
    "recall": "below",
    "false_alarms": "flagged",
}


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def group_scores(
    targets: np.ndarray,
    predicted: np.ndarray,
    interval: np.ndarray,
    below: np.ndarray,
    flagged: np.ndarray,
) -> GroupScores:
    """The scores of one set of rows (possibly empty: then every score is None)."""
    n = len(targets)
    error = predicted - targets
    covered = (targets >= interval[:, 0]) & (targets <= interval[:, 1])
    fell, flags = int(below.sum()), int(flagged.sum())
    return {
        "n": n,
        "mse": float(np.mean(error**2)) if n else None,
        "mae": float(np.mean(np.abs(error))) if n else None,
        "coverage": _rate(int(covered.sum()), n),
        "below": fell,
        "flagged": flags,
        "flag_rate": _rate(flags, n),
        "recall": _rate(int((below & flagged).sum()), fell),
        "false_alarms": _rate(int((flagged & ~below).sum()), flags),
    }


def groupings(table: StudentTable) -> dict[str, Callable[[Student], str]]:
    """The ways to group students: the group column (when the model has one) and gender
    (when the file gave any)."""
    ways: dict[str, Callable[[Student], str]] = {}
    if table.group_column is not None:
        ways[table.group_label] = lambda s: (
            NONE_GIVEN if s.group_code is None else str(s.group_code)
        )
    if any(s.gender != "unknown" for s in table.students):
        ways[GENDER_LABEL] = lambda s: s.gender
    # `--audit-columns` (#28): reported by, never learnt from; a blank is a value of its own.
    for column, spec in enumerate(table.extra_columns):
        if spec.role != AUDIT:
            continue
        if GENDER_LABEL in ways and _is_gender_column(table, column):
            # The column gender was read from: its spellings (M, Male) already read as one
            # value, and one table for it, not two.
            ways[spec.name] = ways.pop(GENDER_LABEL)
        else:
            ways[spec.name] = _audit_value(column)
    return ways


def _is_gender_column(table: StudentTable, column: int) -> bool:
    """Whether every student's gender is this column's value, read as gender is read."""
    return normalise_name(table.extra_columns[column].name) in GENDER_COLUMNS and all(
        student.gender == parse_gender(student.extras[column] or "") for student in table.students
    )


def _audit_value(column: int) -> Callable[[Student], str]:
    return lambda student: student.extras[column] or NONE_GIVEN


def fairness(
    table: StudentTable,
    results: list[SplitResult],
    risks: list[SplitRisk],
    repeats: int = 1,
    cutoff_index: int = 0,
) -> FairnessSection:
    """The fairness tables and sentences at `risks[..].cutoffs[cutoff_index]`. With repeated
    folds every student is tested once per repeat; the noise test counts students, not
    predictions (n / repeats)."""
    targets = np.concatenate([r.targets for r in results])
    predicted = np.concatenate([r.predictions[PROJECT_MODEL] for r in results])
    interval = np.concatenate([r.interval for r in results])
    probability = np.concatenate([r.ours[cutoff_index] for r in risks])
    below = np.concatenate([r.below[cutoff_index] for r in risks])
    student_ids = np.concatenate([r.student_ids for r in risks])
    flagged = probability >= FLAG_AT
    rows = (targets, predicted, interval, below, flagged)
    overall = group_scores(*rows)
    squared = (predicted - targets) ** 2

    tables: dict[str, Grouping] = {}
    sentences: list[str] = []
    for label, key in groupings(table).items():
        names = np.array([key(table.students[i]) for i in student_ids.tolist()])
        groups: dict[str, GroupScores] = {}
        for name in sorted(set(names.tolist()), key=lambda text: (text == NONE_GIVEN, text)):
            chosen = names == name
            groups[name] = group_scores(*(values[chosen] for values in rows))
        tables[label] = {"overall": overall, "groups": groups}
        for score in SCORES:
            sentences.append(_difference_sentence(label, score, overall, groups, squared, repeats))
    return {
        "cutoff": risks[0].cutoffs[cutoff_index],
        "flag_at": FLAG_AT,
        "predictions": len(targets),
        "groupings": tables,
        "differences": sentences,
    }


def _standard_error(
    score: ComparedScore,
    overall: GroupScores,
    group: GroupScores,
    squared: np.ndarray,
    repeats: int,
) -> float | None:
    """The sampling noise of the figure of a group of this size drawn from every student
    (`squared`: every student's squared error); None when it has too few rows to say."""
    students = group[SAMPLE_COUNT[score]] / repeats
    if students < 2:
        return None
    if score == "mse":
        return float(np.std(squared, ddof=1) / math.sqrt(students))
    rate = overall[score]  # the binomial noise if the group had the overall rate
    if rate is None:
        return None
    return math.sqrt(rate * (1 - rate) / students)


def _difference_sentence(
    label: str,
    score: ComparedScore,
    overall: GroupScores,
    groups: dict[str, GroupScores],
    squared: np.ndarray,
    repeats: int,
) -> str:
    word, places = SCORES[score]
    reference = overall[score]
    if reference is None:
        return f"{word} by {label}: not defined overall (no student fell below or was flagged)"
    measured = []
    for name, group in groups.items():
        value = group[score]
        error = _standard_error(score, overall, group, squared, repeats)
        if value is None or error is None:
            continue
        gap = abs(value - reference)
        distance = gap / error if error > 0 else (math.inf if gap > 0 else 0.0)
        measured.append((distance, name, value, group))
    if not measured:
        return f"{word} by {label}: no group has enough students to compare"

    def described(name: str, value: float, group: GroupScores) -> str:
        counts = f"n={group['n']}"
        if score == "recall":
            counts += f", {group['below']} fell below"
        elif score == "false_alarms":
            counts += f", {group['flagged']} flagged"
        figures = f"{value:.{places}f} vs {reference:.{places}f} overall"
        return f"{label} {name}: {word} {figures} ({counts})"

    measured.sort(key=lambda item: -item[0])
    beyond = [item for item in measured if item[0] > NOISE_STANDARD_ERRORS]
    if beyond:
        named = "; ".join(described(name, value, group) for _, name, value, group in beyond[:3])
        more = f" (and {len(beyond) - 3} more)" if len(beyond) > 3 else ""
        return (
            f"{word} by {label} differs beyond sampling noise (more than 2 standard errors, "
            f"roughly): {named}{more}"
        )
    distance, name, value, group = measured[0]
    if distance == 0:
        return f"{word} by {label}: every group has the overall {reference:.{places}f}"
    return (
        f"{word} by {label}: no group differs from overall beyond sampling noise; the "
        f"furthest is {described(name, value, group)}"
    )


def _rounded(scores: GroupScores) -> dict[str, object]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()}


def card_fairness_summary(report: FairnessSection) -> dict[str, object]:
    """The card's copy: the same tables, rounded, and the sentences (plain JSON)."""
    return {
        "split": "seed split",
        "cutoff": report["cutoff"],
        "flag_at": report["flag_at"],
        "predictions": report["predictions"],
        "groupings": {
            label: {
                "overall": _rounded(grouping["overall"]),
                "groups": {name: _rounded(s) for name, s in grouping["groups"].items()},
            }
            for label, grouping in report["groupings"].items()
        },
        "differences": report["differences"],
    }
