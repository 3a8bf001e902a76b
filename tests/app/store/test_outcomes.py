"""Recording real grades: matched to the forecast that counts, duplicates once, conflicts
refused whole, unmatched kept."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.store.outcomes import ConflictingOutcome, RealGrade, record_outcomes
from app.store.schema import outcomes
from app.store.store import Store
from harness.store_rows import forecast_row, insert_forecasts

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def stored(store: Store) -> list[dict]:
    with store.engine.connect() as connection:
        query = sa.select(outcomes).order_by(outcomes.c.student_key, outcomes.c.semester)
        return [dict(row) for row in connection.execute(query).mappings()]


def test_an_outcome_is_stored_beside_the_latest_forecast_before_it(store: Store) -> None:
    older = forecast_row(store, "s-1", 5, 7.0, created_at=T0, version="old")
    latest = forecast_row(store, "s-1", 5, 7.5, created_at=T0 + timedelta(days=1), group="165")
    after = forecast_row(store, "s-1", 5, 9.0, created_at=T0 + timedelta(days=9))
    other_semester = forecast_row(store, "s-1", 4, 6.0, created_at=T0 + timedelta(days=2))
    insert_forecasts(store, [older, latest, after, other_semester])

    counts = record_outcomes(store, [RealGrade("s-1", 5, 7.9)], now=T0 + timedelta(days=3))

    assert (counts.received, counts.matched, counts.unmatched, counts.duplicates) == (1, 1, 0, 0)
    [row] = stored(store)
    assert row["forecast_id"] == latest["id"]
    assert (row["model_version"], row["group_code"], row["predicted"]) == ("1.0.0+test", "165", 7.5)
    assert (row["interval_low"], row["interval_high"]) == (
        latest["interval_low"],
        latest["interval_high"],
    )
    assert row["student_key"] == store.student_key("s-1") != "s-1"


def test_an_outcome_without_a_forecast_is_kept_and_counted_unmatched(store: Store) -> None:
    counts = record_outcomes(store, [RealGrade("nobody", 3, 6.5)])

    assert (counts.matched, counts.unmatched) == (0, 1)
    [row] = stored(store)
    assert row["forecast_id"] is None and row["predicted"] is None and row["grade"] == 6.5


def test_the_same_outcome_twice_is_a_duplicate_stored_once(store: Store) -> None:
    insert_forecasts(store, [forecast_row(store, "s-1", 5, 7.0, created_at=T0)])
    first = record_outcomes(store, [RealGrade("s-1", 5, 7.9), RealGrade("s-1", 5, 7.9)])
    again = record_outcomes(store, [RealGrade("s-1", 5, 7.9), RealGrade("s-2", 5, 6.0)])

    assert (first.received, first.matched, first.duplicates) == (2, 1, 1)
    assert (again.received, again.matched, again.unmatched, again.duplicates) == (2, 0, 1, 1)
    assert len(stored(store)) == 2


def test_a_different_grade_for_a_recorded_outcome_refuses_the_whole_request(store: Store) -> None:
    record_outcomes(store, [RealGrade("s-1", 5, 7.9)])

    with pytest.raises(ConflictingOutcome) as refusal:
        record_outcomes(store, [RealGrade("s-3", 5, 6.0), RealGrade("s-1", 5, 8.1)])

    assert refusal.value.index == 1
    assert str(refusal.value).startswith("outcomes[1]: grade 8.1 differs from the 7.9 already")
    assert [row["grade"] for row in stored(store)] == [7.9]


def test_two_grades_for_one_semester_in_one_request_name_the_second(store: Store) -> None:
    with pytest.raises(ConflictingOutcome) as refusal:
        record_outcomes(store, [RealGrade("s-1", 5, 7.9), RealGrade("s-1", 5, 8.0)])

    assert "outcomes[1]: grade 8 differs from the 7.9 of outcomes[0]" in str(refusal.value)
    assert stored(store) == []


def test_ten_thousand_outcomes_in_one_request(store: Store) -> None:
    insert_forecasts(
        store, [forecast_row(store, f"s-{n}", 5, 7.0, created_at=T0) for n in range(0, 10_000, 2)]
    )
    grades = [RealGrade(f"s-{n}", 5, 7.5) for n in range(10_000)]

    counts = record_outcomes(store, grades)

    assert (counts.received, counts.matched, counts.unmatched, counts.duplicates) == (
        10_000,
        5_000,
        5_000,
        0,
    )


def test_concurrent_requests_with_the_same_outcomes_store_each_once(store: Store) -> None:
    grades = [RealGrade(f"s-{n}", 5, 7.0) for n in range(300)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: record_outcomes(store, grades), range(4)))

    assert sum(counts.unmatched for counts in results) == 300
    assert sum(counts.duplicates for counts in results) == 900
    assert len(stored(store)) == 300
