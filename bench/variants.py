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

from app.model.batching import ForwardCoalescer
from app.server.protocol import LimitedHttpToolsProtocol


def as_shipped() -> FastAPI:
    from app.main import create_app

    return create_app()


def through_fastapi_routing() -> FastAPI:
    """The one request path reached through FastAPI's routing only, without the shortcut."""
    from app.main import create_app

    return create_app(route_shortcut=False)


def no_coalescing() -> FastAPI:
    """One forward pass per request, inline in the event loop."""

    async def alone(
        self: ForwardCoalescer, histories: Sequence[Sequence[float]], groups: Sequence[object]
    ) -> list:
        return self.forward(histories, groups)

    ForwardCoalescer.run = alone  # type: ignore[method-assign]
    return as_shipped()


def threadpool_inference() -> FastAPI:
    """One forward pass per request in the threadpool, as a `def` route would run it."""

    async def in_threadpool(
        self: ForwardCoalescer, histories: Sequence[Sequence[float]], groups: Sequence[object]
    ) -> list:
        return await run_in_threadpool(self.forward, histories, groups)

    ForwardCoalescer.run = in_threadpool  # type: ignore[method-assign]
    return as_shipped()


def stdlib_access_log() -> FastAPI:
    """The access log line written through stdlib logging, as before app/access_log.py."""
    import logging

    from app.observability.access_log import AccessLog

    logger = logging.getLogger("cgpa.access")

    def through_logging(self: AccessLog, **fields: object) -> None:
        seconds = fields.pop("seconds")
        logger.info("request", extra={**fields, "latency_ms": round(seconds * 1000, 3)})

    AccessLog.write = through_logging  # type: ignore[method-assign]
    return as_shipped()


def access_log_line_by_line() -> FastAPI:
    """One write system call per access log line instead of one per loop turn."""
    from app.observability.access_log import AccessLog

    buffered_write = AccessLog.write

    def write_now(self: AccessLog, **fields: object) -> None:
        buffered_write(self, **fields)  # type: ignore[arg-type]
        self.flush()

    AccessLog.write = write_now  # type: ignore[method-assign]
    return as_shipped()


class TwoWritesPerAnswer(LimitedHttpToolsProtocol):
    """The shipped protocol writing as uvicorn does: status line and headers, then body."""

    combine_writes = False


def two_writes_per_answer() -> FastAPI:
    """As shipped, served by TwoWritesPerAnswer (PROTOCOLS)."""
    return as_shipped()


def no_gc_freeze() -> FastAPI:
    """Without the gc.freeze() of app/main.py's lifespan."""
    gc.freeze = lambda: None
    return as_shipped()


def default_gc_thresholds() -> FastAPI:
    """Python's default garbage-collection thresholds instead of the lifespan's."""
    gc.set_threshold = lambda *thresholds: None
    return as_shipped()


VARIANTS = {
    "as shipped": "as_shipped",
    "one path through FastAPI's routing (no shortcut)": "through_fastapi_routing",
    "no coalescing": "no_coalescing",
    "threadpool inference": "threadpool_inference",
    "access log through stdlib logging": "stdlib_access_log",
    "access log written line by line": "access_log_line_by_line",
    "two writes per answer (uvicorn's own)": "two_writes_per_answer",
    "no gc.freeze": "no_gc_freeze",
    "default gc thresholds": "default_gc_thresholds",
}

# The protocol class of a variant that is not served as shipped (bench/servers.py).
PROTOCOLS = {"two_writes_per_answer": "bench.variants:TwoWritesPerAnswer"}
