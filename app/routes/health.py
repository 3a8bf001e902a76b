"""Liveness and readiness. Readiness is 200 only once the checkpoint is verified and its
golden examples reproduce (done at startup), and turns 503 while the service shuts down."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.responses import FastJSONResponse
from app.schemas import ErrorResponse

router = APIRouter(tags=["health"])


@router.get("/health/live", summary="Is the process up?")
async def live() -> dict[str, str]:
    return {"status": "alive"}


@router.get(
    "/health/ready",
    summary="Is the model loaded and proven on its golden examples?",
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
async def ready(request: Request) -> FastJSONResponse:
    state = request.app.state
    predictor = getattr(state, "predictor", None)
    reason = getattr(state, "not_ready_reason", None)
    if predictor is None or reason is not None:
        message = reason or "the model is not loaded"
        return FastJSONResponse(
            {"error": "not_ready", "message": message, "detail": []}, status_code=503
        )
    return FastJSONResponse({"status": "ready", "model_version": predictor.card.model_version})
