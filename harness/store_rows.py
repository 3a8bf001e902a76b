"""Databases and recorded rows for tests and benchmarks of the store: a migrated SQLite file or
a PostgreSQL database of its own on a server, and forecast rows written with SQLAlchemy Core
as the service records them (`forecasts`, app/store/schema.py)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.store.engine import create_engine
from app.store.migrate import upgrade
from app.store.schema import forecasts
from app.store.store import Store

# The shared PostgreSQL server of the test machine (trust auth); override with the variable.
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TEST_KEY = b"k" * 32


def sqlite_store(folder: Path) -> Store:
    engine = create_engine(sa.URL.create("sqlite", database=str(folder / "cgpa.sqlite3")))
    upgrade(engine)
    return Store(engine, TEST_KEY)


@contextmanager
def postgres_store(server_url: str = POSTGRES_SERVER) -> Iterator[Store]:
    """A migrated database of its own (cgpa_mon_<random>), dropped afterwards."""
    name = f"cgpa_mon_{secrets.token_hex(6)}"
    server = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(sa.make_url(server_url).set(database=name))
    try:
        upgrade(engine)
        yield Store(engine, TEST_KEY)
    finally:
        engine.dispose()
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def forecast_row(
    store: Store,
    student_id: str,
    semester: int,
    predicted: float,
    *,
    grades: Sequence[float] | None = None,
    low: float | None = None,
    high: float | None = None,
    group: str | None = None,
    version: str = "1.0.0+test",
    risk_below: float | None = None,
    risk_probability: float | None = None,
    created_at: datetime | None = None,
    student_key: str | None = None,
) -> dict[str, Any]:
    """One row of `forecasts` as the recorder writes it (interval ±0.8 unless given)."""
    return {
        "id": str(uuid.uuid4()),
        "student_key": student_key or store.student_key(student_id),
        "semester": semester,
        "grades": list(grades) if grades is not None else [7.0] * (semester - 1),
        "group_code": group,
        "predicted": predicted,
        "interval_low": predicted - 0.8 if low is None else low,
        "interval_high": predicted + 0.8 if high is None else high,
        "interval_level": 0.9,
        "risk_below": risk_below,
        "risk_probability": risk_probability,
        "model_version": version,
        "created_at": created_at or datetime.now(UTC),
    }


def insert_forecasts(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    with store.engine.begin() as connection:
        connection.execute(forecasts.insert(), list(rows))
