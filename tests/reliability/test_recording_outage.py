"""PostgreSQL going away under recording load, on a throwaway cluster of the test's own (the
shared server is never stopped): recording requests get 503 while it is down and work again
after, plain forecasts never notice, nothing is a 500 or hangs; and what stops startup."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.live_server import ROOT, LiveServer, free_port
from harness.postgres import ThrowawayCluster, cluster_unavailable_reason
from harness.recording_load import STUDENT, RecordingLoad
from tests.conftest import MODEL_PATH
from tests.reliability.test_recording_durability import ID_KEY, environment, recorded_ids

REQUEST_TIMEOUT = 20.0


@pytest.fixture
def cluster() -> Iterator[ThrowawayCluster]:
    reason = cluster_unavailable_reason()
    if reason is not None:
        pytest.skip(f"PostgreSQL outage test skipped: {reason}")
    with ThrowawayCluster.create() as cluster:
        yield cluster


def test_recording_gets_503_during_an_outage_and_works_after_it(
    cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    with LiveServer.start(environment(cluster.url), log_dir=tmp_path) as server:
        load = RecordingLoad(server.base_url, threads=4, timeout=REQUEST_TIMEOUT).start()
        try:
            load.wait_for(200, 100)
            cluster.stop()
            load.wait_for(503, 20)
            plain = httpx.post(server.base_url + "/predict", json=STUDENT, timeout=5)
            assert plain.status_code == 200
            ready = httpx.get(server.base_url + "/health/ready", timeout=5)
            assert ready.status_code == 200
            assert ready.json()["store"]["state"] == "unavailable"
            cluster.start()
            load.wait_for(200, 100)
        finally:
            load.stop()
        unavailable = [line for line in server.log().splitlines() if "store unavailable" in line]
    assert unavailable, "the outage was not logged"
    assert not load.bodies_5xx and load.statuses.get(500, 0) == 0
    assert load.statuses.get("timeout", 0) == 0 and load.slowest < REQUEST_TIMEOUT
    assert set(load.statuses) <= {200, 503}
    # Every id told to a client was committed before the outage or after it.
    assert set(load.forecast_ids) <= recorded_ids(cluster.url)


def refusal_output(database_url: str, tmp_path: Path) -> tuple[int, str]:
    finished = subprocess.run(
        LiveServer.command(free_port()),
        cwd=tmp_path,
        env={
            "CGPA_MODEL_PATH": str(MODEL_PATH),
            "CGPA_DATABASE_URL": database_url,
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=60,
        executable=sys.executable,
    )
    return finished.returncode, finished.stdout + finished.stderr


def test_postgresql_without_a_key_stops_startup_with_one_line(tmp_path: Path) -> None:
    code, output = refusal_output("postgresql://postgres@127.0.0.1:5432/test", tmp_path)
    assert code != 0
    (line,) = [line for line in output.splitlines() if "store refused" in line]
    assert "CGPA_ID_KEY is required with PostgreSQL" in line
    assert "Traceback" not in output


def test_a_database_url_of_another_kind_stops_startup_with_one_line(tmp_path: Path) -> None:
    code, output = refusal_output("mysql://user@localhost/cgpa", tmp_path)
    assert code != 0
    (line,) = [line for line in output.splitlines() if "store refused" in line]
    assert "must be a postgresql:// URL, a sqlite:///path URL, or none" in line
    assert ID_KEY not in output and "Traceback" not in output
