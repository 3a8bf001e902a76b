"""The group commit on real databases: concurrent requests share commits and return only
after theirs; a failing database fails every waiting request with StoreUnavailableError."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.store.engine import create_engine, database_url
from app.store.migrate import upgrade
from app.store.recorder import Recorder, Row
from app.store.schema import forecasts
from app.store.store import Store, StoreUnavailableError


def forecast_row(student: str = "S-1") -> Row:
    return {
        "id": str(uuid.uuid4()),
        "student_key": student.ljust(64, "0"),
        "semester": 3,
        "grades": [7.1, 7.4],
        "group_code": "165",
        "predicted": 7.5,
        "interval_low": 6.9,
        "interval_high": 8.1,
        "interval_level": 0.9,
        "risk_below": None,
        "risk_probability": None,
        "model_version": "1.0.0+test",
        "created_at": datetime.now(UTC),
    }


def recorded_ids(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(sa.text("SELECT id FROM forecasts")).scalars())


@pytest.fixture
def store(engine: sa.Engine) -> Store:
    upgrade(engine)
    store = Store(engine, b"k" * 32)
    return store


@pytest.fixture
def recorder(store: Store) -> Iterator[Recorder]:
    recorder = Recorder(store)
    yield recorder
    recorder.close()


def test_concurrent_requests_share_commits_and_every_row_is_committed(
    recorder: Recorder, engine: sa.Engine
) -> None:
    requests = [[forecast_row(), forecast_row()] for _ in range(200)]

    async def record_all() -> None:
        await asyncio.gather(*(recorder.record(rows) for rows in requests))

    asyncio.run(record_all())
    assert recorded_ids(engine) == {row["id"] for rows in requests for row in rows}
    # All 200 arrived in one loop turn: far fewer commits than requests.
    assert recorder.commits <= 2


def test_a_row_read_back_is_the_row_written(recorder: Recorder, engine: sa.Engine) -> None:
    row = forecast_row()
    asyncio.run(recorder.record([row]))
    with engine.connect() as connection:
        stored = connection.execute(sa.select(forecasts)).mappings().one()
    assert {name: stored[name] for name in row if name != "created_at"} == {
        name: value for name, value in row.items() if name != "created_at"
    }
    assert abs(stored["created_at"].replace(tzinfo=UTC) - row["created_at"]).total_seconds() < 1


def test_a_failing_database_fails_every_waiting_request_and_marks_the_store(
    recorder: Recorder, store: Store, engine: sa.Engine
) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE forecasts"))

    async def record_some() -> list[BaseException | None]:
        return await asyncio.gather(
            *(recorder.record([forecast_row()]) for _ in range(5)), return_exceptions=True
        )

    failures = asyncio.run(record_some())
    assert all(isinstance(failure, StoreUnavailableError) for failure in failures)
    assert "the forecast store is unavailable" in str(failures[0])
    assert "forecasts" in str(failures[0])  # the database's own reason
    assert not store.available
    with pytest.raises(StoreUnavailableError):  # at once, without queueing on a dead store
        asyncio.run(recorder.record([forecast_row()]))


def test_a_request_waits_no_longer_than_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "cgpa.sqlite3"
    engine = create_engine(database_url(f"sqlite:///{path}"))  # type: ignore[arg-type]
    upgrade(engine)
    store = Store(engine, b"k" * 32)
    recorder = Recorder(store, wait_seconds=0.5)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        with pytest.raises(StoreUnavailableError, match="no commit within 0.5 s"):
            asyncio.run(recorder.record([forecast_row()]))
        assert not store.available
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        recorder.close()
        engine.dispose()


def test_a_bug_in_the_rows_reaches_the_waiting_request_at_once(
    recorder: Recorder, store: Store
) -> None:
    broken = {**forecast_row(), "grades": [object()]}  # not a database failure
    with pytest.raises(TypeError, match="not JSON serializable"):
        asyncio.run(recorder.record([broken]))
    assert store.available
