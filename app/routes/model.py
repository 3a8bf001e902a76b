"""GET /model: the model card, so a client can see what it is talking to."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, Security

from app.api.error_answers import error_answers
from app.api.request_path import Call, RouteContract, answer
from app.api.responses import FastJSONResponse
from app.api.security import documented_key


async def _card(call: Call) -> Response:
    """The active model's card, and which models this worker holds (app/model/registry.py)."""
    models = call.state.models
    active, previous = models.active, models.previous
    serving = {
        "active": active.describe() if active is not None else None,
        "previous": previous.describe() if previous is not None else None,
    }
    # The cut-off the page offers first: the server's default risk_below, when set.
    default = call.state.settings.risk_below
    return FastJSONResponse(
        {**call.predictor.card_json, "serving": serving, "risk_default": default}
    )


CARD = RouteContract(_card, reads_body=False)


async def model_card(request: Request) -> Response:
    return await answer(request, CARD)


def router(guarded_docs: bool) -> APIRouter:
    routes = APIRouter(
        tags=["model"], dependencies=[Security(documented_key)] if guarded_docs else []
    )
    routes.add_api_route(
        "/model",
        model_card,
        methods=["GET"],
        summary="The model card: version, metrics, history lengths, colleges, hashes",
        responses=error_answers(CARD),
    )
    return routes
