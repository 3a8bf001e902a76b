"""The ASGI app: `app.main:app`, built by `create_app()`."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import torch
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from app.access_log import AccessLog
from app.config import Settings, get_settings
from app.errors import install_error_handlers
from app.fast_path import FastPathMiddleware
from app.logging_setup import configure_logging, hide_refused_startup_traceback
from app.metrics import Metrics
from app.middleware import RequestContextMiddleware
from app.predictor import ModelLoadError, load_predictor
from app.responses import FastJSONResponse
from app.routes import health, metrics, model, oip, page, predict

logger = logging.getLogger("cgpa.startup")

DESCRIPTION = """
Forecasts a student's next-semester grade point average (0-10 scale) from the grades of the
semesters so far, with a 90% prediction interval calibrated on held-out students.

The model is a small recurrent network that reads one semester per step; `GET /model` shows
its card: accuracy against baselines, the history lengths and colleges it knows, and hashes.
"""


class StartupRefused(SystemExit):
    """Raised when the checkpoint cannot be trusted: the process must not serve anything."""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    torch.set_num_threads(settings.torch_threads)
    try:
        predictor = load_predictor(settings.model_path)
    except ModelLoadError as error:
        # One line naming the file and the reason; then refuse to start (non-zero exit).
        logger.error("model load failed: %s", error)
        raise StartupRefused(1) from None
    app.state.predictor = predictor
    app.state.metrics.model.info(
        {
            "version": predictor.card.model_version,
            "checkpoint_sha256": predictor.card.checkpoint_sha256,
            "torch": torch.__version__,
        }
    )
    logger.info(
        "model ready",
        extra={"model_path": str(settings.model_path), "version": predictor.card.model_version},
    )
    # The ~200,000 objects of torch, FastAPI and the model live as long as the process; out
    # of the garbage collector's sight, its full passes stop re-scanning them, which about
    # doubled batch throughput (`python -m bench.compare`: row "no gc.freeze").
    gc.freeze()
    yield
    app.state.access_log.flush()
    gc.unfreeze()
    # From here on readiness says 503, so a load balancer stops sending new requests.
    app.state.not_ready_reason = "shutting down"


def publish_live_limits(app: FastAPI) -> None:
    """Make /openapi.json state the limits the routes enforce.

    The request schemas carry only ceilings (64 grades, 100,000 students); the real limits
    are the loaded model's longest history and CGPA_MAX_BATCH. A client (or a fuzzer) that
    trusts the published schema must not be refused for sending what it allows.
    """
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build_schema()
        predictor = app.state.predictor
        if predictor is not None:  # always so once serving: the model loads before requests
            bodies = schema["components"]["schemas"]
            bodies["StudentHistory"]["properties"]["grades"]["maxItems"] = (
                predictor.card.max_history
            )
            bodies["BatchRequest"]["properties"]["students"]["maxItems"] = (
                app.state.settings.max_batch
            )
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    hide_refused_startup_traceback()
    app = FastAPIOffline(
        title="cgpa-predictor",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=FastJSONResponse,
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.access_log = AccessLog()
    app.state.predictor = None
    app.state.not_ready_reason = None
    install_error_handlers(app)
    for module in (predict, model, health, metrics, oip, page):
        app.include_router(module.router)
    publish_live_limits(app)
    # Added first, so it runs inside RequestContextMiddleware (the last added is outermost).
    app.add_middleware(FastPathMiddleware)
    app.add_middleware(
        RequestContextMiddleware,
        metrics=app.state.metrics,
        access_log=app.state.access_log,
        max_body_bytes=settings.max_body_bytes,
    )
    return app


app = create_app()
