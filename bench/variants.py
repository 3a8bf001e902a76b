"""The service with one speed-up taken away each, as uvicorn app factories
(`uvicorn --factory bench.variants:no_coalescing`), so `python -m bench.compare` can show what
each one is worth. Each runs in a process of its own, so patching a module here affects only
that variant.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from app.predictor import Forecast, ForecastCoalescer


def as_shipped() -> FastAPI:
    from app.main import create_app

    return create_app()


def plain_way_only() -> FastAPI:
    """FastAPI's own path for every request: dependencies, json.loads, validation."""
    from app.routes import predict

    predict.FAST_ANSWERS = {}
    return as_shipped()


def no_coalescing() -> FastAPI:
    """One forward pass per request, inline in the event loop."""

    async def alone(
        self: ForecastCoalescer, history: Sequence[float], college_code: int | None
    ) -> Forecast:
        return self.predictor.forecast([history], [college_code])[0]

    ForecastCoalescer.forecast = alone  # type: ignore[method-assign]
    return as_shipped()


def threadpool_inference() -> FastAPI:
    """One forward pass per request in the threadpool, as a `def` route would run it."""

    async def in_threadpool(
        self: ForecastCoalescer, history: Sequence[float], college_code: int | None
    ) -> Forecast:
        forecasts = await run_in_threadpool(self.predictor.forecast, [history], [college_code])
        return forecasts[0]

    ForecastCoalescer.forecast = in_threadpool  # type: ignore[method-assign]
    return as_shipped()


def no_gc_tuning() -> FastAPI:
    """Neither gc.freeze() nor the rarer full collections of app/main.py."""
    gc.freeze = lambda: None
    gc.set_threshold = lambda *thresholds: None
    return as_shipped()


def gc_freeze_only() -> FastAPI:
    """gc.freeze(), with full collections at Python's default rate."""
    gc.set_threshold = lambda *thresholds: None
    return as_shipped()


VARIANTS = {
    "as shipped": "as_shipped",
    "plain FastAPI way (no fast path)": "plain_way_only",
    "no coalescing": "no_coalescing",
    "threadpool inference": "threadpool_inference",
    "no gc tuning": "no_gc_tuning",
    "gc.freeze only": "gc_freeze_only",
}
