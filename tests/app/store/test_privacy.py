"""Erasing a student (audited without the id) and purging rows past the retention period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.store.outcomes import RealGrade, record_outcomes
from app.store.privacy import erase_student, purge_older_than
from app.store.schema import erasures, forecasts, outcomes
from app.store.store import Store
from harness.store_rows import forecast_row, insert_forecasts

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def count(store: Store, table: sa.Table) -> int:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_an_erasure_removes_one_students_rows_and_audits_the_counts_only(store: Store) -> None:
    insert_forecasts(
        store,
        [
            forecast_row(store, "s-1", 4, 7.0, created_at=NOW),
            forecast_row(store, "s-1", 5, 7.2, created_at=NOW),
            forecast_row(store, "s-2", 5, 6.0, created_at=NOW),
        ],
    )
    record_outcomes(store, [RealGrade("s-1", 5, 7.9), RealGrade("s-2", 5, 6.1)])

    removed = erase_student(store, "s-1", now=NOW)

    assert (removed.forecasts, removed.outcomes) == (2, 1)
    assert (count(store, forecasts), count(store, outcomes)) == (1, 1)
    with store.engine.connect() as connection:
        [audit] = connection.execute(sa.select(erasures)).mappings()
    assert (audit["forecasts"], audit["outcomes"]) == (2, 1)
    assert set(audit) == {"id", "erased_at", "forecasts", "outcomes"}


def test_erasing_an_unknown_student_removes_nothing_and_is_still_audited(store: Store) -> None:
    removed = erase_student(store, "never-seen")

    assert (removed.forecasts, removed.outcomes) == (0, 0)
    assert count(store, erasures) == 1


def test_the_purge_removes_rows_older_than_the_retention_period(store: Store) -> None:
    old, recent = NOW - timedelta(days=40), NOW - timedelta(days=10)
    insert_forecasts(
        store,
        [
            forecast_row(store, "old", 5, 7.0, created_at=old),
            forecast_row(store, "new", 5, 7.0, created_at=recent),
        ],
    )
    record_outcomes(store, [RealGrade("old", 5, 7.0)], now=old)
    record_outcomes(store, [RealGrade("new", 5, 7.0)], now=recent)

    removed = purge_older_than(store.engine, 30, now=NOW)

    assert (removed.forecasts, removed.outcomes) == (1, 1)
    assert (count(store, forecasts), count(store, outcomes)) == (1, 1)
