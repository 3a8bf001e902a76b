"""The error answers a route documents (`responses=`), derived from its `RouteContract`.

What the common checks of the request path (app/api/request_path.py) can answer follows from
what a route declares: a key guard can answer 401 (and 400 for its header sent twice),
reading a body 413 and 415 or 422 (the protocol's style: 400), the model check 503, and the
route's work its `own_errors`. Deriving them keeps the docs page and the checks from
drifting apart.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.api.errors import ErrorStyle
from app.api.request_path import Guard, RouteContract
from app.api.schemas import ErrorResponse, ProtocolErrorBody

KEY_ANSWERS = {
    Guard.API_KEY: "API key missing or wrong (when one is set).",
    Guard.ADMIN_KEY: "Admin key missing or wrong.",
}
REPEATED_KEY = "The key's header sent more than once (when a key is set)."
TOO_LARGE = "Body larger than CGPA_MAX_BODY_BYTES."
BODY_ANSWERS = {
    ErrorStyle.OURS: {
        413: TOO_LARGE,
        415: "Body not sent as application/json, or sent compressed (Content-Encoding).",
        422: "A field is invalid; `detail` names each one.",
    },
    # The protocol answers every bad request 400, the wrong content type and fields too.
    ErrorStyle.PROTOCOL: {400: "Not a valid request for this model.", 413: TOO_LARGE},
}
NOT_LOADED = "The model is not loaded."
# The prediction routes' 503 has more causes: admission (app/model/admission.py) and, for a
# request that records, the store (app/api/recording.py).
NOT_LOADED_OR_BUSY = (
    "The model is not loaded; or the request waited CGPA_ADMISSION_WAIT seconds for room "
    "under CGPA_MAX_ROWS_IN_FLIGHT (`over_capacity`); or a `student_id` was sent and the "
    "forecast store is unavailable (`store_unavailable`; without `student_id` forecasts "
    "work). `Retry-After` says when to try again."
)
ERROR_BODIES: dict[ErrorStyle, type[BaseModel]] = {
    ErrorStyle.OURS: ErrorResponse,
    ErrorStyle.PROTOCOL: ProtocolErrorBody,
}


def error_answers(contract: RouteContract) -> dict[int | str, dict[str, Any]]:
    """`responses=` for the error answers of a route taking the request path, by status."""
    descriptions = {400: REPEATED_KEY, 401: KEY_ANSWERS[contract.guard], 503: NOT_LOADED}
    if contract.reads_body:
        descriptions |= BODY_ANSWERS[contract.style]
    descriptions |= contract.own_errors
    body = ERROR_BODIES[contract.style]
    return {
        status: {"model": body, "description": descriptions[status]}
        for status in sorted(descriptions)
    }
