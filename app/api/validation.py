"""The wording of every validation error: pydantic finds the problem, this says it our way.

A message is `field: what is wrong`, e.g. `grades[2]: 12 is above this model's scale 0-10`
or `students: has 1200 students; at most 1000 (CGPA_MAX_BATCH)`. A 422 lists the first
`MAX_DETAILS` problems and its message names the first one and how many more there are:
a 1 MB body can hold ~100,000 invalid values, and describing them all would take seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.api.errors import ApiError

MAX_DETAILS = 20
# An echoed name (an unknown field's, say) is cut to this many characters: a 900 KB name is
# still named, readably, without making the answer twice the size of the body.
MAX_NAME_CHARS = 40
# What each list is a list of, and where its longest length comes from.
NOUNS = {
    "grades": ("grade", "grades"),
    "students": ("student", "students"),
    "outcomes": ("outcome", "outcomes"),
}
LIMIT_REASONS = {
    "grades": "the model's longest history",
    "students": "CGPA_MAX_BATCH",
    "outcomes": "CGPA_MAX_OUTCOMES",
}
JSON_TYPES = {bool: "a boolean", str: "a string", list: "a list", dict: "an object"}


def field_name(location: Sequence[str | int]) -> str:
    """("students", 3, "grades", 0) -> "students[3].grades[0]"; () -> "body"."""
    name = ""
    for part in location:
        if isinstance(part, int):
            name += f"[{part}]"
            continue
        part = str(part)
        if len(part) > MAX_NAME_CHARS:
            part = part[: MAX_NAME_CHARS - 3] + "..."
        name += f".{part}" if name else part
    return name or "body"


def invalid_request(
    errors: Sequence[Mapping[str, Any]],
    scale: tuple[float, float],
    prefix: Sequence[str | int] = (),
) -> ApiError:
    """A 422 for pydantic's `errors()`, with our wording."""
    detail = [
        {
            "field": field_name([*prefix, *error["loc"]]),
            "message": describe(error, scale),
            "type": error["type"],
        }
        for error in errors[:MAX_DETAILS]
    ]
    first = detail[0] if detail else {"field": "body", "message": "invalid request"}
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ApiError(422, f"{first['field']}: {first['message']}{more}", detail)


def invalid_json(reason: str) -> ApiError:
    detail = {"field": "body", "message": f"not valid JSON: {reason}", "type": "json_invalid"}
    return ApiError(422, f"body: not valid JSON: {reason}", [detail])


def describe(error: Mapping[str, Any], scale: tuple[float, float], field: str | None = None) -> str:
    """Our wording of one pydantic error. `field` names what the value is when its location
    does not (the protocol's flat tensor data: a grade at index 3 is just `(3,)`)."""
    kind = error["type"]
    context = error.get("ctx") or {}
    value = error.get("input")
    if field is None:
        named = [part for part in error["loc"] if isinstance(part, str)]
        field = named[-1] if named else ""
    is_grade = field == "grade" or (
        field == "grades" and bool(error["loc"]) and isinstance(error["loc"][-1], int)
    )
    low, high = (_number(bound) for bound in scale)
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field of this request"
    if kind == "too_short":
        least = context["min_length"]
        return f"needs at least {least} {_noun(field, least)}, not {context['actual_length']}"
    if kind == "too_long":
        actual = context["actual_length"]
        reason = f" ({LIMIT_REASONS[field]})" if field in LIMIT_REASONS else ""
        return f"has {actual} {_noun(field, actual)}; at most {context['max_length']}{reason}"
    if kind in ("less_than_equal", "greater_than_equal") and is_grade:
        side = "above" if kind == "less_than_equal" else "below"
        return f"{_number(value)} is {side} this model's scale {low}-{high}"
    if kind == "less_than_equal":
        return f"{_number(value)} is too large; at most {_number(context['le'])}"
    if kind == "greater_than_equal":
        return f"{_number(value)} is too small; at least {_number(context['ge'])}"
    if kind == "finite_number":
        return "must be a finite number"
    if kind == "float_type":
        return f"must be a number, not {_json_type(value)}"
    if kind == "int_type":
        return f"must be a whole number, not {_json_type(value)}"
    if kind == "bool_type":
        return f"must be true or false, not {_json_type(value)}"
    if kind == "string_type":
        return f"must be a string, not {_json_type(value)}"
    if kind == "list_type":
        return f"must be a list, not {_json_type(value)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"must be an object, not {_json_type(value)}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        actual = len(value) if isinstance(value, str) else "more"
        return f"has {actual} characters; at most {context['max_length']}"
    if kind == "value_error" and "error" in context:  # our validators' own sentence
        return str(context["error"])
    if kind == "json_invalid":
        return f"not valid JSON: {context.get('error', 'invalid JSON')}"
    return str(error["msg"])


def _noun(field: str, count: int) -> str:
    singular, plural = NOUNS.get(field, ("item", "items"))
    return singular if count == 1 else plural


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a fraction" if isinstance(value, float) else "a number"
    return next((name for kind, name in JSON_TYPES.items() if isinstance(value, kind)), "that")


def _number(value: Any) -> str:
    """12.0 -> "12", 4.5 -> "4.5": as a person would write the grade."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
