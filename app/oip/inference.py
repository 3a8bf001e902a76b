"""The work of the protocol's guarded routes: model metadata and inference.

Both take the one request path (app/api/request_path.py) with the protocol's error style;
inference joins the same coalesced forward passes as /predict, so the numbers are identical.
A body is read as JSON when it declares no content type (tritonclient sends none) or curl's
default `application/x-www-form-urlencoded` (`curl -d`, as the protocol's servers' curl
examples send it); any other non-JSON type, e.g. octet-stream or the binary tensor
extension's header, is a 400 saying what to send instead.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import Response

from app.api.error_answers import NOT_LOADED_OR_BUSY
from app.api.errors import ApiError, ErrorStyle
from app.api.recording import Answered, record_forecasts, recorder_for
from app.api.request_models import request_models_of
from app.api.request_path import Call, RouteContract, ready_predictor
from app.api.responses import FastJSONResponse
from app.api.strict_json import parse_body
from app.model.advice import RISK_DECIMALS
from app.model.predictor import Forecast, Predictor
from app.oip.metadata import MODEL_NAME, model_metadata
from app.oip.schemas import FORECAST_ID_OUTPUT, RISK_OUTPUT, InferenceRequest
from app.oip.tensors import Students, TensorReader, requested_outputs, risk_cutoff
from app.state import ServiceState

BINARY_HEADER = "inference-header-content-length"
# What curl sends with `-d` unless told otherwise; the body is JSON all the same.
PROTOCOL_JSON_TYPES = frozenset({"", "application/x-www-form-urlencoded"})
UNKNOWN_MODEL = {404: "No such model or version."}
OWN_ERRORS = {**UNKNOWN_MODEL, 503: NOT_LOADED_OR_BUSY}
# Every output is a number but the forecast ids.
DATATYPES: defaultdict[str, str] = defaultdict(lambda: "FP32", {FORECAST_ID_OUTPUT: "BYTES"})


def chosen_model(name: str, version: str | None, state: ServiceState) -> Predictor:
    """The model a path names: the active one, or a loaded version (the active and the
    previous one after a reload); 404 for another model or version."""
    if name != MODEL_NAME:
        raise ApiError(404, f"unknown model {name!r}; this server serves {MODEL_NAME!r}")
    active = ready_predictor(state)
    if version is None:
        return active
    loaded = state.models.versions()
    if version not in loaded:
        known = ", ".join(repr(known) for known in loaded)
        raise ApiError(404, f"unknown version {version!r} of model {MODEL_NAME!r}; it has {known}")
    return loaded[version]


async def infer_work(call: Call) -> Response:
    parameters = call.request.path_params
    predictor = chosen_model(parameters["name"], parameters.get("version"), call.state)
    if BINARY_HEADER in call.request.headers:
        raise ApiError(
            400,
            "body: the binary tensor data extension is not supported; send tensor data as JSON",
        )
    requests = request_models_of(call.request.app)
    scale = requests.limits.scale
    try:
        inference = parse_body(call.body, InferenceRequest, scale)
    except ApiError as error:  # the protocol answers every bad request 400
        raise ApiError(400, error.message) from None
    students = TensorReader(requests.limits, requests.grades).students(inference)
    cutoff = risk_cutoff(inference, scale)
    with_ids = students.student_ids is not None
    outputs = requested_outputs(inference, with_risk=cutoff is not None, with_ids=with_ids)
    async with call.state.admission.admitted(len(students.histories)):
        forecasts = await predictor.forecast_coalescer.run(students.histories, students.colleges)
    call.state.metrics.predicted["v2"].inc(len(forecasts))
    columns = {
        "predicted_cgpa": [forecast.predicted_cgpa for forecast in forecasts],
        "interval_low": [forecast.low for forecast in forecasts],
        "interval_high": [forecast.high for forecast in forecasts],
    }
    if cutoff is not None:
        lengths = [len(history) for history in students.histories]
        raw = [forecast.raw for forecast in forecasts]
        columns[RISK_OUTPUT] = [
            round(probability, RISK_DECIMALS)
            for probability in predictor.risk.probability_below(
                raw, lengths, cutoff, predictor.group_indexes(students.colleges)
            )
        ]
    if students.student_ids is not None:
        columns[FORECAST_ID_OUTPUT] = await record(call, students, forecasts, columns, cutoff)
    body: dict[str, Any] = {
        "model_name": MODEL_NAME,
        "model_version": predictor.card.model_version,
    }
    if inference.id is not None:
        body["id"] = inference.id
    body["outputs"] = [
        {
            "name": name,
            "shape": [len(forecasts)],
            "datatype": DATATYPES[name],
            "data": columns[name],
        }
        for name in outputs
    ]
    return FastJSONResponse(body)


async def record(
    call: Call,
    students: Students,
    forecasts: list[Forecast],
    columns: dict[str, list[Any]],
    cutoff: float | None,
) -> list[Any]:
    """Records the students with an id (app/api/recording.py); the `forecast_id` column
    ("" for a student without one). Recording off is a 400, as every bad request here."""
    field = students.student_id_input
    ids = students.student_ids or []
    if not any(ids):
        return [""] * len(ids)
    recorder_for(call.state, field, status=400)
    risks = columns.get(RISK_OUTPUT)
    answered = [
        Answered(
            forecast.semester,
            forecast.predicted_cgpa,
            forecast.low,
            forecast.high,
            cutoff,
            None if risks is None else risks[index],
        )
        for index, forecast in enumerate(forecasts)
    ]
    card = call.predictor.card
    forecast_ids = await record_forecasts(
        call.state,
        field,
        ids,
        students.histories,
        students.colleges,
        answered,
        card.model_version,
        card.interval.level,
    )
    return [forecast_id or "" for forecast_id in forecast_ids]


async def metadata_work(call: Call) -> Response:
    parameters = call.request.path_params
    predictor = chosen_model(parameters["name"], parameters.get("version"), call.state)
    versions = list(call.state.models.versions())
    limits = request_models_of(call.request.app).limits
    return FastJSONResponse(model_metadata(predictor, versions, limits))


INFER = RouteContract(
    infer_work,
    style=ErrorStyle.PROTOCOL,
    also_json=PROTOCOL_JSON_TYPES,
    own_errors=OWN_ERRORS,
)
METADATA = RouteContract(
    metadata_work, style=ErrorStyle.PROTOCOL, reads_body=False, own_errors=UNKNOWN_MODEL
)
