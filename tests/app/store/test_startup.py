"""The store at startup: what stops the service (one line), and what only makes the store
unavailable until the background watch finds the database."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.store import startup as startup_module
from app.store.engine import checkpoint
from app.store.migrate import upgrade
from app.store.recorder import Answered, Forecasts, Recorder
from app.store.startup import StoreRefused, checkpoint_and_mark, connect, open_store, watch
from harness.live_server import free_port

ID_KEY = "an-id-key-of-32-characters-long!"


def test_recording_off_is_no_store() -> None:
    assert open_store("none", None) is None


def test_postgresql_without_a_key_is_refused_in_one_line() -> None:
    with pytest.raises(StoreRefused) as refusal:
        open_store("postgresql://u:p@127.0.0.1:5432/db", None)
    assert str(refusal.value).startswith("CGPA_ID_KEY is required with PostgreSQL")
    assert "\n" not in str(refusal.value)


def test_sqlite_without_a_key_makes_one_beside_the_file_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "cgpa.sqlite3"
    with caplog.at_level(logging.WARNING, logger="cgpa.store"):
        store = open_store(f"sqlite:///{database}", None)
    assert store is not None
    assert (tmp_path / "cgpa.sqlite3.id-key").exists()
    assert "made a random key in" in caplog.text
    same = open_store(f"sqlite:///{database}", None)
    assert same is not None and same.key == store.key


def test_a_given_key_is_used_as_is(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'cgpa.sqlite3'}", ID_KEY)
    assert store is not None and store.key == ID_KEY.encode()
    assert not (tmp_path / "cgpa.sqlite3.id-key").exists()


def test_an_unreachable_database_leaves_the_store_unavailable_not_the_service() -> None:
    store = open_store(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing", ID_KEY)
    assert store is not None
    assert asyncio.run(connect(store)) is False
    assert not store.available and store.state == "unavailable"
    assert store.problem is not None and "OperationalError" in store.problem
    store.engine.dispose()


def test_the_watch_migrates_and_marks_the_store_available_once_it_answers(
    tmp_path: Path,
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'cgpa.sqlite3'}", ID_KEY)
    assert store is not None
    store.mark_unavailable("unreachable at startup")

    async def watch_until_available() -> None:
        watching = asyncio.create_task(watch(store, migrated=False, every=0.05))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if store.available:
                break
        watching.cancel()

    asyncio.run(watch_until_available())
    assert store.available
    assert "forecasts" in sa.inspect(store.engine).get_table_names()
    store.engine.dispose()


def test_a_newer_schema_stops_startup(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'cgpa.sqlite3'}", ID_KEY)
    assert store is not None
    upgrade(store.engine)
    with store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'f00d'"))
    with pytest.raises(StoreRefused, match="schema revision f00d"):
        asyncio.run(connect(store))
    store.engine.dispose()


def test_sqlite_commits_leave_checkpoints_to_the_watch(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'cgpa.sqlite3'}", ID_KEY)
    assert store is not None
    upgrade(store.engine)
    with store.engine.begin() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        connection.execute(sa.text("INSERT INTO erasures (erased_at, forecasts, outcomes) "
                                   "VALUES (CURRENT_TIMESTAMP, 1, 2)"))  # fmt: skip
    checkpoint(store.engine)
    with store.engine.connect() as connection:
        busy, logged, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    assert busy == 0 and logged == copied  # everything in the log is in the file
    store.engine.dispose()


def test_a_long_write_ahead_log_is_emptied_by_the_recorder_between_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The threshold lowered to one frame: any log is "long".
    monkeypatch.setattr(startup_module, "SQLITE_LOG_FRAMES_BEFORE_RESET", 1)
    store = open_store(f"sqlite:///{tmp_path / 'cgpa.sqlite3'}", ID_KEY)
    assert store is not None
    upgrade(store.engine)
    with store.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO erasures (erased_at, forecasts, outcomes) "
                                   "VALUES (CURRENT_TIMESTAMP, 1, 2)"))  # fmt: skip
    log = tmp_path / "cgpa.sqlite3-wal"
    assert log.stat().st_size > 0

    checkpoint_and_mark(store)
    assert store.log_reset_due
    recorder = Recorder(store)
    forecasts = Forecasts(["s-1"], [[7.0] * 4], [None], [Answered(5, 7.0, 6.2, 7.8)], "1.0.0", 0.9,
                          datetime.now(UTC))  # fmt: skip
    asyncio.run(recorder.record(forecasts))
    # The thread empties the log after answering the commit; closing waits for that.
    recorder.close()

    assert log.stat().st_size == 0 and not store.log_reset_due
    store.engine.dispose()
