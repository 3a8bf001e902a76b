"""The body of POST /outcomes, with the served model's limits: grades on the card's scale,
semesters a forecast can name (2 to the longest history plus one), at most CGPA_MAX_OUTCOMES
items. As strict as the prediction bodies (app/api/request_models.py)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, create_model

from app.api.request_models import StudentIdText, grade_on_scale, with_examples
from app.model.limits import Limits

OUTCOME_KEYS = tuple(f'"{name}"'.encode() for name in ("student_id", "semester", "grade"))

StudentId = Annotated[
    StudentIdText,
    Field(
        description="The institution's student id, 1-128 printable characters. The store "
        "keeps only its keyed hash (HMAC-SHA256 under CGPA_ID_KEY), never the id.",
    ),
]


class Outcome(BaseModel):
    # `semester` and `grade` are added by `outcome_models`, with the served model's limits.
    model_config = ConfigDict(extra="forbid")


class OutcomesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=with_examples)
    examples: ClassVar[list[dict[str, Any]]] = []

    def literal_keys(self) -> tuple[tuple[bytes, ...], int]:
        """The keys' spellings and how many the objects held (app/api/strict_json.py)."""
        items = getattr(self, "outcomes")  # noqa: B009
        return (b'"outcomes"', *OUTCOME_KEYS), 1 + 3 * len(items)


def outcome_models(limits: Limits, max_outcomes: int) -> type[OutcomesRequest]:
    low, high = limits.scale
    last_semester = limits.max_history + 1
    grade: Any = grade_on_scale(
        limits, f"The real grade point average of that semester, {low:g}-{high:g}."
    )
    semester: Any = Annotated[
        int,
        Field(
            strict=True,
            ge=2,
            le=last_semester,
            description=f"The semester graded, as a forecast's `semester` names it: 2 to "
            f"{last_semester}.",
        ),
    ]
    outcome = create_model(
        "Outcome",
        __base__=Outcome,
        student_id=(StudentId, ...),
        semester=(semester, ...),
        grade=(grade, ...),
    )
    example = {
        "student_id": "s-1",
        "semester": last_semester,
        "grade": round(low + 0.79 * (high - low), 2),
    }
    items = Field(
        min_length=1,
        max_length=max_outcomes,
        description=f"1 to {max_outcomes} real grades (CGPA_MAX_OUTCOMES).",
    )
    return create_model(
        "OutcomesRequest",
        __base__=OutcomesRequest,
        __namespace__={"examples": [{"outcomes": [example]}]},
        outcomes=(list[outcome], items),
    )
