"""The Open Inference Protocol v2 REST surface (KServe v2 / Triton), beside our own routes.

A KServe or Triton client can talk to this service unchanged: health, server and model
metadata, and inference on the model `cgpa_rnn` (the work: app/oip/inference.py).

Differences from the rest of the service, all because the protocol says so:
- errors are `{"error": "<message>"}` with 400 (bad request) or 404 (unknown model or
  version), never our `{"error", "message", "detail"}` shape or 422;
- health answers carry no body: 200 means yes, 400 means no;
- a body without a JSON content type is read as JSON all the same (app/oip/inference.py).

Every route about a model exists twice, for the active model (`/models/{name}/...`) and for
one loaded version (`/models/{name}/versions/{version}/...`); one loop registers both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response, Security

from app.api.error_answers import error_answers
from app.api.errors import ApiError
from app.api.openapi import json_body
from app.api.request_path import answer
from app.api.responses import FastJSONResponse
from app.api.security import documented_key
from app.oip.inference import INFER, METADATA, chosen_model
from app.oip.schemas import InferenceRequest, InferenceResponse, ModelMetadata, ServerMetadata
from app.state import ServiceState

HEALTH_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Yes (empty body)."},
    400: {"description": "No (empty body)."},
}


async def server_metadata(request: Request) -> Response:
    app = request.app
    return FastJSONResponse({"name": app.title, "version": app.version, "extensions": []})


async def server_live() -> Response:
    return Response(status_code=200)


async def server_ready(request: Request) -> Response:
    # What /health/ready decides (the one readiness rule), answered the protocol's way
    # (4xx is "no").
    state: ServiceState = request.app.state.service
    return Response(status_code=200 if state.readiness_problem() is None else 400)


async def model_ready(request: Request, name: str) -> Response:
    return await _model_ready(request, name, None)


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


async def model_metadata_route(request: Request, name: str) -> Response:
    return await answer(request, METADATA)


async def model_version_metadata(request: Request, name: str, version: str) -> Response:
    return await answer(request, METADATA)


async def infer_route(request: Request, name: str) -> Response:
    return await answer(request, INFER)


async def infer_version(request: Request, name: str, version: str) -> Response:
    return await answer(request, INFER)


Endpoint = Callable[..., Awaitable[Response]]


@dataclass(frozen=True)
class ModelRoutes:
    """The routes about the active model, or about one loaded version of it."""

    path: str
    ready: Endpoint
    ready_summary: str
    metadata: Endpoint
    metadata_summary: str
    infer: Endpoint
    infer_summary: str


ACTIVE = ModelRoutes(
    "/models/{name}",
    model_ready,
    "Is this model ready?",
    model_metadata_route,
    "Model metadata: inputs and outputs with datatypes and shapes",
    infer_route,
    "Forecast a batch of students (equal-length histories)",
)
ONE_VERSION = ModelRoutes(
    "/models/{name}/versions/{version}",
    model_version_ready,
    "Is this version of the model ready?",
    model_version_metadata,
    "Model metadata of one version",
    infer_version,
    "Forecast with one version of the model",
)
# The path the shortcut (app/api/shortcut.py) takes to the active model's inference.
INFER_PATH = f"/v2{ACTIVE.path}/infer"


def router(guarded_docs: bool) -> APIRouter:
    guarded = [Security(documented_key)] if guarded_docs else []
    routes = APIRouter(prefix="/v2", tags=["open inference protocol (v2)"])
    routes.add_api_route(
        "",
        server_metadata,
        methods=["GET"],
        summary="Server metadata",
        response_model=ServerMetadata,
    )
    # `response_class=Response`: these answers have no body; the schema must not promise JSON.
    no_body: dict[str, Any] = {"methods": ["GET"], "response_class": Response}
    routes.add_api_route(
        "/health/live",
        server_live,
        summary="Is the process up?",
        responses={200: HEALTH_ANSWERS[200]},
        **no_body,
    )
    routes.add_api_route(
        "/health/ready",
        server_ready,
        summary="Is the model ready?",
        responses=HEALTH_ANSWERS,
        **no_body,
    )
    unknown: dict[int | str, dict[str, Any]] = {404: error_answers(METADATA)[404]}
    for model in (ACTIVE, ONE_VERSION):
        routes.add_api_route(
            f"{model.path}/ready",
            model.ready,
            summary=model.ready_summary,
            responses={**HEALTH_ANSWERS, **unknown},
            **no_body,
        )
        routes.add_api_route(
            model.path,
            model.metadata,
            methods=["GET"],
            summary=model.metadata_summary,
            response_model=None,
            responses={200: {"model": ModelMetadata}, **error_answers(METADATA)},
            dependencies=guarded,
        )
        routes.add_api_route(
            f"{model.path}/infer",
            model.infer,
            methods=["POST"],
            summary=model.infer_summary,
            response_model=None,
            responses={200: {"model": InferenceResponse}, **error_answers(INFER)},
            dependencies=guarded,
            openapi_extra=json_body(InferenceRequest),
        )
    return routes
