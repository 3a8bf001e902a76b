"""The Open Inference Protocol v2 REST surface (KServe v2 / Triton), beside our own routes.

A KServe or Triton client can talk to this service unchanged: health, server and model
metadata, and inference on the model `cgpa_rnn`. Inference goes through the same
`Predictor.forecast` as `/predict/batch`, with the same limits, so the numbers are identical.

Differences from the rest of the service, all because the protocol says so:
- errors are `{"error": "<message>"}` with 400 (bad request) or 404 (unknown model or
  version), never our `{"error", "message", "detail"}` shape or 422; so this router reads
  and validates its own bodies instead of letting FastAPI do it;
- health answers carry no body: 200 means yes, 400 means no;
- a body is read as JSON when it declares no content type (tritonclient sends none) or
  curl's default `application/x-www-form-urlencoded` (`curl -d`, as the protocol's servers'
  curl examples send it); any other non-JSON type, e.g. octet-stream or the binary tensor
  extension's header, is a 400 saying what to send instead.
The API key, when set, guards model metadata and inference, as it guards /model and /predict.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.deps import MetricsDep, PredictorDep, SettingsDep
from app.errors import StrictJSONRoute
from app.metrics import Metrics
from app.oip_schemas import (
    COLLEGE_CODE,
    GRADES,
    NO_COLLEGE_CODE,
    OUTPUT_NAMES,
    InferenceResponse,
    InvalidInferenceRequest,
    ModelMetadata,
    ProtocolErrorBody,
    ServerMetadata,
    inference_request_schema,
    parse_inference_request,
    read_students,
    requested_outputs,
)
from app.predictor import Predictor
from app.responses import FastJSONResponse
from app.routes import health
from app.security import ApiKeyDep

MODEL_NAME = "cgpa_rnn"
PLATFORM = "pytorch_torchscript"
BINARY_HEADER = "inference-header-content-length"
# What curl sends with `-d` unless told otherwise; the body is JSON all the same.
CURL_DEFAULT_TYPE = "application/x-www-form-urlencoded"


class ProtocolRoute(StrictJSONRoute):
    """Answers every HTTPException raised on the way (API key, model not loaded, body too
    large) in the protocol's `{"error": ...}` shape; the body parser stays the strict one."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def protocol_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except StarletteHTTPException as error:
                return protocol_error(error.status_code, str(error.detail), error.headers)

        return protocol_handler


def protocol_error(
    status: int, message: str, headers: dict[str, str] | None = None
) -> FastJSONResponse:
    return FastJSONResponse({"error": message}, status_code=status, headers=headers)


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ProtocolErrorBody, "description": "Not a valid request for this model."},
    401: {"model": ProtocolErrorBody, "description": "API key missing or wrong (when one is set)."},
    404: {"model": ProtocolErrorBody, "description": "No such model or version."},
    413: {"model": ProtocolErrorBody, "description": "Body larger than CGPA_MAX_BODY_BYTES."},
    503: {"model": ProtocolErrorBody, "description": "The model is not loaded."},
}
HEALTH_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Yes (empty body)."},
    400: {"description": "No (empty body)."},
}
# Declared by hand: the body is read by the route itself, so FastAPI cannot see its model.
REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": inference_request_schema()}},
    }
}

router = APIRouter(prefix="/v2", tags=["open inference protocol (v2)"], route_class=ProtocolRoute)
GUARDED = [ApiKeyDep]


def unknown_model(name: str, version: str | None, predictor: Predictor) -> FastJSONResponse | None:
    """A 404 answer when the path names another model or version, else None."""
    if name != MODEL_NAME:
        return protocol_error(404, f"unknown model {name!r}; this server serves {MODEL_NAME!r}")
    served = predictor.card.model_version
    if version is not None and version != served:
        return protocol_error(
            404, f"unknown version {version!r} of model {MODEL_NAME!r}; it has {served!r}"
        )
    return None


# --- health and server metadata: open, like /health/* ---------------------------------------


@router.get("", summary="Server metadata", response_model=ServerMetadata)
async def server_metadata(request: Request) -> FastJSONResponse:
    return FastJSONResponse(
        {"name": request.app.title, "version": request.app.version, "extensions": []}
    )


# `response_class=Response`: these answers have no body, and the schema must not promise JSON.
@router.get(
    "/health/live",
    summary="Is the process up?",
    response_class=Response,
    responses={200: HEALTH_ANSWERS[200]},
)
async def server_live() -> Response:
    return Response(status_code=200)


@router.get(
    "/health/ready",
    summary="Is the model ready?",
    response_class=Response,
    responses=HEALTH_ANSWERS,
)
async def server_ready(request: Request) -> Response:
    # Exactly what /health/ready decides, answered the protocol's way (4xx is "no").
    ours = await health.ready(request)
    return Response(status_code=200 if ours.status_code == 200 else 400)


@router.get(
    "/models/{name}/ready",
    summary="Is this model ready?",
    response_class=Response,
    responses={**HEALTH_ANSWERS, 404: ERRORS[404]},
)
async def model_ready(name: str, request: Request) -> Response:
    return await _model_ready(name, None, request)


@router.get(
    "/models/{name}/versions/{version}/ready",
    summary="Is this version of the model ready?",
    response_class=Response,
    responses={**HEALTH_ANSWERS, 404: ERRORS[404]},
)
async def model_version_ready(name: str, version: str, request: Request) -> Response:
    return await _model_ready(name, version, request)


async def _model_ready(name: str, version: str | None, request: Request) -> Response:
    predictor = getattr(request.app.state, "predictor", None)
    if predictor is not None and (refusal := unknown_model(name, version, predictor)):
        return refusal
    return await server_ready(request)


# --- model metadata and inference: behind the API key, like /model and /predict ---------------


@router.get(
    "/models/{name}",
    summary="Model metadata: inputs and outputs with datatypes and shapes",
    response_model=ModelMetadata,
    dependencies=GUARDED,
    responses={code: ERRORS[code] for code in (401, 404, 503)},
)
async def model_metadata(
    name: str, predictor: PredictorDep, settings: SettingsDep
) -> FastJSONResponse:
    return unknown_model(name, None, predictor) or metadata(predictor, settings.max_batch)


@router.get(
    "/models/{name}/versions/{version}",
    summary="Model metadata of one version",
    response_model=ModelMetadata,
    dependencies=GUARDED,
    responses={code: ERRORS[code] for code in (401, 404, 503)},
)
async def model_version_metadata(
    name: str, version: str, predictor: PredictorDep, settings: SettingsDep
) -> FastJSONResponse:
    return unknown_model(name, version, predictor) or metadata(predictor, settings.max_batch)


def metadata(predictor: Predictor, max_batch: int) -> FastJSONResponse:
    card = predictor.card
    batch_note = f"one row per student, at most {max_batch} rows (CGPA_MAX_BATCH)"
    return FastJSONResponse(
        {
            "name": MODEL_NAME,
            "versions": [card.model_version],
            "platform": PLATFORM,
            "inputs": [
                {
                    "name": GRADES,
                    "datatype": "FP32",
                    "shape": [-1, -1],
                    "parameters": {
                        "description": "Grades 0-10 of the semesters so far, oldest first, "
                        f"{batch_note}; FP64 accepted. Every history in one request has the "
                        f"same length (the tensor's second dimension), 1 to {card.max_history}."
                    },
                },
                {
                    "name": COLLEGE_CODE,
                    "datatype": "INT64",
                    "shape": [-1],
                    "parameters": {
                        "description": f"Optional; one code per student, {NO_COLLEGE_CODE} for "
                        "none. A code the model does not know uses its unknown-college slot."
                    },
                },
            ],
            "outputs": [
                {"name": output, "datatype": "FP32", "shape": [-1]} for output in OUTPUT_NAMES
            ],
            "parameters": {
                "max_history": card.max_history,
                "max_batch": max_batch,
                "interval_level": card.interval.level,
            },
        }
    )


@router.post(
    "/models/{name}/infer",
    summary="Forecast a batch of students (equal-length histories)",
    response_model=InferenceResponse,
    dependencies=GUARDED,
    responses={code: ERRORS[code] for code in (400, 401, 404, 413, 503)},
    openapi_extra=REQUEST_BODY,
)
async def infer(
    name: str,
    request: Request,
    predictor: PredictorDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> FastJSONResponse:
    return await _infer(name, None, request, predictor, settings.max_batch, metrics)


@router.post(
    "/models/{name}/versions/{version}/infer",
    summary="Forecast with one version of the model",
    response_model=InferenceResponse,
    dependencies=GUARDED,
    responses={code: ERRORS[code] for code in (400, 401, 404, 413, 503)},
    openapi_extra=REQUEST_BODY,
)
async def infer_version(
    name: str,
    version: str,
    request: Request,
    predictor: PredictorDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> FastJSONResponse:
    return await _infer(name, version, request, predictor, settings.max_batch, metrics)


async def _infer(
    name: str,
    version: str | None,
    request: Request,
    predictor: Predictor,
    max_batch: int,
    metrics: Metrics,
) -> FastJSONResponse:
    if refusal := unknown_model(name, version, predictor):
        return refusal
    try:
        body = await read_json(request)
        inference = parse_inference_request(body)
        students = read_students(inference, predictor.card.max_history, max_batch)
        outputs = requested_outputs(inference)
    except InvalidInferenceRequest as error:
        return protocol_error(400, str(error))
    # `async def` and no threadpool, as in /predict/batch: the forward pass is that short.
    forecasts = predictor.forecast(students.histories, students.colleges)
    metrics.predicted["v2"].inc(len(forecasts))
    columns = {
        "predicted_cgpa": [forecast.predicted_cgpa for forecast in forecasts],
        "interval_low": [forecast.low for forecast in forecasts],
        "interval_high": [forecast.high for forecast in forecasts],
    }
    answer: dict[str, Any] = {
        "model_name": MODEL_NAME,
        "model_version": predictor.card.model_version,
    }
    if inference.id is not None:
        answer["id"] = inference.id
    answer["outputs"] = [
        {"name": output, "shape": [len(forecasts)], "datatype": "FP32", "data": columns[output]}
        for output in outputs
    ]
    return FastJSONResponse(answer)


async def read_json(request: Request) -> Any:
    """The body as JSON, as strictly as /predict reads it (no NaN, no duplicate keys)."""
    if BINARY_HEADER in request.headers:
        raise InvalidInferenceRequest(
            "body: the binary tensor data extension is not supported; send tensor data as JSON"
        )
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    read_as_json = media_type in ("", "application/json", CURL_DEFAULT_TYPE)
    if not read_as_json and not media_type.endswith("+json"):
        raise InvalidInferenceRequest(
            f"content-type: send the inference request as application/json, not {media_type}"
        )
    try:
        # The route class hands us a StrictJSONRequest, whose json() refuses NaN/Infinity
        # literals and duplicate keys, as the rest of the service does.
        return await request.json()
    except json.JSONDecodeError as error:
        where = f" (at character {error.pos})" if error.doc else ""
        raise InvalidInferenceRequest(f"body: not valid JSON: {error.msg}{where}") from None
    except RecursionError:
        raise InvalidInferenceRequest("body: not valid JSON: nested too deeply") from None
