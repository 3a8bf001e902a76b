"""Request and response bodies, with the examples the docs page shows.

The request models are built at startup from the served model's card and the settings
(`request_models`), so the limits they enforce (the longest history, the grade scale, the
batch size) are the very ones /openapi.json publishes. Validation is strict on purpose: a
string "7.5" or a `true` where a grade belongs is a client bug that coercion would hide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from app.model.card import ModelCard

EXAMPLE_STUDENT = {"grades": [7.1, 7.4, 7.9, 8.0], "college_code": 165}
COLLEGE_CODE_MAX = 2**31 - 1


@dataclass(frozen=True)
class Limits:
    """What a request may hold, from the card and the settings."""

    max_history: int
    scale: tuple[float, float]
    max_batch: int

    @classmethod
    def of(cls, card: ModelCard, max_batch: int) -> Limits:
        return cls(card.max_history, card.scale, max_batch)


@dataclass(frozen=True)
class RequestModels:
    limits: Limits
    student: type[BaseModel]
    batch: type[BaseModel]
    # The same grade rule for tensors of grades (the Open Inference Protocol's routes).
    grades: TypeAdapter[list[float]]


def request_models(limits: Limits) -> RequestModels:
    low, high = limits.scale
    grade = Annotated[
        float,
        Field(
            ge=low,
            le=high,
            strict=True,
            allow_inf_nan=False,
            description=f"A grade point average on the model's {low:g}-{high:g} scale.",
        ),
    ]

    class StudentHistory(BaseModel):
        model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_STUDENT]})

        grades: list[grade] = Field(  # type: ignore[valid-type]
            min_length=1,
            max_length=limits.max_history,
            # One error per student, not per grade: a 1 MB batch of bad grades otherwise
            # makes ~100,000 errors and holds the event loop for seconds.
            fail_fast=True,
            description=f"The semesters so far, oldest first: 1 to {limits.max_history}.",
        )
        college_code: int | None = Field(
            None,
            strict=True,
            ge=0,
            le=COLLEGE_CODE_MAX,
            description="Optional. A college the model does not know uses its 'unknown' slot.",
        )

        def literal_key_counts(self) -> dict[bytes, int]:
            """How often each key occurs in the JSON text this was parsed from, if no key
            was duplicated (app/api/strict_json.py)."""
            return {b'"grades"': 1, b'"college_code"': int("college_code" in self.model_fields_set)}

    class BatchRequest(BaseModel):
        model_config = ConfigDict(
            extra="forbid",
            json_schema_extra={"examples": [{"students": [EXAMPLE_STUDENT, {"grades": [6.2]}]}]},
        )

        students: list[StudentHistory] = Field(
            min_length=1,
            max_length=limits.max_batch,
            description=f"1 to {limits.max_batch} students (CGPA_MAX_BATCH).",
        )

        def literal_key_counts(self) -> dict[bytes, int]:
            with_college = sum("college_code" in s.model_fields_set for s in self.students)
            return {
                b'"students"': 1,
                b'"grades"': len(self.students),
                b'"college_code"': with_college,
            }

    return RequestModels(limits, StudentHistory, BatchRequest, TypeAdapter(list[grade]))


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

    predicted_cgpa: float = Field(description="The forecast GPA of `semester`.")
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
