"""POST /admin/reload and POST /admin/rollback: swap the model without a restart.

Included only when CGPA_ADMIN_KEY is set, and then guarded by it (header X-Admin-Key). The
work is app/model/control.py's: every worker acts once, on the same files. A refused reload
is a 409 naming the file and the reason, and the old model keeps serving.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from app.api.error_answers import error_answers
from app.api.errors import ApiError
from app.api.request_path import Call, Guard, RouteContract, answer
from app.api.responses import FastJSONResponse
from app.model.registry import Outcome

FAILED = ("refused", "no_previous")
DONE: dict[int | str, dict[str, Any]] = {
    200: {"description": "Done: `outcome` says what changed, `serving` what answers now."}
}
REFUSED = {409: "Refused; the model that served still does."}


def outcome_response(outcome: Outcome, call: Call) -> Response:
    if outcome.outcome in FAILED:
        raise ApiError(409, outcome.message)
    serving = outcome.active.describe() if outcome.active is not None else None
    previous = call.state.models.previous
    return FastJSONResponse(
        {
            "outcome": outcome.outcome,
            "message": outcome.message,
            "serving": serving,
            "previous": previous.describe() if previous else None,
        }
    )


async def _reload(call: Call) -> Response:
    return outcome_response(await call.state.control.reload(), call)


async def _rollback(call: Call) -> Response:
    return outcome_response(await call.state.control.rollback(), call)


RELOAD = RouteContract(_reload, guard=Guard.ADMIN_KEY, reads_body=False, own_errors=REFUSED)
ROLLBACK = RouteContract(_rollback, guard=Guard.ADMIN_KEY, reads_body=False, own_errors=REFUSED)

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post(
    "/reload",
    summary="Re-read CGPA_MODEL_PATH and its card, verify them, and swap them in",
    responses={**DONE, **error_answers(RELOAD)},
)
async def reload(request: Request) -> Response:
    return await answer(request, RELOAD)


@router.post(
    "/rollback",
    summary="Swap back to the previous verified model",
    responses={**DONE, **error_answers(ROLLBACK)},
)
async def rollback(request: Request) -> Response:
    return await answer(request, ROLLBACK)
