"""Forgetting: a student's erasure on request, and the retention period's purge.

An erasure deletes every forecast and outcome of one student in one transaction and audits
it in `erasures`: when, and how many rows, never the id nor its key. The purge deletes the
forecasts and outcomes older than the retention period (`CGPA_RETENTION_DAYS`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.store.schema import erasures, forecasts, outcomes
from app.store.store import Store
from app.store.totals import add_to_totals, sums_of_outcomes

PURGE_EVERY_SECONDS = 24 * 60 * 60
logger = logging.getLogger("cgpa.store")


@dataclass(frozen=True)
class Removed:
    forecasts: int
    outcomes: int


def erase_student(store: Store, student_id: str, now: datetime | None = None) -> Removed:
    student_key = store.student_key(student_id)
    with store.engine.begin() as connection:
        chosen = outcomes.c.student_key == student_key
        add_to_totals(connection, sums_of_outcomes(connection, chosen), sign=-1)
        removed = Removed(
            connection.execute(
                forecasts.delete().where(forecasts.c.student_key == student_key)
            ).rowcount,
            connection.execute(
                outcomes.delete().where(outcomes.c.student_key == student_key)
            ).rowcount,
        )
        connection.execute(
            erasures.insert().values(
                erased_at=now or datetime.now(UTC),
                forecasts=removed.forecasts,
                outcomes=removed.outcomes,
            )
        )
    return removed


def purge_older_than(engine: sa.Engine, days: int, now: datetime | None = None) -> Removed:
    """Deletes the forecasts recorded, and outcomes received, more than `days` days ago."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    with engine.begin() as connection:
        chosen = outcomes.c.received_at < cutoff
        add_to_totals(connection, sums_of_outcomes(connection, chosen), sign=-1)
        return Removed(
            connection.execute(forecasts.delete().where(forecasts.c.created_at < cutoff)).rowcount,
            connection.execute(outcomes.delete().where(outcomes.c.received_at < cutoff)).rowcount,
        )


async def keep_purging(
    current_store: Callable[[], Store | None], days: int, every: float = PURGE_EVERY_SECONDS
) -> None:
    """Purges now, then every `every` seconds, off the event loop, until cancelled. A failed
    purge is logged and tried again at the next turn."""
    while True:
        store = current_store()
        if store is not None:
            try:
                removed = await asyncio.to_thread(purge_older_than, store.engine, days)
            except sa.exc.SQLAlchemyError as error:
                logger.warning("retention purge failed: %s", error.__class__.__name__)
            else:
                logger.info(
                    "retention purge",
                    extra={"forecasts": removed.forecasts, "outcomes": removed.outcomes},
                )
        await asyncio.sleep(every)
