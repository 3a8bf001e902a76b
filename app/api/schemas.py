"""Request and response bodies, with the examples the docs page shows.

The request models are built at startup from the served model's card and the settings
(`request_models`), so the limits they enforce (the longest history, the grade scale, the
batch size) are the very ones /openapi.json publishes. Validation is strict on purpose: a
string "7.5" or a `true` where a grade belongs is a client bug that coercion would hide.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from app.model.limits import Limits

COLLEGE_CODE_MAX = 2**31 - 1
# A student's keys as they are spelled in JSON text (app/api/strict_json.py counts them).
STUDENT_KEYS = tuple(
    f'"{name}"'.encode() for name in ("grades", "college_code", "risk_below", "explain")
)
# A string code is a label (`GP`, `CSE`), never a document.
COLLEGE_CODE_MAX_LENGTH = 64


_fields_set = attrgetter("__pydantic_fields_set__")


def example_student(limits: Limits, codes: list[int] | list[str]) -> dict:
    """A valid history for the docs: the longest, mid-scale, with a code the model knows."""
    low, high = limits.scale
    steps = min(limits.max_history, 4)
    grades = [round(low + (high - low) * (0.70 + 0.02 * step), 2) for step in range(steps)]
    return {"grades": grades, "college_code": codes[0]} if codes else {"grades": grades}


@dataclass(frozen=True)
class RequestModels:
    limits: Limits
    student: type[BaseModel]
    batch: type[BaseModel]
    # The same grade rule for tensors of grades (the Open Inference Protocol's routes).
    grades: TypeAdapter[list[float]]


def request_models(
    limits: Limits, group_label: str = "college", codes: list[int] | list[str] | None = None
) -> RequestModels:
    """The request models for a model with these limits; `group_label` and `codes` (the
    card's) only word the docs."""
    low, high = limits.scale
    example = example_student(limits, codes or [])
    if limits.code_kind == "string":
        code: object = Annotated[
            str, Field(strict=True, min_length=1, max_length=COLLEGE_CODE_MAX_LENGTH)
        ]
    else:
        code = Annotated[int, Field(strict=True, ge=0, le=COLLEGE_CODE_MAX)]
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
        model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})

        grades: list[grade] = Field(  # type: ignore[valid-type]
            min_length=1,
            max_length=limits.max_history,
            # One error per student, not per grade: a 1 MB batch of bad grades otherwise
            # makes ~100,000 errors and holds the event loop for seconds.
            fail_fast=True,
            description=f"The semesters so far, oldest first: 1 to {limits.max_history}.",
        )
        risk_below: float | None = Field(
            None,
            ge=low,
            le=high,
            strict=True,
            allow_inf_nan=False,
            description="Optional cut-off on the model's scale: the answer's `risk` is the "
            "chance that the next grade falls below it (CGPA_RISK_BELOW, when set, is the "
            "default; send null for none).",
        )
        explain: bool = Field(
            False,
            strict=True,
            description="When true, the answer's `explanation` says how much each grade and "
            "the group moved the forecast from the typical student's.",
        )
        college_code: code | None = Field(  # type: ignore[valid-type]
            None,
            description=f"Optional: the student's {group_label} ({limits.code_kind} code, as "
            "in the training data). A code the model does not know is predicted with its "
            "'unknown' slot, and the answer's warnings say so.",
        )

        def literal_keys(self) -> tuple[tuple[bytes, ...], int]:
            """The keys of the JSON text this was parsed from, and how often they occur
            there in all if none was duplicated (app/api/strict_json.py)."""
            return STUDENT_KEYS, len(self.__pydantic_fields_set__)

    class BatchRequest(BaseModel):
        model_config = ConfigDict(
            extra="forbid",
            json_schema_extra={
                "examples": [{"students": [example, {"grades": example["grades"][:1]}]}]
            },
        )

        students: list[StudentHistory] = Field(
            min_length=1,
            max_length=limits.max_batch,
            description=f"1 to {limits.max_batch} students (CGPA_MAX_BATCH).",
        )

        def literal_keys(self) -> tuple[tuple[bytes, ...], int]:
            given = sum(map(len, map(_fields_set, self.students)))
            return (b'"students"', *STUDENT_KEYS), 1 + given

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
    risk: Risk | None = Field(None, description="Present when a cut-off was asked for.")
    explanation: Explanation | None = Field(None, description="Present when asked for.")


class Risk(BaseModel):
    below: float = Field(description="The cut-off asked for, on the model's scale.")
    probability: float = Field(
        ge=0, le=1, description="The chance that the next grade falls below `below`."
    )


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
