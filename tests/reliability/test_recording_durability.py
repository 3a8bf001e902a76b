"""Recording under load on real servers: a forecast id a client was told of is in the store,
whatever happens to the process, and several writers share one database without a
"database is locked", a lost row or a 5xx.

Each test counts both sides: the ids clients received, the rows the database holds.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from harness.live_server import LiveServer
from harness.postgres import scratch_database, unreachable_reason
from harness.recording_load import RecordingLoad
from tests.conftest import MODEL_PATH

ID_KEY = "an-id-key-of-32-characters-long!"


def environment(database_url: str) -> dict[str, str]:
    return {
        "CGPA_MODEL_PATH": str(MODEL_PATH),
        "CGPA_DATABASE_URL": database_url,
        "CGPA_ID_KEY": ID_KEY,
    }


def recorded_ids(database_url: str) -> set[str]:
    url = sa.make_url(database_url)
    if url.drivername.startswith("postgres"):
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return set(connection.execute(sa.text("SELECT id FROM forecasts")).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def postgres_database() -> Iterator[str]:
    reason = unreachable_reason()
    if reason is not None:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    with scratch_database() as url:
        yield url


def test_after_kill_9_every_forecast_id_a_client_received_is_in_the_store(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'cgpa.sqlite3'}"
    with LiveServer.start(environment(database_url), log_dir=tmp_path) as server:
        load = RecordingLoad(server.base_url, threads=8).start()
        load.wait_for(200, 300)
        os.kill(server.process.pid, signal.SIGKILL)  # mid-load, no shutdown of any kind
        server.process.wait()
        load.stop()
    received = set(load.forecast_ids)
    assert len(received) >= 300
    assert load.statuses.get(500, 0) == 0
    # Restarted on the same file: it opens, migrates nothing, and holds every id.
    with LiveServer.start(environment(database_url), log_dir=tmp_path) as server:
        assert httpx.get(server.base_url + "/health/ready").json()["store"]["state"] == "ok"
    missing = received - recorded_ids(database_url)
    assert not missing, f"{len(missing)} of {len(received)} forecast ids told to clients are lost"


def run_load(servers: list[LiveServer], seconds: float) -> list[RecordingLoad]:
    loads = [RecordingLoad(server.base_url, threads=8).start() for server in servers]
    time.sleep(seconds)
    for load in loads:
        load.stop()
    return loads


def assert_every_answer_recorded(loads: list[RecordingLoad], database_url: str) -> None:
    received = [forecast_id for load in loads for forecast_id in load.forecast_ids]
    statuses = sum((load.statuses for load in loads), start=type(loads[0].statuses)())
    assert set(statuses) == {200}, statuses  # no 503, no 5xx, no timeout
    assert len(received) == len(set(received)) > 100
    assert recorded_ids(database_url) == set(received)


def test_two_workers_share_one_sqlite_file(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'cgpa.sqlite3'}"
    with LiveServer.start(
        environment(database_url), log_dir=tmp_path, workers=2, timeout=60
    ) as server:
        loads = run_load([server], seconds=4)
        log = server.log()
    assert "database is locked" not in log
    assert_every_answer_recorded(loads, database_url)


def test_two_processes_share_one_postgresql(tmp_path: Path, postgres_database: str) -> None:
    with (
        LiveServer.start(environment(postgres_database), log_dir=tmp_path) as first,
        LiveServer.start(environment(postgres_database), log_dir=tmp_path) as second,
    ):
        loads = run_load([first, second], seconds=4)
    assert_every_answer_recorded(loads, postgres_database)
