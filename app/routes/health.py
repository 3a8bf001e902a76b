"""Liveness and readiness. Readiness is 200 only once the checkpoint is verified and its
golden examples reproduce (done at startup), and turns 503 while the service shuts down.
The store's state is in the ready body; it never makes readiness fail."""

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
                    "example": {
                        "status": "ready",
                        "model_version": "1.0.0+3f2a9c1e",
                        "store": {"state": "ok", "database": "sqlite"},
                    }
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
    return FastJSONResponse(
        {"status": "ready", "model_version": version, "store": store_state(state)}
    )


def store_state(state: ServiceState) -> dict[str, str]:
    """The store's state, reported without turning readiness to 503: plain forecasts work
    without it, so a load balancer should keep sending them. `message` says why it is
    unavailable (the database's own reason)."""
    store = state.store
    if store is None:
        return {"state": "off"}
    report = {"state": store.state, "database": store.engine.dialect.name}
    if store.problem is not None:
        report["message"] = store.problem
    return report
