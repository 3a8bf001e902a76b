"""Typed dependencies, so a route's signature reads like its contract.

Every dependency is `async def`, even those that never await: FastAPI runs a plain `def`
dependency in the threadpool, and a thread hop per dependency per request was the largest
single cost of a prediction in a profile of the service.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from app.config import Settings
from app.metrics import Metrics
from app.predictor import Predictor

NOT_READY = "the model is not loaded"
JSON_ONLY = "content-type: send the body as application/json"


async def get_predictor(request: Request) -> Predictor:
    predictor: Predictor | None = getattr(request.app.state, "predictor", None)
    if predictor is None:
        raise HTTPException(503, NOT_READY)
    return predictor


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def declares_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def require_json(request: Request) -> None:
    """415 for any body that is not declared JSON (FastAPI would otherwise say 422)."""
    if not declares_json(request):
        raise HTTPException(415, JSON_ONLY)


PredictorDep = Annotated[Predictor, Depends(get_predictor)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
JsonBody = Depends(require_json)
