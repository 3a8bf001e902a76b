"""Open Inference Protocol (KServe v2 / Triton REST) bodies, and reading students out of them.

The protocol sends tensors, not students: `grades` is one `[batch, history]` tensor, so every
history in one request has the same length (send mixed lengths as separate requests, or use
`/predict/batch`). `college_code` is an optional `[batch]` tensor where -1 means "not given".
Tensor data may be flat (row-major) or nested exactly as the shape says, as the protocol allows.

Errors are the protocol's own, `{"error": "<message>"}`, and each message starts with the field
it is about, e.g. `inputs[0].data[3]: Input should be less than or equal to 10`. The grade and
college rules are the ones `/predict` applies (`app.schemas.Grade`), so both surfaces refuse the
same values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictStr, TypeAdapter, ValidationError

from app.errors import field_name
from app.schemas import HISTORY_CEILING, Grade

T = TypeVar("T")

GRADES = "grades"
COLLEGE_CODE = "college_code"
GRADE_DATATYPES = ("FP32", "FP64")
# INT32 too: a client holding numpy int32 codes should not have to cast them first.
COLLEGE_DATATYPES = ("INT64", "INT32")
NO_COLLEGE_CODE = -1
OUTPUT_NAMES = ("predicted_cgpa", "interval_low", "interval_high")

# The protocol's `$parameters`: free key/value pairs. This model defines none, so whatever a
# client sends (tritonclient sends e.g. `binary_data_output`) is accepted and ignored.
Parameters = dict[str, Any]
# Dimensions are unsigned; the real limits (CGPA_MAX_BATCH, the card's max_history) are checked
# once the tensor's role is known, with a message naming the limit.
Dimension = Annotated[int, Field(strict=True, ge=0)]
CollegeCode = Annotated[int, Field(strict=True, ge=NO_COLLEGE_CODE, le=2**31 - 1)]

_grade_values = TypeAdapter(list[Grade])
_college_values = TypeAdapter(list[CollegeCode])


class RequestInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr
    shape: list[Dimension] = Field(max_length=8)
    datatype: StrictStr
    parameters: Parameters | None = None
    data: list[Any] = Field(description="Row-major flat values, or nested as the shape.")


class RequestOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr
    parameters: Parameters | None = None


class InferenceRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "42",
                    "inputs": [
                        {
                            "name": GRADES,
                            "shape": [2, 2],
                            "datatype": "FP32",
                            "data": [7.1, 7.4, 6.2, 5.9],
                        },
                        {
                            "name": COLLEGE_CODE,
                            "shape": [2],
                            "datatype": "INT64",
                            "data": [165, NO_COLLEGE_CODE],
                        },
                    ],
                    "outputs": [{"name": "predicted_cgpa"}],
                }
            ]
        },
    )

    id: StrictStr | None = Field(None, description="Echoed in the answer.")
    parameters: Parameters | None = Field(None, description="Accepted and ignored.")
    inputs: list[RequestInput] = Field(min_length=1, max_length=8)
    outputs: list[RequestOutput] | None = Field(
        None, description="Which outputs to return, in this order; all three when omitted."
    )


def inference_request_schema() -> dict[str, Any]:
    """InferenceRequest's JSON schema with its `$defs` written in place, for the OpenAPI
    document: the route reads its body itself, so FastAPI does not list these models."""
    schema = InferenceRequest.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return inline(schema)


class ResponseOutput(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    data: list[float]


class InferenceResponse(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    model_name: str
    model_version: str
    id: str | None = Field(None, description="The request's `id`, present when it had one.")
    outputs: list[ResponseOutput]


class MetadataTensor(BaseModel):
    name: str
    datatype: str
    shape: list[int] = Field(description="-1 marks a dimension of any size.")
    parameters: dict[str, str] = Field(default_factory=dict)


class ModelMetadata(BaseModel):
    name: str
    versions: list[str]
    platform: str
    inputs: list[MetadataTensor]
    outputs: list[MetadataTensor]
    parameters: dict[str, Any] = Field(default_factory=dict)


class ServerMetadata(BaseModel):
    name: str
    version: str
    extensions: list[str]


class ProtocolErrorBody(BaseModel):
    error: str = Field(description="What was wrong, starting with the field it is about.")


class InvalidInferenceRequest(ValueError):
    """The body is well-formed JSON but not an inference request this model can answer."""


@dataclass(frozen=True, slots=True)
class Students:
    histories: list[list[float]]
    colleges: list[int | None]


def parse_inference_request(body: Any) -> InferenceRequest:
    try:
        return InferenceRequest.model_validate(body)
    except ValidationError as error:
        raise InvalidInferenceRequest(describe(error)) from None


def describe(error: ValidationError) -> str:
    """The first problem as `field: reason`, the way the service's 422 messages read."""
    problems = error.errors()
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{field_name(first['loc'])}: {first['msg']}{more}"


def read_students(request: InferenceRequest, max_history: int, max_batch: int) -> Students:
    """The histories and colleges the tensors hold, or InvalidInferenceRequest naming the field."""
    by_name: dict[str, tuple[int, RequestInput]] = {}
    for index, tensor in enumerate(request.inputs):
        if tensor.name not in (GRADES, COLLEGE_CODE):
            raise InvalidInferenceRequest(
                f"inputs[{index}].name: unknown input {tensor.name!r}; "
                f"this model takes {GRADES!r} and optionally {COLLEGE_CODE!r}"
            )
        if tensor.name in by_name:
            raise InvalidInferenceRequest(
                f"inputs[{index}].name: input {tensor.name!r} is given twice"
            )
        by_name[tensor.name] = (index, tensor)
    if GRADES not in by_name:
        raise InvalidInferenceRequest(f"inputs: the input {GRADES!r} is required")
    histories = _read_grades(*by_name[GRADES], max_history, max_batch)
    colleges: list[int | None] = [None] * len(histories)
    if COLLEGE_CODE in by_name:
        colleges = _read_colleges(*by_name[COLLEGE_CODE], batch=len(histories))
    return Students(histories, colleges)


def requested_outputs(request: InferenceRequest) -> list[str]:
    if request.outputs is None:
        return list(OUTPUT_NAMES)
    names = []
    for index, output in enumerate(request.outputs):
        if output.name not in OUTPUT_NAMES:
            raise InvalidInferenceRequest(
                f"outputs[{index}].name: unknown output {output.name!r}; "
                f"this model gives {', '.join(OUTPUT_NAMES)}"
            )
        names.append(output.name)
    return names


def _read_grades(
    index: int, tensor: RequestInput, max_history: int, max_batch: int
) -> list[list[float]]:
    where = f"inputs[{index}]"
    _check_datatype(where, tensor, GRADE_DATATYPES)
    if len(tensor.shape) != 2:
        raise InvalidInferenceRequest(
            f"{where}.shape: {GRADES} must have shape [batch, history], not {tensor.shape}"
        )
    batch, history = tensor.shape
    if not 1 <= batch <= max_batch:
        raise InvalidInferenceRequest(
            f"{where}.shape[0]: the batch should have 1 to {max_batch} students "
            f"(CGPA_MAX_BATCH), not {batch}"
        )
    # HISTORY_CEILING too, in case a card ever claims more than /predict's schema allows.
    longest = min(max_history, HISTORY_CEILING)
    if not 1 <= history <= longest:
        raise InvalidInferenceRequest(
            f"{where}.shape[1]: a history should have 1 to {longest} semesters "
            f"(the model's longest history), not {history}"
        )
    grades = _validated_values(where, tensor, _grade_values)
    return [grades[row * history : (row + 1) * history] for row in range(batch)]


def _read_colleges(index: int, tensor: RequestInput, batch: int) -> list[int | None]:
    where = f"inputs[{index}]"
    _check_datatype(where, tensor, COLLEGE_DATATYPES)
    if tensor.shape != [batch]:
        raise InvalidInferenceRequest(
            f"{where}.shape: {COLLEGE_CODE} must have shape [{batch}] (one code per student, "
            f"{NO_COLLEGE_CODE} for none), not {tensor.shape}"
        )
    codes = _validated_values(where, tensor, _college_values)
    return [None if code == NO_COLLEGE_CODE else code for code in codes]


def _check_datatype(where: str, tensor: RequestInput, allowed: tuple[str, ...]) -> None:
    if tensor.datatype not in allowed:
        raise InvalidInferenceRequest(
            f"{where}.datatype: {tensor.name} must be {' or '.join(allowed)}, "
            f"not {tensor.datatype!r}"
        )


def _validated_values(where: str, tensor: RequestInput, adapter: TypeAdapter[list[T]]) -> list[T]:
    try:
        return adapter.validate_python(_flat_values(where, tensor))
    except ValidationError as error:
        raise InvalidInferenceRequest(_describe_value(error, where, tensor)) from None


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
        raise InvalidInferenceRequest(
            f"{where}.data: shape {tensor.shape} holds {expected} values, not {len(values)}"
        )
    return values


def _collect_nested(node: Any, shape: Sequence[int], name: str, values: list[Any]) -> None:
    # Depth is bounded by the shape's length (at most 8), whatever the body's nesting.
    if not shape:
        if isinstance(node, list):
            raise InvalidInferenceRequest(f"{name}: nested deeper than the shape says")
        values.append(node)
        return
    if not isinstance(node, list) or len(node) != shape[0]:
        raise InvalidInferenceRequest(
            f"{name}: nested data must follow the shape exactly (a list of {shape[0]} here)"
        )
    for position, child in enumerate(node):
        _collect_nested(child, shape[1:], f"{name}[{position}]", values)


def _describe_value(error: ValidationError, where: str, tensor: RequestInput) -> str:
    """Names the bad value where the client wrote it: data[3] if flat, data[1][1] if nested."""
    problems = error.errors()
    first = problems[0]
    (flat_index,) = first["loc"]
    position = [int(flat_index)]
    if any(isinstance(item, list) for item in tensor.data):
        position = _unravel(int(flat_index), tensor.shape)
    indexes = "".join(f"[{part}]" for part in position)
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}.data{indexes}: {first['msg']}{more}"


def _unravel(flat_index: int, shape: Sequence[int]) -> list[int]:
    position = []
    for size in reversed(shape):
        flat_index, remainder = divmod(flat_index, size)
        position.append(remainder)
    return position[::-1]
