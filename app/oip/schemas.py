"""Open Inference Protocol (KServe v2 / Triton REST) bodies on the wire.

Only the shapes are here; reading students out of the tensors is app/oip/tensors.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from app.model.card import NO_COLLEGE

GRADES = "grades"
COLLEGE_CODE = "college_code"
OUTPUT_NAMES = ("predicted_cgpa", "interval_low", "interval_high")
# Optional BYTES input, one id per student ("" for none): those students' forecasts are
# recorded, and the `forecast_id` output (BYTES, "" where none) says under which id.
STUDENT_ID = "student_id"
FORECAST_ID_OUTPUT = "forecast_id"
# Given when the request's parameters hold `risk_below` (a cut-off on the model's scale).
RISK_OUTPUT = "risk_probability"
RISK_PARAMETER = "risk_below"

# The protocol's `$parameters`: free key/value pairs. This model defines none, so whatever a
# client sends (tritonclient sends e.g. `binary_data_output`) is accepted and ignored.
Parameters = dict[str, Any]
# Dimensions are unsigned; the real limits (CGPA_MAX_BATCH, the card's max_history) are checked
# once the tensor's role is known, with a message naming the limit.
Dimension = Annotated[int, Field(strict=True, ge=0)]


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
                            "data": [165, NO_COLLEGE],
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
