"""GET /model: the model card, so a client can see what it is talking to."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.deps import PredictorDep
from app.routes.predict import ERROR_ANSWERS
from app.security import ApiKeyDep

router = APIRouter(tags=["model"], dependencies=[ApiKeyDep])


@router.get(
    "/model",
    summary="The model card: version, metrics, history lengths, colleges, hashes",
    responses={code: ERROR_ANSWERS[code] for code in (401, 503)},
)
async def model_card(predictor: PredictorDep) -> dict[str, Any]:
    return predictor.card_json
