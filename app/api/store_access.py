"""The store for a route's work: there (or a 503 saying recording is off) and worked off the
event loop, in a thread, so a slow database never holds other requests; a database that does
not answer is a 503 too, never a 500."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import sqlalchemy as sa

from app.api.errors import ApiError
from app.state import ServiceState
from app.store.store import Store

RECORDING_OFF = (
    "store: recording is off (CGPA_DATABASE_URL=none), so there is nothing to read or write"
)
UNAVAILABLE = "store: the database is unavailable; try again later"
RACED = "store: a concurrent write to the same rows got in the way; send the request again"
STORE_ANSWERS = "The model is not loaded, recording is off, or the database is unavailable."

logger = logging.getLogger("cgpa.store")
Params = ParamSpec("Params")
Result = TypeVar("Result")


def ready_store(state: ServiceState) -> Store:
    if state.store is None:
        raise ApiError(503, RECORDING_OFF)
    return state.store


async def in_store(
    work: Callable[Params, Result], *args: Params.args, **kwargs: Params.kwargs
) -> Result:
    """`work(*args)` in a thread; a database error that is not the work's to answer is a 503."""
    try:
        return await asyncio.to_thread(work, *args, **kwargs)
    except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError) as error:
        logger.warning("store unavailable: %s", error.__class__.__name__)
        raise ApiError(503, UNAVAILABLE, headers={"retry-after": "1"}) from None
    except sa.exc.IntegrityError:
        # The work retries a lost race once; losing it again is rare, and a retry settles it.
        raise ApiError(503, RACED, headers={"retry-after": "1"}) from None
