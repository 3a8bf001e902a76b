"""Swapping models in a real uvicorn process: under load, by signal, and with two workers."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from app.model.card import ModelCard
from app.model.predictor import card_path_for
from harness.checkpoints import copy_checkpoint, damage_checkpoint, derived_checkpoint, model_folder
from harness.live_server import LiveServer
from tests.conftest import MODEL_PATH

ADMIN_KEY = "admin-key-0123456789abcdef"
ADMIN = {"X-Admin-Key": ADMIN_KEY}
STUDENT = {"grades": [7.1, 7.4, 7.9]}


def versions_answering(base_url: str, requests: int = 40) -> Counter[str]:
    # A new connection per request, so that with several workers every one of them answers
    # some (a kept-alive connection stays with one worker).
    fresh = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=base_url, timeout=10, limits=fresh) as http:
        return Counter(
            http.post("/predict", json=STUDENT).json()["model_version"] for _ in range(requests)
        )


def wait_for_version(base_url: str, version: str, timeout: float = 30) -> Counter[str]:
    deadline = time.monotonic() + timeout
    while True:
        seen = versions_answering(base_url)
        if set(seen) == {version} or time.monotonic() > deadline:
            return seen
        time.sleep(0.2)


def test_reloads_under_load_fail_no_request(tmp_path: Path) -> None:
    """A smaller version of `python -m bench.reload`: 8 clients post without pause while two
    checkpoints take turns, and a damaged one is refused; no answer may be other than 200."""
    variants = [tmp_path / "a" / MODEL_PATH.name, tmp_path / "b" / MODEL_PATH.name]
    versions = [derived_checkpoint(MODEL_PATH, variants[0], 0.03)]
    versions.append(derived_checkpoint(MODEL_PATH, variants[1], -0.03))
    serving = model_folder(variants[0], tmp_path / "serving")
    environment = {"CGPA_MODEL_PATH": str(serving), "CGPA_ADMIN_KEY": ADMIN_KEY}
    with LiveServer.start(environment) as server:
        stop = threading.Event()
        statuses: Counter[int] = Counter()
        seen: Counter[str] = Counter()

        def client() -> None:
            with httpx.Client(base_url=server.base_url, timeout=10) as http:
                while not stop.is_set():
                    answer = http.post("/predict", json=STUDENT)
                    statuses[answer.status_code] += 1
                    if answer.status_code == 200:
                        seen[answer.json()["model_version"]] += 1

        threads = [threading.Thread(target=client) for _ in range(8)]
        for thread in threads:
            thread.start()
        outcomes = []
        try:
            with httpx.Client(base_url=server.base_url, timeout=30) as admin:
                for turn in range(6):
                    copy_checkpoint(variants[(turn + 1) % 2], serving)
                    if turn == 3:
                        damage_checkpoint(serving)
                    answer = admin.post("/admin/reload", headers=ADMIN)
                    outcomes.append((answer.status_code, answer.json().get("outcome")))
                    time.sleep(0.4)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    assert set(statuses) == {200}, statuses
    assert set(seen) == set(versions), seen
    # Turn 3's checkpoint was damaged: refused, and the model of turn 2 served on, so turn 4
    # (the same files as turn 2) found it already serving.
    loaded = (200, "loaded")
    assert outcomes == [loaded, loaded, loaded, (409, None), (200, "unchanged"), loaded]


def test_sighup_reloads_and_sigusr2_rolls_back(tmp_path: Path) -> None:
    serving = model_folder(MODEL_PATH, tmp_path / "serving")
    with LiveServer.start({"CGPA_MODEL_PATH": str(serving)}) as server:
        old = versions_answering(server.base_url, 1).most_common(1)[0][0]
        new = derived_checkpoint(MODEL_PATH, serving, 0.05)
        server.process.send_signal(signal.SIGHUP)
        assert set(wait_for_version(server.base_url, new)) == {new}
        server.process.send_signal(signal.SIGUSR2)
        assert set(wait_for_version(server.base_url, old)) == {old}
        assert server.process.poll() is None
        log = server.log()
    assert '"outcome":"loaded"' in log and '"outcome":"rolled_back"' in log


@pytest.mark.parametrize("via", ["signal to the supervisor", "admin request"])
def test_every_worker_ends_on_the_same_version(tmp_path: Path, via: str) -> None:
    serving = model_folder(MODEL_PATH, tmp_path / "serving")
    environment = {"CGPA_MODEL_PATH": str(serving), "CGPA_ADMIN_KEY": ADMIN_KEY}
    with LiveServer.start(environment, workers=2, timeout=60) as server:
        # Ready answers come from the first worker ready; the other may still be loading.
        deadline = time.monotonic() + 60
        while len(server.log_lines_with('"model ready"')) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(server.log_lines_with('"model ready"')) == 2
        # Fresh connections reach both workers: each serves the committed model to begin with.
        before = versions_answering(server.base_url)
        assert set(before) == {ModelCard.read(card_path_for(MODEL_PATH)).model_version}, before
        new = derived_checkpoint(MODEL_PATH, serving, 0.05)
        if via == "admin request":
            answer = httpx.post(f"{server.base_url}/admin/reload", headers=ADMIN, timeout=60)
            assert answer.status_code == 200, answer.text
            assert answer.json()["serving"]["model_version"] == new
        else:
            os.kill(server.process.pid, signal.SIGHUP)
        seen = wait_for_version(server.base_url, new)
        assert set(seen) == {new}, seen
        loaded = server.log_lines_with('"outcome":"loaded"')
        deadline = time.monotonic() + 30
        while len(loaded) < 2 and time.monotonic() < deadline:  # the other worker's line
            time.sleep(0.2)
            loaded = server.log_lines_with('"outcome":"loaded"')
        assert len(loaded) == 2, loaded  # once per worker, not more
