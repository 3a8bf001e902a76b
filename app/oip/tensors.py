"""Students out of Open Inference Protocol tensors.

The protocol sends tensors, not students: `grades` is one `[batch, history]` tensor, so every
history in one request has the same length (send mixed lengths as separate requests, or use
`/predict/batch`). `college_code` is an optional `[batch]` tensor where -1 means "not given".
Tensor data may be flat (row-major) or nested exactly as the shape says, as the protocol allows.

Every problem is an ApiError 400 whose message starts with the field, e.g.
`inputs[0].data[3]: 12 is above this model's scale 0-10`. A grade is checked by the same rule
(and worded by the same function) as a grade sent to /predict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError

from app.api.errors import ApiError
from app.api.request_models import (
    COLLEGE_CODE_MAX,
    COLLEGE_CODE_MAX_LENGTH,
    STUDENT_ID_MAX_LENGTH,
    printable,
)
from app.api.validation import describe
from app.model.card import NO_COLLEGE
from app.model.limits import Limits
from app.oip.schemas import (
    COLLEGE_CODE,
    FORECAST_ID_OUTPUT,
    GRADES,
    OUTPUT_NAMES,
    RISK_OUTPUT,
    RISK_PARAMETER,
    STUDENT_ID,
    InferenceRequest,
    RequestInput,
)

T = TypeVar("T")

GRADE_DATATYPES = ("FP32", "FP64")
# INT32 too: a client holding numpy int32 codes should not have to cast them first.
INTEGER_CODE_DATATYPES = ("INT64", "INT32")
# The protocol's strings are BYTES tensors; "" is "no code given", as -1 is for integers.
STRING_CODE_DATATYPES = ("BYTES",)
NO_STRING_CODE = ""
IntegerCode = Annotated[int, Field(strict=True, ge=NO_COLLEGE, le=COLLEGE_CODE_MAX)]
StringCode = Annotated[str, Field(strict=True, max_length=COLLEGE_CODE_MAX_LENGTH)]
# Built once: a reader is made per request, and building an adapter costs far more than that.
INTEGER_CODES: TypeAdapter[list[Any]] = TypeAdapter(list[IntegerCode])
STRING_CODES: TypeAdapter[list[Any]] = TypeAdapter(list[StringCode])
# "" is "no id: not recorded", as "" is "no code" for string codes.
StudentIdOrNone = Annotated[
    str, Field(strict=True, max_length=STUDENT_ID_MAX_LENGTH), AfterValidator(printable)
]
STUDENT_IDS: TypeAdapter[list[Any]] = TypeAdapter(list[StudentIdOrNone])
INPUT_NAMES = (GRADES, COLLEGE_CODE, STUDENT_ID)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


@dataclass(frozen=True, slots=True)
class Students:
    histories: list[list[float]]
    colleges: list[Any]  # the card's kind of code, or None
    # None without the input; else one per student, None for "" (not recorded).
    student_ids: list[str | None] | None = None
    # Where the student_id input was, for the errors about it (`inputs[2]`).
    student_id_input: str = ""


class TensorReader:
    """Reads the students of an inference request against the served model's limits."""

    def __init__(self, limits: Limits, grade_adapter: TypeAdapter[list[float]]) -> None:
        self.limits = limits
        self.grades = grade_adapter
        strings = limits.code_kind == "string"
        self.code_datatypes = STRING_CODE_DATATYPES if strings else INTEGER_CODE_DATATYPES
        self.no_code: int | str = NO_STRING_CODE if strings else NO_COLLEGE
        self.colleges = STRING_CODES if strings else INTEGER_CODES

    def students(self, request: InferenceRequest) -> Students:
        by_name: dict[str, tuple[int, RequestInput]] = {}
        for index, tensor in enumerate(request.inputs):
            if tensor.name not in INPUT_NAMES:
                raise bad_request(
                    f"inputs[{index}].name: unknown input {tensor.name!r}; this model takes "
                    f"{GRADES!r} and optionally {COLLEGE_CODE!r} and {STUDENT_ID!r}"
                )
            if tensor.name in by_name:
                raise bad_request(f"inputs[{index}].name: input {tensor.name!r} is given twice")
            by_name[tensor.name] = (index, tensor)
        if GRADES not in by_name:
            raise bad_request(f"inputs: the input {GRADES!r} is required")
        histories = self._read_grades(*by_name[GRADES])
        colleges: list[Any] = [None] * len(histories)
        if COLLEGE_CODE in by_name:
            colleges = self._read_colleges(*by_name[COLLEGE_CODE], batch=len(histories))
        if STUDENT_ID not in by_name:
            return Students(histories, colleges)
        index, tensor = by_name[STUDENT_ID]
        ids = self._read_student_ids(index, tensor, batch=len(histories))
        return Students(histories, colleges, ids, f"inputs[{index}]")

    def _read_grades(self, index: int, tensor: RequestInput) -> list[list[float]]:
        where = f"inputs[{index}]"
        _check_datatype(where, tensor, GRADE_DATATYPES)
        if len(tensor.shape) != 2:
            raise bad_request(
                f"{where}.shape: {GRADES} must have shape [batch, history], not {tensor.shape}"
            )
        batch, history = tensor.shape
        longest, max_batch = self.limits.max_history, self.limits.max_batch
        if not 1 <= batch <= max_batch:
            raise bad_request(
                f"{where}.shape[0]: the batch should have 1 to {max_batch} students "
                f"(CGPA_MAX_BATCH), not {batch}"
            )
        if not 1 <= history <= longest:
            raise bad_request(
                f"{where}.shape[1]: a history should have 1 to {longest} semesters "
                f"(the model's longest history), not {history}"
            )
        grades = self._validated(where, tensor, self.grades, GRADES)
        return [grades[row * history : (row + 1) * history] for row in range(batch)]

    def _read_colleges(self, index: int, tensor: RequestInput, batch: int) -> list[Any]:
        where = f"inputs[{index}]"
        _check_datatype(where, tensor, self.code_datatypes)
        if tensor.shape != [batch]:
            raise bad_request(
                f"{where}.shape: {COLLEGE_CODE} must have shape [{batch}] (one code per "
                f"student, {self.no_code!r} for none), not {tensor.shape}"
            )
        codes = self._validated(where, tensor, self.colleges, COLLEGE_CODE)
        return [None if code == self.no_code else code for code in codes]

    def _read_student_ids(self, index: int, tensor: RequestInput, batch: int) -> list[str | None]:
        where = f"inputs[{index}]"
        _check_datatype(where, tensor, STRING_CODE_DATATYPES)
        if tensor.shape != [batch]:
            raise bad_request(
                f"{where}.shape: {STUDENT_ID} must have shape [{batch}] (one id per student, "
                f"'' for none), not {tensor.shape}"
            )
        ids = self._validated(where, tensor, STUDENT_IDS, STUDENT_ID)
        return [student_id or None for student_id in ids]

    def _validated(
        self, where: str, tensor: RequestInput, adapter: TypeAdapter[list[T]], field: str
    ) -> list[T]:
        try:
            return adapter.validate_python(_flat_values(where, tensor))
        except ValidationError as error:
            problems = error.errors(include_url=False)
            first = problems[0]
            position = [int(first["loc"][0])]
            if any(isinstance(item, list) for item in tensor.data):
                position = _unravel(position[0], tensor.shape)
            indexes = "".join(f"[{part}]" for part in position)
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            reason = describe(first, self.limits.scale, field)
            raise bad_request(f"{where}.data{indexes}: {reason}{more}") from None


def risk_cutoff(request: InferenceRequest, scale: tuple[float, float]) -> float | None:
    """The request parameter `risk_below`, checked like /predict's field, or None."""
    parameters = request.parameters or {}
    if RISK_PARAMETER not in parameters:
        return None
    value = parameters[RISK_PARAMETER]
    low, high = scale
    where = f"parameters.{RISK_PARAMETER}"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise bad_request(f"{where}: must be a finite number on the model's scale")
    if not low <= value <= high:
        raise bad_request(f"{where}: {value:g} is outside this model's scale {low:g}-{high:g}")
    return float(value)


def requested_outputs(request: InferenceRequest, with_risk: bool, with_ids: bool) -> list[str]:
    available = [*OUTPUT_NAMES, RISK_OUTPUT] if with_risk else list(OUTPUT_NAMES)
    if with_ids:
        available.append(FORECAST_ID_OUTPUT)
    if request.outputs is None:
        return available
    names = []
    for index, output in enumerate(request.outputs):
        if output.name == RISK_OUTPUT and not with_risk:
            raise bad_request(
                f"outputs[{index}].name: {RISK_OUTPUT} needs the request parameter "
                f"{RISK_PARAMETER} (a cut-off on the model's scale)"
            )
        if output.name == FORECAST_ID_OUTPUT and not with_ids:
            raise bad_request(
                f"outputs[{index}].name: {FORECAST_ID_OUTPUT} needs the input {STUDENT_ID} "
                "(the ids of the students whose forecasts are recorded)"
            )
        if output.name not in available:
            raise bad_request(
                f"outputs[{index}].name: unknown output {output.name!r}; "
                f"this model gives {', '.join(available)}"
            )
        names.append(output.name)
    return names


def _check_datatype(where: str, tensor: RequestInput, allowed: tuple[str, ...]) -> None:
    if tensor.datatype not in allowed:
        raise bad_request(
            f"{where}.datatype: {tensor.name} must be {' or '.join(allowed)}, "
            f"not {tensor.datatype!r}"
        )


def _flat_values(where: str, tensor: RequestInput) -> list[Any]:
    """The tensor's values in row-major order, from flat data or data nested as the shape."""
    expected = math.prod(tensor.shape)
    data = tensor.data
    if any(isinstance(item, list) for item in data):
        values: list[Any] = []
        _collect_nested(data, tensor.shape, f"{where}.data", values)
    else:
        values = data
    if len(values) != expected:
        raise bad_request(
            f"{where}.data: shape {tensor.shape} holds {expected} values, not {len(values)}"
        )
    return values


def _collect_nested(node: Any, shape: Sequence[int], name: str, values: list[Any]) -> None:
    # Depth is bounded by the shape's length (at most 8), whatever the body's nesting.
    if not shape:
        if isinstance(node, list):
            raise bad_request(f"{name}: nested deeper than the shape says")
        values.append(node)
        return
    if not isinstance(node, list) or len(node) != shape[0]:
        raise bad_request(
            f"{name}: nested data must follow the shape exactly (a list of {shape[0]} here)"
        )
    for position, child in enumerate(node):
        _collect_nested(child, shape[1:], f"{name}[{position}]", values)


def _unravel(flat_index: int, shape: Sequence[int]) -> list[int]:
    position = []
    for size in reversed(shape):
        flat_index, remainder = divmod(flat_index, size)
        position.append(remainder)
    return position[::-1]
