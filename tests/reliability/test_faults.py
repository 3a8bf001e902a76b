"""Faults around startup and shutdown, mostly on real uvicorn processes.

`tests/e2e/test_server.py` already proves that a missing, truncated or corrupt checkpoint,
a hash mismatch, a newer card format and a golden mismatch each stop startup with one clear
line; `tests/app/test_predictor.py` does the same without HTTP. Added here: damage to the
card itself (one case through a real startup, the rest through `load_predictor`), that
readiness never says 200 before the model is proven (polled from the moment the process
starts), and what SIGTERM does to requests in flight.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.model.predictor import ModelLoadError, load_predictor
from harness.live_server import ROOT, LiveServer, free_port, poll_until
from tests.conftest import MODEL_PATH
from tests.e2e.test_server import damage, start_and_expect_refusal

MODEL_READY = "model ready"


def rewrite_card(model_path: Path, change: Callable[[dict], object]) -> None:
    card_path = model_path.with_suffix(".json")
    card = json.loads(card_path.read_text())
    change(card)
    card_path.write_text(json.dumps(card))


def test_a_missing_card_stops_startup_with_one_clear_line(model_copy: Path) -> None:
    model_copy.with_suffix(".json").unlink()
    code, output = start_and_expect_refusal(model_copy)
    assert code != 0
    (line,) = [line for line in output.splitlines() if "model load failed" in line]
    assert "model card not found beside the checkpoint" in line
    assert "Traceback" not in output


# The same refusal path as above, so these are checked without starting a process each.
@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("card without a field", "golden_examples"),
        ("card with an unknown field", "trust_me"),
        ("card with a bad hash format", "checkpoint_sha256"),
        ("card whose history range is upside down", "min_history is larger than max_history"),
        ("checkpoint path is a folder", "checkpoint file not found"),
    ],
)
def test_a_damaged_card_is_refused_naming_the_problem(
    model_copy: Path, how: str, reason: str
) -> None:
    model_path = model_copy
    if how == "card without a field":
        rewrite_card(model_copy, lambda card: card.pop("golden_examples"))
    elif how == "card with an unknown field":
        rewrite_card(model_copy, lambda card: card.update(trust_me=True))
    elif how == "card with a bad hash format":
        rewrite_card(model_copy, lambda card: card.update(checkpoint_sha256="not-a-hash"))
    elif how == "card whose history range is upside down":
        rewrite_card(model_copy, lambda card: card.update(min_history=card["max_history"] + 1))
    elif how == "checkpoint path is a folder":
        model_path = model_copy.parent
    with pytest.raises(ModelLoadError, match=reason):
        load_predictor(model_path)


@contextmanager
def starting_server(model_path: Path, log_path: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """A server process that is *not* waited for: the test watches it come up."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            LiveServer.command(port),
            cwd=ROOT,
            env={**os.environ, "CGPA_MODEL_PATH": str(model_path)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)


def poll_readiness(process: subprocess.Popen, base_url: str, timeout: float) -> list[int]:
    """Every /health/ready status from process start until the first 200 or the process
    exits; a refused connection is 0."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = httpx.get(f"{base_url}/health/ready", timeout=2).status_code
        except httpx.TransportError:
            status = 0
        seen.append(status)
        if status == 200 or process.poll() is not None:
            break
        time.sleep(0.01)
    return seen


def probe_status(server: LiveServer) -> int:
    """The status of a liveness probe on a fresh connection."""
    return httpx.get(f"{server.base_url}/health/live", timeout=5).status_code


def refuses_connections(server: LiveServer) -> bool:
    try:
        server.connect(timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def log_events(log_path: Path) -> list[dict]:
    """The service's JSON log lines, in the order the process wrote them."""
    events = []
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            events.append(json.loads(line))
    return events


def test_readiness_is_never_200_before_the_model_is_proven(tmp_path: Path) -> None:
    log_path = tmp_path / "server.log"
    with starting_server(MODEL_PATH, log_path) as (process, base_url):
        seen = poll_readiness(process, base_url, timeout=60)
    assert seen[-1] == 200, seen[-3:]
    assert all(status in (0, 503) for status in seen[:-1]), seen
    # One process, one stream: the order of the lines is the order things happened.
    entries = log_events(log_path)
    events = [entry["event"] for entry in entries]
    ready_200 = [
        index
        for index, entry in enumerate(entries)
        if entry.get("route") == "/health/ready" and entry.get("status") == 200
    ]
    assert MODEL_READY in events and ready_200
    assert events.index(MODEL_READY) < ready_200[0]


def test_readiness_is_never_200_for_a_checkpoint_that_fails_its_golden_example(
    model_copy: Path, tmp_path: Path
) -> None:
    damage(model_copy, "golden")
    log_path = tmp_path / "server.log"
    with starting_server(model_copy, log_path) as (process, base_url):
        seen = poll_readiness(process, base_url, timeout=60)
        code = process.wait(timeout=30)
    assert code != 0
    assert 200 not in seen
    assert MODEL_READY not in [event["event"] for event in log_events(log_path)]


def test_sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits_cleanly() -> None:
    body = b'{"grades": [7.1, 7.4, 7.9, 8.0]}'
    head = (
        "POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    # With room for one request in flight, a probe is refused 503 exactly while another
    # request is in flight (the cap counts requests, not connections).
    environment = {"CGPA_MODEL_PATH": str(MODEL_PATH), "CGPA_MAX_CONCURRENCY": "1"}
    with LiveServer.start(environment) as server:
        in_flight = server.connect(timeout=10)
        # Half a request: the server has its headers and is waiting for the rest of the body.
        in_flight.sendall(head + body[:10])
        # The probe's request is read after the half request that came before it on the
        # other connection, so once the probe is refused, that request is in flight.
        assert poll_until(lambda: probe_status(server) == 503, timeout=10)
        server.process.send_signal(signal.SIGTERM)

        refused = poll_until(lambda: refuses_connections(server), timeout=10)
        assert refused, "new connections were still accepted after SIGTERM"
        assert server.process.poll() is None, "exited before the request in flight finished"

        in_flight.sendall(body[10:])
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = in_flight.recv(65536)
            if not chunk:
                break
            answer += chunk
        in_flight.close()
        code = server.process.wait(timeout=15)
        log = server.log()
    assert answer.startswith(b"HTTP/1.1 200 "), answer
    assert b'"predicted_cgpa"' in answer
    assert "Application shutdown complete" in log and "Finished server process" in log
    assert "Traceback" not in log
    # `python -m app` turns uvicorn's re-raised SIGTERM into a clean exit (app/__main__.py).
    assert code == 0, log
