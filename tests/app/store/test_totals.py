"""Monitoring's running sums stay equal to a fresh count over the outcomes after every kind of
write: outcomes arriving, an erasure, the retention purge; and migration 0002 fills them in
for outcomes recorded before it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from app.store.engine import create_engine
from app.store.migrate import alembic_config, upgrade
from app.store.monitoring import totals_by_cell
from app.store.outcomes import COPIED, RealGrade, record_outcomes
from app.store.privacy import erase_student, purge_older_than
from app.store.schema import forecasts, outcomes
from app.store.store import Store
from app.store.totals import SUM_NAMES, Totals, sums_of_outcomes
from harness.store_rows import TEST_KEY, forecast_row, insert_forecasts

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def assert_running_sums_are_a_fresh_count(store: Store) -> None:
    with store.engine.connect() as connection:
        running = {cell: t for cell, t in totals_by_cell(connection).items() if t.outcomes}
        fresh = sums_of_outcomes(connection, sa.true())
    assert set(running) == set(fresh)
    for cell, totals in fresh.items():
        for name in SUM_NAMES:
            assert getattr(running[cell], name) == pytest.approx(getattr(totals, name), abs=1e-9)


def test_running_sums_follow_arrivals_erasures_and_purges(store: Store) -> None:
    rng = random.Random(3)
    rows = []
    for n in range(80):
        asked = n % 3 == 0
        rows.append(
            forecast_row(
                store,
                f"s{n}",
                5,
                round(rng.uniform(5, 9), 2),
                group=rng.choice(["115", "241", None]),
                version=rng.choice(["v1", "v2"]),
                risk_below=7.0 if asked else None,
                risk_probability=rng.random() if asked else None,
                created_at=NOW - timedelta(days=60),
            )
        )
    insert_forecasts(store, rows)
    early = [RealGrade(f"s{n}", 5, round(rng.uniform(4, 10), 2)) for n in range(40)]
    late = [RealGrade(f"s{n}", 5, round(rng.uniform(4, 10), 2)) for n in range(40, 80)]
    record_outcomes(store, early, now=NOW - timedelta(days=50))
    record_outcomes(store, [*late, RealGrade("nobody", 5, 7.0)], now=NOW - timedelta(days=5))
    assert_running_sums_are_a_fresh_count(store)

    erase_student(store, "s41")
    erase_student(store, "s3")
    assert_running_sums_are_a_fresh_count(store)

    purge_older_than(store.engine, 30, now=NOW)
    assert_running_sums_are_a_fresh_count(store)
    with store.engine.connect() as connection:
        assert sum(t.outcomes for t in totals_by_cell(connection).values()) == 39


def test_one_outcome_in_python_is_the_same_as_in_sql(store: Store) -> None:
    forecast = forecast_row(
        store, "a", 5, 7.0, low=6.5, high=7.6, risk_below=7.2, risk_probability=0.3
    )
    insert_forecasts(store, [forecast])
    record_outcomes(store, [RealGrade("a", 5, 7.1)])

    with store.engine.connect() as connection:
        [in_sql] = sums_of_outcomes(connection, sa.true()).values()
    in_python = Totals.of_outcome(7.1, forecast)
    for name in SUM_NAMES:
        assert getattr(in_sql, name) == pytest.approx(getattr(in_python, name))


def test_migration_0002_counts_the_outcomes_already_there(tmp_path: Path) -> None:
    engine = create_engine(sa.URL.create("sqlite", database=str(tmp_path / "old.sqlite3")))
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.commit()
    store = Store(engine, TEST_KEY)
    forecast = forecast_row(store, "a", 5, 7.0, group="115")
    with engine.begin() as connection:
        connection.execute(forecasts.insert(), [forecast])
        connection.execute(
            outcomes.insert(),
            [
                {
                    "student_key": forecast["student_key"],
                    "semester": 5,
                    "grade": 7.5,
                    "received_at": NOW,
                    "forecast_id": forecast["id"],
                    **{k: forecast[k] for k in COPIED},
                }
            ],
        )

    upgrade(engine)

    assert_running_sums_are_a_fresh_count(store)
    with engine.connect() as connection:
        assert totals_by_cell(connection)[("1.0.0+test", "115")].outcomes == 1
