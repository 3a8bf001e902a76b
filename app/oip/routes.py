"""The Open Inference Protocol v2 REST surface (KServe v2 / Triton), beside our own routes.

A KServe or Triton client can talk to this service unchanged: health, server and model
metadata, and inference on the model `cgpa_rnn`. Guarded routes take the one request path
(app/api/request_path.py) with the protocol's error style, and inference joins the same
coalesced forward passes as /predict, so the numbers are identical.

Differences from the rest of the service, all because the protocol says so:
- errors are `{"error": "<message>"}` with 400 (bad request) or 404 (unknown model or
  version), never our `{"error", "message", "detail"}` shape or 422;
- health answers carry no body: 200 means yes, 400 means no;
- a body is read as JSON when it declares no content type (tritonclient sends none) or
  curl's default `application/x-www-form-urlencoded` (`curl -d`, as the protocol's servers'
  curl examples send it); any other non-JSON type, e.g. octet-stream or the binary tensor
  extension's header, is a 400 saying what to send instead.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, Security

from app.api.errors import ApiError, ErrorStyle
from app.api.openapi import json_body
from app.api.request_path import Call, Route, answer, ready_predictor
from app.api.responses import FastJSONResponse
from app.api.schemas import RequestModels
from app.api.security import documented_key
from app.api.strict_json import parse_body
from app.model.advice import RISK_DECIMALS
from app.model.predictor import Predictor
from app.oip.metadata import MODEL_NAME, model_metadata
from app.oip.schemas import (
    RISK_OUTPUT,
    InferenceRequest,
    InferenceResponse,
    ModelMetadata,
    ProtocolErrorBody,
    ServerMetadata,
)
from app.oip.tensors import TensorReader, requested_outputs, risk_cutoff
from app.routes import health
from app.state import ServiceState

BINARY_HEADER = "inference-header-content-length"
# What curl sends with `-d` unless told otherwise; the body is JSON all the same.
PROTOCOL_JSON_TYPES = frozenset({"", "application/x-www-form-urlencoded"})

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


def chosen_model(name: str, version: str | None, state: ServiceState) -> Predictor:
    """The model a path names: the active one, or a loaded version (the active and the
    previous one after a reload); 404 for another model or version."""
    if name != MODEL_NAME:
        raise ApiError(404, f"unknown model {name!r}; this server serves {MODEL_NAME!r}")
    active = ready_predictor(state)
    if version is None:
        return active
    loaded = state.models.versions()
    if version not in loaded:
        known = ", ".join(repr(known) for known in loaded)
        raise ApiError(404, f"unknown version {version!r} of model {MODEL_NAME!r}; it has {known}")
    return loaded[version]


def router(requests: RequestModels, guarded_docs: bool) -> APIRouter:
    reader = TensorReader(requests.limits, requests.grades)
    scale = requests.limits.scale

    async def infer_work(call: Call) -> Response:
        parameters = call.request.path_params
        predictor = chosen_model(parameters["name"], parameters.get("version"), call.state)
        if BINARY_HEADER in call.request.headers:
            raise ApiError(
                400,
                "body: the binary tensor data extension is not supported; send tensor data as JSON",
            )
        try:
            inference = parse_body(call.body, InferenceRequest, scale)
        except ApiError as error:  # the protocol answers every bad request 400
            raise ApiError(400, error.message) from None
        students = reader.students(inference)
        cutoff = risk_cutoff(inference, scale)
        outputs = requested_outputs(inference, with_risk=cutoff is not None)
        forecasts = await predictor.coalescer.forecast(students.histories, students.colleges)
        call.state.metrics.predicted["v2"].inc(len(forecasts))
        columns = {
            "predicted_cgpa": [forecast.predicted_cgpa for forecast in forecasts],
            "interval_low": [forecast.low for forecast in forecasts],
            "interval_high": [forecast.high for forecast in forecasts],
        }
        if cutoff is not None:
            lengths = [len(history) for history in students.histories]
            raw = [forecast.raw for forecast in forecasts]
            columns[RISK_OUTPUT] = [
                round(probability, RISK_DECIMALS)
                for probability in predictor.risk.probability_below(raw, lengths, cutoff)
            ]
        body: dict[str, Any] = {
            "model_name": MODEL_NAME,
            "model_version": predictor.card.model_version,
        }
        if inference.id is not None:
            body["id"] = inference.id
        body["outputs"] = [
            {"name": name, "shape": [len(forecasts)], "datatype": "FP32", "data": columns[name]}
            for name in outputs
        ]
        return FastJSONResponse(body)

    async def metadata_work(call: Call) -> Response:
        parameters = call.request.path_params
        predictor = chosen_model(parameters["name"], parameters.get("version"), call.state)
        versions = list(call.state.models.versions())
        return FastJSONResponse(model_metadata(predictor, versions, requests.limits))

    protocol = {"style": ErrorStyle.PROTOCOL}
    infer = Route(infer_work, also_json=PROTOCOL_JSON_TYPES, **protocol)
    metadata = Route(metadata_work, reads_body=False, **protocol)
    guarded = [Security(documented_key)] if guarded_docs else []
    routes = APIRouter(prefix="/v2", tags=["open inference protocol (v2)"])

    @routes.get("", summary="Server metadata", response_model=ServerMetadata)
    async def server_metadata(request: Request) -> Response:
        app = request.app
        return FastJSONResponse({"name": app.title, "version": app.version, "extensions": []})

    # `response_class=Response`: these answers have no body; the schema must not promise JSON.
    @routes.get(
        "/health/live",
        summary="Is the process up?",
        response_class=Response,
        responses={200: HEALTH_ANSWERS[200]},
    )
    async def server_live() -> Response:
        return Response(status_code=200)

    @routes.get(
        "/health/ready",
        summary="Is the model ready?",
        response_class=Response,
        responses=HEALTH_ANSWERS,
    )
    async def server_ready(request: Request) -> Response:
        # Exactly what /health/ready decides, answered the protocol's way (4xx is "no").
        ours = await health.ready(request)
        return Response(status_code=200 if ours.status_code == 200 else 400)

    @routes.get(
        "/models/{name}/ready",
        summary="Is this model ready?",
        response_class=Response,
        responses={**HEALTH_ANSWERS, 404: ERRORS[404]},
    )
    async def model_ready(request: Request, name: str) -> Response:
        return await _model_ready(request, name, None)

    @routes.get(
        "/models/{name}/versions/{version}/ready",
        summary="Is this version of the model ready?",
        response_class=Response,
        responses={**HEALTH_ANSWERS, 404: ERRORS[404]},
    )
    async def model_version_ready(request: Request, name: str, version: str) -> Response:
        return await _model_ready(request, name, version)

    async def _model_ready(request: Request, name: str, version: str | None) -> Response:
        state: ServiceState = request.app.state.service
        if state.predictor is not None:
            try:
                chosen_model(name, version, state)
            except ApiError as error:
                return FastJSONResponse({"error": error.message}, status_code=404)
        return await server_ready(request)

    metadata_answers = {code: ERRORS[code] for code in (401, 404, 503)}

    @routes.get(
        "/models/{name}",
        summary="Model metadata: inputs and outputs with datatypes and shapes",
        response_model=None,
        responses={200: {"model": ModelMetadata}, **metadata_answers},
        dependencies=guarded,
    )
    async def model_metadata_route(request: Request, name: str) -> Response:
        return await answer(request, metadata)

    @routes.get(
        "/models/{name}/versions/{version}",
        summary="Model metadata of one version",
        response_model=None,
        responses={200: {"model": ModelMetadata}, **metadata_answers},
        dependencies=guarded,
    )
    async def model_version_metadata(request: Request, name: str, version: str) -> Response:
        return await answer(request, metadata)

    infer_answers = {code: ERRORS[code] for code in (400, 401, 404, 413, 503)}
    body_doc = json_body(InferenceRequest)

    @routes.post(
        "/models/{name}/infer",
        summary="Forecast a batch of students (equal-length histories)",
        response_model=None,
        responses={200: {"model": InferenceResponse}, **infer_answers},
        dependencies=guarded,
        openapi_extra=body_doc,
    )
    async def infer_route(request: Request, name: str) -> Response:
        return await answer(request, infer)

    @routes.post(
        "/models/{name}/versions/{version}/infer",
        summary="Forecast with one version of the model",
        response_model=None,
        responses={200: {"model": InferenceResponse}, **infer_answers},
        dependencies=guarded,
        openapi_extra=body_doc,
    )
    async def infer_version(request: Request, name: str, version: str) -> Response:
        return await answer(request, infer)

    return routes
