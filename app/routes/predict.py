"""POST /predict and POST /predict/batch.

Each route has two ways to an answer. The plain way is FastAPI's: dependencies, strict JSON
parsing, validation, then the route function; it owns every error answer. The fast way
(the `FAST_ANSWERS` below, tried by app/fast_path.py before FastAPI's routing) answers a
well-formed request directly: one `model_validate_json` of the same pydantic model instead
of dependency solving plus `json.loads` plus validation, and single forecasts joined into
shared forward passes under load. It answers only when the plain way would have answered
200 with the same body (tests/test_fast_path.py), and hands every other request, untouched,
to the plain way.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ValidationError

from app.deps import JsonBody, MetricsDep, PredictorDep, SettingsDep, declares_json
from app.errors import StrictJSONRoute, validation_error
from app.metrics import Metrics
from app.predictor import Forecast, Predictor
from app.responses import FastJSONResponse
from app.schemas import BatchPrediction, BatchRequest, ErrorResponse, Prediction, StudentHistory
from app.security import ApiKeyDep, require_api_key

FastAnswer = Callable[[Request], Awaitable[Response | None]]
BodyModel = TypeVar("BodyModel", bound=BaseModel)


ERROR_ANSWERS: dict[int | str, dict] = {
    401: {"model": ErrorResponse, "description": "API key missing or wrong (when one is set)."},
    413: {"model": ErrorResponse, "description": "Body larger than CGPA_MAX_BODY_BYTES."},
    415: {"model": ErrorResponse, "description": "Body not sent as application/json."},
    422: {"model": ErrorResponse, "description": "A field is invalid; `detail` names each one."},
    503: {"model": ErrorResponse, "description": "The model is not loaded."},
}


def check_history_lengths(
    students: Sequence[StudentHistory], predictor: Predictor, prefix: tuple[str | int, ...]
) -> None:
    longest = predictor.card.max_history
    for index, student in enumerate(students):
        if len(student.grades) > longest:
            location = (*prefix, index, "grades") if prefix else ("grades",)
            raise validation_error(
                location,
                f"List should have at most {longest} items (the model's longest history), "
                f"not {len(student.grades)}",
                "too_long",
            )


def render(
    forecasts: Sequence[Forecast], college_codes: Sequence[int | None], predictor: Predictor
) -> list[dict]:
    """Plain dicts, not pydantic models: each answer is built once and never re-validated.
    The loop is the hot part of a 1000-student batch, hence the constants held in locals."""
    level = predictor.card.interval.level
    version = predictor.card.model_version
    return [
        {
            "predicted_cgpa": forecast.predicted_cgpa,
            "interval": {"low": forecast.low, "high": forecast.high, "level": level},
            "semester": forecast.semester,
            "model_version": version,
            "warnings": [] if forecast.college_known is not False else [_unknown_college(code)],
        }
        for forecast, code in zip(forecasts, college_codes, strict=True)
    ]


def _unknown_college(college_code: int | None) -> str:
    return (
        f"college_code {college_code} is unknown to the model; "
        "predicted with its unknown-college slot"
    )


def batch_answer(
    students: Sequence[StudentHistory], predictor: Predictor, metrics: Metrics
) -> FastJSONResponse:
    colleges = [student.college_code for student in students]
    forecasts = predictor.forecast([student.grades for student in students], colleges)
    metrics.predicted["batch"].inc(len(forecasts))
    return FastJSONResponse({"predictions": render(forecasts, colleges, predictor)})


# --- The fast way. Each step returns None (= "let the plain way answer") on any doubt. ---


async def _validated_body(
    request: Request, model: type[BodyModel]
) -> tuple[Predictor, BodyModel, bytes] | None:
    """The predictor, the validated body and its bytes, if the plain way would accept this
    request."""
    state = request.app.state
    predictor: Predictor | None = getattr(state, "predictor", None)
    if predictor is None or not _key_accepted(request) or not declares_json(request):
        return None
    body = await request.body()
    # The plain way refuses duplicated keys; pydantic's parser keeps the last one. Bodies
    # with a backslash (which could spell a key differently) are left to the plain way, so
    # every key appears literally and counting it finds any duplicate.
    if b"\\" in body:
        return None
    try:
        parsed = model.model_validate_json(body)
    except ValidationError:
        return None
    return predictor, parsed, body


def _key_accepted(request: Request) -> bool:
    """The same test as `app.security.require_api_key`, but it never raises."""
    expected = request.app.state.settings.api_key
    if expected is None:
        return True
    supplied = request.headers.get("x-api-key")
    return bool(supplied) and secrets.compare_digest(
        supplied.encode(), expected.get_secret_value().encode()
    )


def _keys_appear_once(body: bytes, students: Sequence[StudentHistory]) -> bool:
    """Each student's keys occur in `body` exactly as often as the students that have them."""
    with_college = sum("college_code" in student.model_fields_set for student in students)
    return body.count(b'"grades"') == len(students) and (
        body.count(b'"college_code"') == with_college
    )


def _fits_the_model(students: Sequence[StudentHistory], predictor: Predictor) -> bool:
    longest = predictor.card.max_history
    return all(len(student.grades) <= longest for student in students)


async def _fast_predict(request: Request) -> Response | None:
    accepted = await _validated_body(request, StudentHistory)
    if accepted is None:
        return None
    predictor, student, body = accepted
    if not _keys_appear_once(body, [student]) or not _fits_the_model([student], predictor):
        return None
    forecast = await predictor.coalescer.forecast(student.grades, student.college_code)
    request.app.state.metrics.predicted["single"].inc()
    return FastJSONResponse(render([forecast], [student.college_code], predictor)[0])


async def _fast_predict_batch(request: Request) -> Response | None:
    accepted = await _validated_body(request, BatchRequest)
    if accepted is None:
        return None
    predictor, batch, body = accepted
    students = batch.students
    if (
        len(students) > request.app.state.settings.max_batch
        or body.count(b'"students"') != 1
        or not _keys_appear_once(body, students)
        or not _fits_the_model(students, predictor)
    ):
        return None
    return batch_answer(students, predictor, request.app.state.metrics)


# By route name (the route function's name); app/fast_path.py tries them.
FAST_ANSWERS: dict[str, FastAnswer] = {
    "predict": _fast_predict,
    "predict_batch": _fast_predict_batch,
}


class KeyFirstRoute(StrictJSONRoute):
    """Checks the API key before the body is parsed: a client without the key learns
    nothing about its body, not even whether it is well-formed JSON."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        plain_handler = super().get_route_handler()

        async def handler(request: Request) -> Response:
            if not _key_accepted(request):
                await require_api_key(request, request.headers.get("x-api-key"))
            return await plain_handler(request)

        return handler


router = APIRouter(tags=["predict"], route_class=KeyFirstRoute, dependencies=[ApiKeyDep])


@router.post(
    "/predict",
    summary="Forecast one student's next-semester GPA",
    description="Give the semesters so far (oldest first); get the next one with a "
    "90% prediction interval.",
    response_model=Prediction,
    responses=ERROR_ANSWERS,
    dependencies=[JsonBody],
)
async def predict(
    student: StudentHistory, predictor: PredictorDep, metrics: MetricsDep
) -> FastJSONResponse:
    # `async def` on purpose: a threadpool hop per request costs more than the forward pass
    # (`python -m bench.compare`, row "threadpool inference").
    check_history_lengths([student], predictor, ())
    forecasts = predictor.forecast([student.grades], [student.college_code])
    metrics.predicted["single"].inc()
    return FastJSONResponse(render(forecasts, [student.college_code], predictor)[0])


@router.post(
    "/predict/batch",
    summary="Forecast many students in one call",
    description="Up to CGPA_MAX_BATCH students, answered in request order from one batched "
    "forward pass. One invalid student makes the whole request 422, naming its index.",
    response_model=BatchPrediction,
    responses=ERROR_ANSWERS,
    dependencies=[JsonBody],
)
async def predict_batch(
    batch: BatchRequest, predictor: PredictorDep, settings: SettingsDep, metrics: MetricsDep
) -> FastJSONResponse:
    students = batch.students
    if len(students) > settings.max_batch:
        raise validation_error(
            ("students",),
            f"List should have at most {settings.max_batch} items (CGPA_MAX_BATCH), "
            f"not {len(students)}",
            "too_long",
        )
    check_history_lengths(students, predictor, ("students",))
    return batch_answer(students, predictor, metrics)
