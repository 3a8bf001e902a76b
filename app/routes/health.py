"""Liveness and readiness. Readiness is 200 only once the checkpoint is verified and its
golden examples reproduce (done at startup), and turns 503 while the service shuts down."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.api.errors import ApiError, error_response
from app.api.responses import FastJSONResponse
from app.api.schemas import ErrorResponse
from app.state import ServiceState

router = APIRouter(tags=["health"])


@router.get("/health/live", summary="Is the process up?")
async def live() -> dict[str, str]:
    return {"status": "alive"}


@router.get(
    "/health/ready",
    summary="Is the model loaded and proven on its golden examples?",
    response_model=None,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {"status": "ready", "model_version": "1.0.0+3f2a9c1e"}
                }
            }
        },
        503: {"model": ErrorResponse, "description": "Not ready; `message` says why."},
    },
)
async def ready(request: Request) -> Response:
    state: ServiceState = request.app.state.service
    problem = state.readiness_problem()
    if problem is not None or state.predictor is None:
        return error_response(ApiError(503, problem or "the model is not loaded"))
    version = state.predictor.card.model_version
    return FastJSONResponse({"status": "ready", "model_version": version})
