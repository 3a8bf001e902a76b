"""The ASGI app: `app.main:app`, built by `create_app()`.

`create_app` reads the model card (a small JSON file) first, so the request models carry the
served model's limits and FastAPI's OpenAPI document states them; the lifespan then loads
the checkpoint and verifies it against that card before the first request is answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import torch
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from uvicorn.config import STARTUP_FAILURE

from app.api.errors import install_error_handlers
from app.api.outcome_models import outcome_models
from app.api.request_models import request_models
from app.api.responses import FastJSONResponse
from app.api.shortcut import RouteShortcut, shortcut_table
from app.config import Settings, get_settings
from app.model.limits import Limits
from app.model.predictor import ModelLoadError, load_predictor, read_card
from app.observability.log_setup import configure_logging, hide_refused_startup_traceback
from app.observability.request_context import RequestContextMiddleware
from app.oip import routes as oip
from app.oip.metadata import MODEL_NAME
from app.routes import (
    admin,
    docs,
    health,
    metrics,
    model,
    monitoring,
    outcomes,
    page,
    predict,
    students,
)
from app.server.head_requests import HeadAsGet
from app.server.request_limits import RequestLimits
from app.state import ServiceState
from app.store.privacy import keep_purging
from app.store.recorder import Recorder
from app.store.startup import StoreRefused, connect, open_store, watch

logger = logging.getLogger("cgpa.startup")
# Net allocations of tracked objects between young garbage collections (Python's default:
# 700); why, in the lifespan.
YOUNG_COLLECTION_EVERY = 200_000

DESCRIPTION = """
Forecasts a student's next-semester grade point average from the grades of the semesters so
far, with a prediction interval calibrated on held-out students.

The model is a small recurrent network that reads one semester per step; `GET /model` shows
its card: accuracy against baselines, the history lengths and colleges it knows, and hashes.
"""


class StartupRefused(SystemExit):
    """Raised when the checkpoint cannot be trusted: the process must not serve anything."""


def refuse_startup(error: ModelLoadError) -> StartupRefused:
    # One line naming the file and the reason; then a non-zero exit. uvicorn's own code for
    # "failed to start", so that a supervisor of several workers stops instead of starting
    # the same failure again and again.
    logger.error("model load failed: %s", error)
    return StartupRefused(STARTUP_FAILURE)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: ServiceState = app.state.service
    torch.set_num_threads(state.settings.torch_threads)
    try:
        predictor = load_predictor(state.settings.model_path)
    except ModelLoadError as error:
        raise refuse_startup(error) from None
    refusal = state.refusal_of(predictor)
    if refusal is not None:
        # The card changed between create_app reading it and the load.
        raise refuse_startup(ModelLoadError(f"{state.settings.model_path}: {refusal}")) from None
    state.models.start(predictor)
    state.show_model(predictor)
    signals = install_reload_signals(state)
    store_watch = await start_store(state)
    logger.info(
        "model ready",
        extra={
            "model_path": str(state.settings.model_path),
            "version": predictor.card.model_version,
        },
    )
    # The objects of torch, FastAPI and the model live as long as the process; out of the
    # garbage collector's sight, its full passes stop re-scanning them, which shortens them
    # a great deal (`python -m bench.compare`: row "no gc.freeze").
    gc.freeze()
    # Large batches leave many objects alive until their answers are sent (under heavy load,
    # dozens of batches at once), and a young collection scans them again and again: at
    # Python's default (every 700 net allocations) and still at 20,000, that was a large
    # share of the worker's time; docs/performance.md has the figures. Cycles are rare
    # here, so collecting less often costs little.
    thresholds = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *thresholds[1:])
    # Last before serving: the store is open by now, so the first purge runs at startup.
    retention = start_retention(state)
    yield
    gc.set_threshold(*thresholds)
    if retention is not None:
        retention.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await retention
    if store_watch is not None:
        await stop_store(state, store_watch)
    if signals:
        state.control.remove_signal_handlers()
    state.access_log.flush()
    gc.unfreeze()
    state.not_ready_reason = "shutting down"


async def start_store(state: ServiceState) -> asyncio.Task[None] | None:
    """The store, after the model (plain forecasts never wait for it): refused startup for a
    configuration that cannot work, else connected now or retried in the background by the
    returned task (app/store/startup.py)."""
    settings = state.settings
    id_key = settings.id_key.get_secret_value() if settings.id_key is not None else None
    try:
        store = open_store(settings.database_url, id_key)
        if store is None:
            return None
        connected = await connect(store)
    except StoreRefused as error:
        logger.error("store refused: %s", error)
        raise StartupRefused(STARTUP_FAILURE) from None
    state.store, state.recorder = store, Recorder(store)
    return asyncio.create_task(watch(store, migrated=connected))


async def stop_store(state: ServiceState, store_watch: asyncio.Task[None]) -> None:
    store_watch.cancel()
    if state.recorder is not None:
        # Requests still in flight were drained before the lifespan ends; this waits for
        # a commit that is still running.
        await asyncio.to_thread(state.recorder.close)
    if state.store is not None:
        state.store.engine.dispose()


def start_retention(state: ServiceState) -> asyncio.Task[None] | None:
    """With CGPA_RETENTION_DAYS set: purge older rows now (once the store is open), then daily."""
    days = state.settings.retention_days
    if days is None:
        return None
    return asyncio.create_task(keep_purging(lambda: state.store, days))


def install_reload_signals(state: ServiceState) -> bool:
    """SIGHUP reloads, SIGUSR2 rolls back (app/model/control.py). Only a process's main
    thread can take signals; an app run elsewhere (a test client's thread) does without."""
    try:
        state.control.install_signal_handlers()
    except (RuntimeError, ValueError, NotImplementedError):
        logger.debug("no reload signals outside the main thread")
        return False
    return True


def create_app(settings: Settings | None = None, *, route_shortcut: bool = True) -> FastAPI:
    """The service. `route_shortcut=False` reaches the prediction routes through FastAPI's
    routing only (slower, same answers): for measuring what the shortcut is worth."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    hide_refused_startup_traceback()
    try:
        card = read_card(settings.model_path)
    except ModelLoadError as error:
        raise refuse_startup(error) from None
    low, high = card.scale
    if settings.risk_below is not None and not low <= settings.risk_below <= high:
        raise refuse_startup(
            ModelLoadError(
                f"CGPA_RISK_BELOW {settings.risk_below:g} is outside the scale {low:g}-{high:g} "
                f"of the model {settings.model_path}"
            )
        )
    limits = Limits.of(card, settings.max_batch)
    requests = request_models(
        limits, card.group.label, card.group.codes, paths=card.path is not None
    )
    app = FastAPIOffline(
        # The docs pages are app/routes/docs.py's (with their security headers); this
        # serves their scripts and styles from the package.
        docs_url=None,
        redoc_url=None,
        title="cgpa-predictor",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=FastJSONResponse,
        # `/predict/` is answered 404 naming `/predict`, not redirected with an empty body.
        redirect_slashes=False,
        # FastAPI's native OpenTelemetry looks for configured providers on every request;
        # no OpenTelemetry SDK is installed, so it could never record anything. The service
        # has its own metrics (/metrics) and access log.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    state = ServiceState(settings=settings, limits=limits)
    app.state.service = state
    if threading.current_thread() is threading.main_thread():
        state.control.hold_early_signals()
    install_error_handlers(app)
    app.state.request_models = requests
    app.state.outcome_model = outcome_models(limits, settings.max_outcomes)
    guarded_docs = settings.api_key is not None
    prediction_routes = predict.router(requests, guarded_docs)
    protocol_routes = oip.router(guarded_docs)
    app.include_router(prediction_routes)
    app.include_router(model.router(guarded_docs))
    app.include_router(
        outcomes.router(app.state.outcome_model, settings.max_outcomes, guarded_docs)
    )
    app.include_router(monitoring.router(guarded_docs))
    if settings.admin_key is not None:  # without a key the admin routes do not exist
        app.include_router(admin.router)
        app.include_router(students.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(protocol_routes)
    app.include_router(page.router)
    assert app.openapi_url is not None
    app.include_router(docs.router(app.title, app.openapi_url))
    # HEAD wherever GET is. Added first, so it is inside RouteShortcut, which answers only
    # POST: the prediction routes never pass through it.
    app.add_middleware(HeadAsGet)
    if route_shortcut:
        shortcuts: list[tuple[APIRoute, dict[str, str]]] = [
            (route, {}) for route in prediction_routes.routes if isinstance(route, APIRoute)
        ]
        shortcuts += [
            (route, {"name": MODEL_NAME})
            for route in app.routes
            if isinstance(route, APIRoute) and route.path == oip.INFER_PATH
        ]
        # Checked now: an endpoint the shortcut would call without its dependencies stops
        # create_app. Added first, so it runs inside RequestContextMiddleware (the last added
        # is outermost).
        app.add_middleware(RouteShortcut, table=shortcut_table(shortcuts))
    app.add_middleware(RequestContextMiddleware, metrics=state.metrics, access_log=state.access_log)
    # Outermost of the app's own, so a refused request costs only the refusal.
    app.add_middleware(
        RequestLimits,
        max_header_bytes=settings.max_header_bytes,
        max_concurrency=settings.max_concurrency,
        retry_after=settings.retry_after,
    )
    return app


_app: FastAPI | None = None


def __getattr__(name: str) -> FastAPI:
    """`app.main:app`, built by `create_app()` on first use (PEP 562), so that importing
    `create_app` (tests, benchmarks) does not read the default model from the environment."""
    global _app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _app is None:
        _app = create_app()
    return _app
