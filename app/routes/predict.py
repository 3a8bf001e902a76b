"""POST /predict and POST /predict/batch: decode the students, forecast, encode the answers.

Both go through the one request path (`answer`) and join the forward passes of concurrent
requests (the predictor's coalescer).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request, Response, Security

from app.api.error_answers import NOT_LOADED_OR_BUSY, error_answers
from app.api.errors import ApiError
from app.api.openapi import json_body
from app.api.recording import answered_of, record_forecasts
from app.api.request_models import RequestModels, request_models_of
from app.api.request_path import Call, RouteContract, answer
from app.api.responses import FastJSONResponse
from app.api.schemas import (
    UNKNOWN_GROUP,
    UNUSUAL_GRADES,
    BatchPrediction,
    Prediction,
    WarningCode,
)
from app.api.security import documented_key
from app.api.strict_json import parse_body
from app.model.advice import PathRefused, TooManyExplanations, add_advice, work_rows
from app.model.predictor import Forecast, Predictor


def render(
    forecasts: Sequence[Forecast],
    histories: Sequence[Sequence[float]],
    college_codes: Sequence[object],
    predictor: Predictor,
) -> list[dict[str, Any]]:
    """Plain dicts shaped as `Prediction`: each answer is built once, never re-validated.
    The loop is the hot part of a 1000-student batch, hence the constants held in locals."""
    level = predictor.card.interval.level
    version = predictor.card.model_version
    answers: list[dict[str, Any]] = [
        {
            "predicted_cgpa": forecast.predicted_cgpa,
            "interval": {"low": forecast.low, "high": forecast.high, "level": level},
            "semester": forecast.semester,
            "model_version": version,
            "warnings": [],
        }
        for forecast in forecasts
    ]
    for reply, forecast, history, code in zip(
        answers, forecasts, histories, college_codes, strict=True
    ):
        if forecast.college_known is False:
            warn(reply, UNKNOWN_GROUP, ["college_code"], unknown_college(code))
        if forecast.unusual:
            fields = [f"grades[{at}]" for at in forecast.unusual]
            warn(
                reply, UNUSUAL_GRADES, fields, unusual_grades(forecast.unusual, history, predictor)
            )
    return answers


def warn(reply: dict, code: WarningCode, fields: list[str], message: str) -> None:
    """Adds a warning: its sentence to `warnings` (what clients always read) and, beside it in
    the same order, its code and fields to `warning_details`, which only a warned answer has,
    so an answer without warnings is byte for byte what it always was."""
    reply["warnings"].append(message)
    detail = {"code": code, "fields": fields, "message": message}
    reply.setdefault("warning_details", []).append(detail)


EXTRAPOLATION = (
    "outside the grades the model saw in training at that semester, so this forecast is an "
    "extrapolation: trust it less"
)


def unusual_grades(positions: Sequence[int], history: Sequence[float], predictor: Predictor) -> str:
    """One warning for a student's grades unlike any the model saw at their semester."""
    seen = predictor.seen_ranges
    if len(positions) == 1 and history[positions[0]]:  # the usual case, a batch's hot spot
        at = positions[0]
        return _one_unusual_grade(at, history[at], seen[at])
    # Zero is formatted afresh: 0.0 and -0.0 are one cache key but print differently; adding
    # 0.0 turns -0.0 into 0.0, so a grade of -0 is written as the 0 it is.
    grades = "; ".join(
        [f"grades[{at}] = {history[at] + 0.0:g} (training: {seen[at]})" for at in positions]
    )
    return f"{grades}: {EXTRAPOLATION}"


# Grades are sent with two decimals, so a batch repeats the same few thousand warnings; a
# cached sentence is cheaper than formatting it again (docs/performance.md).
@functools.lru_cache(maxsize=8192)
def _one_unusual_grade(at: int, grade: float, seen: str) -> str:
    return f"grades[{at}] = {grade:g} (training: {seen}): {EXTRAPOLATION}"


def unknown_college(college_code: object) -> str:
    return (
        f"college_code {college_code} is unknown to the model; "
        "predicted with its unknown-college slot"
    )


def admitted_rows(
    students: Sequence[Any], predictor: Predictor, field: str, batch: bool = False
) -> int:
    """`work_rows`, its refusals worded as 422s: too many explanations on `field`; a path
    refused on the student's own field (`students[i].` before it in a batch)."""
    try:
        return work_rows(students, predictor)
    except TooManyExplanations as refusal:
        message = str(refusal)
        detail = {"field": field, "message": message, "type": "too_many_explanations"}
        raise ApiError(422, f"{field}: {message}", [detail]) from None
    except PathRefused as refusal:
        named = f"students[{refusal.index}].{refusal.field}" if batch else refusal.field
        message = str(refusal)
        detail = {"field": named, "message": message, "type": f"{refusal.field}_refused"}
        raise ApiError(422, f"{named}: {message}", [detail]) from None


async def predict_one(call: Call) -> Response:
    requests = request_models_of(call.request.app)
    student: Any = parse_body(call.body, requests.student, requests.limits.scale)
    histories, colleges = [student.grades], [student.college_code]
    rows = admitted_rows([student], call.predictor, "explain")
    async with call.state.admission.admitted(rows):
        forecasts = await call.predictor.forecast_coalescer.run(histories, colleges)
        answers = render(forecasts, histories, colleges, call.predictor)
        default_cutoff = call.state.settings.risk_below
        await add_advice(answers, [student], forecasts, call.predictor, default_cutoff)
        if student.student_id is not None:
            await record(call, "student_id", [student], answers)
        call.state.metrics.predicted["single"].inc()
        return FastJSONResponse(answers[0])


async def predict_many(call: Call) -> Response:
    requests = request_models_of(call.request.app)
    batch: Any = parse_body(call.body, requests.batch, requests.limits.scale)
    students = batch.students
    histories = [student.grades for student in students]
    colleges = [student.college_code for student in students]
    # The answer is built inside: its memory is part of the work the bound holds back.
    rows = admitted_rows(students, call.predictor, "students", batch=True)
    async with call.state.admission.admitted(rows):
        forecasts = await call.predictor.forecast_coalescer.run(histories, colleges)
        answers = render(forecasts, histories, colleges, call.predictor)
        default_cutoff = call.state.settings.risk_below
        await add_advice(answers, students, forecasts, call.predictor, default_cutoff)
        first_id = next((i for i, student in enumerate(students) if student.student_id), None)
        if first_id is not None:
            await record(call, f"students[{first_id}].student_id", students, answers)
        call.state.metrics.predicted["batch"].inc(len(forecasts))
        return FastJSONResponse({"predictions": answers})


async def record(call: Call, field: str, students: Sequence[Any], answers: list[dict]) -> None:
    """Records the students with a `student_id` (app/api/recording.py) and adds their
    `forecast_id` to their answers, once committed."""
    card = call.predictor.card
    forecast_ids = await record_forecasts(
        call.state,
        field,
        [student.student_id for student in students],
        [student.grades for student in students],
        [student.college_code for student in students],
        [answered_of(reply) for reply in answers],
        card.model_version,
        card.interval.level,
    )
    for reply, forecast_id in zip(answers, forecast_ids, strict=True):
        if forecast_id is not None:
            reply["forecast_id"] = forecast_id


ADMITTED = {503: NOT_LOADED_OR_BUSY}
ONE = RouteContract(predict_one, own_errors=ADMITTED)
MANY = RouteContract(predict_many, own_errors=ADMITTED)


async def predict(request: Request) -> Response:
    return await answer(request, ONE)


async def predict_batch(request: Request) -> Response:
    return await answer(request, MANY)


def router(requests: RequestModels, guarded_docs: bool) -> APIRouter:
    """The two routes, documented with the request models built from the served card."""
    routes = APIRouter(
        tags=["predict"], dependencies=[Security(documented_key)] if guarded_docs else []
    )
    routes.add_api_route(
        "/predict",
        predict,
        methods=["POST"],
        summary="Forecast one student's next-semester GPA",
        description="Give the semesters so far (oldest first); get the next one with a "
        "prediction interval (`interval.level` says how often it holds). With "
        '`"path": true` (a format 4 model), also every later semester through the last '
        "term and the final CGPA, each with its own interval; `final_below` adds the chance "
        "of finishing below a cut-off.",
        response_model=None,
        responses={
            200: {"model": Prediction, "description": "The forecast."},
            **error_answers(ONE),
        },
        openapi_extra=json_body(requests.student),
    )
    routes.add_api_route(
        "/predict/batch",
        predict_batch,
        methods=["POST"],
        summary="Forecast many students in one call",
        description=f"Up to {requests.limits.max_batch} students (CGPA_MAX_BATCH), answered "
        "in request order from one batched forward pass. One invalid student makes the whole "
        "request 422, naming its index.",
        response_model=None,
        responses={
            200: {"model": BatchPrediction, "description": "One forecast per student."},
            **error_answers(MANY),
        },
        openapi_extra=json_body(requests.batch),
    )
    return routes
