"""Forgetting: a student's erasure on request, and the retention period's purge.

An erasure deletes every forecast and outcome of one student in one transaction and audits
it in `erasures`: when, and how many rows, never the id nor its key. The purge deletes the
forecasts and outcomes older than the retention period (`CGPA_RETENTION_DAYS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.store.schema import erasures, forecasts, outcomes
from app.store.store import Store


@dataclass(frozen=True)
class Removed:
    forecasts: int
    outcomes: int


def erase_student(store: Store, student_id: str, now: datetime | None = None) -> Removed:
    student_key = store.student_key(student_id)
    with store.engine.begin() as connection:
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
        return Removed(
            connection.execute(forecasts.delete().where(forecasts.c.created_at < cutoff)).rowcount,
            connection.execute(outcomes.delete().where(outcomes.c.received_at < cutoff)).rowcount,
        )
