"""GET /metrics in the Prometheus text format.

The monitoring figures per model version are brought up to date here when they are older than
`METRICS_REFRESH_SECONDS` (two aggregate queries, in a thread), so a scrape every few seconds
costs the database no more than one report per interval.
"""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.errors import ApiError
from app.routes.monitoring import METRICS_REFRESH_SECONDS, current_report
from app.state import ServiceState

logger = logging.getLogger("cgpa.metrics")
router = APIRouter(tags=["operations"])


async def refresh_monitoring(state: ServiceState) -> None:
    shown = state.metrics.monitoring_shown_at
    if state.store is None or state.predictor is None:
        return
    if shown is not None and time.monotonic() - shown < METRICS_REFRESH_SECONDS:
        return
    try:
        await current_report(state, state.predictor)
    except ApiError as error:  # the store is down: the other metrics still answer
        logger.warning("monitoring metrics not refreshed: %s", error.message)


@router.get(
    "/metrics",
    summary="Prometheus metrics: requests, latency, predictions, model info, monitoring",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
async def metrics(request: Request) -> Response:
    state: ServiceState = request.app.state.service
    await refresh_monitoring(state)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
