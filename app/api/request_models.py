"""The request bodies of /predict and /predict/batch, with the served model's limits.

The classes are written here once; `request_models` fills in, at startup, the fields whose
limits come from the card and the settings (the longest history, the grade scale, the batch
size, the kind of college code), so the limits pydantic enforces are the very ones
/openapi.json publishes. Validation is strict on purpose: a string "7.5" or a `true` where a
grade belongs is a client bug that coercion would hide.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, create_model
from starlette.applications import Starlette

from app.model.limits import Limits

COLLEGE_CODE_MAX = 2**31 - 1
# A student's keys as they are spelled in JSON text (app/api/strict_json.py counts them).
STUDENT_KEYS = tuple(
    f'"{name}"'.encode()
    for name in (
        "grades",
        "college_code",
        "risk_below",
        "explain",
        "student_id",
        "path",
        "final_below",
    )
)
# A string code is a label (`GP`, `CSE`), never a document.
COLLEGE_CODE_MAX_LENGTH = 64

_fields_set = attrgetter("__pydantic_fields_set__")
STUDENT_ID_MAX_LENGTH = 128
NOT_PRINTABLE = (
    "must be printable: no control characters (tab, newline, NUL...), no lone surrogates"
)


def printable(student_id: str) -> str:
    """Refuses ids a log line, a terminal or UTF-8 cannot carry as they are. Unicode letters,
    spaces and symbols are printable; what is refused would let one id hide as another."""
    if not student_id.isprintable():
        raise ValueError(NOT_PRINTABLE)
    return student_id


# A student's id, as the institution writes it: the one rule for every route that takes one
# (predictions, outcomes, erasure). Only its HMAC is stored (app/store/keys.py).
StudentIdText = Annotated[
    str,
    Field(strict=True, min_length=1, max_length=STUDENT_ID_MAX_LENGTH),
    AfterValidator(printable),
]
StudentId = Annotated[
    StudentIdText,
    Field(
        description="Optional: the student's id (1 to 128 printable characters). With it, "
        "the forecast is recorded and the answer carries its `forecast_id`; only a keyed "
        "hash of the id is stored.",
    ),
]


def with_examples(schema: dict[str, Any], model: type[Any]) -> None:
    schema["examples"] = model.examples


class StudentHistory(BaseModel):
    # The fields are added by `request_models`, with the served model's limits.
    model_config = ConfigDict(extra="forbid", json_schema_extra=with_examples)
    examples: ClassVar[list[dict[str, Any]]] = []

    def literal_keys(self) -> tuple[tuple[bytes, ...], int]:
        """The keys of the JSON text this was parsed from, and how often they occur there
        in all if none was duplicated (app/api/strict_json.py)."""
        return STUDENT_KEYS, len(self.__pydantic_fields_set__)


class BatchRequest(BaseModel):
    # `students` is added by `request_models`, with the served model's limits.
    model_config = ConfigDict(extra="forbid", json_schema_extra=with_examples)
    examples: ClassVar[list[dict[str, Any]]] = []

    def literal_keys(self) -> tuple[tuple[bytes, ...], int]:
        given = sum(map(len, map(_fields_set, getattr(self, "students"))))  # noqa: B009
        return (b'"students"', *STUDENT_KEYS), 1 + given


@dataclass(frozen=True)
class RequestModels:
    limits: Limits
    student: type[StudentHistory]
    batch: type[BatchRequest]
    # The same grade rule for tensors of grades (the Open Inference Protocol's routes).
    grades: TypeAdapter[list[float]]


def grade_on_scale(limits: Limits, description: str) -> Any:
    """A grade as every request takes one: a finite JSON number on the card's scale."""
    low, high = limits.scale
    return Annotated[
        float,
        Field(ge=low, le=high, strict=True, allow_inf_nan=False, description=description),
    ]


def example_student(limits: Limits, codes: list[int] | list[str]) -> dict[str, Any]:
    """A valid history for the docs: the longest, mid-scale, with a code the model knows."""
    low, high = limits.scale
    steps = min(limits.max_history, 4)
    grades = [round(low + (high - low) * (0.70 + 0.02 * step), 2) for step in range(steps)]
    return {"grades": grades, "college_code": codes[0]} if codes else {"grades": grades}


def request_models(
    limits: Limits,
    group_label: str = "college",
    codes: list[int] | list[str] | None = None,
    paths: bool = False,
) -> RequestModels:
    """The request models for a model with these limits; `group_label`, `codes` (the
    card's) and `paths` (whether the card has a path: format 4) only word the docs."""
    low, high = limits.scale
    example = example_student(limits, codes or [])
    # A path needs a format 4 model; only its docs show one asked for.
    examples = [example]
    if paths:
        cutoff = round(low + (high - low) * 0.6, 2)
        examples.append({**example, "path": True, "final_below": cutoff})
    code: Any
    if limits.code_kind == "string":
        code = Annotated[str, Field(strict=True, min_length=1, max_length=COLLEGE_CODE_MAX_LENGTH)]
    else:
        code = Annotated[int, Field(strict=True, ge=0, le=COLLEGE_CODE_MAX)]
    grade: Any = grade_on_scale(
        limits, f"A grade point average on the model's {low:g}-{high:g} scale."
    )
    grades = Field(
        min_length=1,
        max_length=limits.max_history,
        # One error per student, not per grade: a 1 MB batch of bad grades otherwise
        # makes ~100,000 errors and holds the event loop for seconds.
        fail_fast=True,
        description=f"The semesters so far, oldest first: 1 to {limits.max_history}.",
    )
    risk_below = Field(
        None,
        ge=low,
        le=high,
        strict=True,
        allow_inf_nan=False,
        description="Optional cut-off on the model's scale: the answer's `risk` is the "
        "chance that the next grade falls below it (CGPA_RISK_BELOW, when set, is the "
        "default; send null for none).",
    )
    explain = Field(
        False,
        strict=True,
        description="When true, the answer's `explanation` says how much each grade and "
        "the group moved the forecast from the typical student's.",
    )
    path = Field(
        False,
        strict=True,
        description="When true, the answer's `path` forecasts every semester after the "
        "history through the model's last (`path.final_semesters` on its card: the longest "
        "history it was trained on), each with its own interval, and its `final_cgpa` the "
        "mean of all the semesters (the grades given and the forecast ones). "
        "Needs a model trained for it (card format 4); an older one answers 422.",
    )
    final_below = Field(
        None,
        ge=low,
        le=high,
        strict=True,
        allow_inf_nan=False,
        description="Optional cut-off on the model's scale, with `path` only: "
        "`final_cgpa.risk` is the chance that the final CGPA falls below it.",
    )
    college_code = Field(
        None,
        description=f"Optional: the student's {group_label} ({limits.code_kind} code, as "
        "in the training data). A code the model does not know is predicted with its "
        "'unknown' slot, and the answer's warnings say so.",
    )
    student = create_model(
        "StudentHistory",
        __base__=StudentHistory,
        __namespace__={"examples": examples},
        grades=(list[grade], grades),
        risk_below=(float | None, risk_below),
        explain=(bool, explain),
        college_code=(code | None, college_code),
        student_id=(StudentId | None, None),
        path=(bool, path),
        final_below=(float | None, final_below),
    )
    students = Field(
        min_length=1,
        max_length=limits.max_batch,
        description=f"1 to {limits.max_batch} students (CGPA_MAX_BATCH).",
    )
    batch = create_model(
        "BatchRequest",
        __base__=BatchRequest,
        __namespace__={"examples": [{"students": [example, {"grades": example["grades"][:1]}]}]},
        students=(list[student], students),
    )
    return RequestModels(limits, student, batch, TypeAdapter(list[grade]))


def request_models_of(app: Starlette) -> RequestModels:
    """The request models `create_app` built for this app from its card."""
    models: RequestModels = app.state.request_models
    return models
