"""POST /outcomes: the real grades, matched to the forecasts that counted for them.

One transaction per request (app/store/outcomes.py): a different grade for a (student,
semester) that has one is a 409 naming the item, and nothing of that request is stored.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, Security
from pydantic import BaseModel

from app.api.error_answers import error_answers
from app.api.errors import ApiError
from app.api.openapi import json_body
from app.api.outcome_models import OutcomesRequest
from app.api.request_path import Call, RouteContract, answer
from app.api.responses import FastJSONResponse
from app.api.security import documented_key
from app.api.store_access import STORE_ANSWERS, in_store, ready_store
from app.api.strict_json import parse_body
from app.config import Settings
from app.store.outcomes import ConflictingOutcome, RealGrade, record_outcomes


class OutcomeCountsAnswer(BaseModel):
    received: int
    matched: int
    unmatched: int
    duplicates: int


CONFLICT = (
    "An outcome's grade differs from the one recorded (or sent earlier in the request) for "
    "that student and semester; the message names the item, and nothing was stored."
)


async def record(call: Call) -> Response:
    model: type[OutcomesRequest] = call.request.app.state.outcome_model
    body: Any = parse_body(call.body, model, call.state.limits.scale)
    store = ready_store(call.state)
    grades = [RealGrade(item.student_id, item.semester, item.grade) for item in body.outcomes]
    try:
        counts = await in_store(record_outcomes, store, grades)
    except ConflictingOutcome as conflict:
        field = f"outcomes[{conflict.index}].grade"
        detail = [{"field": field, "message": conflict.reason, "type": "conflicting_outcome"}]
        raise ApiError(409, str(conflict), detail) from None
    call.state.metrics.outcomes_received.inc(counts.received)
    return FastJSONResponse(
        {
            "received": counts.received,
            "matched": counts.matched,
            "unmatched": counts.unmatched,
            "duplicates": counts.duplicates,
        }
    )


# Room for CGPA_MAX_OUTCOMES outcomes with the longest ids: about 190 bytes each in ASCII
# (a 128-character id, the keys, a semester and a grade), so the item limit, not the body
# limit, is what a valid request meets first.
BYTES_PER_OUTCOME = 192


def outcomes_body_limit(settings: Settings) -> int:
    return max(settings.max_body_bytes, BYTES_PER_OUTCOME * settings.max_outcomes)


RECORD = RouteContract(
    record,
    own_errors={
        409: CONFLICT,
        413: "Body larger than CGPA_MAX_BODY_BYTES or 192 bytes per CGPA_MAX_OUTCOMES, "
        "whichever is more.",
        503: STORE_ANSWERS,
    },
    body_limit=outcomes_body_limit,
)


async def outcomes(request: Request) -> Response:
    return await answer(request, RECORD)


def router(model: type[OutcomesRequest], max_outcomes: int, guarded_docs: bool) -> APIRouter:
    routes = APIRouter(
        tags=["monitoring"], dependencies=[Security(documented_key)] if guarded_docs else []
    )
    routes.add_api_route(
        "/outcomes",
        outcomes,
        methods=["POST"],
        summary="Record the real grades that followed forecasts",
        description=f"Up to {max_outcomes} outcomes (CGPA_MAX_OUTCOMES). Each is matched to "
        "the latest forecast recorded for that student and semester before it arrived; one "
        "with no forecast is kept as training data (`unmatched`). The same outcome again is a "
        "duplicate, stored once.",
        response_model=None,
        responses={
            200: {"model": OutcomeCountsAnswer, "description": "What was received and stored."},
            **error_answers(RECORD),
        },
        openapi_extra=json_body(model),
    )
    return routes
