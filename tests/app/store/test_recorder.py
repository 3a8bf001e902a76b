"""The group commit on real databases: concurrent requests share commits and return their
forecast ids only after theirs; a failing database fails every waiting request with
StoreUnavailableError."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.store.engine import create_engine, database_url
from app.store.insert import grades_json
from app.store.keys import student_key
from app.store.migrate import upgrade
from app.store.recorder import Answered, Forecasts, Recorder
from app.store.schema import forecasts
from app.store.store import Store, StoreUnavailableError


def forecasts_of(
    student_ids: Sequence[str] = ("S-1",), grades: Sequence[object] = (7.1, 7.4)
) -> Forecasts:
    count = len(student_ids)
    return Forecasts(
        student_ids,
        [list(grades)] * count,
        ["165"] * count,
        [Answered(3, 7.5, 6.9, 8.1)] * count,
        "1.0.0+test",
        0.9,
        datetime.now(UTC),
    )


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
    requests = [forecasts_of([f"S-{n}", f"T-{n}"]) for n in range(200)]

    async def record_all() -> list[list[str]]:
        return await asyncio.gather(*(recorder.record(forecasts) for forecasts in requests))

    answered = asyncio.run(record_all())
    assert all(len(ids) == 2 for ids in answered)
    assert recorded_ids(engine) == {forecast_id for ids in answered for forecast_id in ids}
    # All 200 arrived in one loop turn: far fewer commits than requests.
    assert recorder.commits <= 2


def test_requests_arriving_during_a_commit_share_the_next_one(
    recorder: Recorder, engine: sa.Engine
) -> None:
    async def record_in_waves() -> list[list[str]]:
        first = asyncio.ensure_future(recorder.record(forecasts_of(["S-0"])))
        await asyncio.sleep(0)  # handed over: its commit starts
        later = [recorder.record(forecasts_of([f"S-{n}"])) for n in range(1, 50)]
        return [await first, *await asyncio.gather(*later)]

    answered = asyncio.run(record_in_waves())
    assert recorded_ids(engine) == {ids[0] for ids in answered}
    assert recorder.commits <= 3


def test_only_the_students_with_an_id_are_recorded_each_with_its_own_id(
    recorder: Recorder, engine: sa.Engine
) -> None:
    ids = asyncio.run(recorder.record(forecasts_of(["A", "B", "C"])))
    assert len(set(ids)) == 3 and all(uuid.UUID(forecast_id).version == 7 for forecast_id in ids)
    with engine.connect() as connection:
        stored = dict(connection.execute(sa.select(forecasts.c.id, forecasts.c.student_key)).all())
    keys = [student_key(name, b"k" * 32) for name in "ABC"]
    assert stored == dict(zip(ids, keys, strict=True))


def test_a_row_read_back_is_the_row_written(recorder: Recorder, engine: sa.Engine) -> None:
    sent = Forecasts(
        ["S-1"], [(7.1, 7.4)], [165], [Answered(3, 7.5, 6.9, 8.1, 7.0, 0.25)], "1.0.0+test", 0.9,
        datetime.now(UTC),
    )  # fmt: skip
    [forecast_id] = asyncio.run(recorder.record(sent))
    with engine.connect() as connection:
        stored = dict(connection.execute(sa.select(forecasts)).mappings().one())
    assert abs(stored.pop("created_at").replace(tzinfo=UTC) - sent.created_at).total_seconds() < 1
    assert stored == {
        "id": forecast_id,
        "student_key": student_key("S-1", b"k" * 32),
        "semester": 3,
        "grades": [7.1, 7.4],
        "group_code": "165",
        "predicted": 7.5,
        "interval_low": 6.9,
        "interval_high": 8.1,
        "interval_level": 0.9,
        "risk_below": 7.0,
        "risk_probability": 0.25,
        "model_version": "1.0.0+test",
    }


def test_a_failing_database_fails_every_waiting_request_and_marks_the_store(
    recorder: Recorder, store: Store, engine: sa.Engine
) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE forecasts"))

    async def record_some() -> list[BaseException | None]:
        return await asyncio.gather(
            *(recorder.record(forecasts_of()) for _ in range(5)), return_exceptions=True
        )

    failures = asyncio.run(record_some())
    assert all(isinstance(failure, StoreUnavailableError) for failure in failures)
    assert "the forecast store is unavailable" in str(failures[0])
    assert "forecasts" in str(failures[0])  # the database's own reason
    assert not store.available
    with pytest.raises(StoreUnavailableError):  # at once, without queueing on a dead store
        asyncio.run(recorder.record(forecasts_of()))


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
            asyncio.run(recorder.record(forecasts_of()))
        assert not store.available
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        recorder.close()
        engine.dispose()


def test_a_bug_in_the_rows_reaches_the_waiting_request_at_once(
    recorder: Recorder, store: Store
) -> None:
    broken = forecasts_of(grades=[object()])  # not a database failure
    with pytest.raises(TypeError, match="not JSON serializable"):
        asyncio.run(recorder.record(broken))
    assert store.available
    assert len(asyncio.run(recorder.record(forecasts_of()))) == 1  # and the next one works


@pytest.mark.parametrize("grades", [[7.0, 7.25, 8.1], (6.93,), [], [7, 8.5]])
def test_the_grades_are_stored_as_json_dumps_writes_them(grades: Sequence[float]) -> None:
    assert grades_json(grades) == json.dumps(list(grades))
