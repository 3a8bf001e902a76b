"""A store that does not answer: plain forecasts go on, recording requests get 503 naming the
store with Retry-After, readiness stays 200 and says so. Real failures only: a PostgreSQL
port nobody listens on, a SQLite file another process holds locked."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from harness.live_server import free_port

ID_KEY = "an-id-key-of-32-characters-long!"
STUDENT = {"grades": [7.1, 7.4, 7.9, 8.0], "college_code": 165}


def test_an_unreachable_database_only_stops_recording(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(
        database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/cgpa", id_key=ID_KEY
    )
    assert client.post("/predict", json=STUDENT).status_code == 200
    response = client.post("/predict", json={**STUDENT, "student_id": "S-1"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert body["error"] == "store_unavailable"
    assert body["message"].startswith("student_id: the forecast store is unavailable: ")
    assert "not recorded" in body["message"]
    batch = client.post(
        "/predict/batch", json={"students": [STUDENT, {**STUDENT, "student_id": "S-2"}]}
    )
    assert batch.status_code == 503 and batch.json()["error"] == "store_unavailable"
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    store = ready.json()["store"]
    assert store["state"] == "unavailable" and store["database"] == "postgresql"
    assert "OperationalError" in store["message"]


def test_a_sqlite_file_locked_past_the_busy_timeout_is_a_503_then_recovers(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    database = tmp_path / "cgpa.sqlite3"
    client = make_client(database_url=f"sqlite:///{database}", id_key=ID_KEY)
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        response = client.post("/predict", json={**STUDENT, "student_id": "S-1"})
        assert response.status_code == 503
        assert "database is locked" in response.json()["message"]
        assert client.post("/predict", json=STUDENT).status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # The watch retries every second; once the lock is gone recording works again.
    for _ in range(50):
        if client.get("/health/ready").json()["store"]["state"] == "ok":
            break
        time.sleep(0.1)
    response = client.post("/predict", json={**STUDENT, "student_id": "S-1"})
    assert response.status_code == 200 and "forecast_id" in response.json()
