"""Request and response bodies, with the examples the docs page shows.

Validation is strict on purpose: a string "7.5" or a `true` where a grade belongs is a client
bug that coercion would hide, so it is refused with a 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# A hard ceiling for the schema; the model's own longest history (from its card, usually 4)
# is checked by the route, so that 10,000 grades are refused before anything else happens.
HISTORY_CEILING = 64
# Likewise for batches: CGPA_MAX_BATCH (default 1000) is the real limit.
BATCH_CEILING = 100_000

Grade = Annotated[
    float,
    Field(ge=0, le=10, strict=True, allow_inf_nan=False, description="A GPA on the 0-10 scale."),
]


class StudentHistory(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"grades": [7.1, 7.4, 7.9, 8.0], "college_code": 165}]},
    )

    grades: list[Grade] = Field(
        min_length=1,
        max_length=HISTORY_CEILING,
        # One error per student, not per grade: a 1 MB batch of bad grades otherwise makes
        # ~100,000 errors and holds the event loop for seconds (tests/reliability).
        fail_fast=True,
        description="The semesters so far, oldest first (at most the model's `max_history`).",
    )
    college_code: int | None = Field(
        None,
        strict=True,
        ge=0,
        le=2**31 - 1,
        description="Optional. A college the model does not know uses its 'unknown' slot.",
    )


class BatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "students": [
                        {"grades": [7.1, 7.4, 7.9, 8.0], "college_code": 165},
                        {"grades": [6.2, 5.9]},
                    ]
                }
            ]
        },
    )

    students: list[StudentHistory] = Field(
        min_length=1, max_length=BATCH_CEILING, description="At most CGPA_MAX_BATCH students."
    )


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
                }
            ]
        },
    )

    predicted_cgpa: float = Field(description="The forecast GPA of `semester`, 0-10.")
    interval: Interval
    semester: int = Field(description="The semester being predicted (history length + 1).")
    model_version: str
    warnings: list[str] = Field(
        default_factory=list, description="E.g. that the college was unknown to the model."
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
