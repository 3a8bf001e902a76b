"""Recording the forecasts asked with a `student_id`: one step of the one request path, used
by /predict, /predict/batch and the protocol's inference alike.

A row is built from the very values the answer carries (rounded as sent) plus the raw grades
and group the client sent; the request hands those over and the recorder's thread builds the
row and its forecast id, a time-ordered UUID (app/store/insert.py). The answer gets its
`forecast_id` only after the group commit returned (app/store/recorder.py): a 200 carrying a
forecast id means the row is in the database. Students without an id are neither recorded
nor changed, so a request without any id is answered byte for byte as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from app.api.errors import ApiError
from app.state import ServiceState
from app.store.recorder import Answered, Forecasts, Recorder
from app.store.store import StoreUnavailableError

__all__ = ["Answered", "answered_of", "record_forecasts", "recorder_for", "store_unavailable"]

RECORDING_OFF = (
    "recording is off on this server (CGPA_DATABASE_URL=none); send the request without "
    "student_id for a forecast that is not recorded"
)
STORE_UNAVAILABLE = "store_unavailable"


def recorder_for(state: ServiceState, field: str, status: int = 422) -> Recorder:
    """The recorder, or the error saying recording is off (422; the protocol's 400)."""
    if state.recorder is None:
        detail = {"field": field, "message": RECORDING_OFF, "type": "recording_off"}
        raise ApiError(status, f"{field}: {RECORDING_OFF}", [detail])
    return state.recorder


async def record_forecasts(
    state: ServiceState,
    field: str,
    student_ids: Sequence[str | None],
    histories: Sequence[Sequence[float]],
    groups: Sequence[Any],
    answered: Sequence[Answered],
    model_version: str,
    level: float,
) -> list[str | None]:
    """Records the students that carry an id; their forecast ids after the commit (None for
    the others). 422 when recording is off; 503 with Retry-After when the store fails."""
    recorder = recorder_for(state, field)
    chosen = [index for index, student_id in enumerate(student_ids) if student_id is not None]
    forecasts = Forecasts(
        [student_id for student_id in student_ids if student_id is not None],
        [histories[index] for index in chosen],
        [groups[index] for index in chosen],
        [answered[index] for index in chosen],
        model_version,
        level,
        datetime.now(UTC),
    )
    try:
        recorded = await recorder.record(forecasts)
    except StoreUnavailableError as error:
        raise store_unavailable(error, field, state.settings.retry_after) from None
    forecast_ids: list[str | None] = [None] * len(student_ids)
    for index, forecast_id in zip(chosen, recorded, strict=True):
        forecast_ids[index] = forecast_id
    return forecast_ids


def store_unavailable(error: StoreUnavailableError, field: str, retry_after: int) -> ApiError:
    message = (
        f"{field}: {error}; the forecast was not recorded: retry after {retry_after} s, or "
        "send it without student_id for a forecast that is not recorded"
    )
    detail = {"field": field, "message": str(error), "type": STORE_UNAVAILABLE}
    return ApiError(
        503, message, [detail], headers={"retry-after": str(retry_after)}, code=STORE_UNAVAILABLE
    )


def answered_of(answer: dict[str, Any]) -> Answered:
    """The recorded values of one /predict answer."""
    interval = answer["interval"]
    risk = answer.get("risk")
    return Answered(
        answer["semester"],
        answer["predicted_cgpa"],
        interval["low"],
        interval["high"],
        None if risk is None else risk["below"],
        None if risk is None else risk["probability"],
    )
