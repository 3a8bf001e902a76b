"""What an advisor acts on, added to the answers that ask for it: the risk of falling below
a cut-off (`risk_below`), the reasons behind a forecast (`explain`), and the road to
graduation (`path`, with `final_below`: app/model/path.py).

The risk comes from the model's conformal predictive distribution (app/model/risk.py), the
explanation from exact Shapley values against the typical student (app/model/explain.py).
Both start from the unrounded prediction the answer was rounded from, so a risk agrees with
the interval, and `baseline + sum(contributions) == prediction` to float precision.

No HTTP here, like the rest of app/model/: a request asking for too many explanations raises
`TooManyExplanations`, and one asking for a path the model cannot give raises `PathRefused`;
the route turns each into its 422.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.model.explain import coalition_rows
from app.model.path import PathRequest
from app.model.predictor import Forecast, Predictor

# Every explained student costs 2^(grades + 1) forward rows; past this many in one request
# the answer would hold the event loop too long (a 1000-student batch of 4 grades is ~32,000).
MAX_EXPLAINED_ROWS = 65_536
RISK_DECIMALS = 4
# Why a path is refused: the card predates it, or a cut-off came without it.
NO_PATH_IN_MODEL = (
    "the served model (card format {format}) cannot forecast a path; it must be retrained "
    "with this version of the service (card format 4) to answer `path`"
)
FINAL_BELOW_WITHOUT_PATH = (
    "is the cut-off of the final CGPA's risk, and only a path has a final CGPA; "
    'send "path": true with it'
)


class TooManyExplanations(ValueError):
    """The explanations asked for in one request would take more than MAX_EXPLAINED_ROWS."""

    def __init__(self, rows: int) -> None:
        super().__init__(
            f"explaining these students takes {rows} forward passes; at most "
            f"{MAX_EXPLAINED_ROWS} in one request (ask for fewer explanations)"
        )


class PathRefused(ValueError):
    """A student's `path` or `final_below` that cannot be answered: `field` names which
    (`path` or `final_below`) of the student at `index`."""

    def __init__(self, index: int, field: str, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.field = field


def path_rows(students: Sequence[Any], predictor: Predictor) -> int:
    """The forward rows the paths asked for take: the module's `path` computes all of its
    columns for every row, up to one forward step each. PathRefused for a path the model
    cannot give, or a `final_below` without a path."""
    rows = 0
    for index, student in enumerate(students):
        if student.path:
            if predictor.path_model is None:
                message = NO_PATH_IN_MODEL.format(format=predictor.card.format_version)
                raise PathRefused(index, "path", message)
            rows += predictor.card.path_horizons
        elif student.final_below is not None:
            raise PathRefused(index, "final_below", FINAL_BELOW_WITHOUT_PATH)
    return rows


def work_rows(students: Sequence[Any], predictor: Predictor) -> int:
    """The forward rows answering these students takes: one each, plus every explanation's
    coalitions and every path's columns. What admission (app/model/admission.py) counts,
    known before any forward pass runs; TooManyExplanations when the explanations alone
    would cost too much, PathRefused for a path that cannot be answered."""
    rows = len(students) + path_rows(students, predictor)
    explained = [student for student in students if student.explain]
    if not explained:
        return rows
    groups = predictor.group_indexes([student.college_code for student in explained])
    explanation_rows = coalition_rows([len(student.grades) for student in explained], groups)
    if explanation_rows > MAX_EXPLAINED_ROWS:
        raise TooManyExplanations(explanation_rows)
    return rows + explanation_rows


def cutoff_of(student: Any, default: float | None) -> float | None:
    """The student's own `risk_below`; the server's default when the field is absent (an
    explicit null asks for no risk)."""
    if "risk_below" in student.model_fields_set:
        return student.risk_below
    return default


async def add_advice(
    answers: list[dict],
    students: Sequence[Any],
    forecasts: Sequence[Forecast],
    predictor: Predictor,
    default_cutoff: float | None,
) -> None:
    """Adds `risk`, `explanation`, `path` and `final_cgpa` to the answers (in place) of the
    students asking (their cost was checked by `work_rows` before the forecasts)."""
    if default_cutoff is None:
        # Without a default an absent field and an explicit null both ask for no risk, so
        # the field set need not be looked at (a 1000-student batch would notice).
        cutoffs = [student.risk_below for student in students]
    else:
        cutoffs = [cutoff_of(student, default_cutoff) for student in students]
    at_risk = [index for index, cutoff in enumerate(cutoffs) if cutoff is not None]
    if at_risk:
        probabilities = predictor.risk.probability_below(
            [forecasts[index].raw for index in at_risk],
            [len(students[index].grades) for index in at_risk],
            [cutoffs[index] for index in at_risk],
            predictor.group_indexes([students[index].college_code for index in at_risk]),
        )
        for index, probability in zip(at_risk, probabilities, strict=True):
            answers[index]["risk"] = {
                # + 0.0 echoes a cut-off sent as -0.0 as the 0.0 it is.
                "below": cutoffs[index] + 0.0,
                "probability": round(probability, RISK_DECIMALS),
            }
    await add_paths(answers, students, forecasts, predictor)
    explained = [index for index, student in enumerate(students) if student.explain]
    if not explained:
        return
    histories = [students[index].grades for index in explained]
    colleges = [students[index].college_code for index in explained]
    explanations = await predictor.explanation_coalescer.run(histories, colleges)
    for index, explanation in zip(explained, explanations, strict=True):
        answers[index]["explanation"] = {
            "baseline": explanation.baseline,
            "contributions": [
                {"input": name, "value": value} for name, value in explanation.contributions
            ],
            "prediction": explanation.predicted,
        }


async def add_paths(
    answers: list[dict],
    students: Sequence[Any],
    forecasts: Sequence[Forecast],
    predictor: Predictor,
) -> None:
    """`path` and `final_cgpa` for the students asking (`work_rows` refused the ones whose
    model has no path)."""
    pathed = [index for index, student in enumerate(students) if student.path]
    if not pathed or predictor.path_model is None:
        return
    histories = [students[index].grades for index in pathed]
    colleges = [students[index].college_code for index in pathed]
    rows = await predictor.path_coalescer.run(histories, colleges)
    requests = [
        PathRequest(
            history,
            group,
            row,
            {
                "predicted_cgpa": forecasts[index].predicted_cgpa,
                "interval": dict(answers[index]["interval"]),
            },
        )
        for index, history, group, row in zip(
            pathed, histories, predictor.group_indexes(colleges), rows, strict=True
        )
    ]
    built = predictor.path_model.answers(
        requests, [students[index].final_below for index in pathed]
    )
    for index, (path, final) in zip(pathed, built, strict=True):
        answers[index]["path"] = path
        answers[index]["final_cgpa"] = final
