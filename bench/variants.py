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


def stdlib_access_log() -> FastAPI:
    """The access log line written through stdlib logging, as before app/access_log.py."""
    import logging

    from app.access_log import AccessLog

    logger = logging.getLogger("cgpa.access")

    def through_logging(self: AccessLog, **fields: object) -> None:
        seconds = fields.pop("seconds")
        logger.info("request", extra={**fields, "latency_ms": round(seconds * 1000, 3)})

    AccessLog.write = through_logging  # type: ignore[method-assign]
    return as_shipped()


def access_log_line_by_line() -> FastAPI:
    """One write system call per access log line instead of one per loop turn."""
    from app.access_log import AccessLog

    buffered_write = AccessLog.write

    def write_now(self: AccessLog, **fields: object) -> None:
        buffered_write(self, **fields)  # type: ignore[arg-type]
        self.flush()

    AccessLog.write = write_now  # type: ignore[method-assign]
    return as_shipped()


def no_gc_freeze() -> FastAPI:
    """Without the gc.freeze() of app/main.py's lifespan."""
    gc.freeze = lambda: None
    return as_shipped()


VARIANTS = {
    "as shipped": "as_shipped",
    "plain FastAPI way (no fast path)": "plain_way_only",
    "no coalescing": "no_coalescing",
    "threadpool inference": "threadpool_inference",
    "access log through stdlib logging": "stdlib_access_log",
    "access log written line by line": "access_log_line_by_line",
    "no gc.freeze": "no_gc_freeze",
}
