"""Issue #25's scenario as a bounded test: 64 connections of the costliest valid batches for
12 s against the service with default settings. It must stay within the container's memory,
answer every health probe within a second, and answer every batch 200 or 503 + Retry-After.

The load is the benchmark's own (`python -m bench.heavy_load`, driven by wrk), run here in a
process of its own so that the load generator does not share this test's interpreter; its
throughput figure is the benchmark's business (docs/performance.md), not asserted here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import MODEL_PATH, ROOT

# The compose file and the Kubernetes manifest cap the container at 512 MiB; the issue's
# target, 400 MiB of RSS, leaves room below that for the rest of the container. RSS also
# counts the pages mapped from torch's libraries, which are the kernel's to drop and depend
# on the page cache: about 100 MiB where the libraries were loaded before, about 165 MiB right
# after they were installed (a fresh clone, as CI runs). So the test holds what the service
# allocates, its anonymous memory, to the target less the usual 100 MiB; the benchmark
# reports both (bench/servers.py MemorySampler).
PEAK_ANONYMOUS_MIB = 300
PROBE_SECONDS = 1.0


@pytest.fixture(scope="module")
def heavy_load(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (make test installs it: scripts/ensure-wrk.sh)")
    out = tmp_path_factory.mktemp("heavy") / "heavy_load.json"
    command = [sys.executable, "-m", "bench.heavy_load", "--seconds", "12", "--connections",
               "64", "--model", str(MODEL_PATH), "--out", str(out)]  # fmt: skip
    # A database of its own: the session's, which other tests have recorded into, is not
    # part of this scenario.
    environment = {**os.environ, "CGPA_DATABASE_URL": f"sqlite:///{out.parent / 'heavy.sqlite3'}"}
    subprocess.run(command, cwd=ROOT, env=environment, check=True, timeout=180, capture_output=True)
    return json.loads(out.read_text())["heavy_load"]


def test_memory_stays_within_the_container(heavy_load: dict) -> None:
    assert heavy_load["peak_anonymous_mib"] <= PEAK_ANONYMOUS_MIB, heavy_load


def test_every_health_probe_is_answered_200_within_a_second(heavy_load: dict) -> None:
    probes = heavy_load["probes"]
    assert probes["probes"] >= 20, probes  # one every quarter second, give or take
    assert probes["not_200"] == 0, probes
    assert probes["worst_ms"] <= PROBE_SECONDS * 1000, probes


def test_every_batch_is_answered_200_or_503_with_retry_after(heavy_load: dict) -> None:
    answers = heavy_load["answers"]
    assert answers["other"] == 0 and heavy_load["socket_errors"] == 0, heavy_load
    assert answers["refused_without_retry"] == 0, answers
    assert answers["ok"] > 0, answers  # admitted work is done, not only refused
