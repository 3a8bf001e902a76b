"""GET /monitoring: how the served models do against the real grades that followed.

The figures are sums computed by the database (app/store/monitoring.py), set against what
each model's card promised (its out-of-fold MSE and interval level; a version whose card this
worker no longer holds is held to the served model's), with the alerts of app/store/alerts.py.
`/metrics` shows the same figures per model version, refreshed at most every
`METRICS_REFRESH_SECONDS` (app/routes/metrics.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, Security

from app.api.error_answers import error_answers
from app.api.request_path import Call, RouteContract, answer
from app.api.responses import FastJSONResponse
from app.api.security import documented_key
from app.api.store_access import STORE_ANSWERS, in_store, ready_store
from app.model.expectation import Promise, promise_of
from app.model.predictor import Predictor
from app.state import ServiceState
from app.store.alerts import Expected, report
from app.store.monitoring import recent_points, roll_up, totals_by_cell
from app.store.store import Store

METRICS_REFRESH_SECONDS = 30.0


def promises(state: ServiceState, served: Predictor) -> tuple[Promise, dict[str, Promise]]:
    by_version = {
        version: promise_of(predictor.card)
        for version, predictor in state.models.versions().items()
    }
    return promise_of(served.card), by_version


def read_report(store: Store, served: Promise, by_version: dict[str, Promise]) -> dict[str, Any]:
    """Two aggregate queries and the latest points; runs in a thread."""
    with store.engine.connect() as connection:
        cells = totals_by_cell(connection)
        points = recent_points(connection)

    def expected_for(version: str | None) -> Expected:
        promise = by_version.get(version, served) if version is not None else served
        return Expected(promise.mse, promise.level)

    answer = report(roll_up(cells), expected_for)
    answer["recent"] = points
    return answer


async def current_report(state: ServiceState, predictor: Predictor) -> dict[str, Any]:
    """The report, and the metrics brought up to date with it."""
    store = ready_store(state)
    served, by_version = promises(state, predictor)
    answer = await in_store(read_report, store, served, by_version)
    state.metrics.show_monitoring(answer["by_model_version"], len(answer["alerts"]))
    return answer


async def monitor(call: Call) -> Response:
    return FastJSONResponse(await current_report(call.state, call.predictor))


MONITOR = RouteContract(monitor, reads_body=False, own_errors={503: STORE_ANSWERS})


async def monitoring(request: Request) -> Response:
    return await answer(request, MONITOR)


def router(guarded_docs: bool) -> APIRouter:
    routes = APIRouter(
        tags=["monitoring"], dependencies=[Security(documented_key)] if guarded_docs else []
    )
    routes.add_api_route(
        "/monitoring",
        monitoring,
        methods=["GET"],
        summary="Forecasts against the real grades: accuracy, coverage, alerts",
        description="`overall`, `by_model_version` and `by_group`, each with `forecasts`, "
        "`outcomes` (forecasts whose real grade arrived), `mae`, `mse`, `coverage` (share of "
        "real grades inside the recorded interval, with its 95% Wilson interval), "
        "`mean_width`, `brier` (forecasts that asked for a risk; null if none) and `expected` "
        "(the card's out-of-fold MSE and interval level); `alerts` in plain words; `recent`, "
        "the latest 500 predicted-against-actual pairs. The forecast that counts for a "
        "(student, semester) forecast more than once is the latest recorded before its "
        "outcome arrived.",
        response_model=None,
        responses={200: {"description": "The report."}, **error_answers(MONITOR)},
    )
    return routes
