"""POST /predict and POST /predict/batch."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from app.deps import JsonBody, MetricsDep, PredictorDep, SettingsDep
from app.errors import StrictJSONRoute, validation_error
from app.predictor import Forecast, Predictor
from app.responses import FastJSONResponse
from app.schemas import BatchPrediction, BatchRequest, ErrorResponse, Prediction, StudentHistory
from app.security import ApiKeyDep

router = APIRouter(tags=["predict"], route_class=StrictJSONRoute, dependencies=[ApiKeyDep])

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


def render(forecast: Forecast, predictor: Predictor, college_code: int | None) -> dict:
    """A plain dict, not a pydantic model: the answer is built once and never re-validated."""
    warnings = []
    if forecast.college_known is False:
        warnings.append(
            f"college_code {college_code} is unknown to the model; "
            "predicted with its unknown-college slot"
        )
    return {
        "predicted_cgpa": forecast.predicted_cgpa,
        "interval": {
            "low": forecast.low,
            "high": forecast.high,
            "level": predictor.card.interval.level,
        },
        "semester": forecast.semester,
        "model_version": predictor.card.model_version,
        "warnings": warnings,
    }


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
    # `async def` on purpose: the forward pass takes tens of microseconds, less than a
    # threadpool hop would cost (measured in bench/).
    check_history_lengths([student], predictor, ())
    (forecast,) = predictor.forecast([student.grades], [student.college_code])
    metrics.predictions.labels("single").inc()
    return FastJSONResponse(render(forecast, predictor, student.college_code))


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
    forecasts = predictor.forecast(
        [student.grades for student in students], [student.college_code for student in students]
    )
    metrics.predictions.labels("batch").inc(len(forecasts))
    return FastJSONResponse(
        {
            "predictions": [
                render(forecast, predictor, student.college_code)
                for forecast, student in zip(forecasts, students, strict=True)
            ]
        }
    )
