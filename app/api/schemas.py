"""Response bodies and the error envelopes, with the examples the docs page shows.

The request bodies, whose limits come from the served model, are in app/api/request_models.py.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Interval(BaseModel):
    low: float
    high: float
    level: float = Field(description="The share of outcomes the interval is built to cover.")


class Prediction(BaseModel):
    model_config = ConfigDict(
        protected_namespaces=(),
        json_schema_extra={
            "examples": [
                {
                    "predicted_cgpa": 7.93,
                    "interval": {"low": 7.31, "high": 8.55, "level": 0.9},
                    "semester": 5,
                    "model_version": "1.0.0+3f2a9c1e",
                    "warnings": [],
                },
                {
                    "predicted_cgpa": 7.93,
                    "interval": {"low": 7.31, "high": 8.55, "level": 0.9},
                    "semester": 4,
                    "model_version": "1.0.0+3f2a9c1e",
                    "warnings": [],
                    "path": [
                        {
                            "semester": 4,
                            "predicted_cgpa": 7.93,
                            "interval": {"low": 7.31, "high": 8.55, "level": 0.9},
                        },
                        {
                            "semester": 5,
                            "predicted_cgpa": 8.02,
                            "interval": {"low": 7.12, "high": 8.92, "level": 0.9},
                        },
                    ],
                    "final_cgpa": {
                        "semesters": 5,
                        "predicted_cgpa": 7.71,
                        "interval": {"low": 7.39, "high": 8.03, "level": 0.9},
                        "risk": {"below": 7.5, "probability": 0.1875},
                    },
                },
            ]
        },
    )

    predicted_cgpa: float = Field(description="The forecast GPA of `semester`.")
    interval: Interval
    semester: int = Field(description="The semester being predicted (history length + 1).")
    model_version: str
    warnings: list[str] = Field(
        default_factory=list, description="E.g. that the college was unknown to the model."
    )
    warning_details: list[WarningDetail] | None = Field(
        None,
        description="Present only when `warnings` is not empty: one entry per warning, in "
        "the same order, with a code and the fields it is about, for clients that act on a "
        "warning rather than show its sentence.",
    )
    risk: Risk | None = Field(None, description="Present when a cut-off was asked for.")
    explanation: Explanation | None = Field(None, description="Present when asked for.")
    path: list[PathPoint] | None = Field(
        None,
        description="Present when `path` was asked for: every semester after the history "
        "through the model's last (`path.final_semesters` on its card). The first is this "
        "answer's own forecast; each later one has its own interval, calibrated on held-out "
        "residuals of that horizon.",
    )
    final_cgpa: FinalCgpa | None = Field(
        None, description="Present when `path` was asked for: where the student will finish."
    )
    forecast_id: str | None = Field(
        None,
        description="Present when the student carried a `student_id`: the id (a UUID) under "
        "which this forecast is recorded, committed before this answer was sent.",
    )


# The closed set of warning codes an answer's `warning_details` may carry (README, API section).
WarningCode = Literal["unknown_group", "unusual_grades"]
UNKNOWN_GROUP: WarningCode = "unknown_group"
UNUSUAL_GRADES: WarningCode = "unusual_grades"


class WarningDetail(BaseModel):
    code: WarningCode = Field(
        description="`unknown_group`: the group code (`college_code`) is not one the model was "
        "trained with, so it was predicted with the unknown-group slot. `unusual_grades`: "
        "the grades in `fields` are outside those the model saw in training at that "
        "semester, so the forecast is an extrapolation."
    )
    fields: list[str] = Field(
        min_length=1,
        description="The student's fields the warning is about, named as in the request: "
        "`college_code`, `grades[i]` (0 = the first semester).",
    )
    message: str = Field(description="The warning's sentence, as in `warnings`.")


class Risk(BaseModel):
    below: float = Field(description="The cut-off asked for, on the model's scale.")
    probability: float = Field(
        ge=0, le=1, description="The chance that the next grade falls below `below`."
    )


class PathPoint(BaseModel):
    semester: int = Field(description="The semester forecast (1 = the first).")
    predicted_cgpa: float = Field(description="The forecast GPA of `semester`.")
    interval: Interval


class FinalRisk(BaseModel):
    below: float = Field(description="The cut-off asked for (`final_below`), on the model's scale.")
    probability: float = Field(
        ge=0, le=1, description="The chance that the final CGPA falls below `below`."
    )


class FinalCgpa(BaseModel):
    semesters: int = Field(description="The semesters the final CGPA averages: all of them.")
    predicted_cgpa: float = Field(
        description="The mean of every semester: the grades given and the forecast ones."
    )
    interval: Interval = Field(
        description="Calibrated on the final CGPA's own held-out residuals (not a sum of the "
        "semesters' intervals)."
    )
    risk: FinalRisk | None = Field(None, description="Present when `final_below` was sent.")


class Contribution(BaseModel):
    input: str = Field(description="`grades[i]` or `college_code`.")
    value: float = Field(description="How far this input moved the forecast, in grade points.")


class Explanation(BaseModel):
    baseline: float = Field(
        description="The forecast for the typical student: the training population's mean "
        "grade at each semester, and no particular group."
    )
    contributions: list[Contribution]
    prediction: float = Field(
        description="The forecast unrounded: `baseline` plus the sum of the contributions."
    )


class BatchPrediction(BaseModel):
    predictions: list[Prediction] = Field(description="One per student, in request order.")


class ErrorDetail(BaseModel):
    field: str = Field(description="Where the problem is, e.g. `grades[2]` or `students[3]`.")
    message: str
    type: str


class ErrorResponse(BaseModel):
    error: str = Field(description="A stable machine-readable code, e.g. `validation_error`.")
    message: str = Field(description="One human-readable sentence naming the field and why.")
    detail: list[ErrorDetail] = Field(default_factory=list)


# The Open Inference Protocol's error envelope (ErrorStyle.PROTOCOL); no docstring, which
# would become the schema's description.
class ProtocolErrorBody(BaseModel):
    error: str = Field(description="What was wrong, starting with the field it is about.")
